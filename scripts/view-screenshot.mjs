// A PNG of a `bimt view` page, as docs/view-modular-addition.png was taken: Debian's chromium
// (or CHROMIUM=path) headless through playwright-core, nothing downloaded. Prints the stats line
// and any console errors, so a page can be looked at and checked from a terminal.
//
//   node scripts/view-screenshot.mjs <view.html> <out.png> [--step i] [--threshold 0..1000] [--size 1400x900] [--full]
//
// --step is the checkpoint's index on the slider (default the last); --threshold the slider's
// position (0 = every weight, 1000 = the run's largest |w|; default the run's prune threshold).
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { chromium } from 'playwright-core';

const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: { step: { type: 'string' }, threshold: { type: 'string' }, size: { type: 'string', default: '1400x900' }, full: { type: 'boolean', default: false } },
});
if (positionals.length !== 2) {
  console.error('usage: node scripts/view-screenshot.mjs <view.html> <out.png> [--step i] [--threshold 0..1000] [--size WxH] [--full]');
  process.exit(2);
}
const [file, out] = positionals;
const [width, height] = values.size.split('x').map(Number);
const browser = await chromium.launch({ executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium', args: ['--no-sandbox'] });
try {
  const page = await browser.newPage({ viewport: { width, height } });
  let errors = 0;
  page.on('console', (m) => m.type() === 'error' && (errors++, console.error(`console error: ${m.text()}`)));
  page.on('pageerror', (e) => (errors++, console.error(`page error: ${e.message}`)));
  await page.goto(pathToFileURL(resolve(file)).href);
  await page.waitForSelector('#network[data-edges], #table tbody tr', { state: 'attached' });
  for (const [id, v] of [['step', values.step], ['threshold', values.threshold]]) {
    if (v === undefined) continue;
    await page.$eval(`#${id}`, (e, x) => {
      e.value = x;
      e.dispatchEvent(new Event('input'));
    }, v);
  }
  // The task picture is inflated asynchronously.
  await page.waitForTimeout(300);
  const stats = await page.textContent('#stats').catch(() => null);
  if (stats) console.log(stats);
  await page.screenshot({ path: out, fullPage: values.full });
  console.log(`wrote ${out}${errors ? `, ${errors} console error(s)` : ''}`);
  process.exitCode = errors ? 1 : 0;
} finally {
  await browser.close();
}
