// Shared helpers for the browser tests: serve the built dist/ folder on a free
// loopback port, and drive Debian's Chromium through playwright-core (which never
// downloads a browser of its own).
import { createServer } from 'node:http';
import { readFile, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import assert from 'node:assert/strict';
import { chromium } from 'playwright-core';

const here = path.dirname(fileURLToPath(import.meta.url));
const repoRoot = path.resolve(here, '..', '..', '..');
export const distDir = process.env.RAFTVIZ_DIST ?? path.join(repoRoot, 'dist');
export const screenshotDir = process.env.RAFTVIZ_SCREENSHOTS ?? path.join(repoRoot, 'target', 'screenshots');

const CONTENT_TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  // The wasm MIME type matters: browsers refuse streaming compilation without it.
  '.wasm': 'application/wasm',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
};

/**
 * Serves `root` read-only on 127.0.0.1 under the URL folder `prefix` (as a course
 * site or GitHub Pages project would: "/course/raftviz/"); resolves to { url, close },
 * where `url` has no trailing slash and includes the prefix.
 */
export async function serveStatic(root = distDir, prefix = '/') {
  const server = createServer(async (request, response) => {
    const urlPath = decodeURIComponent(new URL(request.url, 'http://localhost').pathname);
    if (!urlPath.startsWith(prefix)) {
      response.writeHead(404).end('not found');
      return;
    }
    const inside = urlPath.slice(prefix.length);
    const relative = inside === '' ? 'index.html' : inside;
    const file = path.resolve(root, relative);
    // Never serve anything outside `root`, whatever the request path says.
    if (!file.startsWith(path.resolve(root) + path.sep)) {
      response.writeHead(403).end();
      return;
    }
    try {
      const body = await readFile(file);
      const type = CONTENT_TYPES[path.extname(file)] ?? 'application/octet-stream';
      response.writeHead(200, { 'content-type': type, 'cache-control': 'no-store' }).end(body);
    } catch {
      response.writeHead(404).end('not found');
    }
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  return {
    url: `http://127.0.0.1:${port}${prefix.replace(/\/$/, '')}`,
    close: () => new Promise((resolve) => server.close(resolve)),
  };
}

/** Headless Debian Chromium; flags keep it off the network and quiet on a small machine. */
export function launchBrowser() {
  return chromium.launch({
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: [
      '--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic',
    ],
  });
}

/**
 * Opens `pathAndQuery` in a fresh page and records every uncaught error and console
 * error, so a test can assert that the page ran cleanly.
 */
/** The static server and browser one test file shares, started in its `before`. */
export async function startBrowser() {
  return { server: await serveStatic(), browser: await launchBrowser() };
}

/** Closes what `startBrowser` opened (either may be missing if startup failed). */
export async function stopBrowser({ server, browser } = {}) {
  await browser?.close();
  await server?.close();
}

export async function openPage(browser, baseUrl, pathAndQuery, viewport = { width: 1100, height: 900 }) {
  const page = await browser.newPage({ viewport });
  await watchWasmMemory(page);
  const problems = [];
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(`console error: ${message.text()}`);
  });
  // The console only says "404"; this names the missing file.
  page.on('response', (response) => {
    if (response.status() >= 400) problems.push(`HTTP ${response.status()} for ${response.url()}`);
  });
  await page.goto(baseUrl + pathAndQuery);
  return { page, problems };
}

/**
 * Keeps hold of the page's WebAssembly memory once the app starts (call before the page
 * loads), so that `wasmMemoryBytes` can read its size: the JS heap does not include it.
 */
export async function watchWasmMemory(page) {
  await page.addInitScript(() => {
    addEventListener('TrunkApplicationStarted', (event) => {
      window.raftvizWasmMemory = event.detail.wasm.memory;
    });
  });
}

/** Bytes of WebAssembly memory the page has reserved (it grows and never shrinks). */
export async function wasmMemoryBytes(page) {
  return page.evaluate(() => window.raftvizWasmMemory?.buffer.byteLength ?? 0);
}

/**
 * Opens `url` in a fresh browser context (its own viewport, locale, touch, …),
 * records problems as openPage does, and waits for the servers to be drawn.
 */
export async function openInContext(browser, url, contextOptions) {
  const context = await browser.newContext(contextOptions);
  const page = await context.newPage();
  const problems = [];
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(`console error: ${message.text()}`);
  });
  await page.goto(url);
  await page.waitForSelector('[data-node]', { timeout: 20_000 });
  return { page, context, problems };
}

/** Reads one numeric data-* attribute of the first element matching `selector`. */
export async function numberAttribute(page, selector, attribute) {
  const text = await page.getAttribute(selector, attribute);
  return Number(text);
}

export async function screenshot(page, name) {
  await mkdir(screenshotDir, { recursive: true });
  const file = path.join(screenshotDir, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}

/** Every server's contract hooks, as numbers where they are numbers. */
export async function readServers(page) {
  return page.$$eval('[data-node]', (nodes) => nodes.map((node) => ({
    id: Number(node.dataset.node),
    role: node.dataset.role,
    up: node.dataset.up === 'true',
    term: Number(node.dataset.term),
    commit: Number(node.dataset.commit),
    lastIndex: Number(node.dataset.lastIndex),
  })));
}

/**
 * Waits until exactly one running server leads in the highest term and `accept` (given
 * that leader) agrees; resolves to the leader's hooks.
 */
export async function waitForLeader(page, accept = '() => true', timeout = 20_000) {
  const handle = await page.waitForFunction((acceptSource) => {
    const accept = eval(acceptSource);
    const up = [...document.querySelectorAll('[data-node][data-up=true]')];
    const leaders = up.filter((node) => node.dataset.role === 'leader')
      .map((node) => ({ id: Number(node.dataset.node), term: Number(node.dataset.term) }));
    if (leaders.length === 0) return false;
    const top = leaders.reduce((a, b) => (b.term > a.term ? b : a));
    return accept(top) && top;
  }, accept, { timeout });
  return handle.jsonValue();
}

/** Waits until `predicate(servers)` holds for the servers' hooks (a function source). */
export async function waitForServers(page, predicate, timeout = 20_000) {
  await page.waitForFunction((predicateSource) => {
    const predicate = eval(predicateSource);
    const servers = [...document.querySelectorAll('[data-node]')].map((node) => ({
      id: Number(node.dataset.node),
      role: node.dataset.role,
      up: node.dataset.up === 'true',
      term: Number(node.dataset.term),
      commit: Number(node.dataset.commit),
      lastIndex: Number(node.dataset.lastIndex),
    }));
    return predicate(servers);
  }, predicate, { timeout });
}

/** The link element between two servers, whichever order they are given in. */
export function linkSelector(a, b) {
  return `[data-link="${Math.min(a, b)}-${Math.max(a, b)}"]`;
}

/**
 * Runs axe-core (the npm package, injected into the page; it never ships in dist/)
 * over the whole page; resolves to the violations of impact serious or critical,
 * as { rule, impact, count, targets }.
 */
export async function seriousAxeViolations(page) {
  if (!(await page.evaluate(() => typeof window.axe === 'object'))) {
    await page.addScriptTag({ path: path.join(here, 'node_modules', 'axe-core', 'axe.min.js') });
  }
  const violations = await page.evaluate(async () => {
    const result = await window.axe.run(document, { resultTypes: ['violations'] });
    return result.violations.map((violation) => ({
      rule: violation.id,
      impact: violation.impact,
      count: violation.nodes.length,
      targets: violation.nodes.slice(0, 5).map((node) => node.target.join(' ')),
    }));
  });
  return violations.filter((violation) => ['serious', 'critical'].includes(violation.impact));
}

/**
 * What of an element a person can see: its box cut to every ancestor that scrolls
 * (a long log scrolls inside its panel), or null when none of it shows there. Only
 * scrolling counts: what `overflow: hidden` cuts off is lost, and must still fail.
 * Runs in the page (passed in as source).
 */
function clippedBox(element) {
  let { left, top, right, bottom } = element.getBoundingClientRect();
  const scrolls = (overflow) => overflow === 'auto' || overflow === 'scroll';
  for (let parent = element.parentElement; parent; parent = parent.parentElement) {
    const style = getComputedStyle(parent);
    const edge = parent.getBoundingClientRect();
    if (scrolls(style.overflowX)) { left = Math.max(left, edge.left); right = Math.min(right, edge.right); }
    if (scrolls(style.overflowY)) { top = Math.max(top, edge.top); bottom = Math.min(bottom, edge.bottom); }
  }
  return right > left && bottom > top ? { left, top, right, bottom } : null;
}

/**
 * Every piece of text a person sees: its rendered font size in CSS px (SVG text
 * scaled by its drawing), and whether it lies inside the viewport.
 */
export async function visibleText(page) {
  return page.evaluate((source) => {
    // eslint-disable-next-line no-eval
    const clipped = eval(`(${source})`);
    const found = [];
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      const element = node.parentElement;
      if (!node.textContent.trim() || !element) continue;
      if (element.closest('.visually-hidden, title, option, script, noscript')) continue;
      const rects = element.getClientRects();
      if (rects.length === 0) continue;
      const style = getComputedStyle(element);
      if (style.visibility === 'hidden' || Number(style.opacity) === 0) continue;
      let size = parseFloat(style.fontSize);
      if (element instanceof SVGElement) size *= element.getScreenCTM()?.a ?? 1;
      const box = clipped(element);
      if (box) found.push({ text: node.textContent.trim().slice(0, 40), size, box });
    }
    return found;
  }, clippedBox.toString());
}

export async function boxes(page, selector) {
  return page.$$eval(selector, (elements, source) => {
    // eslint-disable-next-line no-eval
    const clipped = eval(`(${source})`);
    return elements.map(clipped).filter(Boolean);
  }, clippedBox.toString());
}

export function assertInside(box, width, height, what) {
  const slack = 0.5;
  assert.ok(box.left >= -slack && box.top >= -slack && box.right <= width + slack && box.bottom <= height + slack,
    `${what} is outside the ${width}×${height} viewport: ${JSON.stringify(box)}`);
}

/**
 * Presentation mode fits the screen: nothing scrolls, the story, the ring, the logs,
 * the badges and the liveness gauge lie inside it, every text is at least 18 px and
 * the narration at least 24 px.
 */
export async function assertPresentationFits(page, width, height, where) {
  const scroll = await page.evaluate(() => ({
    height: document.documentElement.scrollHeight, width: document.documentElement.scrollWidth,
  }));
  assert.ok(scroll.height <= height && scroll.width <= width, `${where}: the page scrolls (${scroll.width}×${scroll.height})`);
  for (const [selector, what] of [['[data-narration]', 'the narration'], ['[data-ring]', 'the ring'],
    ['[data-row]', 'a log row'], ['[data-invariant]', 'an invariant badge'], ['[data-step-title]', 'the step title'],
    ['[data-liveness]', 'the liveness gauge']]) {
    const found = await boxes(page, selector);
    assert.ok(found.length > 0, `${where}: no ${what}`);
    for (const box of found) assertInside(box, width, height, `${where}: ${what}`);
  }
  for (const text of await visibleText(page)) {
    assertInside(text.box, width, height, `${where}: text "${text.text}"`);
    assert.ok(text.size >= 18 - 0.01, `${where}: "${text.text}" is ${text.size.toFixed(1)} px`);
  }
  const narration = await page.$eval('[data-narration]', (element) => parseFloat(getComputedStyle(element).fontSize));
  assert.ok(narration >= 24 - 0.01, `${where}: the narration is ${narration} px`);
}

/** How long a scenario step may take to be played in the page. */
const STEP_WAIT_MS = 20_000;

/** Waits until the scenario player shows step `index` in `state` (done by default). */
export async function waitForStep(page, index, state = 'done') {
  await page.waitForFunction(([expected, wanted]) => {
    const panel = document.querySelector('[data-scenario]');
    return panel?.dataset.currentStep === String(expected) && panel.dataset.stepState === wanted;
  }, [index, state], { timeout: STEP_WAIT_MS });
}

/** Clicks Next (which unfolds the step), then Next again to finish it at once. */
export async function nextStep(page, index) {
  await page.click('[data-action=next-step]');
  await page.waitForFunction((expected) =>
    document.querySelector('[data-scenario]')?.dataset.currentStep === String(expected),
  index, { timeout: STEP_WAIT_MS });
  // Looked at and pressed in one go: a step that ends by itself in between would
  // leave Next meaning the step after (or disabled, after the last).
  await page.evaluate(() => {
    if (document.querySelector('[data-scenario]').dataset.stepState !== 'done') {
      document.querySelector('[data-action=next-step]').click();
    }
  });
  await waitForStep(page, index);
}

/** Chooses a variant and waits for the player to replay the same step in it. */
export async function chooseVariant(page, variant, index) {
  if (!(await page.isChecked(`[data-variant="${variant}"]`))) await page.check(`[data-variant="${variant}"]`);
  await waitForStep(page, index);
}

/**
 * Presentation mode at `width`×`height` (a fresh context): every step of every story
 * in every variant passes its checks and fits, in each language; a screenshot of each
 * story's last step.
 * A story is [name, steps, variants (empty: the one way), languages].
 */
export async function assertStoriesFit(browser, baseUrl, stories, width = 1280, height = 720) {
  const context = await browser.newContext({ viewport: { width, height } });
  const page = await context.newPage();
  const problems = [];
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  for (const [name, steps, variants, languages] of stories) {
    for (const lang of languages) {
      // A new query, so the page loads afresh (a new fragment alone would not).
      await page.goto(`${baseUrl}/?present=1&speed=10&lang=${lang}&for=${name}#scenario=${name}&step=0`);
      await waitForStep(page, 0);
      if (lang === 'zh') {
        const names = await page.$$eval('.scenario-step .step-id', (items) => items.map((item) => item.textContent));
        assert.ok(names.every((short) => /^(\d+|[a-z])$/.test(short)), `${name}: no English step names in Chinese: ${names}`);
      }
      for (const variant of variants.length ? variants : [null]) {
        for (let index = 0; index < steps; index += 1) {
          await page.click(`[data-scenario-step="${index}"]`);
          if (variant) await chooseVariant(page, variant, index);
          else await waitForStep(page, index);
          const where = `${name} step ${index} (${variant ?? 'one way'}, ${lang})`;
          assert.equal(await page.$('[data-check-failed]'), null, `a scenario check failed in ${where}`);
          await assertPresentationFits(page, width, height, where);
        }
      }
      await screenshot(page, `presentation-${width}x${height}-${lang}-${name}`);
    }
  }
  await context.close();
  assert.deepEqual(problems, []);
}
