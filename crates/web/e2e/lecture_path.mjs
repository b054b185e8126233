// What a lecture does with the page, by mouse and keyboard: the path the page's code
// is split by (`cargo xtask profile-split` records which functions it runs; those stay
// in the wasm the page opens with) and that the browser tests walk to check that it
// never needs the rest (tests/split.test.mjs). Settings, scenarios, share links,
// traces, membership change and the page in Chinese are not on it: their code loads
// when they are first used.

export const LECTURE_URL = '?seed=1';

const PAUSE_MS = 250;

async function click(page, selector, options = {}) {
  await page.click(selector, { timeout: 5_000, ...options });
  await page.waitForTimeout(PAUSE_MS);
}

async function press(page, key) {
  await page.keyboard.press(key);
  await page.waitForTimeout(PAUSE_MS);
}

/** Walks the path on a page already showing LECTURE_URL's servers. */
export async function walkLecturePath(page) {
  await page.waitForTimeout(2_000);
  await click(page, '[data-action=pause]');
  for (let i = 0; i < 3; i++) await click(page, '[data-action=step]');
  await click(page, '[data-action=back]');
  await click(page, '[data-action=play]');
  await page.waitForTimeout(1_500);

  // A server's menu: crash it, bring it back, make another time out.
  await click(page, '[data-node="1"]');
  await click(page, '[data-action=crash][data-target="1"]');
  await page.waitForTimeout(1_000);
  await click(page, '[data-action=restart][data-target="1"]');
  await click(page, '[data-node="2"]');
  await click(page, '[data-action=timeout][data-target="2"]');
  await click(page, '[data-action=request]');

  // A link through every way of cutting it and back.
  for (let i = 0; i < 4; i++) await click(page, '[data-link="0-1"]');

  // A message: select it, read it, drop it.
  await click(page, '[data-action=pause]');
  for (let step = 0; step < 50 && !(await page.$('[data-msg]')); step += 1) {
    await page.click('[data-action=step]');
  }
  const message = await page.getAttribute('[data-msg]', 'data-msg');
  await click(page, `[data-msg="${message}"] .message-hit`, { force: true });
  await click(page, '[data-action=drop]');
  await click(page, '[data-action=play]');

  // The keyboard's shortcuts.
  await page.locator('body').focus();
  for (const key of [' ', 'ArrowRight', 'ArrowLeft', ' ', 'r', '3', 'x', 'x', 't', '+', '-', 'Escape', '?', 'Escape', 'p', 'ArrowRight', ' ', ' ', 'p']) {
    await press(page, key);
  }
  await page.waitForTimeout(1_500);

  // Faster, into the past on the timeline and back to now, then a fresh start.
  await page.focus('[data-action=speed]');
  await press(page, 'ArrowRight');
  await press(page, 'ArrowRight');
  await page.waitForTimeout(2_000);
  await click(page, '[data-action=seek]', { position: { x: 40, y: 5 } });
  await click(page, '[data-action=live]');
  await click(page, '[data-action=reset]');
  await page.waitForTimeout(1_000);
}
