// The lecture hall (issue 9): the page hosted from a sub-path, with the newcomer flow.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  openPage, screenshot, startBrowser, stopBrowser, serveStatic, seriousAxeViolations,
  waitForLeader, waitForServers, distDir,
} from '../harness.mjs';

const BOUNDED_WAIT_MS = 20_000;
let server;
let browser;

before(async () => ({ server, browser } = await startBrowser()));
after(() => stopBrowser({ server, browser }));

test('dist/ hosted under /course/raftviz/ runs the newcomer flow and asks nothing of anyone else',
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

