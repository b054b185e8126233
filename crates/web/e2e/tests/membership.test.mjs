// Membership change on the page (issue 11): Add server as a learner, Promote it, Remove a
// server, a refused change, a joint change, the keyboard path, and axe-core over a page
// with a learner and a joint configuration. Every change is made while the run is
// paused, so it lands at a moment the test has seen; the run then plays on until the
// hooks say what the test waits for.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  openPage, screenshot, startBrowser, stopBrowser, seriousAxeViolations, waitForLeader,
} from '../harness.mjs';

const BOUNDED_WAIT_MS = 20_000;
let server;
let browser;

before(async () => ({ server, browser } = await startBrowser()));
after(() => stopBrowser({ server, browser }));

/** Every server's membership hooks. */
function members(page) {
  return page.$$eval('[data-node]', (nodes) => nodes.map((node) => ({
    id: Number(node.dataset.node),
    role: node.dataset.role,
    member: node.dataset.member,
    config: node.dataset.config,
    commit: Number(node.dataset.commit),
  })));
}

/** Waits until `predicate(servers)` holds for the membership hooks (a function source). */
async function waitForMembers(page, predicate) {
  await page.waitForFunction((source) => {
    const predicate = eval(source);
    return predicate([...document.querySelectorAll('[data-node]')].map((node) => ({
      id: Number(node.dataset.node),
      role: node.dataset.role,
      up: node.dataset.up === 'true',
      member: node.dataset.member,
      config: node.dataset.config,
      commit: Number(node.dataset.commit),
    })));
  }, predicate, { timeout: BOUNDED_WAIT_MS });
}

/**
 * A leader that has committed an entry of its term, so that it takes changes (a client
 * request gives it one); paused.
 */
async function pausedAtSettledLeader(page) {
  await waitForLeader(page);
  await page.click('.controls [data-action=request]');
  const leader = await waitForLeader(page, `(top) => Number(document.querySelector(
    '[data-node="' + top.id + '"]').dataset.commit) >= 1`);
  await page.click('[data-action=pause]');
  return leader;
}

/** Plays until every configuration entry in the leader's log is committed. */
async function playUntilConfigurationsCommitted(page, count) {
  await page.click('[data-action=play]');
  await page.waitForFunction((wanted) => {
    const leader = document.querySelector('[data-node][data-role=leader][data-up=true]');
    const row = leader && document.querySelector(`[data-row="${leader.dataset.node}"]`);
    return row && row.querySelectorAll('.cell.config.committed').length >= wanted;
  }, count, { timeout: BOUNDED_WAIT_MS });
  await page.click('[data-action=pause]');
}

const notice = (page) => page.textContent('[data-notice]');

test('add a learner, promote it, remove a server; a change too early or while one is pending is refused',
  { timeout: 120_000 }, async () => {
    const { page, problems } = await openPage(browser, server.url, '/?seed=1&speed=1');
    for (const hook of ['data-member', 'data-config']) {
      await page.waitForSelector(`[data-node][${hook}]`, { timeout: BOUNDED_WAIT_MS });
    }
    // A new leader has committed nothing of its term (no no-op on election by default):
    // it refuses, and appends a no-op so that the next request can go through.
    await waitForLeader(page);
    await page.click('[data-action=pause]');
    const early = await members(page);
    assert.equal(early.find((s) => s.role === 'leader').commit, 0);
    await page.click('[data-action=add-server]');
    assert.match(await notice(page), /refused: it has not committed an entry of its term/);
    assert.equal((await members(page)).length, 5, 'a refused add must not boot a server');
    await page.waitForFunction(() => /refused/.test(document.querySelector('[data-announcer]').textContent),
      null, { timeout: BOUNDED_WAIT_MS });
    await page.click('[data-action=play]');
    const leader = await pausedAtSettledLeader(page);

    await page.click('[data-action=add-server]');
    await page.waitForSelector('[data-node="5"][data-member=learner]', { timeout: BOUNDED_WAIT_MS });
    assert.match(await notice(page), /proposes a membership change at index \d+: S6 as a learner/);
    // A learner is not counted: the voters' configuration is unchanged.
    assert.equal(await page.getAttribute(`[data-node="${leader.id}"]`, 'data-config'), '0,1,2,3,4');
    // The second change while the first is not committed is refused (§4.1).
    await page.click('[data-action=add-server]');
    assert.match(await notice(page), /refused: the change at \d+ is not committed yet/);
    assert.equal((await members(page)).length, 6);
    await screenshot(page, 'membership-learner');

    await playUntilConfigurationsCommitted(page, 1);
    assert.ok(await page.$('[data-action=promote][data-target="5"]'), 'a learner offers Promote');
    assert.equal(await page.$('[data-action=promote][data-target="0"]'), null, 'a voter offers no Promote');
    await page.click('[data-row="5"] [data-action=promote]');
    await page.click('[data-action=play]');
    await waitForMembers(page, `(servers) => servers.every((s) => s.member === 'voter'
      && (!s.up || s.config === '0,1,2,3,4,5'))`);
    await page.click('[data-action=pause]');
    await playUntilConfigurationsCommitted(page, 2);

    const current = (await members(page)).find((s) => s.role === 'leader');
    const removed = current.id === 1 ? 2 : 1;
    await page.click(`[data-row="${removed}"] [data-action=remove]`);
    await page.click('[data-action=play]');
    const rest = [0, 1, 2, 3, 4, 5].filter((id) => id !== removed).join(',');
    await waitForMembers(page, `(servers) => servers.find((s) => s.id === ${removed}).member === 'removed'
      && servers.filter((s) => s.id !== ${removed} && s.up).every((s) => s.config === '${rest}')`);
    await page.click('[data-action=pause]');
    assert.equal(await page.$(`[data-row="${removed}"] [data-action=remove]:not([disabled])`), null,
      'a removed server cannot be removed again');
    await screenshot(page, 'membership-removed');
    assert.deepEqual(problems, []);
    await page.close();
  });

test('a joint change: picked changes applied together go through C_old,new and leave it; axe finds nothing serious',
  { timeout: 120_000 }, async () => {
    const { page, problems } = await openPage(browser, server.url, '/?seed=2&speed=1');
    const leader = await pausedAtSettledLeader(page);
    const removed = leader.id === 4 ? 3 : 4;
    await page.click('[data-action=joint]');
    assert.equal(await page.getAttribute('[data-action=joint]', 'aria-pressed'), 'true');
    await page.click('[data-action=add-server]');
    await page.click(`[data-row="${removed}"] [data-action=remove]`);
    assert.equal(await page.getAttribute('[data-joint-picks]', 'data-joint-picks'), '2');
    assert.equal((await members(page)).length, 5, 'picked changes wait for Apply together');
    await page.click('[data-action=apply-joint]');
    assert.equal(await page.$('[data-joint-picks]'), null);

    // The leader uses the joint configuration as soon as it appends it.
    const rest = [0, 1, 2, 3, 4].filter((id) => id !== removed).join(',');
    assert.equal(await page.getAttribute(`[data-node="${leader.id}"]`, 'data-config'), `0,1,2,3,4|${rest}`);
    assert.equal(await page.getAttribute('[data-node="5"]', 'data-member'), 'learner');
    await page.waitForSelector('[data-joint]');
    assert.match(await page.textContent('[data-joint]'), /C_old S1–S5: needs 3 of 5/);
    await screenshot(page, 'membership-joint');
    const violations = await seriousAxeViolations(page);
    assert.deepEqual(violations, [], `axe found serious problems: ${JSON.stringify(violations, null, 2)}`);

    // Once the joint entry commits, the leader leaves the joint configuration itself.
    await page.click('[data-action=play]');
    await waitForMembers(page, `(servers) => servers.filter((s) => s.up && s.member !== 'removed')
      .every((s) => s.config === '${rest}')`);
    assert.equal(await page.$('[data-joint]'), null);
    const labels = await page.$$eval(`[data-row="${leader.id}"] .cell.config`, (cells) => cells.map((c) => c.textContent));
    assert.deepEqual(labels, ['joint', 'leave']);
    assert.deepEqual(problems, []);
    await page.close();
  });

test('keyboard: add a server and remove one without a mouse', { timeout: 90_000 }, async () => {
  const { page, problems } = await openPage(browser, server.url, '/?seed=1&speed=1');
  const leader = await pausedAtSettledLeader(page);
  await page.selectOption('[data-action=add-how]', 'caught_up');
  await page.focus('[data-action=add-server]');
  await page.keyboard.press('Enter');
  await page.waitForSelector('[data-node="5"][data-member=learner]');
  await playUntilConfigurationsCommitted(page, 1);

  // The leader promotes a learner that caught up by itself.
  await page.click('[data-action=play]');
  await waitForMembers(page, `(servers) => servers.find((s) => s.id === 5).member === 'voter'`);
  await page.click('[data-action=pause]');
  await playUntilConfigurationsCommitted(page, 2);

  const target = (await members(page)).find((s) => s.role !== 'leader' && s.id !== 5).id;
  await page.focus(`[data-node="${target}"]`);
  await page.keyboard.press('Enter');
  await page.waitForSelector(`[data-server-menu="${target}"]`);
  for (let presses = 0; presses < 8; presses += 1) {
    if (await page.evaluate(() => document.activeElement?.dataset.action === 'remove')) break;
    await page.keyboard.press('Tab');
  }
  assert.equal(await page.evaluate(() => document.activeElement?.dataset.action), 'remove');
  await page.keyboard.press('Enter');
  await page.click('[data-action=play]');
  await waitForMembers(page, `(servers) => servers.find((s) => s.id === ${target}).member === 'removed'`);
  assert.ok(leader.id >= 0);
  assert.deepEqual(problems, []);
  await page.close();
});
