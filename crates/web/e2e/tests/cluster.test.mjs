// Breaking the cluster by clicking, the way a person does, and checking through the
// DOM hooks of CONTRACT.md that Raft reacts as it must. `speed=1` runs virtual time as
// fast as real time, so elections take a fraction of a second.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  openPage, readServers, waitForLeader, waitForServers, linkSelector, numberAttribute, screenshot, startBrowser, stopBrowser,
} from '../harness.mjs';

let server;
let browser;

before(async () => ({ server, browser } = await startBrowser()));
after(() => stopBrowser({ server, browser }));

async function allInvariantsHold(page) {
  const invariants = await page.$$eval('[data-invariant]', (items) =>
    items.map((item) => ({ name: item.dataset.invariant, ok: item.dataset.ok })));
  assert.equal(invariants.length, 6);
  for (const { name, ok } of invariants) assert.equal(ok, 'true', `invariant ${name} is broken`);
}

async function finish(page, problems) {
  await allInvariantsHold(page);
  assert.equal(await page.$('[data-panic]'), null, 'the panic panel is showing');
  assert.deepEqual(problems, []);
  await page.close();
}

test('a client request commits on every live server', { timeout: 60_000 }, async () => {
  const { page, problems } = await openPage(browser, server.url, '/?seed=11&speed=1');
  await waitForLeader(page);
  const before = await readServers(page);
  assert.ok(before.every((s) => s.commit === 0 && s.lastIndex === 0), 'logs start empty');

  await page.click('[data-action=request]:not([data-target])');
  await waitForServers(page, '(servers) => servers.every((s) => s.commit >= 1 && s.lastIndex >= 1)');
  assert.match(await page.textContent('[data-notice]'), /accepted the request as entry 1/);
  await page.click('[data-action=pause]');
  await screenshot(page, 'request-committed');
  // The committed entry shows as a solid cell in every server's log row.
  assert.equal(await page.locator('[data-row] .cell.committed').count(), 5);
  await finish(page, problems);
});

test('crashing the leader elects another with a higher term; restarting it brings it back as a follower',
  { timeout: 60_000 }, async () => {
    const { page, problems } = await openPage(browser, server.url, '/?seed=12&speed=1');
    const old = await waitForLeader(page);

    await page.click(`[data-action=crash][data-target="${old.id}"]`);
    assert.equal(await page.getAttribute(`[data-node="${old.id}"]`, 'data-up'), 'false');
    const next = await waitForLeader(page, `(leader) => leader.id !== ${old.id} && leader.term > ${old.term}`);
    assert.ok(next.term > old.term);
    await screenshot(page, 'leader-crashed');
    // What the crashed server kept: its term on disk. What it lost: commitIndex.
    assert.equal(await numberAttribute(page, `[data-node="${old.id}"]`, 'data-term'), old.term);
    await page.click(`[data-node="${old.id}"]`);
    assert.equal(await page.textContent('[data-field=currentTerm]'), String(old.term));
    assert.match(await page.textContent('[data-field=commitIndex]'), /lost in the crash/);

    await page.click(`[data-action=restart][data-target="${old.id}"]`);
    await waitForServers(page, `(servers) => {
      const back = servers[${old.id}];
      return back.up && back.role === 'follower' && back.term >= ${next.term};
    }`);
    const leaderNow = await waitForLeader(page);
    assert.notEqual(leaderNow.id, old.id, 'the restarted server should rejoin as a follower');
    await screenshot(page, 'leader-restarted');
    await finish(page, problems);
  });

test('cutting every link of the leader: the majority elects another, the old leader cannot commit',
  { timeout: 60_000 }, async () => {
    const { page, problems } = await openPage(browser, server.url, '/?seed=13&speed=1');
    const old = await waitForLeader(page);
    const others = [0, 1, 2, 3, 4].filter((id) => id !== old.id);
    // Paused, so that no election starts while only some links are cut.
    await page.click('[data-action=pause]');
    for (const other of others) {
      await page.click(linkSelector(old.id, other));
      assert.equal(await page.getAttribute(linkSelector(old.id, other), 'data-cut'), 'both');
    }
    await page.click('[data-action=play]');
    const next = await waitForLeader(page, `(leader) => leader.id !== ${old.id}`);
    assert.ok(next.term > old.term, 'the new leader has a later term');

    // The old leader still believes it leads (no check-quorum): it accepts a request
    // into its log but can never commit it.
    const oldCommit = await numberAttribute(page, `[data-node="${old.id}"]`, 'data-commit');
    const oldLast = await numberAttribute(page, `[data-node="${old.id}"]`, 'data-last-index');
    await page.click(`[data-action=request][data-target="${old.id}"]`);
    assert.equal(await page.getAttribute(`[data-node="${old.id}"]`, 'data-role'), 'leader');
    // The cluster-wide button asks the leader of the highest term: the new one.
    await page.click('[data-action=request]:not([data-target])');
    assert.match(await page.textContent('[data-notice]'), new RegExp(`S${next.id + 1} accepted`));
    await waitForServers(page, `(servers) => servers.filter((s) => s.id !== ${old.id}).every((s) => s.commit >= 1)`);
    await page.waitForTimeout(500);
    const stale = (await readServers(page))[old.id];
    assert.equal(stale.lastIndex, oldLast + 1, 'the old leader appended the request');
    assert.equal(stale.commit, oldCommit, 'the old leader committed without a majority');
    await screenshot(page, 'leader-isolated');
    await finish(page, problems);
  });

test('a one-way cut is drawn with an arrowhead and loses messages one way only', { timeout: 60_000 }, async () => {
  const { page, problems } = await openPage(browser, server.url, '/?seed=14&speed=1/10');
  const leader = await waitForLeader(page);
  const follower = (leader.id + 1) % 5;
  const link = linkSelector(leader.id, follower);
  // Shift-click cycles none → forward (low → high lost) → backward (high → low lost).
  // Cut follower → leader: heartbeats still arrive, the follower's replies are lost.
  const wanted = follower < leader.id ? 'forward' : 'backward';
  await page.click(link, { modifiers: ['Shift'] });
  if (wanted === 'backward') await page.click(link, { modifiers: ['Shift'] });
  assert.equal(await page.getAttribute(link, 'data-cut'), wanted);
  const arrow = await page.$eval(`${link} .link-line`, (line) =>
    line.getAttribute('marker-end') ?? line.getAttribute('marker-start'));
  assert.match(arrow ?? '', /arrow/, 'a one-way cut carries an arrowhead');
  // Let messages sent before the cut land (latency is at most 15 virtual ms).
  await page.waitForTimeout(400);

  // Watch every frame for a while: leader → follower messages fly, none come back.
  const seen = await page.evaluate(async ([from, to]) => {
    const counts = { forth: 0, back: 0 };
    const end = performance.now() + 2500;
    while (performance.now() < end) {
      await new Promise(requestAnimationFrame);
      counts.forth += document.querySelectorAll(`[data-msg][data-from="${from}"][data-to="${to}"]`).length;
      counts.back += document.querySelectorAll(`[data-msg][data-from="${to}"][data-to="${from}"]`).length;
    }
    return counts;
  }, [leader.id, follower]);
  assert.ok(seen.forth > 0, 'messages from the leader to the follower still travel');
  assert.equal(seen.back, 0, 'no message from the follower reaches the wire towards the leader');
  const servers = await readServers(page);
  assert.equal(servers[follower].role, 'follower', 'the follower still hears the leader');
  await screenshot(page, 'one-way-cut');

  // Right click opens the link menu (the touch path), which heals the link.
  await page.click(link, { button: 'right' });
  await page.click('[data-link-choice=none]');
  assert.equal(await page.getAttribute(link, 'data-cut'), 'none');
  await finish(page, problems);
});

test('clicking a message selects it; Drop in its panel drops it, and so does D', { timeout: 60_000 }, async () => {
  const { page, problems } = await openPage(browser, server.url, '/?seed=15&speed=1/20');
  await waitForLeader(page);
  await page.click('[data-action=pause]');
  // Step until a message is on the wire, then click its dot.
  for (let step = 0; step < 50 && !(await page.$('[data-msg]')); step += 1) {
    await page.click('[data-action=step]');
  }
  const message = await page.getAttribute('[data-msg]', 'data-msg');
  assert.ok(message, 'no message in flight after 50 steps');
  await page.click(`[data-msg="${message}"] .message-hit`, { force: true });
  assert.equal(await page.getAttribute(`[data-msg="${message}"]`, 'data-selected'), 'true', 'a click does not select');
  assert.ok(await page.$(`[data-msg="${message}"]`), 'a click dropped the message');
  await page.click('[data-message-panel] [data-action=drop]');
  assert.equal(await page.$(`[data-msg="${message}"]`), null, 'the message is still in flight');
  assert.match(await page.textContent('[data-notice]'), new RegExp(`#${message} dropped`));
  assert.match(await page.textContent('.event-log'), new RegExp(`#${message} \\(ByHand\\)`));
  await screenshot(page, 'message-dropped');

  // The keyboard's way: with nothing selected, D drops the message due to arrive first.
  await page.click('[data-action=deselect]');
  for (let step = 0; step < 50 && !(await page.$('[data-msg]')); step += 1) {
    await page.keyboard.press('ArrowRight');
  }
  const due = await page.$$eval('[data-msg]', (dots) => dots.map((dot) => dot.dataset.msg));
  await page.keyboard.press('d');
  const dropped = (await page.textContent('[data-notice]')).match(/#(\d+) dropped/)?.[1];
  assert.ok(due.includes(dropped), `D dropped #${dropped}, not one of the messages in flight ${due}`);
  assert.equal(await page.$(`[data-msg="${dropped}"]`), null);
  await finish(page, problems);
});

test('keyboard: space pauses and plays, → steps, ? shows the shortcuts', { timeout: 60_000 }, async () => {
  const { page, problems } = await openPage(browser, server.url, '/?seed=16&speed=1');
  await waitForLeader(page);
  await page.keyboard.press('Space');
  assert.equal(await page.getAttribute('[data-action=pause]', 'aria-pressed'), 'true');
  const paused = await numberAttribute(page, '[data-clock]', 'data-ms');
  await page.waitForTimeout(300);
  assert.equal(await numberAttribute(page, '[data-clock]', 'data-ms'), paused, 'time moved while paused');

  const events = async () => Number((await page.textContent('.event-log h2')).match(/\d+/)[0]);
  const before = await events();
  await page.keyboard.press('ArrowRight');
  await page.keyboard.press('ArrowRight');
  assert.ok(await events() > before, 'stepping records new events');
  assert.equal(await page.getAttribute('[data-action=pause]', 'aria-pressed'), 'true', 'stepping keeps the run paused');

  await page.keyboard.press('?');
  assert.ok(await page.isVisible('[data-help]'), 'the shortcut help is not showing');
  await screenshot(page, 'shortcut-help');
  await page.keyboard.press('Escape');
  assert.equal(await page.$('[data-help]'), null);

  await page.keyboard.press('Space');
  assert.equal(await page.getAttribute('[data-action=play]', 'aria-pressed'), 'true');
  await page.waitForFunction((start) => Number(document.querySelector('[data-clock]').dataset.ms) > start,
    paused, { timeout: 10_000 });
  await finish(page, problems);
});

test('a malformed speed shows its message and the default run goes on', { timeout: 60_000 }, async () => {
  const { page, problems } = await openPage(browser, server.url, '/?speed=fast');
  const error = await page.waitForSelector('[data-error]');
  assert.match(await error.textContent(), /fast/);
  assert.equal(await page.textContent('.controls output'), '1/50×');
  assert.equal((await page.$$('[data-node]')).length, 5);
  await screenshot(page, 'malformed-speed');
  await finish(page, problems);
});

test('Raft settings apply live: with check-quorum an isolated leader steps down', { timeout: 60_000 }, async () => {
  const { page, problems } = await openPage(browser, server.url, '/?seed=17&speed=1');
  await page.check('[data-setting=check-quorum]');
  assert.ok(await page.isChecked('[data-setting=check-quorum]'));
  const old = await waitForLeader(page);
  await page.click('[data-action=isolate-leader]');
  for (const other of [0, 1, 2, 3, 4].filter((id) => id !== old.id)) {
    assert.equal(await page.getAttribute(linkSelector(old.id, other), 'data-cut'), 'both');
  }
  // It no longer hears a majority, so within an election timeout it gives up leading,
  // while the others elect a leader of their own.
  await waitForServers(page, `(servers) => servers[${old.id}].role !== 'leader'`);
  await waitForLeader(page, `(leader) => leader.id !== ${old.id}`);
  await screenshot(page, 'check-quorum-step-down');
  await page.click('[data-action=heal]');
  assert.equal(await page.$$eval('[data-link]', (links) => links.filter((l) => l.dataset.cut !== 'none').length), 0);
  await finish(page, problems);
});

test('Settings: read mode, lease drift bound, clock skew and the §4.2.3 rule', { timeout: 60_000 }, async () => {
  const { page, problems } = await openPage(browser, server.url, '/?seed=22&speed=1');
  const stickiness = '[data-setting=leader-stickiness]';
  assert.equal(await page.isChecked(stickiness), false, 'off by default');
  await page.check(stickiness);
  assert.ok(await page.isChecked(stickiness), 'switched on live');
  await page.uncheck(stickiness);
  await page.fill('[data-setting=clock-skew]', '30');
  await page.press('[data-setting=clock-skew]', 'Enter');
  assert.equal(await page.inputValue('[data-setting=clock-skew]'), '30');
  // Lease reads start the run again, and hold the rule on: they rest on it.
  await page.selectOption('[data-setting=read-mode]', 'lease');
  assert.equal(await page.inputValue('[data-setting=read-mode]'), 'lease');
  assert.ok(await page.isChecked(stickiness));
  assert.ok(await page.isDisabled(stickiness));
  assert.equal(await page.inputValue('[data-setting=clock-skew]'), '30', 'the restart keeps the other settings');
  await page.fill('[data-setting=drift-bound]', '35');
  await page.press('[data-setting=drift-bound]', 'Enter');
  assert.equal(await page.inputValue('[data-setting=drift-bound]'), '35');
  await waitForLeader(page);
  await page.click('[data-action=request]:not([data-target])');
  await waitForServers(page, '(servers) => servers.every((s) => s.commit >= 1)');
  await screenshot(page, 'lease-settings');
  await page.selectOption('[data-setting=read-mode]', 'read-index');
  assert.equal(await page.isChecked(stickiness), false);
  assert.equal(await page.isDisabled(stickiness), false);
  await finish(page, problems);
});

test('on a touch screen, tapping a link opens its menu', { timeout: 60_000 }, async () => {
  const context = await browser.newContext({ viewport: { width: 390, height: 844 }, hasTouch: true, isMobile: true });
  const page = await context.newPage();
  const problems = [];
  page.on('pageerror', (error) => problems.push(error.message));
  await page.goto(`${server.url}/?seed=18&speed=1/5`);
  await page.waitForSelector('[data-node]');
  await page.tap('[data-link="0-1"]');
  await page.waitForSelector('[role=menu]');
  assert.equal(await page.getAttribute('[data-link="0-1"]', 'data-cut'), 'none', 'a tap alone cuts nothing');
  await screenshot(page, 'phone-link-menu');
  await page.tap('[data-link-choice=backward]');
  assert.equal(await page.getAttribute('[data-link="0-1"]', 'data-cut'), 'backward');
  assert.equal(await page.$('[role=menu]'), null, 'the menu closes after a choice');
  assert.deepEqual(problems, []);
  await context.close();
});

test('a new seed starts a new run; reset starts it again from time 0', { timeout: 60_000 }, async () => {
  const { page, problems } = await openPage(browser, server.url, '/?seed=19&speed=1');
  await waitForLeader(page);
  await page.fill('[data-setting=seed]', '4242');
  await page.press('[data-setting=seed]', 'Enter');
  await page.waitForFunction(() => document.querySelector('.tagline').textContent.includes('seed 4242'));
  // Far enough in that a busy machine's slow frames after the reset cannot get back there.
  await page.waitForFunction(() => Number(document.querySelector('[data-clock]').dataset.ms) > 2000);
  await page.click('[data-action=reset]');
  assert.ok(await numberAttribute(page, '[data-clock]', 'data-ms') < 1000, 'reset went back to the start');
  assert.match(await page.textContent('.tagline'), /seed 4242/);
  await finish(page, problems);
});

test('with snapshots on, every server compacts its log into a snapshot block', { timeout: 60_000 }, async () => {
  const { page, problems } = await openPage(browser, server.url, '/?seed=20&speed=1');
  await page.fill('[data-setting=snapshot-every]', '2');
  await page.press('[data-setting=snapshot-every]', 'Enter');
  assert.equal(await page.inputValue('[data-setting=snapshot-every]'), '2');
  await waitForLeader(page);
  for (let request = 0; request < 3; request += 1) {
    await page.click('[data-action=request]:not([data-target])');
  }
  await waitForServers(page, '(servers) => servers.every((s) => s.commit >= 3)');
  await page.waitForFunction(() => [...document.querySelectorAll('[data-node]')]
    .every((node) => Number(node.dataset.snapshotIndex) >= 2));
  await page.click('[data-action=pause]');
  assert.equal(await page.locator('[data-row] .base').count(), 5, 'every row shows its snapshot');
  assert.match(await page.textContent('[data-row="0"] .base'), /≤2/);
  await screenshot(page, 'snapshots');
  await finish(page, problems);
});

test('a long log keeps following its tail and pages back to its start', { timeout: 60_000 }, async () => {
  const { page, problems } = await openPage(browser, server.url, '/?seed=21&speed=1');
  await waitForLeader(page);
  for (let request = 0; request < 60; request += 1) await page.keyboard.press('r');
  await waitForServers(page, '(servers) => servers.every((s) => s.commit >= 60)');
  const shownIndices = () => page.$$eval('.index-row .index', (cells) => cells.map((c) => Number(c.textContent)));
  let shown = await shownIndices();
  assert.ok(shown.includes(60), 'the grid shows the newest entry');
  assert.ok(!shown.includes(1), 'a long log is drawn a window at a time');
  await page.click('[aria-label="Show earlier indices"]');
  shown = await shownIndices();
  assert.ok(shown.includes(1), 'paging back reaches the first entry');
  await page.click('[aria-label="Follow the newest entries"]');
  assert.ok((await shownIndices()).includes(60));
  await screenshot(page, 'long-log');
  await finish(page, problems);
});
