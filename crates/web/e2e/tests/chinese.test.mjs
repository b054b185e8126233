// The page in Chinese (issue 13): the language menu, ?lang=, the browser's language as
// the default, and the choice kept by Share; narration, buttons and the live region
// all change with it.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  openInContext, startBrowser, stopBrowser, seriousAxeViolations, waitForLeader, screenshot,
} from '../harness.mjs';

const BOUNDED_WAIT_MS = 20_000;
const HAN = /[\u4e00-\u9fff]/;
let server;
let browser;

before(async () => ({ server, browser } = await startBrowser()));
after(() => stopBrowser({ server, browser }));

/** A page in a browser that asks for `locale`. */
function openIn(locale, query) {
  return openInContext(browser, server.url + query, { locale, viewport: { width: 1280, height: 900 } });
}

const text = (page, selector) => page.textContent(selector).then((words) => words.trim());

test('the menu switches narration, buttons, the live region and <html lang>; Share keeps the choice',
  { timeout: 90_000 }, async () => {
    const { page, context, problems } = await openIn('en-US', '/?scenario=figure8&speed=1');
    assert.equal(await page.getAttribute('html', 'lang'), 'en');
    assert.equal(await text(page, '.controls [data-action=play]'), '▶ Play');
    assert.match(await text(page, '[data-narration]'), /overwritten/);
    await page.click('[data-scenario-step="0"]');
    await page.waitForFunction(() => document.querySelector('[data-scenario]').dataset.stepState === 'done',
      null, { timeout: BOUNDED_WAIT_MS });
    assert.match(await text(page, '[data-narration]'), /^S5 wins term 1/);
    const englishNext = await text(page, '[data-action=next-step]');

    await page.selectOption('[data-action=lang]', 'zh');
    await page.waitForFunction(() => document.documentElement.lang === 'zh', null, { timeout: BOUNDED_WAIT_MS });
    assert.match(await text(page, '[data-narration]'), /^S5 赢得任期 1/);
    assert.match(await text(page, '[data-step-title]'), /^\(a\) S1 领导任期 2/);
    assert.equal(await text(page, '.controls [data-action=play]'), '▶ 播放');
    assert.equal(await text(page, '[data-action=next-step]'), '下一步 ▶');
    assert.notEqual(englishNext, '下一步 ▶');
    assert.equal(await page.getAttribute('[data-action=continue-freely]', 'title'),
      '离开场景，从这里自由继续（“重新打开场景”可以回来）');
    assert.match(await text(page, '[data-announcer]'), /简体中文/);
    assert.match(await page.getAttribute('[data-node="0"]', 'aria-label'), /^S1，.*任期 \d+/);
    assert.match(await page.evaluate(() => location.search), /lang=zh/);
    await screenshot(page, 'chinese-figure8-a');

    // Share: the link carries the language, and opens in it in an English browser.
    await context.grantPermissions(['clipboard-read', 'clipboard-write']);
    await page.click('[data-action=share]');
    await page.waitForSelector('[data-share-status=copied]', { timeout: BOUNDED_WAIT_MS });
    assert.equal(await text(page, '[data-share-status]'), '链接已复制');
    const link = await page.evaluate(() => navigator.clipboard.readText());
    assert.match(link, /[?&]lang=zh.*#scenario=figure8&step=0/);
    const opened = await openIn('en-US', link.slice(server.url.length));
    assert.equal(await opened.page.getAttribute('html', 'lang'), 'zh');
    assert.match(await text(opened.page, '[data-narration]'), /^S5 赢得任期 1/);

    // And back: the menu takes the page to English again.
    await page.selectOption('[data-action=lang]', 'en');
    await page.waitForFunction(() => document.documentElement.lang === 'en', null, { timeout: BOUNDED_WAIT_MS });
    assert.match(await text(page, '[data-narration]'), /^S5 wins term 1/);
    assert.match(await text(page, '[data-announcer]'), /English/);
    assert.match(await page.evaluate(() => location.search), /lang=en/);
    assert.deepEqual([...problems, ...opened.problems], []);
    await opened.context.close();
    await context.close();
  });

test('the browser language is the default, ?lang= overrides it, a bad one is named', { timeout: 60_000 }, async () => {
  const chinese = await openIn('zh-CN', '/?seed=12&speed=1');
  assert.equal(await chinese.page.getAttribute('html', 'lang'), 'zh');
  assert.equal(await text(chinese.page, '.controls [data-action=request]'), '客户端请求');
  assert.match(await text(chinese.page, '.tagline'), /五节点 Raft 集群.*种子 12/);
  // The live region speaks Chinese too.
  const leader = await waitForLeader(chinese.page);
  await chinese.page.waitForFunction((name) => document.querySelector('[data-announcer]').textContent.includes(`${name} 成为任期`),
    `S${leader.id + 1}`, { timeout: BOUNDED_WAIT_MS });
  await chinese.page.click('[data-action=pause]');
  const violations = await seriousAxeViolations(chinese.page);
  assert.deepEqual(violations, [], JSON.stringify(violations, null, 1));
  assert.deepEqual(chinese.problems, []);
  await chinese.context.close();

  const english = await openIn('zh-CN', '/?lang=en&seed=12');
  assert.equal(await english.page.getAttribute('html', 'lang'), 'en');
  assert.equal(await text(english.page, '.controls [data-action=request]'), 'Client request');
  await english.context.close();

  const bad = await openIn('zh-CN', '/?lang=fr');
  assert.match(await text(bad.page, '[data-error]'), /已忽略 lang "fr"/);
  assert.equal(await bad.page.getAttribute('html', 'lang'), 'zh');
  await bad.context.close();
});

test('the Chinese texts come only when asked for; a missing or stale file is named and the page stays in English',
  { timeout: 60_000 }, async () => {
    // An English reader never downloads them.
    const english = await openIn('en-US', '/?seed=12');
    const fetched = await english.page.evaluate(() => performance.getEntriesByType('resource').map((entry) => entry.name));
    assert.ok(fetched.every((name) => !name.includes('i18n/')), fetched.join(' '));
    await english.context.close();

    for (const [body, status, reason] of [['', 404, 'HTTP 404'], ['LanguageMenu = 语言\n', 200, '1 texts for']]) {
      const context = await browser.newContext({ locale: 'zh-CN', viewport: { width: 1280, height: 900 } });
      await context.route('**/i18n/zh.txt', (route) => route.fulfill({ status, body, contentType: 'text/plain; charset=utf-8' }));
      const page = await context.newPage();
      await page.goto(`${server.url}/?seed=12`);
      await page.waitForSelector('[data-node]', { timeout: BOUNDED_WAIT_MS });
      assert.equal(await page.getAttribute('html', 'lang'), 'en');
      assert.match(await text(page, '[data-error]'), new RegExp(`The 简体中文 texts could not be loaded \\(${reason}.*\\), so the page stays in English`));
      assert.equal(await text(page, '.controls [data-action=request]'), 'Client request');

      // The menu asks again, says why not, and the run goes on as it was.
      await waitForLeader(page);
      await page.click('[data-action=pause]');
      const time = await page.getAttribute('[data-clock]', 'data-ms');
      await page.selectOption('[data-action=lang]', 'zh');
      const refused = '[data-error]:has([data-action=dismiss-error])';
      await page.waitForSelector(refused, { timeout: BOUNDED_WAIT_MS });
      assert.match(await text(page, refused), new RegExp(`could not be loaded \\(${reason}`));
      assert.equal(await page.getAttribute('html', 'lang'), 'en');
      assert.equal(await page.getAttribute('[data-clock]', 'data-ms'), time);
      await context.close();
    }
  });

test('a page that starts in Chinese waits for its texts 3 s at most, then starts in English and can switch later',
  { timeout: 60_000 }, async () => {
    const context = await browser.newContext({ locale: 'zh-CN', viewport: { width: 1280, height: 900 } });
    const slow = (route) => setTimeout(() => route.continue().catch(() => {}), 6_000);
    await context.route('**/i18n/zh.txt', slow);
    const page = await context.newPage();
    const opened = Date.now();
    await page.goto(`${server.url}/?seed=12`);
    await page.waitForSelector('[data-node]', { timeout: BOUNDED_WAIT_MS });
    const waited = Date.now() - opened;
    assert.ok(waited < 5_500, `the page waited ${waited} ms`);
    assert.equal(await page.getAttribute('html', 'lang'), 'en');
    assert.match(await text(page, '[data-error]'), /The 简体中文 texts could not be loaded \(no answer within 3 s\), so the page stays in English/);
    // The texts still arrive, so the menu switches at once then.
    await page.waitForTimeout(7_000 - (Date.now() - opened));
    await page.selectOption('[data-action=lang]', 'zh');
    await page.waitForFunction(() => document.documentElement.lang === 'zh', null, { timeout: BOUNDED_WAIT_MS });
    assert.equal(await text(page, '.controls [data-action=request]'), '客户端请求');
    await context.close();
  });

test('the liveness stories in Chinese: gauge, variant chooser, sources and see-also, narration per variant',
  { timeout: 60_000 }, async () => {
    const { page, context, problems } = await openIn('en-US', '/?lang=zh#scenario=partial-partition&step=1&variant=pre-vote');
    await page.waitForFunction(() => document.querySelector('[data-scenario]')?.dataset.stepState === 'done',
      null, { timeout: BOUNDED_WAIT_MS });
    assert.equal(await text(page, '[data-liveness] h2'), '活性');
    assert.equal(await page.getAttribute('[data-liveness]', 'aria-label'), '活性：集群是否在提供服务？');
    assert.match(await text(page, '[data-liveness-leader]'), /^领导者 S3$|^已 [\d.]+ 秒没有领导者$/);
    assert.deepEqual(await page.$$eval('[data-variants] label', (labels) => labels.map((label) => label.textContent.trim())),
      ['朴素 Raft', '只开预投票', '预投票 + check-quorum']);
    assert.equal(await page.getAttribute('[data-variants]', 'aria-label'), '变体：播放这个场景所用的设置');
    assert.match(await text(page, '[data-sources]'), /^来源：/);
    assert.match(await text(page, '[data-see-also-list]'), /^另见：/);
    assert.match(await text(page, '[data-see-also=cloudflare-switch]'), /^半坏的交换机/);
    assert.match(await text(page, '[data-narration]'), /网络部分故障.*先向 S2 请求预投票/);
    await page.check('[data-variant=plain]');
    await page.waitForFunction(() => document.querySelector('[data-narration]').textContent.includes('超时后在更高的任期'),
      null, { timeout: BOUNDED_WAIT_MS });
    assert.deepEqual(problems, []);
    await context.close();
  });
