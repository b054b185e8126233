// The page loads, runs the simulation in virtual time, and exposes the DOM hooks of
// CONTRACT.md. `speed=1` runs virtual time as fast as real time so elections happen
// within a second or two.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  openPage, numberAttribute, screenshot, startBrowser, stopBrowser,
} from '../harness.mjs';

const ROLES = ['follower', 'precandidate', 'candidate', 'leader'];
const SERVER_HOOKS = [
  'data-role', 'data-up', 'data-term', 'data-voted-for', 'data-commit', 'data-applied',
  'data-last-index', 'data-snapshot-index', 'data-member', 'data-config',
];
// In a fixed cluster; committed-stays-committed joins them once the membership changes.
const INVARIANTS = [
  'election-safety', 'leader-append-only', 'log-matching', 'leader-completeness',
  'state-machine-safety', 'linearizability',
];
const BOUNDED_WAIT_MS = 20_000;

let server;
let browser;

before(async () => ({ server, browser } = await startBrowser()));
after(() => stopBrowser({ server, browser }));

test('a leader is elected and every server carries its hooks', { timeout: 60_000 }, async () => {
  const { page, problems } = await openPage(browser, server.url, '/?seed=1&speed=1');
  await page.waitForSelector('[data-node]', { timeout: BOUNDED_WAIT_MS });
  await screenshot(page, 'page-loaded');
  await page.waitForSelector('[data-node][data-role=leader]', { timeout: BOUNDED_WAIT_MS });
  await screenshot(page, 'leader-elected');

  const servers = await page.$$eval('[data-node]', (nodes, hooks) =>
    nodes.map((node) => Object.fromEntries(
      ['data-node', ...hooks].map((name) => [name, node.getAttribute(name)]))), SERVER_HOOKS);
  assert.ok(servers.length >= 3, `expected a cluster of at least 3, got ${servers.length}`);
  servers.forEach((hooks, index) => {
    assert.equal(hooks['data-node'], String(index), 'servers are numbered 0..n-1 in order');
    for (const name of SERVER_HOOKS) assert.notEqual(hooks[name], null, `server ${index} lacks ${name}`);
    assert.ok(ROLES.includes(hooks['data-role']), `server ${index} has role ${hooks['data-role']}`);
    assert.ok(['true', 'false'].includes(hooks['data-up']));
    // A plain run never changes its membership: five voters in the starting configuration.
    assert.equal(hooks['data-member'], 'voter');
    assert.equal(hooks['data-config'], '0,1,2,3,4');
  });
  assert.deepEqual(problems, []);
  await page.close();
});

test('virtual time advances, and stops while paused', { timeout: 60_000 }, async () => {
  const { page, problems } = await openPage(browser, server.url, '/?seed=2&speed=1');
  await page.waitForSelector('[data-clock]');
  const first = await numberAttribute(page, '[data-clock]', 'data-ms');
  await page.waitForFunction((start) => Number(document.querySelector('[data-clock]').dataset.ms) > start,
    first, { timeout: BOUNDED_WAIT_MS });

  await page.click('[data-action=pause]');
  const paused = await numberAttribute(page, '[data-clock]', 'data-ms');
  await page.waitForTimeout(500);
  assert.equal(await numberAttribute(page, '[data-clock]', 'data-ms'), paused, 'the clock moved while paused');
  await screenshot(page, 'paused');

  await page.click('[data-action=play]');
  await page.waitForFunction((start) => Number(document.querySelector('[data-clock]').dataset.ms) > start,
    paused, { timeout: BOUNDED_WAIT_MS });
  assert.deepEqual(problems, []);
  await page.close();
});

test('messages in flight carry their hooks and all invariants hold', { timeout: 60_000 }, async () => {
  const { page, problems } = await openPage(browser, server.url, '/?seed=3&speed=1');
  // Messages live for a few ms of virtual time, so find one and read it in one go.
  const found = await page.waitForFunction(() => {
    const m = document.querySelector('[data-msg]');
    return m && { id: m.dataset.msg, kind: m.dataset.kind, from: m.dataset.from, to: m.dataset.to };
  }, null, { timeout: BOUNDED_WAIT_MS });
  const message = await found.jsonValue();
  assert.match(message.id, /^\d+$/);
  assert.match(message.kind, /^[A-Z][A-Za-z]+$/, 'kind is the core message type name');
  assert.match(message.from, /^\d+$/);
  assert.match(message.to, /^\d+$/);

  await page.waitForSelector('[data-node][data-role=leader]', { timeout: BOUNDED_WAIT_MS });
  const invariants = await page.$$eval('[data-invariant]', (items) =>
    items.map((item) => ({ name: item.dataset.invariant, ok: item.dataset.ok })));
  assert.deepEqual(invariants.map(({ name }) => name).sort(), [...INVARIANTS].sort());
  for (const { name, ok } of invariants) assert.equal(ok, 'true', `invariant ${name} is broken`);
  await screenshot(page, 'invariants');
  assert.deepEqual(problems, []);
  assert.equal(await page.$('[data-panic]'), null, 'the panic panel is showing');
  await page.close();
});

test('a malformed seed shows an error and the default run still goes on', { timeout: 60_000 }, async () => {
  const { page, problems } = await openPage(browser, server.url, '/?seed=banana&speed=1');
  const error = await page.waitForSelector('[data-error]', { timeout: BOUNDED_WAIT_MS });
  assert.ok(await error.isVisible(), 'the error message is not visible');
  assert.match(await error.textContent(), /banana/);
  const first = await numberAttribute(page, '[data-clock]', 'data-ms');
  await page.waitForFunction((start) => Number(document.querySelector('[data-clock]').dataset.ms) > start,
    first, { timeout: BOUNDED_WAIT_MS });
  assert.ok((await page.$$('[data-node]')).length >= 3);
  await screenshot(page, 'malformed-seed');
  assert.deepEqual(problems, []);
  await page.close();
});
