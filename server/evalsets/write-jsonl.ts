import { existsSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { TunegateError } from '../errors.js';

/**
 * Writes JSONL atomically (temp file + rename), refusing to replace an existing file unless
 * `force`: an eval set is hand-curated data and must never be lost to a re-run of an import.
 */
/** Refuses an existing file without `force`; call for every target before writing any. */
export function assertWritable(path: string, cwd: string, force: boolean): void {
  if (existsSync(resolve(cwd, path)) && !force) {
    throw new TunegateError('CONFLICT', `${path} exists; pass --force to replace it`);
  }
}

export function writeJsonl(path: string, cwd: string, rows: readonly object[], force: boolean, header: string[] = []): void {
  const abs = resolve(cwd, path);
  assertWritable(path, cwd, force);
  mkdirSync(dirname(abs), { recursive: true });
  const text = [...header.map((h) => `// ${h}`), ...rows.map((r) => JSON.stringify(r))].join('\n') + '\n';
  const tmp = `${abs}.tmp-${process.pid}`;
  writeFileSync(tmp, text);
  renameSync(tmp, abs);
}
