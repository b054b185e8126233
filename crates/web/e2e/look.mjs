// A person's look at the page: opens it at a given size, lets it run, and saves a
// screenshot. `node look.mjs <query> <width>x<height> <seconds> <file.png>`
import { serveStatic, launchBrowser } from './harness.mjs';

const [query = '?seed=1', size = '1280x720', seconds = '3', file = 'look.png'] = process.argv.slice(2);
const [width, height] = size.split('x').map(Number);
const server = await serveStatic();
const browser = await launchBrowser();
const page = await browser.newPage({ viewport: { width, height } });
page.on('pageerror', (error) => console.error('page error:', error.message));
page.on('console', (message) => { if (message.type() === 'error') console.error('console:', message.text()); });
await page.goto(server.url + '/' + query);
await page.waitForTimeout(Number(seconds) * 1000);
await page.screenshot({ path: file });
console.log('saved', file);
await browser.close();
await server.close();
