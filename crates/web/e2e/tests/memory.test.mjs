// A long session keeps WebAssembly memory bounded and never reaches the panic panel
// (issue 10: at ?speed=1000 the page used to pass 2 GB in half a minute and panic with
// `capacity overflow` after about a minute). Memory is read from the wasm instance
// itself: the JS heap does not include it.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import {
  openPage, numberAttribute, screenshot, startBrowser, stopBrowser, wasmMemoryBytes,
} from '../harness.mjs';

const SOAK_MS = 60_000;
const SAMPLE_MS = 5_000;
const MOST_BYTES = 128 * 1024 * 1024;
const MB = 1024 * 1024;

let server;
let browser;

before(async () => ({ server, browser } = await startBrowser()));
after(() => stopBrowser({ server, browser }));

/** Samples memory and the virtual clock every `SAMPLE_MS` for `duration` ms. */
async function soak(page, duration) {
  const samples = [];
  for (let waited = 0; waited < duration; waited += SAMPLE_MS) {
    await page.waitForTimeout(SAMPLE_MS);
    samples.push({
      bytes: await wasmMemoryBytes(page),
      virtualMs: await numberAttribute(page, '[data-clock]', 'data-ms'),
      panicked: (await page.$('[data-panic]')) !== null,
    });
  }
  return samples;
}

test('a minute at the fastest speed keeps wasm memory bounded, without a panic, and the run stays shareable', { timeout: SOAK_MS + 240_000 }, async () => {
  const { page, problems } = await openPage(browser, server.url, '/?seed=1&speed=1000');
  await page.waitForSelector('[data-node]');
  const samples = await soak(page, SOAK_MS);
  const most = Math.max(...samples.map((sample) => sample.bytes));
  const covered = samples.at(-1).virtualMs;
  console.log(`# ${SOAK_MS / 1000} s at 1000x: ${(covered / 3_600_000).toFixed(1)} virtual hours, wasm memory ${samples.map((s) => (s.bytes / MB).toFixed(1)).join(' ')} MB`);
  await screenshot(page, 'fastest-speed-soak');
  assert.ok(samples.every((sample) => !sample.panicked), 'the panic panel appeared');
  assert.ok(most > 0, 'wasm memory was read');
  assert.ok(most <= MOST_BYTES, `wasm memory reached ${(most / MB).toFixed(1)} MB`);
  // The run really went on: more events than the page keeps, many times over.
  assert.ok(covered > 3_600_000, `only ${covered} ms of virtual time`);
  const events = Number((await page.textContent('.event-log h2')).match(/\d+/)[0]);
  assert.ok(events > 1_000_000, `${events} events`);

  // The hour-long run stays shareable. Its trace lists the latest events that fit a
  // file that imports; its link opens, replayed a frame at a time with a progress notice.
  await page.click('[data-action=pause]');
  const hash = await page.getAttribute('[data-clock]', 'data-trace-hash');
  const [download] = await Promise.all([page.waitForEvent('download'), page.click('[data-action=export]')]);
  const text = await readFile(await download.path(), 'utf8');
  const trace = JSON.parse(text);
  assert.ok(text.length <= 5 * MB, `${text.length} bytes`);
  assert.ok(trace.events_first > 0 && trace.events.length === trace.events_total - trace.events_first);
  assert.match(await page.textContent('[data-notice]'), /the last \d+ of its \d+ events/);
  await page.click('[data-action=share]');
  assert.doesNotMatch(await page.textContent('[data-notice]'), /will not open/);
  const link = new URL(page.url()).hash;
  assert.match(link, /^#run=/);
  const other = await openPage(browser, server.url, `/?speed=1${link}`);
  await other.page.waitForFunction(() => /Opening the shared run: .* replayed/.test(document.querySelector('[data-notice]')?.textContent));
  const started = Date.now();
  await other.page.waitForFunction((expected) =>
    document.querySelector('[data-clock]').dataset.traceHash === expected, hash, { timeout: 120_000 });
  console.log(`# the link of ${(covered / 3_600_000).toFixed(1)} virtual hours opened ${((Date.now() - started) / 1000).toFixed(1)} s after its first progress notice`);
  assert.equal(await other.page.$('[data-error]'), null);
  assert.deepEqual([...problems, ...other.problems], []);
  await other.page.close();
  await page.close();
});

test('a run whose logs nothing compacts is paused before it outgrows the page', { timeout: 120_000 }, async () => {
  // A trace of this page's settings in which 60,000 client requests reach the leader
  // at once: every log grows by 60,000 entries and every state machine by as many keys.
  const { page, problems } = await openPage(browser, server.url, '/?seed=4&speed=1');
  await page.waitForSelector('[data-node]');
  await page.click('[data-action=pause]');
  const [download] = await Promise.all([page.waitForEvent('download'), page.click('[data-action=export]')]);
  const trace = JSON.parse(await readFile(await download.path(), 'utf8'));
  const request = { event: 1_000_000_000, time: 1_000, action: { type: 'request', server: null } };
  Object.assign(trace, {
    time: 1_000,
    events_processed: 1_000_000_000,
    hash: null,
    actions: Array(60_000).fill(request),
    events: [],
  });
  await page.setInputFiles('[data-import]', {
    name: 'requests.json', mimeType: 'application/json', buffer: Buffer.from(JSON.stringify(trace)),
  });
  await page.waitForFunction(() => /Imported requests\.json/.test(document.querySelector('[data-notice]').textContent),
    null, { timeout: 60_000 });
  await page.click('[data-action=play]');
  await page.waitForFunction(() => /Paused: this run now holds/.test(document.querySelector('[data-notice]').textContent),
    null, { timeout: 60_000 });
  await screenshot(page, 'run-paused-for-memory');
  const clock = await numberAttribute(page, '[data-clock]', 'data-ms');
  await page.waitForTimeout(1_000);
  assert.equal(await numberAttribute(page, '[data-clock]', 'data-ms'), clock, 'the run is paused');
  const bytes = await wasmMemoryBytes(page);
  console.log(`# paused at ${clock} ms with 60,000 entries in every log: wasm memory ${(bytes / MB).toFixed(1)} MB`);
  assert.ok(bytes <= MOST_BYTES, `wasm memory reached ${(bytes / MB).toFixed(1)} MB`);
  assert.equal(await page.$('[data-panic]'), null);
  assert.deepEqual(problems, []);
  await page.close();
});

// Should a panic happen anyway, it is a trap (the page has no panic hook), and the
// page's own script turns it into a panel in the page's language instead of a frozen
// page. A real trap: the wasm's allocator asked for more than a 32-bit memory holds
// aborts, from a task of the page's, as a panic in any frame or click would.
test('a trap in the wasm shows the panic panel in the page\'s language, and Reload reloads', { timeout: 60_000 }, async () => {
  const { page, problems } = await openPage(browser, server.url, '/?seed=1&speed=1');
  await page.addInitScript(() => {
    addEventListener('TrunkApplicationStarted', (event) => { window.raftvizWasm = event.detail.wasm; });
  });
  await page.reload();
  await page.waitForSelector('[data-node]', { timeout: 20_000 });
  await page.selectOption('[data-action=lang]', 'zh');
  await page.waitForFunction(() => document.documentElement.lang === 'zh', null, { timeout: 20_000 });
  await page.evaluate(() => setTimeout(() => window.raftvizWasm.__wbindgen_malloc(0xfffffff0, 8)));
  await page.waitForSelector('[data-panic][role=alert]', { timeout: 10_000 });
  await screenshot(page, 'panic-panel');
  const panel = await page.$eval('[data-panic]', (node) => ({
    title: node.querySelector('h2').textContent,
    detail: node.querySelector('pre').textContent,
    button: node.querySelector('button').textContent,
  }));
  const chinese = await readFile(new URL('../../i18n/zh.txt', import.meta.url), 'utf8');
  assert.equal(`PanicTitle = ${panel.title}`, chinese.split('\n').find((line) => line.startsWith('PanicTitle =')));
  assert.match(panel.detail, /RuntimeError/);
  assert.equal(panel.button, await page.evaluate(() => document.documentElement.dataset.panicReload));
  // A second trap adds nothing: the first is the one to read.
  await page.evaluate(() => setTimeout(() => window.raftvizWasm.__wbindgen_malloc(0xfffffff0, 8)));
  await page.waitForTimeout(500);
  assert.equal((await page.$$('[data-panic]')).length, 1);
  await Promise.all([page.waitForEvent('load'), page.click('[data-panic] button')]);
  await page.waitForSelector('[data-node]', { timeout: 20_000 });
  assert.equal(await page.$('[data-panic]'), null, 'the reloaded page starts afresh');
  assert.deepEqual(problems.filter((problem) => !/RuntimeError|unreachable/.test(problem)), []);
  await page.close();
});
