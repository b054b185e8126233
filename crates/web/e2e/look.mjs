// A person's look at the page: opens it at a given size, lets it run, clicks what it
// is told to, and saves a screenshot (the README's picture is made this way).
//   node look.mjs <query> <width>x<height> <seconds> <file.png> [click…]
// Each click is a CSS selector, optionally prefixed "shift:"; clicks are 400 ms apart
// and the screenshot follows the last one by the same wait in seconds.
import { serveStatic, launchBrowser } from './harness.mjs';

const [query = '?seed=1', size = '1280x720', seconds = '3', file = 'look.png', ...clicks] = process.argv.slice(2);
const [width, height] = size.split('x').map(Number);
const server = await serveStatic();
const browser = await launchBrowser();
try {
  const page = await browser.newPage({ viewport: { width, height } });
  page.on('pageerror', (error) => console.error('page error:', error.message));
  page.on('console', (message) => { if (message.type() === 'error') console.error('console:', message.text()); });
  await page.goto(server.url + '/' + query);
  await page.waitForTimeout(Number(seconds) * 1000);
  for (const click of clicks) {
    const [modifiers, selector] = click.startsWith('shift:') ? [['Shift'], click.slice(6)] : [[], click];
    await page.click(selector, { modifiers });
    await page.waitForTimeout(400);
  }
  if (clicks.length > 0) await page.waitForTimeout(Number(seconds) * 1000);
  await page.screenshot({ path: file });
  console.log('saved', file);
} finally {
  await browser.close();
  await server.close();
}
