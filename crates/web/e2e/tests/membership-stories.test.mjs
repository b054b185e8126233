// The membership scenarios (issue 11) in the page: the 2015 single-server bug walked
// with the real Next button, red at the narrated step with the bug and green all the
// way with the fix, and every step of the four stories fitting in presentation mode.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  openPage, startBrowser, stopBrowser, screenshot, assertStoriesFit, nextStep,
} from '../harness.mjs';

const BOUNDED_WAIT_MS = 20_000;
const STATE_MACHINE_SAFETY = '[data-invariant=state-machine-safety]';
// Step (d), where S1 commits its configuration at index 2 over S2's.
const BREAKING_STEP = 3;
const STEPS_2015 = 4;

let server;
let browser;

before(async () => ({ server, browser } = await startBrowser()));
after(() => stopBrowser({ server, browser }));

/** Walks the 2015 story in `variant` with Next; resolves to data-ok of the badge after each step. */
async function walk2015(variant) {
  const { page, problems } = await openPage(browser, server.url, `/?scenario=membership-2015&for=${variant}`);
  await page.waitForSelector('[data-scenario=membership-2015]', { timeout: BOUNDED_WAIT_MS });
  if (!(await page.isChecked(`[data-variant="${variant}"]`))) await page.check(`[data-variant="${variant}"]`);
  assert.ok((await page.textContent('[data-sources]')).includes('raft-dev, 2015-07-10'));
  const verdicts = [];
  for (let index = 0; index < STEPS_2015; index += 1) {
    await nextStep(page, index);
    assert.equal(await page.$('[data-check-failed]'), null, `a check failed in step ${index} (${variant})`);
    verdicts.push(await page.getAttribute(STATE_MACHINE_SAFETY, 'data-ok'));
  }
  await screenshot(page, `membership-2015-${variant}-d`);
  assert.deepEqual(problems, []);
  await page.close();
  return verdicts;
}

test('the 2015 membership bug breaks State Machine Safety at step (d) with the bug, never with the fix',
  { timeout: 120_000 }, async () => {
    const bug = await walk2015('bug');
    const expected = Array.from({ length: STEPS_2015 }, (_, index) => String(index < BREAKING_STEP));
    assert.deepEqual(bug, expected, 'red exactly from (d) on');
    assert.deepEqual(await walk2015('fix'), Array(STEPS_2015).fill('true'), 'green all the way');
  });

test('presentation mode at 1280×720: every step of the membership scenarios passes its checks and fits, in every variant, in English and Chinese',
  { timeout: 300_000 }, () => assertStoriesFit(browser, server.url, [
    ['membership-2015', 4, ['bug', 'fix'], ['en', 'zh']],
    ['add-server', 4, ['voter', 'learner'], ['en', 'zh']],
    ['remove-leader', 4, [], ['en', 'zh']],
    ['disruptive-server', 4, ['without-rule', 'with-rule'], ['en', 'zh']],
  ]));
