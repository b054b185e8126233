// Real failures as lessons (issue 13): the liveness gauge and its hooks, the scenario
// variants, the partial-partition and switch-failure stories, and their fit in
// presentation mode. Lean: pages run fast or jump straight to a step's end.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  openPage, startBrowser, stopBrowser, waitForLeader, screenshot, assertStoriesFit,
  waitForStep, chooseVariant,
} from '../harness.mjs';

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

test('the partial partition reads red, red, green on the gauge, as the post predicts', { timeout: 90_000 }, async () => {
  const { page, problems } = await openPage(browser, server.url, '/?scenario=partial-partition');
  await page.waitForSelector('[data-scenario=partial-partition]', { timeout: BOUNDED_WAIT_MS });
  const sources = await page.$$eval('[data-sources] li', (items) => items.map((item) => item.textContent));
  assert.equal(sources.length, 2);
  assert.ok(sources[0].includes('Decentralized Thoughts') && sources[0].includes('2020-12-12'), sources[0]);
  assert.ok(sources[1].includes('#104042'), sources[1]);
  assert.deepEqual(await page.$$eval('[data-see-also]', (links) => links.map((link) => link.dataset.seeAlso)),
    ['one-way-cut', 'pre-vote', 'cloudflare-switch']);
  const verdicts = {};
  for (const variant of ['plain', 'pre-vote', 'both']) {
    // Step 2 ends the first case's twenty seconds, step 4 the second's.
    await page.click('[data-scenario-step="2"]');
    await chooseVariant(page, variant, 2);
    const storm = await gauge(page);
    await page.click('[data-scenario-step="4"]');
    await waitForStep(page, 4);
    const stuck = await gauge(page);
    verdicts[variant] = [storm.state, stuck.state];
    if (variant === 'plain') assert.ok(storm.changesPerMin >= 10, JSON.stringify(storm));
    if (variant === 'pre-vote') assert.ok(stuck.msWithoutLeader >= 15000, JSON.stringify(stuck));
    assert.equal(await page.$('[data-check-failed]'), null, `a check failed in ${variant}`);
  }
  assert.deepEqual(verdicts, { plain: ['down', 'ok'], 'pre-vote': ['ok', 'down'], both: ['ok', 'ok'] });
  const fragment = await (async () => {
    await page.click('[data-action=share]');
    await page.waitForFunction(() => location.hash.startsWith('#scenario='));
    return page.evaluate(() => location.hash);
  })();
  assert.equal(fragment, '#scenario=partial-partition&step=4&variant=both');
  await page.click('[data-see-also=cloudflare-switch]');
  await page.waitForSelector('[data-scenario=cloudflare-switch]', { timeout: BOUNDED_WAIT_MS });
  assert.ok((await page.textContent('[data-sources]')).includes('The Cloudflare Blog, 2020-11-27'));
  assert.deepEqual(problems, []);
  await page.close();
});

test('presentation mode at 1280×720: every step of the new scenarios passes its checks and fits in every variant, gauge included, in English and Chinese',
  { timeout: 300_000 }, () => assertStoriesFit(browser, server.url, [
    ['partial-partition', 5, ['plain', 'pre-vote', 'both'], ['en', 'zh']],
    ['cloudflare-switch', 4, ['plain', 'pre-vote', 'both'], ['en', 'zh']],
  ]));
