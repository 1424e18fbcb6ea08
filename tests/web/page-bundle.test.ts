import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';
import { packagePath } from '../../server/paths.js';

// The page bundles no server code: what it shares with the server at run time is in server/shared/, whose
// modules import nothing else; its types come from one module, server/routes/api-types.ts, type-only.
const root = packagePath();
const rel = (p: string) => relative(root, join(root, p)).split('\\').join('/');

/** Every file below `dir` (repository-relative) ending in .ts. */
function tsFiles(dir: string): string[] {
  return readdirSync(join(root, dir), { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.ts'))
    .map((f) => `${dir}/${f.split('\\').join('/')}`);
}

/** The module specifiers a source file imports or re-exports, each with whether it is type-only. */
function importsOf(file: string): Array<{ from: string; typeOnly: boolean }> {
  const text = readFileSync(join(root, file), 'utf8');
  const found: Array<{ from: string; typeOnly: boolean }> = [];
  for (const m of text.matchAll(/^\s*(import|export)\s+(type\s+)?[^'"]*?from\s+'([^']+)'/gm)) found.push({ from: m[3]!, typeOnly: m[2] !== undefined });
  for (const m of text.matchAll(/^\s*import\s+'([^']+)'/gm)) found.push({ from: m[1]!, typeOnly: false });
  for (const m of text.matchAll(/import\(\s*'([^']+)'\s*\)/g)) found.push({ from: m[1]!, typeOnly: false });
  return found;
}

const resolveFrom = (file: string, spec: string) => rel(join(file, '..', spec));

describe('the page bundle holds no server code', () => {
  it('bundles only web/, server/shared/ and packages: no other file of server/', async () => {
    const result = await build({
      entryPoints: [join(root, 'web', 'src', 'main.ts')], bundle: true, format: 'esm', splitting: true,
      outdir: join(root, 'web', 'dist-check'), write: false, metafile: true, logLevel: 'silent', absWorkingDir: root,
    });
    const inputs = Object.keys(result.metafile.inputs).map((p) => p.split('\\').join('/'));
    expect(inputs.some((p) => p.startsWith('web/src/'))).toBe(true);
    expect(inputs.filter((p) => !p.startsWith('web/') && !p.startsWith('server/shared/') && !p.includes('node_modules/'))).toEqual([]);
  });

  it('server/shared/ modules import nothing but each other (no server, no Node built-in, no package)', () => {
    const files = tsFiles('server/shared');
    expect(files.length).toBeGreaterThan(0);
    const outside = files.flatMap((f) => importsOf(f)
      .filter((i) => !i.from.startsWith('.') || !resolveFrom(f, i.from).startsWith('server/shared/'))
      .map((i) => `${f} imports ${i.from}`));
    expect(outside).toEqual([]);
  });

  it('web modules import server code only from server/shared/, or as types from server/routes/api-types.ts', () => {
    const bad = tsFiles('web/src').flatMap((f) => importsOf(f)
      .filter((i) => i.from.startsWith('.') && resolveFrom(f, i.from).startsWith('server/'))
      .filter((i) => !resolveFrom(f, i.from).startsWith('server/shared/'))
      .filter((i) => !i.typeOnly || resolveFrom(f, i.from) !== 'server/routes/api-types.js')
      .map((i) => `${f} imports ${i.typeOnly ? 'type ' : ''}${i.from}`));
    expect(bad).toEqual([]);
  });
});
