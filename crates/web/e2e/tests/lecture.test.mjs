// The lecture hall (issue 9): the page hosted from a sub-path, presentation mode at
// projector sizes, scenario steps that unfold, clicker keys, messages that a click
// selects, the announcer, keyboard paths, axe-core, touch, and the small truths.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import {
  openInContext, openPage, screenshot, startBrowser, stopBrowser, serveStatic, seriousAxeViolations,
  waitForLeader, waitForServers, distDir, assertInside, assertPresentationFits, waitForStep,
} from '../harness.mjs';

const BOUNDED_WAIT_MS = 20_000;
let server;
let browser;

before(async () => ({ server, browser } = await startBrowser()));
after(() => stopBrowser({ server, browser }));

const currentStep = (page) => page.getAttribute('[data-scenario]', 'data-current-step');
const stepState = (page) => page.getAttribute('[data-scenario]', 'data-step-state');
const traceHash = (page) => page.getAttribute('[data-clock]', 'data-trace-hash');
const announced = (page) => page.textContent('[data-announcer]');

/** A page with its own viewport (and touch, when asked), recording problems. */
function openSized(query, width, height, options = {}) {
  return openInContext(browser, server.url + query, { viewport: { width, height }, ...options });
}

test('dist/ hosted under /course/raftviz/ runs the newcomer flow, a scenario, Chinese and a trace, and asks nothing of anyone else',
  { timeout: 90_000 }, async () => {
    const folder = await serveStatic(distDir, '/course/raftviz/');
    try {
      const { page, problems } = await openPage(browser, folder.url, '/?speed=1');
      const requested = [];
      page.on('request', (request) => requested.push(request.url()));
      await page.reload();
      const leader = await waitForLeader(page);
      await page.click('.controls [data-action=request]');
      await waitForServers(page, '(servers) => servers.every((s) => s.commit >= 1)');
      await page.click(`[data-action=crash][data-target="${leader.id}"]`);
      await waitForLeader(page, `(next) => next.id !== ${leader.id}`);
      // A scenario's file comes from the same folder.
      await page.goto(`${folder.url}/?scenario=split-vote`);
      await page.waitForSelector('[data-scenario=split-vote]', { timeout: 20_000 });
      assert.ok(requested.includes(`${folder.url}/scenarios/split-vote.scenario`), `${requested}`);
      // So do the Chinese texts and the trace reader (an exported trace imported back).
      await page.click('[data-action=pause]');
      const hash = await traceHash(page);
      const [download] = await Promise.all([page.waitForEvent('download'), page.click('[data-action=export]')]);
      await page.setInputFiles('[data-import]', {
        name: 'run.json', mimeType: 'application/json', buffer: await readFile(await download.path()),
      });
      await page.waitForFunction(() => /Imported run\.json/.test(document.querySelector('[data-notice]').textContent),
        null, { timeout: 20_000 });
      assert.equal(await traceHash(page), hash);
      await page.selectOption('[data-action=lang]', 'zh');
      await page.waitForFunction(() => document.documentElement.lang === 'zh', null, { timeout: 20_000 });
      for (const file of ['i18n/zh.txt', 'trace_reader_loader.js']) {
        assert.ok(requested.includes(`${folder.url}/${file}`), `${file} not among ${requested}`);
      }
      assert.ok(requested.length >= 3, `only ${requested.length} requests: ${requested}`);
      for (const url of requested) {
        assert.ok(url.startsWith(`${folder.url}/`) || url.startsWith('data:'), `${url} is outside the page's folder`);
      }
      await screenshot(page, 'hosted-under-sub-path');
      assert.deepEqual(problems, []);
      await page.close();
    } finally {
      await folder.close();
    }
  });

// Chinese once, at the projector size: its narration and labels must fit as English does.
for (const [width, height, lang] of [[1280, 720, 'en'], [1920, 1080, 'en'], [1280, 720, 'zh']]) {
  test(`presentation mode at ${width}×${height} in ${lang}: every Figure 8 step fits, both rules, text at least 18 px`,
    { timeout: 120_000 }, async () => {
      for (const faulty of [false, true]) {
        const { page, context, problems } = await openSized(`/?scenario=figure8&present=1&lang=${lang}`, width, height);
        assert.equal(await page.getAttribute('main', 'data-presenting'), 'true');
        assert.equal(await page.getAttribute('html', 'lang'), lang);
        if (faulty) await page.check('[data-faulty-toggle]');
        const steps = (await page.$$('[data-scenario-step]')).length;
        assert.equal(steps, 5);
        for (let index = 0; index < steps; index += 1) {
          await page.click(`[data-scenario-step="${index}"]`);
          await waitForStep(page, index);
          const where = `step ${index} (${faulty ? 'faulty' : 'correct'} rule)`;
          await assertPresentationFits(page, width, height, where);
          if (index === 3 && faulty) {
            assert.equal(await page.getAttribute('[data-invariant=state-machine-safety]', 'data-ok'), 'false');
            await screenshot(page, `presentation-${width}x${height}-${lang}-figure8-d-faulty`);
          }
        }
        assert.deepEqual(problems, []);
        await context.close();
      }
    });
}

test('P and ?present=1 switch presentation mode, and Share keeps it in the link', { timeout: 60_000 }, async () => {
  const { page, context, problems } = await openSized('/?seed=3&speed=1', 1280, 720);
  await context.grantPermissions(['clipboard-read', 'clipboard-write']);
  assert.equal(await page.getAttribute('main', 'data-presenting'), 'false');
  await page.keyboard.press('p');
  assert.equal(await page.getAttribute('main', 'data-presenting'), 'true');
  assert.match(await page.evaluate(() => location.search), /present=1/);
  await page.click('[data-action=pause]');
  await page.keyboard.press('p');
  assert.equal(await page.getAttribute('main', 'data-presenting'), 'false');
  assert.doesNotMatch(await page.evaluate(() => location.search), /present=1/);
  await page.click('[data-action=present]');
  assert.equal(await page.getAttribute('main', 'data-presenting'), 'true');
  await page.click('[data-action=share]');
  await page.waitForSelector('[data-share-status=copied]', { timeout: BOUNDED_WAIT_MS });
  const link = await page.evaluate(() => navigator.clipboard.readText());
  assert.match(link, /\?seed=3&speed=1&present=1#run=/);
  const opened = await openSized(link.slice(server.url.length), 1280, 720);
  assert.equal(await opened.page.getAttribute('main', 'data-presenting'), 'true');
  assert.deepEqual([...problems, ...opened.problems], []);
  await opened.context.close();
  await context.close();
});

test('Share says "Link copied", or shows the link selected when the clipboard refuses', { timeout: 60_000 }, async () => {
  const { page, context, problems } = await openSized('/?seed=4&speed=1', 1280, 720);
  await context.grantPermissions(['clipboard-read', 'clipboard-write']);
  await page.focus('[data-action=share]');
  await page.keyboard.press('Enter');
  const status = await page.waitForSelector('[data-share-status=copied]', { timeout: BOUNDED_WAIT_MS });
  assert.equal((await status.textContent()).trim(), 'Link copied');
  assert.equal(await page.evaluate(() => document.activeElement?.dataset.action), 'share', 'the status took the focus off Share');
  assert.equal(await page.evaluate(() => navigator.clipboard.readText()), await page.evaluate(() => location.href));
  await context.close();

  const refused = await openSized('/?seed=4&speed=1', 1280, 720);
  await refused.page.evaluate(() => {
    navigator.clipboard.writeText = () => Promise.reject(new DOMException('denied', 'NotAllowedError'));
  });
  await refused.page.click('[data-action=share]');
  await refused.page.waitForSelector('[data-share-status=refused] [data-share-link]', { timeout: BOUNDED_WAIT_MS });
  const field = await refused.page.evaluate(() => {
    const input = document.querySelector('[data-share-link]');
    return { value: input.value, focused: document.activeElement === input, start: input.selectionStart, end: input.selectionEnd, href: location.href };
  });
  assert.equal(field.value, field.href);
  assert.ok(field.focused, 'the link field has the focus');
  assert.deepEqual([field.start, field.end], [0, field.value.length], 'the whole link is selected');
  assert.deepEqual([...problems, ...refused.problems], []);
  await refused.context.close();
});

test('Next unfolds a step with messages in flight, Next again finishes it, Back is instant, Space pauses it',
  { timeout: 90_000 }, async () => {
    const { page, problems } = await openPage(browser, server.url, '/?scenario=figure8');
    await page.waitForSelector('[data-scenario=figure8]', { timeout: BOUNDED_WAIT_MS });
    // The end of step (a) played at once, from a shared link, to compare with.
    const reference = await openPage(browser, server.url, '/#scenario=figure8&step=0&faulty=0');
    await reference.page.waitForSelector('[data-scenario=figure8]');
    const endOfA = await traceHash(reference.page);
    await reference.page.close();

    await page.click('[data-action=next-step]');
    await waitForStep(page, 0, 'playing');
    await page.waitForFunction(() => document.querySelector('[data-msg]')
      && document.querySelector('[data-scenario]').dataset.stepState === 'playing', null, { timeout: BOUNDED_WAIT_MS });
    await screenshot(page, 'step-unfolding');
    // Space pauses the step and plays it again; the scenario stays. (Off the Next
    // button, which keeps the focus after a click, and which Space would press.)
    await page.evaluate(() => document.activeElement.blur());
    await page.keyboard.press('Space');
    await waitForStep(page, 0, 'paused');
    const paused = await page.getAttribute('[data-clock]', 'data-ms');
    await page.waitForTimeout(400);
    assert.equal(await page.getAttribute('[data-clock]', 'data-ms'), paused, 'the paused step moved on');
    await page.keyboard.press('Space');
    await waitForStep(page, 0, 'playing');
    assert.ok(await page.$('[data-scenario=figure8]'), 'Space left the scenario');
    // Next while it plays: the step's end at once, exactly as played at once.
    await page.click('[data-action=next-step]');
    await waitForStep(page, 0, 'done');
    assert.equal(await traceHash(page), endOfA, 'the unfolded step ended elsewhere');

    // Step (b) at the default pace ends by itself in 3–8 s.
    const started = Date.now();
    await page.click('[data-action=next-step]');
    await waitForStep(page, 1, 'playing');
    await waitForStep(page, 1, 'done');
    const seconds = (Date.now() - started) / 1000;
    assert.ok(seconds >= 3 && seconds <= 9, `step (b) took ${seconds} s`);
    assert.equal(await page.$('[data-check-failed]'), null);
    // Back: the end of (a), at once.
    await page.click('[data-action=prev-step]');
    await waitForStep(page, 0, 'done');
    assert.equal(await traceHash(page), endOfA);
    // Continue freely leaves; reopening the step undoes it.
    await page.click('[data-action=continue-freely]');
    assert.equal(await page.$('[data-scenario]'), null);
    await page.click('[data-action=reopen-scenario]');
    await waitForStep(page, 0, 'done');
    assert.equal(await traceHash(page), endOfA);
    assert.deepEqual(problems, []);
    await page.close();
  });

test('clicker keys walk the scenario: PageDown / → / N, PageUp / ← / B, Home, End', { timeout: 60_000 }, async () => {
  const { page, problems } = await openPage(browser, server.url, '/?scenario=figure8');
  await page.waitForSelector('[data-scenario=figure8]', { timeout: BOUNDED_WAIT_MS });
  await page.keyboard.press('PageDown');
  await waitForStep(page, 0, 'playing');
  await page.keyboard.press('PageDown');
  await waitForStep(page, 0, 'done');
  for (const [key, index] of [['ArrowRight', 1], ['n', 2]]) {
    await page.keyboard.press(key);
    await waitForStep(page, index, 'playing');
    await page.keyboard.press(key);
    await waitForStep(page, index, 'done');
  }
  await page.keyboard.press('PageUp');
  await waitForStep(page, 1);
  await page.keyboard.press('ArrowLeft');
  await waitForStep(page, 0);
  await page.keyboard.press('End');
  await waitForStep(page, 4);
  await page.keyboard.press('Home');
  await waitForStep(page, 0);
  await page.keyboard.press('b');
  await page.waitForFunction(() => document.querySelector('[data-scenario]').dataset.currentStep === '');
  // After a mouse click the Next button keeps the focus; the clicker still works.
  await page.click('[data-action=next-step]');
  await waitForStep(page, 0, 'playing');
  await page.keyboard.press('PageDown');
  await waitForStep(page, 0, 'done');
  assert.deepEqual(problems, []);
  await page.close();
});

/** Pauses the run and steps it until a message is in flight; resolves to its id. */
async function stepToAMessage(page) {
  await page.click('[data-action=pause]');
  for (let step = 0; step < 60 && !(await page.$('[data-msg]')); step += 1) {
    await page.click('[data-action=step]');
  }
  const id = await page.getAttribute('[data-msg]', 'data-msg');
  assert.ok(id, 'no message in flight after 60 steps');
  return id;
}

test('clicking a message selects it and shows every field; Drop and D drop it; hit areas are 12 px',
  { timeout: 60_000 }, async () => {
    const { page, problems } = await openPage(browser, server.url, '/?seed=15&speed=1/20');
    await waitForLeader(page);
    await page.click('.controls [data-action=request]');
    const id = await stepToAMessage(page);
    // The hit area reaches 6 px from the dot's centre every way, even where the drawing
    // is small enough (the phone layout) for the dot itself to be narrower than that.
    await page.setViewportSize({ width: 390, height: 844 });
    await page.$eval(`[data-msg="${id}"]`, (message) => message.scrollIntoView({ block: 'center' }));
    const reach = await page.$eval(`[data-msg="${id}"] .message-dot`, (dot) => {
      const box = dot.getBoundingClientRect();
      const [x, y] = [box.left + box.width / 2, box.top + box.height / 2];
      const message = dot.closest('[data-msg]');
      return {
        dotRadius: box.width / 2,
        hits: [0, 1, 2, 3, 4, 5, 6, 7].map((eighth) => {
          const angle = (eighth * Math.PI) / 4;
          const hit = document.elementFromPoint(x + 6 * Math.cos(angle), y + 6 * Math.sin(angle));
          return hit?.closest('[data-msg]') === message;
        }),
      };
    });
    assert.ok(reach.dotRadius < 5.5, `the dot (radius ${reach.dotRadius} px) would answer the probe itself`);
    assert.deepEqual(reach.hits, Array(8).fill(true), 'the message is not 12 px wide to hit');
    await page.setViewportSize({ width: 1100, height: 900 });
    await page.click(`[data-msg="${id}"] .message-hit`, { force: true });
    assert.equal(await page.getAttribute(`[data-msg="${id}"]`, 'data-selected'), 'true');
    const panel = await page.waitForSelector(`[data-message-panel="${id}"]`);
    assert.match(await panel.textContent(), new RegExp(`Message #${id}`));
    for (const field of ['type', 'route', 'term', 'fate']) {
      assert.ok(await page.$(`[data-message-panel] [data-field="${field}"]`), `the panel lacks ${field}`);
    }
    await screenshot(page, 'message-selected');
    await page.click('[data-message-panel] [data-action=drop]');
    assert.equal(await page.$(`[data-msg="${id}"]`), null, 'the message is still in flight');
    assert.match(await page.textContent('[data-notice]'), new RegExp(`#${id} dropped`));

    // Selecting a message while the run plays pauses it, so the message can be read.
    await page.click('[data-action=play]');
    const caught = await page.waitForFunction(() => {
      const hit = document.querySelector('[data-msg] .message-hit');
      if (!hit) return false;
      hit.dispatchEvent(new MouseEvent('click', { bubbles: true }));
      return hit.closest('[data-msg]').dataset.msg;
    }, null, { timeout: BOUNDED_WAIT_MS });
    const caughtId = await caught.jsonValue();
    await page.waitForSelector(`[data-message-panel="${caughtId}"]`);
    assert.equal(await page.getAttribute('[data-action=play]', 'aria-pressed'), 'false', 'selecting did not pause');
    await page.click('[data-action=deselect]');
    assert.equal(await page.$('[data-message-panel]'), null);

    const second = await stepToAMessage(page);
    await page.click(`[data-msg="${second}"] .message-hit`, { force: true });
    await page.waitForSelector(`[data-message-panel="${second}"]`);
    await page.keyboard.press('d');
    assert.equal(await page.$(`[data-msg="${second}"]`), null, 'D did not drop the selected message');

    // An arrow in the space-time diagram is 12 px wide to hit too, and selects.
    await page.click('[data-action=play]');
    await page.waitForTimeout(500);
    await page.click('[data-action=pause]');
    await page.$eval('[data-spacetime]', (diagram) => diagram.scrollIntoView({ block: 'center' }));
    const arrowHit = await page.evaluate(() => {
      for (const arrow of document.querySelectorAll('[data-spacetime] [data-arrow]')) {
        // 6 px either side of the line's middle, across the line (its drawn stroke is
        // under 2 px wide, so only the hit area can answer there).
        const line = arrow.querySelector('.arrow-line');
        const matrix = line.getScreenCTM();
        const [a, b] = [['x1', 'y1'], ['x2', 'y2']].map(([x, y]) => {
          const [px, py] = [line[x].baseVal.value, line[y].baseVal.value];
          return { x: matrix.a * px + matrix.c * py + matrix.e, y: matrix.b * px + matrix.d * py + matrix.f };
        });
        const length = Math.hypot(b.x - a.x, b.y - a.y);
        if (length < 12) continue;
        const normal = { x: -(b.y - a.y) / length, y: (b.x - a.x) / length };
        const middle = { x: (a.x + b.x) / 2, y: (a.y + b.y) / 2 };
        const hit = [-6, 6].every((d) => document.elementFromPoint(middle.x + normal.x * d, middle.y + normal.y * d)
          ?.closest('[data-arrow]') === arrow);
        if (hit) return arrow.dataset.arrow;
      }
      return null;
    });
    assert.ok(arrowHit, 'no arrow is 12 px wide to hit');
    await page.dispatchEvent(`[data-arrow="${arrowHit}"]`, 'click');
    await page.waitForSelector(`[data-message-panel="${arrowHit}"]`);
    assert.equal(await page.getAttribute(`[data-arrow="${arrowHit}"]`, 'data-selected'), 'true');
    assert.deepEqual(problems, []);
    await page.close();
  });

for (const [name, query, ready] of [
  ['the free-play page', '/?seed=1&speed=1', async (page) => waitForLeader(page)],
  ['a scenario page', '/?scenario=figure8', async (page) => {
    await page.click('[data-action=next-step]');
    await page.click('[data-action=next-step]');
    await waitForStep(page, 0);
  }],
  ['Figure 8 (d) with the faulty rule', '/#scenario=figure8&step=3&faulty=1', async (page) => waitForStep(page, 3)],
  ['presentation mode', '/?present=1#scenario=figure8&step=3&faulty=1', async (page) => waitForStep(page, 3)],
]) {
  test(`axe-core finds no serious or critical violation on ${name}`, { timeout: 60_000 }, async () => {
    const { page, problems } = await openPage(browser, server.url, query);
    await page.waitForSelector('[data-node]', { timeout: BOUNDED_WAIT_MS });
    await ready(page);
    await page.click('[data-action=pause]').catch(() => {});
    const violations = await seriousAxeViolations(page);
    assert.deepEqual(violations, [], JSON.stringify(violations, null, 1));
    assert.deepEqual(problems, []);
    await page.close();
  });
}

test('the live region announces a crash and the new leader, and can be muted', { timeout: 60_000 }, async () => {
  const { page, problems } = await openPage(browser, server.url, '/?seed=12&speed=1');
  assert.equal(await page.getAttribute('[data-announcer]', 'aria-live'), 'polite');
  const old = await waitForLeader(page);
  await page.waitForFunction((name) => document.querySelector('[data-announcer]').textContent.includes(`${name} became leader of term`),
    `S${old.id + 1}`, { timeout: BOUNDED_WAIT_MS });
  await page.click(`[data-action=crash][data-target="${old.id}"]`);
  const next = await waitForLeader(page, `(leader) => leader.id !== ${old.id}`);
  await page.waitForFunction((name) => document.querySelector('[data-announcer]').textContent.includes(`${name} crashed.`),
    `S${old.id + 1}`, { timeout: BOUNDED_WAIT_MS });
  await page.waitForFunction(([name, term]) => document.querySelector('[data-announcer]').textContent.includes(`${name} became leader of term ${term}.`),
    [`S${next.id + 1}`, next.term], { timeout: BOUNDED_WAIT_MS });
  await page.click('.controls [data-action=request]');
  await page.waitForFunction(() => /Index \d+ committed|Indices \d+ to \d+ committed/.test(document.querySelector('[data-announcer]').textContent),
    null, { timeout: BOUNDED_WAIT_MS });
  await page.uncheck('[data-setting=announce]');
  assert.equal((await announced(page)).trim(), '');
  await page.click(`[data-action=crash][data-target="${next.id}"]`);
  await page.waitForTimeout(2000);
  assert.equal((await announced(page)).trim(), '', 'a muted announcer spoke');
  assert.deepEqual(problems, []);
  await page.close();
});

test('keyboard: Space and Enter press the focused control; menus take and give back the focus', { timeout: 60_000 }, async () => {
  const { page, problems } = await openPage(browser, server.url, '/?seed=16&speed=1');
  await waitForLeader(page);
  await page.focus('.controls [data-action=request]');
  await page.keyboard.press('Space');
  assert.match(await page.textContent('[data-notice]'), /accepted the request|refused/);
  assert.equal(await page.getAttribute('[data-action=play]', 'aria-pressed'), 'true', 'Space on a button toggled play');
  await page.focus('[data-action=pause]');
  await page.keyboard.press('Enter');
  assert.equal(await page.getAttribute('[data-action=pause]', 'aria-pressed'), 'true');

  await page.focus('[data-link="0-1"]');
  await page.keyboard.press('Enter');
  await page.waitForSelector('.link-menu');
  assert.equal(await page.evaluate(() => document.activeElement?.dataset.linkChoice), 'both', 'the menu did not focus its first item');
  await page.keyboard.press('Escape');
  assert.equal(await page.$('.link-menu'), null);
  assert.equal(await page.evaluate(() => document.activeElement?.dataset.link), '0-1', 'Escape did not give the focus back');

  await page.focus('[data-node="2"]');
  await page.keyboard.press('Enter');
  await page.waitForSelector('[data-server-menu="2"]');
  assert.equal(await page.evaluate(() => document.activeElement?.dataset.action), 'crash');
  await page.keyboard.press('Enter');
  assert.equal(await page.getAttribute('[data-node="2"]', 'data-up'), 'false', 'Enter on Crash did not crash S3');
  assert.equal(await page.evaluate(() => document.activeElement?.dataset.node), '2');

  await page.focus('[data-action=help]');
  await page.keyboard.press('Enter');
  await page.waitForSelector('[data-help]');
  await page.keyboard.press('Escape');
  assert.equal(await page.$('[data-help]'), null);
  assert.equal(await page.evaluate(() => document.activeElement?.dataset.action), 'help');
  assert.deepEqual(problems, []);
  await page.close();
});

test('the log grid and the servers read as sentences', { timeout: 60_000 }, async () => {
  const { page, problems } = await openPage(browser, server.url, '/#scenario=figure8&step=1&faulty=0');
  await waitForStep(page, 1);
  const logs = await page.locator('.log-panel').ariaSnapshot();
  assert.match(logs, /S2, index 2, term 2, not committed yet/);
  assert.match(logs, /S5, index 1, term 1, committed/);
  const ring = await page.locator('[data-ring]').ariaSnapshot();
  assert.match(ring, /S5, leader, term 3, voted for S5, log up to index 2, commit index 1/);
  assert.match(ring, /S1, down, term 2/);
  assert.deepEqual(problems, []);
  await page.close();
});

test('at 390×844 a tapped server opens its actions beside it; tap targets are 44 px', { timeout: 60_000 }, async () => {
  const { page, context, problems } = await openSized('/?seed=18&speed=1/5', 390, 844, { hasTouch: true, isMobile: true });
  // A link is a band 44 px wide: 20 px either side of its middle still hits it (or,
  // where two cross, a link all the same). Paused, so no message flies in between, and
  // before a menu opens over the drawing.
  await page.tap('[data-action=pause]');
  await page.$eval('[data-ring]', (ring) => ring.scrollIntoView({ block: 'center' }));
  const links = await page.$$eval('[data-link]', (elements) => elements.map((link) => {
    const [a, b] = link.dataset.link.split('-').map(Number);
    const line = link.querySelector('.link-line');
    const length = line.getTotalLength();
    const [p, q] = [line.getPointAtLength(length / 2 - 1), line.getPointAtLength(length / 2 + 1)];
    const matrix = line.getScreenCTM();
    const screen = (point) => ({ x: matrix.a * point.x + matrix.c * point.y + matrix.e, y: matrix.b * point.x + matrix.d * point.y + matrix.f });
    const [s, t] = [screen(p), screen(q)];
    const norm = Math.hypot(t.x - s.x, t.y - s.y);
    const normal = { x: -(t.y - s.y) / norm, y: (t.x - s.x) / norm };
    const mid = { x: (s.x + t.x) / 2, y: (s.y + t.y) / 2 };
    return [20, -20].map((d) => {
      const hit = document.elementFromPoint(mid.x + normal.x * d, mid.y + normal.y * d)?.closest('[data-link]');
      const neighbours = Math.abs(a - b) === 1 || Math.abs(a - b) === 4;
      return neighbours ? hit === link : Boolean(hit);
    }).every(Boolean) || link.dataset.link;
  }));
  assert.deepEqual(links.filter((ok) => ok !== true), [], 'links narrower than 44 px to tap');
  await page.tap('[data-node="1"]');
  const menu = await page.waitForSelector('[data-server-menu="1"]');
  const server = await page.$eval('[data-node="1"] .body', (body) => body.getBoundingClientRect().toJSON());
  const menuBox = (await menu.boundingBox());
  const overlap = !(menuBox.x >= server.right || menuBox.x + menuBox.width <= server.left
    || menuBox.y >= server.bottom || menuBox.y + menuBox.height <= server.top);
  assert.ok(!overlap, `the menu covers the server: ${JSON.stringify({ menuBox, server })}`);
  assertInside({ left: menuBox.x, top: menuBox.y, right: menuBox.x + menuBox.width, bottom: menuBox.y + menuBox.height }, 390, 844, 'the menu');
  const actions = await page.$$eval('[data-server-menu] [data-action]', (buttons) => buttons.map((b) => b.dataset.action));
  assert.deepEqual(actions, ['crash', 'timeout', 'request', 'remove']);
  await screenshot(page, 'phone-server-menu');
  const small = await page.evaluate(() => {
    const targets = document.querySelectorAll('button, select, input, [role=button], .share-bar .import');
    return [...targets].filter((element) => {
      if (element.closest('.visually-hidden') || element.classList.contains('marker')) return false;
      const box = element.getBoundingClientRect();
      if (box.width === 0 && box.height === 0) return false;
      if (element.matches('input[type=file]')) return false; // inside its 44 px label
      if (element.matches('[data-msg]')) return false; // moving dots; D and the panel serve touch
      if (element.matches('[data-link]')) return false; // a band, checked above
      return box.width < 44 - 0.5 || box.height < 44 - 0.5;
    }).map((element) => `${element.tagName} ${element.dataset.action ?? element.dataset.setting ?? element.textContent.trim().slice(0, 20)} ${element.getBoundingClientRect().width.toFixed(0)}×${element.getBoundingClientRect().height.toFixed(0)}`);
  });
  assert.deepEqual(small, [], 'tap targets under 44 px');
  await page.tap('[data-server-menu] [data-action=crash]');
  assert.equal(await page.getAttribute('[data-node="1"]', 'data-up'), 'false');
  assert.deepEqual(problems, []);
  await context.close();
});

test('labels stay inside the drawing for 3 to 9 servers, and the tagline counts them', { timeout: 90_000 }, async () => {
  const words = { 3: 'three', 4: 'four', 5: 'five', 6: 'six', 7: 'seven', 8: 'eight', 9: 'nine' };
  for (let servers = 3; servers <= 9; servers += 1) {
    const { page, problems } = await openPage(browser, server.url, `/?servers=${servers}&speed=1`);
    assert.equal((await page.$$('[data-node]')).length, servers);
    await waitForLeader(page);
    // Long words: a pre-candidate and a candidate.
    await page.click('[data-action=pause]');
    const clipped = await page.$eval('[data-ring]', (svg) => {
      const [left, top, width, height] = svg.getAttribute('viewBox').split(/\s+/).map(Number);
      return [...svg.querySelectorAll('.server-labels text')].filter((text) => {
        const box = text.getBBox();
        return box.x < left || box.y < top || box.x + box.width > left + width || box.y + box.height > top + height;
      }).map((text) => text.textContent);
    });
    assert.deepEqual(clipped, [], `${servers} servers: clipped labels`);
    assert.match(await page.textContent('.tagline'), new RegExp(`A ${words[servers]}-server Raft cluster`));
    assert.deepEqual(problems, []);
    await page.close();
  }
});

/** Labels of messages that overlap each other or a server's body, by their boxes on screen. */
async function crowdedMessageLabels(page) {
  return page.evaluate(() => {
    const boxes = (selector) => [...document.querySelectorAll(selector)].map((element) => ({
      what: element.closest('[data-msg]') ? `message ${element.closest('[data-msg]').dataset.msg}` : `server ${element.closest('[data-node]').dataset.node}`,
      box: element.getBoundingClientRect(),
    }));
    const labels = boxes('[data-ring] [data-msg] text');
    const bodies = boxes('[data-ring] [data-node] .body');
    const overlap = (a, b) => a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom;
    const crowded = [];
    labels.forEach((label, index) => {
      for (const other of [...labels.slice(index + 1), ...bodies]) {
        if (overlap(label.box, other.box)) crowded.push(`${label.what} on ${other.what}`);
      }
    });
    return { labels: labels.length, crowded };
  });
}

test('message labels never sit on each other or on a server', { timeout: 60_000 }, async () => {
  // The end of Figure 8 (d): four AppendEntries from S5 in flight, two side by side.
  const { page, context, problems } = await openSized('/?present=1#scenario=figure8&step=3&faulty=1', 1280, 720);
  await waitForStep(page, 3);
  const atTheEnd = await crowdedMessageLabels(page);
  assert.ok(atTheEnd.labels >= 3, `only ${atTheEnd.labels} labels`);
  assert.deepEqual(atTheEnd.crowded, []);
  await context.close();
  // Free play: a leader's requests leave it side by side, step by step.
  const free = await openPage(browser, server.url, '/?seed=15&speed=1/20');
  await waitForLeader(free.page);
  await free.page.click('.controls [data-action=request]');
  await free.page.click('[data-action=pause]');
  for (let step = 0; step < 40; step += 1) {
    const { crowded } = await crowdedMessageLabels(free.page);
    assert.deepEqual(crowded, [], `after ${step} steps`);
    await free.page.click('[data-action=step]');
  }
  assert.deepEqual([...problems, ...free.problems], []);
  await free.page.close();
});

test('term colours never come near message or reply colours', { timeout: 30_000 }, async () => {
  const { page, problems } = await openPage(browser, server.url, '/?seed=1');
  const colours = await page.evaluate(() => {
    const style = getComputedStyle(document.documentElement);
    const read = (name) => style.getPropertyValue(name).trim();
    return {
      terms: [0, 1, 2, 3, 4, 5, 6].map((term) => read(`--term-${term}`)),
      messages: ['append', 'vote', 'prevote', 'reply-ok', 'reply-refused', 'snapshot', 'timeout-now', 'other']
        .map((name) => read(`--message-${name}`)),
    };
  });
  const lab = (written) => {
    // The minified stylesheet writes #rrggbb as #rgb where it can.
    const hex = written.length === 4 ? `#${[...written.slice(1)].map((c) => c + c).join('')}` : written;
    assert.match(hex, /^#[0-9a-f]{6}$/i, `a colour written ${written}`);
    const [r, g, b] = [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16) / 255)
      .map((c) => (c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4));
    const f = (t) => (t > 0.008856 ? Math.cbrt(t) : 7.787 * t + 16 / 116);
    const x = f((0.4124 * r + 0.3576 * g + 0.1805 * b) / 0.95047);
    const y = f(0.2126 * r + 0.7152 * g + 0.0722 * b);
    const z = f((0.0193 * r + 0.1192 * g + 0.9505 * b) / 1.08883);
    return [116 * y - 16, 500 * (x - y), 200 * (y - z)];
  };
  for (const term of colours.terms) {
    for (const message of colours.messages) {
      const distance = Math.hypot(...lab(term).map((v, i) => v - lab(message)[i]));
      assert.ok(distance >= 20, `term colour ${term} is ΔE ${distance.toFixed(1)} from message colour ${message}`);
    }
  }
  assert.deepEqual(problems, []);
  await page.close();
});

test('tagline, hint and seed messages tell the truth; role names are whole', { timeout: 60_000 }, async () => {
  const { page, problems } = await openPage(browser, server.url, '/?scenario=figure8&seed=abc');
  await page.waitForSelector('[data-scenario=figure8]');
  const error = await page.textContent('[data-error]');
  assert.match(error, /abc/);
  assert.match(error, /own seed, 8/);
  assert.doesNotMatch(error, /Running seed 1/);
  assert.equal((await page.textContent('[data-notice]')).trim(), '', 'the free-play hint shows in a scenario');
  assert.match(await page.textContent('.tagline'), /five-server/);
  await page.close();

  const small = await openPage(browser, server.url, '/#scenario=split-vote&step=0&faulty=0');
  await waitForStep(small.page, 0);
  assert.match(await small.page.textContent('.tagline'), /four-server/);
  const names = await small.page.$$eval('.row-name', (buttons) => buttons.map((button) => ({
    text: button.textContent, fits: button.scrollWidth <= button.clientWidth,
  })));
  assert.ok(names.some((name) => name.text.includes('candidate')), JSON.stringify(names));
  for (const name of names) assert.ok(name.fits, `"${name.text}" is cut off`);
  assert.deepEqual([...problems, ...small.problems], []);
  await small.page.close();
});
