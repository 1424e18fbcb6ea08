// @ts-check
// Builds the dashboard into web/dist: one bundled, minified app.js (with Chart.js, so the page
// needs no CDN and works offline), app.css, index.html, report.js and report.css (the HTML
// report), and gzip/brotli copies that @fastify/static serves to browsers that accept them.
// Run by `npm run build` (and so by npm ci).
import { copyFileSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import { build } from 'esbuild';

const here = dirname(fileURLToPath(import.meta.url));
const out = join(here, 'dist');
rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });

await build({
  entryPoints: [join(here, 'src', 'main.ts')],
  bundle: true,
  format: 'esm',
  // Chart.js goes in its own chunk, loaded while the first view waits for the API.
  splitting: true,
  chunkNames: 'chunks/[name]-[hash]',
  target: 'es2022',
  // WEB_MINIFY=0 npm run build: readable names for profiling and debugging.
  minify: process.env.WEB_MINIFY !== '0',
  sourcemap: true,
  outdir: out,
  entryNames: 'app',
  logLevel: 'warning',
});
copyFileSync(join(here, 'index.html'), join(out, 'index.html'));

// The HTML report's script and stylesheet (server/gate/html-report.ts inlines both in one file):
// one classic script with Chart.js inside (no chunk to load from disk), no source map to ask for.
await build({
  entryPoints: [join(here, 'src', 'report.ts')],
  bundle: true,
  format: 'iife',
  target: 'es2022',
  minify: process.env.WEB_MINIFY !== '0',
  // An inline script ends at the first "</script": esbuild escapes it in strings; the builder checks.
  supported: { 'inline-script': false },
  outdir: out,
  entryNames: 'report',
  logLevel: 'warning',
});

const chunks = readdirSync(join(out, 'chunks')).filter((f) => f.endsWith('.js')).map((f) => `chunks/${f}`);
for (const name of ['app.js', 'app.css', 'index.html', ...chunks]) {
  const body = readFileSync(join(out, name));
  writeFileSync(join(out, `${name}.gz`), gzipSync(body, { level: 9 }));
  writeFileSync(join(out, `${name}.br`), brotliCompressSync(body, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }));
}
