// Real failures as lessons (issue 13): the liveness gauge and its hooks, the scenario
// variants, the partial-partition and switch-failure stories, and their fit in
// presentation mode. Lean: pages run fast or jump straight to a step's end.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { openPage, startBrowser, stopBrowser, waitForLeader, screenshot } from '../harness.mjs';

const BOUNDED_WAIT_MS = 20_000;
let server;
let browser;

before(async () => ({ server, browser } = await startBrowser()));
after(() => stopBrowser({ server, browser }));

const gauge = (page) => page.$eval('[data-liveness]', (element) => ({
  state: element.dataset.state,
  msWithoutLeader: Number(element.dataset.msWithoutLeader),
  changesPerMin: Number(element.dataset.leaderChangesPerMin),
}));

const waitForGauge = (page, state) => page.waitForFunction(
  (wanted) => document.querySelector('[data-liveness]')?.dataset.state === wanted,
  state, { timeout: BOUNDED_WAIT_MS });

async function commit(page, setting, value) {
  await page.fill(`[data-setting=${setting}]`, value);
  await page.press(`[data-setting=${setting}]`, 'Enter');
}

test('the liveness gauge: ok with a leader, amber then red without a majority, thresholds in the settings',
  { timeout: 60_000 }, async () => {
    const { page, problems } = await openPage(browser, server.url, '/?seed=5&speed=10');
    await waitForLeader(page);
    await waitForGauge(page, 'ok');
    const healthy = await gauge(page);
    assert.equal(healthy.msWithoutLeader, 0);
    assert.ok(healthy.changesPerMin >= 1, JSON.stringify(healthy));
    assert.equal(await page.$('[data-liveness][data-invariant]'), null, 'the gauge is no safety badge');
    for (const id of [0, 1, 2]) await page.click(`[data-action=crash][data-target="${id}"]`);
    await waitForGauge(page, 'degraded');
    await waitForGauge(page, 'down');
    assert.ok((await gauge(page)).msWithoutLeader >= 3000);
    // Red later than it has been down: back to amber. A red before its amber is refused.
    await commit(page, 'liveness-red-ms', '600000');
    await waitForGauge(page, 'degraded');
    await commit(page, 'liveness-amber-ms', '700000');
    await page.waitForFunction(() => document.querySelector('[data-notice]')?.textContent.includes('not taken'));
    assert.equal((await gauge(page)).state, 'degraded');
    await screenshot(page, 'liveness-degraded');
    assert.deepEqual(problems, []);
    await page.close();
  });

test('scenario variants: one chooser; links made before variants still open Figure 8 with the faulty rule',
  { timeout: 60_000 }, async () => {
    const { page, problems } = await openPage(browser, server.url, '/#scenario=figure8&step=3&faulty=1');
    await page.waitForFunction(() => document.querySelector('[data-scenario]')?.dataset.stepState === 'done'
      && document.querySelector('[data-scenario]').dataset.currentStep === '3', null, { timeout: BOUNDED_WAIT_MS });
    assert.equal(await page.isChecked('[data-variant=faulty]'), true);
    assert.equal(await page.isChecked('[data-faulty-toggle]'), true, 'the old hook is the faulty variant');
    assert.equal(await page.isChecked('[data-variant=correct]'), false);
    assert.equal(await page.getAttribute('[data-invariant=state-machine-safety]', 'data-ok'), 'false');
    await page.check('[data-variant=correct]');
    await page.waitForFunction(() => document.querySelector('[data-invariant=state-machine-safety]')?.dataset.ok === 'true');
    assert.equal(await page.getAttribute('[data-scenario]', 'data-current-step'), '3', 'the same step in the other variant');
    assert.equal(await page.isChecked('[data-faulty-toggle]'), false);
    assert.equal((await page.$$('[data-variants] input[type=radio]')).length, 2);
    assert.deepEqual(problems, []);
    await page.close();
  });
