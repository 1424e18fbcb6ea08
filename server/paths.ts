import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

let root: string | undefined;

/**
 * The package root, found by walking up from this file. The same code runs from `server/`
 * (vitest, TypeScript sources) and from `dist/server/` (the compiled binary), so a fixed
 * relative path would be wrong in one of the two.
 */
export function packageRoot(): string {
  if (root !== undefined) return root;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'server'))) {
      root = dir;
      return dir;
    }
    const parent = dirname(dir);
    if (parent === dir) throw new Error('tunegate: cannot find the package root (package.json next to server/)');
    dir = parent;
  }
}

/** A path inside the package (migrations, shipped eval sets), whatever the working directory. */
export function packagePath(...parts: string[]): string {
  return join(packageRoot(), ...parts);
}
