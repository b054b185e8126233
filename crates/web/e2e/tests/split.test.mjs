// The page opens with the code the lecture path runs; the rest (`*_cold.wasm`, see
// split_page.mjs) loads the first time something needs it. Checked here: none of the
// pages the split is profiled on asks for it, the first use of a feature outside it loads it once and the
// feature works, and a page that cannot load it stops with the panel saying why.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { cp, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  distDir, nextStep, openPage, serveStatic, startBrowser, stopBrowser,
} from '../harness.mjs';
import { LECTURE_VIEWPORT, PROFILED_PAGES } from '../lecture_path.mjs';

const isCold = (url) => url.endsWith('_cold.wasm');
let session;
before(async () => { session = await startBrowser(); });
after(async () => { await stopBrowser(session); });

async function openAt1280(baseUrl, pathAndQuery) {
  const opened = await openPage(session.browser, baseUrl, pathAndQuery, LECTURE_VIEWPORT);
  await opened.page.waitForSelector('[data-node]', { timeout: 20_000 });
  return opened;
}

/** How many times the page has fetched its cold code (the browser's resource timing). */
const coldRequests = (page) => page.evaluate(() => performance.getEntriesByType('resource')
  .filter((entry) => entry.name.endsWith('_cold.wasm')).length);

test('dist/ holds the page\'s cold code beside its wasm', async () => {
  const cold = (await readdir(distDir)).filter(isCold);
  assert.equal(cold.length, 1, `cold files in dist/: ${cold}`);
});

// A page that plays as it opens may, rarely, take a path the profile did not see and
// load the cold code (harmless: once, some 20 ms); only the lecture path is held to it.
for (const { url, walk, deterministic } of PROFILED_PAGES) {
  const what = deterministic ? 'runs on the code the page opens with' : 'works';
  test(`${url} ${what}`, { timeout: 120_000 }, async () => {
    const { page, problems } = await openAt1280(session.server.url, `/${url}`);
    await walk(page);
    assert.deepEqual(problems, []);
    assert.equal(await page.$('[data-panic]'), null, 'the page stopped');
    if (deterministic) {
      assert.equal(await coldRequests(page), 0, `${url} needed the cold code: a function it runs `
        + 'is missing from crates/web/hot_functions.txt (cargo xtask profile-split rewrites it)');
    }
    await page.close();
  });
}

test('the first share link loads the cold code, once, and the link works', { timeout: 60_000 }, async () => {
  const { page, problems } = await openAt1280(session.server.url, '/?seed=4');
  assert.equal(await coldRequests(page), 0, 'the cold code loaded as the page opened');
  await page.click('[data-action=share]');
  await page.waitForFunction(() => location.hash.startsWith('#run='));
  await page.waitForSelector('[data-share-status=copied], [data-share-status=refused]');
  await page.click('[data-action=share]');
  await page.click('[data-action=step]');
  assert.equal(await coldRequests(page), 1, 'the cold code should load exactly once');
  assert.deepEqual(problems, []);
  assert.equal(await page.$('[data-panic]'), null, 'the page stopped');
  await page.close();
});

test('a page opened on a scenario loads the cold code and walks it', { timeout: 60_000 }, async () => {
  const { page, problems } = await openAt1280(session.server.url, '/?scenario=figure8');
  await page.waitForSelector('[data-scenario=figure8]', { timeout: 20_000 });
  await nextStep(page, 0);
  await nextStep(page, 1);
  assert.equal(await coldRequests(page), 1);
  assert.deepEqual(problems, []);
  assert.equal(await page.$('[data-panic]'), null, 'the page stopped');
  await page.close();
});

test('when the cold code cannot be fetched, the page stops with the panel saying so', { timeout: 60_000 }, async () => {
  const copy = await mkdtemp(path.join(tmpdir(), 'raftviz-no-cold-'));
  await cp(distDir, copy, { recursive: true });
  for (const name of (await readdir(copy)).filter(isCold)) await rm(path.join(copy, name));
  const server = await serveStatic(copy);
  try {
    const { page } = await openAt1280(server.url, '/?seed=4');
    await page.click('[data-action=share]');
    await page.waitForSelector('[data-panic]', { timeout: 10_000 });
    assert.match(await page.textContent('[data-panic]'), /could not load .*_cold\.wasm: HTTP 404/);
    await page.close();
  } finally {
    await server.close();
    await rm(copy, { recursive: true, force: true });
  }
});
