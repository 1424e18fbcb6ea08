import { mkdirSync, renameSync, rmSync, statSync, writeFileSync, type Stats } from 'node:fs';
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

/** One JSONL file to write: rows, after `// ` comment lines of `header`. */
export interface JsonlFile {
  path: string;
  rows: readonly object[];
  header?: string[];
}

/**
 * Writes JSONL files together, refusing to replace an existing one unless `force` (an eval set
 * is hand-curated data and must never be lost to a re-run of an import). Each is written to a
 * temporary file beside it first, and the targets are replaced (renamed over) only once all
 * were written: a failure (a full disk, a name the file system refuses) leaves every target as
 * it was, never a new eval set beside an old training file.
 */
export function writeJsonlFiles(files: readonly JsonlFile[], cwd: string, force: boolean): void {
  for (const f of files) assertWritable(f.path, cwd, force);
  const staged: Array<{ tmp: string; abs: string }> = [];
  let current = '';
  try {
    for (const f of files) {
      current = f.path;
      const abs = resolve(cwd, f.path);
      mkdirSync(dirname(abs), { recursive: true });
      const tmp = `${abs}.tmp-${process.pid}`;
      staged.push({ tmp, abs });
      writeFileSync(tmp, [...(f.header ?? []).map((h) => `// ${h}`), ...f.rows.map((r) => JSON.stringify(r))].join('\n') + '\n');
    }
  } catch (e) {
    for (const s of staged) {
      try {
        rmSync(s.tmp, { force: true });
      } catch {
        // The file that failed may have a name that cannot even be looked up.
      }
    }
    throw new TunegateError('USAGE', `${current}: cannot write (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}); no file was written`);
  }
  for (const s of staged) renameSync(s.tmp, s.abs);
}

/**
 * Refuses two outputs, or an output and an input, that are the same file however spelled
 * (`[label, path]`; an undefined path is skipped): a training file written over a held-out set,
 * or over the file it was read from, would undo what the command is for.
 */
export function assertDistinctPaths(cwd: string, inputs: ReadonlyArray<[string, string | undefined]>, outputs: ReadonlyArray<[string, string | undefined]>): void {
  const taken = inputs.filter((x): x is [string, string] => x[1] !== undefined);
  for (const [what, path] of outputs) {
    if (path === undefined) continue;
    const same = taken.find(([, q]) => resolve(cwd, q) === resolve(cwd, path));
    if (same !== undefined) throw new TunegateError('USAGE', `${what} and ${same[0]} are the same file (${path}): give each its own path`);
    taken.push([what, path]);
  }
}

/** Writes one JSONL file atomically (temp file + rename); see writeJsonlFiles. */
export function writeJsonl(path: string, cwd: string, rows: readonly object[], force: boolean, header: string[] = []): void {
  writeJsonlFiles([{ path, rows, header }], cwd, force);
}
