import { statSync } from 'node:fs';
import type Database from 'better-sqlite3';
import { TunegateError } from '../errors.js';

/**
 * Databases larger than this are not checked at open. `PRAGMA quick_check` reads every page
 * and better-sqlite3 cannot interrupt it: about 0.9 s for 245 MB on the development machine
 * (bench/README.md), so the bound keeps every CLI command and server start under ~1 s. A larger
 * file is still caught when a damaged page is read (see damagedError).
 */
export const QUICK_CHECK_MAX_BYTES = 256 * 2 ** 20;

/** What a process knows of its database's integrity. */
export interface Integrity {
  /** Whether the file was checked at open (false: larger than QUICK_CHECK_MAX_BYTES, or in memory). */
  checked: boolean;
  /** Set once any query found the file damaged: what SQLite said. */
  damaged: string | null;
}

const CORRUPTION = /^SQLITE_(CORRUPT|NOTADB)/;

/** Whether `e` is SQLite saying the file is damaged or not a database. */
export function isCorruption(e: unknown): boolean {
  return typeof (e as { code?: unknown } | null)?.code === 'string' && CORRUPTION.test((e as { code: string }).code);
}

/** The error for a damaged file (or one that is no SQLite database at all): where it is and what to do, never a stack trace. */
export function damagedDatabase(path: string, detail: string): TunegateError {
  const what = /not a database/i.test(detail) ? 'is not a SQLite database, or its header is damaged' : 'is damaged';
  return new TunegateError(
    'DATABASE_DAMAGED',
    `database ${path} ${what} (${detail}); tunegate will not write to it. Restore it from a backup, ` +
      `or copy out what is still readable: sqlite3 '${path}' .recover | sqlite3 recovered.db`,
  );
}

/**
 * `PRAGMA quick_check(1)` at open (stops at the first problem), skipped above
 * QUICK_CHECK_MAX_BYTES. Throws DATABASE_DAMAGED; returns whether the check ran.
 */
export function checkAtOpen(db: Database.Database, path: string): boolean {
  if (path === ':memory:' || path === '') return false;
  let size = 0;
  try {
    size = statSync(path).size;
  } catch {
    return false; // not created yet
  }
  if (size > QUICK_CHECK_MAX_BYTES) return false;
  let verdict: string;
  try {
    verdict = String((db.pragma('quick_check(1)') as Record<string, unknown>[])[0]?.quick_check ?? 'ok');
  } catch (e) {
    if (isCorruption(e)) throw damagedDatabase(path, (e as Error).message);
    throw e;
  }
  if (verdict !== 'ok') throw damagedDatabase(path, verdict);
  return true;
}

/**
 * When `e` is SQLite finding the file damaged at run time: records it on `integrity` (so
 * /api/health can say so) and returns the DATABASE_DAMAGED error to report instead.
 */
export function damagedError(integrity: Integrity, path: string, e: unknown): TunegateError | undefined {
  if (e instanceof TunegateError && e.code === 'DATABASE_DAMAGED') {
    integrity.damaged ??= e.message;
    return e;
  }
  if (!isCorruption(e)) return undefined;
  const error = damagedDatabase(path, (e as Error).message);
  integrity.damaged ??= error.message;
  return error;
}
