// Writes the hot list the page's wasm is split by (crates/web/hot_functions.txt):
// the functions an instrumented build runs on the pages lecture_path.mjs lists.
// `cargo xtask profile-split` builds the instrumented page
// (RAFTVIZ_PROFILE=1 makes finish_page.mjs instrument instead of split) and runs this:
//   node profile_split.mjs <instrumented dist> <hot list to write>

import { readFileSync, writeFileSync } from 'node:fs';
import { openPage, serveStatic, launchBrowser } from './harness.mjs';
import { LECTURE_VIEWPORT, PROFILED_PAGES } from './lecture_path.mjs';

const [dist, output] = process.argv.slice(2);
if (!dist || !output) {
  console.error('usage: node profile_split.mjs <instrumented dist> <hot list to write>');
  process.exit(2);
}
const names = JSON.parse(readFileSync(`${dist}/profile_names.json`, 'utf8'));
const server = await serveStatic(dist);
const browser = await launchBrowser();
const ran = new Set();
try {
  // Twice each: the pages that play as they open run a little differently each time.
  for (const { url, walk } of [...PROFILED_PAGES, ...PROFILED_PAGES]) {
    const { page, problems } = await openPage(browser, server.url, `/${url}`, LECTURE_VIEWPORT);
    await page.waitForSelector('[data-node]', { timeout: 20_000 });
    await walk(page);
    for (const index of await page.evaluate(() => [...globalThis.raftvizProfile])) ran.add(index);
    if (problems.length > 0) throw new Error(`the instrumented page failed on ${url}: ${problems.join('; ')}`);
    await page.close();
  }
} finally {
  await browser.close();
  await server.close();
}
const hot = [...new Set([...ran].map((index) => names[index]))].sort();
writeFileSync(output, '# The functions the page\'s wasm keeps when it is split (crates/web/e2e/split_page.mjs):\n'
  + '# those run on the pages crates/web/e2e/lecture_path.mjs lists. Written by `cargo xtask profile-split`.\n'
  + hot.join('\n') + '\n');
console.log(`profile_split: ${ran.size} of ${names.length} functions ran; ${hot.length} names in ${output}`);
