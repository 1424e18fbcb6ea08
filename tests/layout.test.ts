import { existsSync, readdirSync, statSync } from 'node:fs';
import { basename, dirname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const TESTS = dirname(fileURLToPath(import.meta.url));
const ROOT = dirname(TESTS);

/**
 * Test folders with no source folder of their name: shared helpers and fixtures, the page (web/),
 * the top-level server modules and whole-server flows (server/), the documentation checks (docs/),
 * the clients in other languages (integrations/, beside server/).
 */
const NOT_MIRRORED = new Set(['helpers', 'fixtures', 'web', 'server', 'docs', 'integrations']);

function testFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return testFiles(path);
    return name.endsWith('.test.ts') ? [path] : [];
  });
}

describe('the tests mirror the source', () => {
  const files = testFiles(TESTS).map((f) => relative(TESTS, f));

  it('no two test files share a base name (name a second one by what it checks)', () => {
    const byName = new Map<string, string[]>();
    for (const f of files) byName.set(basename(f), [...(byName.get(basename(f)) ?? []), f]);
    const shared = [...byName.values()].filter((paths) => paths.length > 1);
    expect(shared).toEqual([]);
  });

  it('every test folder has a source folder of the same name under server/ (or is one of the few that cannot)', () => {
    const folders = new Set(files.map((f) => dirname(f)).filter((d) => d !== '.'));
    const orphans = [...folders].filter((d) => !NOT_MIRRORED.has(d.split(sep)[0]!) && !existsSync(join(ROOT, 'server', d)));
    expect(orphans).toEqual([]);
    expect(folders.size).toBeGreaterThan(10); // the walk found the folders at all
  });
});
