import { mkdirSync, renameSync, statSync, writeFileSync, type Stats } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { TunegateError } from '../errors.js';

/** The path's stat, undefined when nothing is there (or a file stands where a directory of it should). */
function statOf(abs: string, shown: string): Stats | undefined {
  try {
    return statSync(abs);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
    throw new TunegateError('USAGE', `${shown}: cannot write (${code ?? (e as Error).message})`);
  }
}

/**
 * Refuses an existing file without `force`, and a target that cannot become a file (a
 * directory, or a path under a file); call for every target before writing any.
 */
export function assertWritable(path: string, cwd: string, force: boolean): void {
  const abs = resolve(cwd, path);
  const st = statOf(abs, path);
  if (st?.isDirectory()) throw new TunegateError('USAGE', `${path} is a directory; give the path of a file`);
  if (st !== undefined && !force) {
    throw new TunegateError('CONFLICT', `${path} exists; pass --force to replace it`);
  }
  // The nearest existing ancestor must be a directory, or mkdir fails once the work is done.
  for (let dir = dirname(abs); ; dir = dirname(dir)) {
    const d = statOf(dir, path);
    if (d !== undefined) {
      if (!d.isDirectory()) throw new TunegateError('USAGE', `${path}: ${dir} is a file, not a directory`);
      return;
    }
    if (dirname(dir) === dir) return;
  }
}

/**
 * Writes JSONL atomically (temp file + rename), refusing to replace an existing file unless
 * `force`: an eval set is hand-curated data and must never be lost to a re-run of an import.
 */
export function writeJsonl(path: string, cwd: string, rows: readonly object[], force: boolean, header: string[] = []): void {
  const abs = resolve(cwd, path);
  assertWritable(path, cwd, force);
  mkdirSync(dirname(abs), { recursive: true });
  const text = [...header.map((h) => `// ${h}`), ...rows.map((r) => JSON.stringify(r))].join('\n') + '\n';
  const tmp = `${abs}.tmp-${process.pid}`;
  writeFileSync(tmp, text);
  renameSync(tmp, abs);
}
