import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { runCli } from '../server/cli/main.js';
import { startServer } from '../server/main.js';
import { packagePath } from '../server/paths.js';

/**
 * Regenerates the screenshots of the README and docs/dashboard.md from the demo database: `/` and `/compare` (and
 * the trade-off chart on a dark-preferring phone) in headless
 * Chromium (Debian's, /usr/bin/chromium; fonts-noto-cjk renders the Chinese answers). Where
 * pngquant is installed (apt-get install pngquant) the PNGs are quantized to about a third.
 * Usage: npm run build && npm run screenshots
 */
const out = packagePath('docs', 'img');
mkdirSync(out, { recursive: true });
const dir = mkdtempSync(join(tmpdir(), 'tunegate-screenshots-'));
const dbPath = join(dir, 'demo.db');
const quiet = { write: () => true };
const code = await runCli(['demo', '--no-serve', '--db', dbPath], { stdout: quiet, stderr: quiet, env: {}, cwd: dir });
if (code !== 0) throw new Error(`the demo exited ${code}`);

const server = await startServer({ host: '127.0.0.1', port: 0, dbPath, evalsetsDir: packagePath('evalsets'), env: {}, logger: false });
const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--hide-scrollbars'],
});
try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 1100 }, deviceScaleFactor: 1 });
  const shots: Array<[string, string, number]> = [
    ['/', 'dashboard.png', 1100],
    ['/compare', 'compare.png', 900],
  ];
  for (const [url, file, height] of shots) {
    await page.goto(`${server.url}${url}`);
    await page.waitForSelector('#view[data-ready]');
    await page.waitForLoadState('networkidle');
    await page.screenshot({ path: join(out, file), clip: { x: 0, y: 0, width: 1280, height } });
    const small = spawnSync('pngquant', ['--quality=70-90', '--speed', '1', '--force', '--output', join(out, file), join(out, file)]);
    console.log(`docs/img/${file}${small.status === 0 ? ' (quantized)' : ''}`);
  }
  // A phone that prefers dark: the trade-off chart of `/`, narrow and in its dark colours (docs/dashboard.md).
  const phone = await browser.newPage({ viewport: { width: 390, height: 844 }, colorScheme: 'dark', deviceScaleFactor: 1 });
  await phone.goto(`${server.url}/`);
  await phone.waitForSelector('#view[data-ready]');
  await phone.waitForLoadState('networkidle');
  const file = join(out, 'tradeoff-phone-dark.png');
  await phone.locator('[data-testid=tradeoff]').screenshot({ path: file });
  const small = spawnSync('pngquant', ['--quality=70-90', '--speed', '1', '--force', '--output', file, file]);
  console.log(`docs/img/tradeoff-phone-dark.png${small.status === 0 ? ' (quantized)' : ''}`);
} finally {
  await browser.close();
  await server.close();
  rmSync(dir, { recursive: true, force: true });
}
