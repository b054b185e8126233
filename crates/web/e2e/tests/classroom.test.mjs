// The classroom features: the Figure 8 walkthrough both ways, the scenario player,
// shared #run= links, exported and imported traces, bad input rejected, and time
// travel (step back and forward, fork and undo). Runs are compared by the trace hash
// the page shows on its clock (`data-trace-hash`): equal hashes, identical runs.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import {
  openPage, screenshot, startBrowser, stopBrowser, nextStep,
} from '../harness.mjs';

const BOUNDED_WAIT_MS = 20_000;
const STATE_MACHINE_SAFETY = '[data-invariant=state-machine-safety]';
// One byte over the simulator's MAX_TRACE_BYTES (5 MiB).
const OVERSIZED_TRACE_BYTES = 5 * 1024 * 1024 + 1;

let server;
let browser;

before(async () => ({ server, browser } = await startBrowser()));
after(() => stopBrowser({ server, browser }));

const traceHash = (page) => page.getAttribute('[data-clock]', 'data-trace-hash');
const currentStep = (page) => page.getAttribute('[data-scenario]', 'data-current-step');

async function invariantStates(page) {
  return page.$$eval('[data-invariant]', (items) =>
    Object.fromEntries(items.map((item) => [item.dataset.invariant, item.dataset.ok])));
}

/** A run with a leader, a few requests and a crash, paused; resolves to its hash. */
async function pausedRunWithActions(page) {
  const leader = await page.waitForSelector('[data-node][data-role=leader]', { timeout: BOUNDED_WAIT_MS });
  const leaderId = await leader.getAttribute('data-node');
  await page.click('.controls [data-action=request]');
  await page.click('.controls [data-action=request]');
  await page.click(`[data-action=crash][data-target="${leaderId}"]`);
  await page.waitForSelector(`[data-node][data-role=leader]:not([data-node="${leaderId}"])`, { timeout: BOUNDED_WAIT_MS });
  await page.click('[data-action=pause]');
  return traceHash(page);
}

test('Figure 8 with the faulty commit rule breaks State Machine Safety in step (d)', { timeout: 90_000 }, async () => {
  const { page, problems } = await openPage(browser, server.url, '/?scenario=figure8');
  await page.waitForSelector('[data-scenario=figure8]', { timeout: BOUNDED_WAIT_MS });
  await page.check('[data-faulty-toggle]');
  for (const index of [0, 1, 2]) {
    await nextStep(page, index);
    assert.equal(await page.getAttribute(STATE_MACHINE_SAFETY, 'data-ok'), 'true', `broken before (d), at step ${index}`);
  }
  await nextStep(page, 3);
  assert.equal(await page.getAttribute(STATE_MACHINE_SAFETY, 'data-ok'), 'false', 'step (d) did not break State Machine Safety');
  assert.ok((await page.$$('[data-conflict]')).length > 0, 'the conflicting entries are not highlighted');
  assert.ok(await page.$(`${STATE_MACHINE_SAFETY} a.broken-at`), 'the badge does not link to the breaking event');
  await screenshot(page, 'figure8-faulty-d');
  assert.deepEqual(problems, []);
  await page.close();
});

test('Figure 8 with the correct rule keeps every invariant through (e)', { timeout: 90_000 }, async () => {
  const { page, problems } = await openPage(browser, server.url, '/?scenario=figure8');
  await page.waitForSelector('[data-scenario=figure8]', { timeout: BOUNDED_WAIT_MS });
  assert.equal(await page.isChecked('[data-faulty-toggle]'), false);
  // (e) branches from (c), so Next after (d) ends the story; (e) is reached by its button.
  for (const index of [0, 1, 2, 3]) {
    await nextStep(page, index);
    for (const [name, ok] of Object.entries(await invariantStates(page))) {
      assert.equal(ok, 'true', `${name} broke at step ${index}`);
    }
  }
  await page.click('[data-scenario-step="4"]');
  await page.waitForFunction(() => document.querySelector('[data-scenario]').dataset.currentStep === '4');
  for (const [name, ok] of Object.entries(await invariantStates(page))) assert.equal(ok, 'true', `${name} broke in (e)`);
  assert.equal(await page.$('[data-check-failed]'), null, 'a scenario check failed');
  await screenshot(page, 'figure8-correct-e');
  assert.deepEqual(problems, []);
  await page.close();
});

test('the scenario player goes Next, Back and to any step', { timeout: 90_000 }, async () => {
  const { page, problems } = await openPage(browser, server.url, '/?scenario=split-vote');
  await page.waitForSelector('[data-scenario=split-vote]', { timeout: BOUNDED_WAIT_MS });
  assert.equal(await currentStep(page), '');
  const summary = await page.textContent('[data-narration]');
  await nextStep(page, 0);
  const firstNarration = await page.textContent('[data-narration]');
  assert.notEqual(firstNarration, summary);
  const afterFirst = await traceHash(page);
  await nextStep(page, 1);
  assert.notEqual(await traceHash(page), afterFirst, 'step 2 did not change the run');
  await page.click('[data-action=prev-step]');
  await page.waitForFunction(() => document.querySelector('[data-scenario]').dataset.currentStep === '0');
  assert.equal(await traceHash(page), afterFirst, 'Back did not return to the state after step 1');
  assert.equal(await page.textContent('[data-narration]'), firstNarration);
  const steps = (await page.$$('[data-scenario-step]')).length;
  await page.click(`[data-scenario-step="${steps - 1}"]`);
  await page.waitForFunction((last) => document.querySelector('[data-scenario]').dataset.currentStep === String(last), steps - 1);
  assert.equal(await page.$('[data-check-failed]'), null, 'a scenario check failed');
  assert.equal(await page.isDisabled('[data-action=next-step]'), true, 'Next is enabled after the last step');
  await screenshot(page, 'scenario-split-vote');
  assert.deepEqual(problems, []);
  await page.close();
});

test('a shared #run= link reproduces the run exactly', { timeout: 90_000 }, async () => {
  const { page, problems } = await openPage(browser, server.url, '/?seed=5&speed=1');
  const hash = await pausedRunWithActions(page);
  const ms = await page.getAttribute('[data-clock]', 'data-ms');
  await page.click('[data-action=share]');
  await page.waitForFunction(() => location.hash.startsWith('#run='));
  const fragment = await page.evaluate(() => location.hash);
  // Copied, or (without clipboard permission) shown for copying.
  await page.waitForSelector('[data-share-status=copied], [data-share-status=refused]');

  const opened = await openPage(browser, server.url, `/${fragment}`);
  await opened.page.waitForSelector('[data-clock]', { timeout: BOUNDED_WAIT_MS });
  assert.equal(await traceHash(opened.page), hash, 'the link replays a different run');
  assert.equal(await opened.page.getAttribute('[data-clock]', 'data-ms'), ms);
  assert.equal(await opened.page.$('[data-error]'), null);
  await screenshot(opened.page, 'shared-link-opened');
  assert.deepEqual([...problems, ...opened.problems], []);
  await opened.page.close();
  await page.close();
});

test('sharing inside a scenario reopens the player at the same step and mode', { timeout: 90_000 }, async () => {
  const { page, problems } = await openPage(browser, server.url, '/?scenario=figure8');
  await page.waitForSelector('[data-scenario=figure8]', { timeout: BOUNDED_WAIT_MS });
  await page.check('[data-faulty-toggle]');
  for (const index of [0, 1, 2, 3]) await nextStep(page, index);
  const hash = await traceHash(page);
  await page.click('[data-action=share]');
  await page.waitForFunction(() => location.hash.startsWith('#scenario='));
  const fragment = await page.evaluate(() => location.hash);
  assert.equal(fragment, '#scenario=figure8&step=3&variant=faulty');

  const opened = await openPage(browser, server.url, `/${fragment}`);
  await opened.page.waitForSelector('[data-scenario=figure8]', { timeout: BOUNDED_WAIT_MS });
  assert.equal(await currentStep(opened.page), '3');
  assert.equal(await opened.page.isChecked('[data-faulty-toggle]'), true);
  assert.equal(await traceHash(opened.page), hash, 'the link shows a different moment');
  assert.equal((await invariantStates(opened.page))['state-machine-safety'], 'false');
  assert.deepEqual([...problems, ...opened.problems], []);
  await opened.page.close();
  await page.close();
});

test('an exported trace imported back reproduces the run', { timeout: 90_000 }, async () => {
  const { page, problems } = await openPage(browser, server.url, '/?seed=6&speed=1');
  const hash = await pausedRunWithActions(page);
  const [download] = await Promise.all([page.waitForEvent('download'), page.click('[data-action=export]')]);
  const trace = await readFile(await download.path(), 'utf8');
  assert.equal(JSON.parse(trace).format, 'raftviz-trace');

  const other = await openPage(browser, server.url, '/?seed=99&speed=1');
  await other.page.waitForSelector('[data-import]');
  await other.page.setInputFiles('[data-import]', {
    name: 'run.json', mimeType: 'application/json', buffer: Buffer.from(trace),
  });
  await other.page.waitForFunction((expected) =>
    document.querySelector('[data-clock]').dataset.traceHash === expected, hash, { timeout: BOUNDED_WAIT_MS });
  assert.equal(await other.page.$('[data-error]'), null);
  await screenshot(other.page, 'trace-imported');

  // The same trace dropped onto a page imports too.
  const dropped = await openPage(browser, server.url, '/?seed=98&speed=1');
  await dropped.page.waitForSelector('[data-clock]');
  await dropped.page.evaluate((text) => {
    const transfer = new DataTransfer();
    transfer.items.add(new File([text], 'dropped.json', { type: 'application/json' }));
    document.querySelector('main').dispatchEvent(new DragEvent('drop', { dataTransfer: transfer, bubbles: true, cancelable: true }));
  }, trace);
  await dropped.page.waitForFunction((expected) =>
    document.querySelector('[data-clock]').dataset.traceHash === expected, hash, { timeout: BOUNDED_WAIT_MS });
  assert.deepEqual([...problems, ...other.problems, ...dropped.problems], []);
  await dropped.page.close();
  await other.page.close();
  await page.close();
});

test('bad and oversized trace files are refused and the run stays', { timeout: 90_000 }, async () => {
  const { page, problems } = await openPage(browser, server.url, '/?seed=7&speed=1');
  const hash = await pausedRunWithActions(page);
  await page.setInputFiles('[data-import]', {
    name: 'bad.json', mimeType: 'application/json', buffer: Buffer.from('{"format":"something-else","version":1}'),
  });
  const error = await page.waitForSelector('[data-error]', { timeout: BOUNDED_WAIT_MS });
  assert.ok(await error.isVisible());
  assert.match(await error.textContent(), /bad\.json/);
  assert.equal(await traceHash(page), hash, 'a bad trace changed the run');
  await screenshot(page, 'bad-trace-refused');

  await page.click('[data-action=dismiss-error]');
  await page.setInputFiles('[data-import]', {
    name: 'huge.json', mimeType: 'application/json', buffer: Buffer.alloc(OVERSIZED_TRACE_BYTES, 0x20),
  });
  const tooLarge = await page.waitForSelector('[data-error]', { timeout: BOUNDED_WAIT_MS });
  assert.match(await tooLarge.textContent(), /huge\.json.*limit/);
  assert.equal(await traceHash(page), hash, 'an oversized trace changed the run');
  assert.deepEqual(problems, []);
  await page.close();
});

test('the trace reader starts only for a trace; without it, import says why and export still saves', { timeout: 90_000 }, async () => {
  const { page, problems } = await openPage(browser, server.url, '/?seed=7&speed=1');
  const hash = await pausedRunWithActions(page);
  assert.equal(page.workers().length, 0, 'the reader came with the page');

  await page.route('**/trace_reader_loader.js', (route) => route.fulfill({ status: 404, body: 'not found' }));
  const [download] = await Promise.all([page.waitForEvent('download'), page.click('[data-action=export]')]);
  const trace = await readFile(await download.path(), 'utf8');
  assert.match(await page.textContent('[data-notice]'), /^Saved raftviz-seed-7-/);
  await page.setInputFiles('[data-import]', {
    name: 'run.json', mimeType: 'application/json', buffer: Buffer.from(trace),
  });
  const error = await page.waitForSelector('[data-error]', { timeout: BOUNDED_WAIT_MS });
  assert.match(await error.textContent(), /Could not import run\.json: the page's trace reader did not start or stopped \(trace_reader_loader\.js\)/);
  assert.equal(await traceHash(page), hash, 'a failed reading changed the run');

  // Once it can start, the same file imports (a fresh reader replaces the failed one).
  await page.unroute('**/trace_reader_loader.js');
  await page.click('[data-action=dismiss-error]');
  await page.setInputFiles('[data-import]', {
    name: 'run.json', mimeType: 'application/json', buffer: Buffer.from(trace),
  });
  await page.waitForFunction(() => /Imported run\.json/.test(document.querySelector('[data-notice]').textContent),
    null, { timeout: BOUNDED_WAIT_MS });
  assert.equal(await page.$('[data-error]'), null);
  assert.equal(await traceHash(page), hash);
  assert.equal(page.workers().length, 1, 'one reader, the failed one gone');
  assert.deepEqual(problems.filter((problem) => !problem.includes('trace_reader_loader.js')), []);
  await page.close();
});

test('a scenario file that fails to load is reported and the run on screen stays', { timeout: 90_000 }, async () => {
  const { page, problems } = await openPage(browser, server.url, '/?speed=1');
  await page.route('**/scenarios/split-vote.scenario', (route) => route.fulfill({ status: 404, body: 'not found' }));
  await page.goto(`${server.url}/?speed=1&scenario=split-vote`);
  const missing = await page.waitForSelector('[data-error]', { timeout: BOUNDED_WAIT_MS });
  assert.match(await missing.textContent(), /could not be loaded \(HTTP 404\)/);
  // The free-play run goes on in its place.
  await page.waitForSelector('[data-node][data-role=leader]', { timeout: BOUNDED_WAIT_MS });
  assert.equal(await page.$('[data-scenario]'), null);
  await screenshot(page, 'scenario-file-missing');

  // Inside a scenario, a see-also whose file is slow says so, then fails (offline, or
  // a file that is not a scenario), and the scenario on screen stays where it was.
  await page.goto(`${server.url}/?scenario=partial-partition`);
  await page.waitForSelector('[data-scenario=partial-partition]', { timeout: BOUNDED_WAIT_MS });
  await page.click('[data-scenario-step="1"]');
  await page.waitForFunction(() => document.querySelector('[data-scenario]').dataset.currentStep === '1');
  const hash = await traceHash(page);
  let goOffline;
  const offline = new Promise((resolve) => { goOffline = resolve; });
  await page.route('**/scenarios/cloudflare-switch.scenario', async (route) => {
    await offline;
    await route.abort('internetdisconnected');
  });
  await page.click('[data-see-also=cloudflare-switch]');
  await page.waitForFunction(() => /Loading the scenario “A half-failed switch/.test(document.querySelector('[data-notice]').textContent),
    null, { timeout: BOUNDED_WAIT_MS });
  goOffline();
  const unreachable = await page.waitForSelector('[data-error]', { timeout: BOUNDED_WAIT_MS });
  assert.match(await unreachable.textContent(), /A half-failed switch.*could not be loaded/);
  await page.route('**/scenarios/pre-vote.scenario', (route) => route.fulfill({ status: 200, body: 'no scenario here' }));
  await page.click('[data-action=dismiss-error]');
  await page.click('[data-see-also=pre-vote]');
  await page.waitForFunction(() => /pre-vote\.scenario line 1/.test(document.querySelector('[data-error]')?.textContent),
    null, { timeout: BOUNDED_WAIT_MS });
  assert.equal(await page.getAttribute('[data-scenario]', 'data-scenario'), 'partial-partition');
  assert.equal(await currentStep(page), '1');
  assert.equal(await traceHash(page), hash, 'a failed scenario changed the run');
  // The next one that comes opens.
  await page.click('[data-see-also=one-way-cut]');
  await page.waitForSelector('[data-scenario=one-way-cut]', { timeout: BOUNDED_WAIT_MS });
  const unexpected = problems.filter((problem) => !/404|ERR_INTERNET_DISCONNECTED|Failed to load resource/.test(problem));
  assert.deepEqual(unexpected, []);
  await page.close();
});

test('a malformed #run= link shows an error and the default run goes on', { timeout: 60_000 }, async () => {
  const { page, problems } = await openPage(browser, server.url, '/?speed=1#run=not-a-run');
  const error = await page.waitForSelector('[data-error]', { timeout: BOUNDED_WAIT_MS });
  assert.ok(await error.isVisible());
  assert.match(await error.textContent(), /#run=/);
  await page.waitForSelector('[data-node][data-role=leader]', { timeout: BOUNDED_WAIT_MS });
  await screenshot(page, 'malformed-run-link');
  assert.deepEqual(problems, []);
  await page.close();
});

test('stepping back and then forward returns to the same run', { timeout: 90_000 }, async () => {
  const { page, problems } = await openPage(browser, server.url, '/?seed=8&speed=1');
  const live = await pausedRunWithActions(page);
  const seen = new Set();
  for (let i = 0; i < 4; i += 1) {
    await page.click('[data-action=back]');
    seen.add(await traceHash(page));
  }
  assert.equal(await page.getAttribute('[data-timeline]', 'data-in-past'), 'true');
  assert.ok([...seen].some((hash) => hash !== live), 'stepping back never changed the run on screen');
  await screenshot(page, 'time-travel-past');
  for (let i = 0; i < 10 && (await page.getAttribute('[data-timeline]', 'data-in-past')) === 'true'; i += 1) {
    await page.click('[data-action=step]');
  }
  assert.equal(await page.getAttribute('[data-timeline]', 'data-in-past'), 'false', 'stepping forward never reached the live run');
  assert.equal(await traceHash(page), live, 'back then forward changed the run');
  assert.deepEqual(problems, []);
  await page.close();
});

test('acting in the past forks the run, and undo brings the future back', { timeout: 90_000 }, async () => {
  const { page, problems } = await openPage(browser, server.url, '/?seed=9&speed=1');
  const live = await pausedRunWithActions(page);
  await page.click('[data-action=prev-marker]');
  await page.click('[data-action=prev-marker]');
  assert.equal(await page.getAttribute('[data-timeline]', 'data-in-past'), 'true');
  await page.click('.controls [data-action=request]');
  assert.equal(await page.getAttribute('[data-timeline]', 'data-in-past'), 'false', 'acting did not fork');
  assert.notEqual(await traceHash(page), live);
  await screenshot(page, 'time-travel-forked');
  await page.click('[data-action=undo-fork]');
  assert.equal(await traceHash(page), live, 'undo did not restore the discarded future');
  assert.equal(await page.$('[data-action=undo-fork]'), null);
  assert.deepEqual(problems, []);
  await page.close();
});

test('the space-time diagram draws messages as arrows, and clicking one shows its fields', { timeout: 60_000 }, async () => {
  const { page, problems } = await openPage(browser, server.url, '/?seed=10&speed=1');
  await page.waitForSelector('[data-node][data-role=leader]', { timeout: BOUNDED_WAIT_MS });
  await page.click('[data-action=pause]');
  const arrows = await page.$$eval('[data-spacetime] [data-arrow]', (items) =>
    items.map((item) => ({ id: item.dataset.arrow, kind: item.dataset.kind })));
  assert.ok(arrows.length > 0, 'no message arrows while a leader sends heartbeats');
  const lanes = await page.$$eval('[data-spacetime] .lane', (items) => items.length);
  assert.equal(lanes, (await page.$$('[data-node]')).length, 'one lane per server');
  // Arrows cross each other, so a click at a point could land on a neighbour: send it
  // to the chosen arrow itself.
  const chosen = arrows[arrows.length - 1];
  await page.dispatchEvent(`[data-arrow="${chosen.id}"]`, 'click');
  const fields = await page.waitForSelector(`[data-message-panel="${chosen.id}"]`, { timeout: BOUNDED_WAIT_MS });
  assert.match(await fields.textContent(), new RegExp(`Message #${chosen.id} · ${chosen.kind}`));
  await screenshot(page, 'spacetime-selected');
  assert.deepEqual(problems, []);
  await page.close();
});

test('the lease-reads scenario: stale beyond the drift bound, linearizable within it', { timeout: 90_000 }, async () => {
  const { page, problems } = await openPage(browser, server.url, '/?scenario=lease-reads');
  await page.waitForSelector('[data-scenario=lease-reads]', { timeout: BOUNDED_WAIT_MS });
  const badge = () => page.getAttribute('[data-invariant=linearizability]', 'data-ok');
  await nextStep(page, 0);
  await nextStep(page, 1);
  assert.equal(await badge(), 'true', 'green while the old leader only believes in its lease');
  await nextStep(page, 2);
  assert.equal(await badge(), 'false', 'red once the old leader answers from its old state');
  await screenshot(page, 'lease-reads-stale');
  await nextStep(page, 3);
  await nextStep(page, 4);
  assert.equal(await badge(), 'true', 'green with a bound the clocks keep');
  assert.equal(await page.$('[data-panic]'), null);
  assert.deepEqual(problems, []);
  await page.close();
});
