// What a lecture does with the page, by mouse and keyboard, and what a page left
// running through a lab does: the pages the page's code is split by (`cargo xtask
// profile-split` records which functions they run; those stay in the wasm the page
// opens with), and that tests/split.test.mjs walks on the real page. Settings,
// scenarios, share links, traces, membership change and the page in Chinese are not
// on them: their code loads when they are first used.
//
// The lecture path moves the run on by stepping, with the clock stopped, so that it
// runs the same code on every walk (a run is deterministic in its actions and their
// virtual times); playing comes last. The other pages play as they open, so what
// they run varies a little from walk to walk: they are profiled (twice each), and
// the test checks only that they work.

/** A projector's size. */
export const LECTURE_VIEWPORT = { width: 1280, height: 720 };

/** The default speed (1/50): no event is due before the path pauses the clock. */
export const LECTURE_URL = '?seed=1';

/**
 * Every page the split is profiled on: the lecture path; a page left running at the
 * URL's fastest speed while requests come in and a server misses an hour and catches
 * up (the bounded windows and thinned checkpoints of a long session); one opened as it
 * is by default; and one opened from a link with a slower speed, in presentation mode.
 * `deterministic` marks the pages that run the same code on every walk.
 */
export const PROFILED_PAGES = [
  { url: LECTURE_URL, walk: (page) => walkLecturePath(page), deterministic: true },
  { url: '?seed=2&speed=1000', walk: (page) => walkLongSession(page) },
  { url: '?seed=5', walk: (page) => page.waitForTimeout(3_000) },
  { url: '?seed=3&speed=1/20&present=1', walk: (page) => page.waitForTimeout(3_000) },
];

const PAUSE_MS = 150;

async function click(page, selector, options = {}) {
  await page.click(selector, { timeout: 5_000, ...options });
  await page.waitForTimeout(PAUSE_MS);
}

async function press(page, key) {
  await page.keyboard.press(key);
  await page.waitForTimeout(PAUSE_MS);
}

/** Back to the live run, when the page is showing the past. */
async function live(page) {
  if (await page.isEnabled('[data-action=live]')) await click(page, '[data-action=live]');
}

/** Steps `count` events (→ is the Step shortcut), with the keyboard on the page. */
async function steps(page, count) {
  await page.locator('body').focus();
  for (let i = 0; i < count; i++) await page.keyboard.press('ArrowRight');
  await page.waitForTimeout(PAUSE_MS);
}

/** Steps until `selector` is on the page (at most `limit` events). */
async function stepUntil(page, selector, limit = 400) {
  await page.locator('body').focus();
  for (let i = 0; i < limit && !(await page.$(selector)); i++) await page.keyboard.press('ArrowRight');
  await page.waitForSelector(selector, { timeout: 5_000 });
}

/** Walks the path on a page already showing LECTURE_URL's servers. */
export async function walkLecturePath(page) {
  await click(page, '[data-action=pause]');
  await stepUntil(page, '[data-role=leader]');
  await click(page, '[data-action=step]');
  await click(page, '[data-action=back]');
  await click(page, '[data-action=back]');
  await steps(page, 2);

  // A server's menu: crash it, bring it back, make another time out; requests.
  await click(page, '[data-node="1"]');
  await click(page, '[data-action=crash][data-target="1"]');
  await steps(page, 30);
  await click(page, '[data-action=restart][data-target="1"]');
  await steps(page, 30);
  await click(page, '[data-node="2"]');
  await click(page, '[data-action=timeout][data-target="2"]');
  await stepUntil(page, '[data-role=leader]');
  await click(page, '[data-action=request]');
  await click(page, '[data-action=request]');
  await steps(page, 60);

  // A link through every way of cutting it and back; the ring's partitions.
  for (let i = 0; i < 4; i++) await click(page, '[data-link="0-1"]');
  // The isolated leader takes requests it cannot commit; the new one overwrites them.
  const leader = await page.getAttribute('[data-role=leader]', 'data-node');
  await click(page, '[data-action=isolate-leader]');
  for (let i = 0; i < 3; i++) await click(page, `[data-action=request][data-target="${leader}"]`);
  await stepUntil(page, `[data-role=leader]:not([data-node="${leader}"])`);
  for (let i = 0; i < 2; i++) await press(page, 'r');
  await steps(page, 40);
  await click(page, '[data-action=heal]');
  await steps(page, 80);
  await click(page, '[data-action=split]');
  await steps(page, 60);
  await click(page, '[data-action=heal]');
  await steps(page, 60);

  // A message: select it, read it, drop it.
  await stepUntil(page, '[data-msg]');
  const message = await page.getAttribute('[data-msg]', 'data-msg');
  await click(page, `[data-msg="${message}"] .message-hit`, { force: true });
  await click(page, '[data-action=drop]');

  // The keyboard's shortcuts (Space, which plays, comes last).
  await page.locator('body').focus();
  for (const key of ['ArrowRight', 'ArrowLeft', 'r', '3', 'x', 'x', 't', '+', '-', 'Escape', '?', 'Escape', 'p', 'ArrowRight', 'p']) {
    await press(page, key);
  }
  await steps(page, 40);

  // The speed slider; into the past on the timeline and back to now; markers.
  await page.focus('[data-action=speed]');
  await press(page, 'ArrowRight');
  await press(page, 'ArrowRight');
  await click(page, '[data-action=seek]', { position: { x: 40, y: 5 } });
  await live(page);
  await click(page, '[data-action=prev-marker]');
  await click(page, '[data-action=next-marker]');
  // Acting in the past forks the run; undone, the old future is back.
  for (let i = 0; i < 3; i++) await click(page, '[data-action=back]');
  await click(page, '[data-node="0"]');
  await click(page, '[data-action=timeout][data-target="0"]');
  await click(page, '[data-action=undo-fork]');
  await live(page);

  // Playing, by button and by Space; then a new seed and a fresh start.
  await click(page, '[data-action=play]');
  await page.waitForTimeout(1_500);
  await press(page, ' ');
  await press(page, ' ');
  await page.waitForTimeout(1_000);
  await click(page, '[data-action=new-seed]');
  await page.waitForTimeout(1_000);
  await click(page, '[data-action=reset]');
  await page.waitForTimeout(1_000);
}

/** Requests all along a fast run, and a server down for a while in the middle of it. */
async function walkLongSession(page) {
  await page.locator('body').focus();
  for (let i = 0; i < 20; i++) await press(page, 'r');
  await click(page, '[data-node="3"]');
  await click(page, '[data-action=crash][data-target="3"]');
  for (let i = 0; i < 20; i++) await press(page, 'r');
  await click(page, '[data-action=restart][data-target="3"]');
  for (let i = 0; i < 20; i++) await press(page, 'r');
}
