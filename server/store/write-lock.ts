import { setTimeout as sleep } from 'node:timers/promises';
import type { Database, Transaction } from 'better-sqlite3';

/**
 * A transaction that writes, taking the write lock at BEGIN (BEGIN IMMEDIATE). A deferred
 * transaction that reads and then writes cannot wait for the lock under WAL: when another
 * process wrote meanwhile, SQLite fails it at once with SQLITE_BUSY, whatever busy_timeout says.
 * Taking the lock first makes it wait on busy_timeout like any single statement. Nested inside
 * another transaction it is a savepoint, as with better-sqlite3's own.
 */
export function writeTransaction<F extends (...args: any[]) => unknown>(db: Database, fn: F): Transaction<F>['immediate'] {
  return db.transaction(fn).immediate;
}

/** SQLITE_BUSY or SQLITE_LOCKED (with their extended codes): another connection held a lock; the same write can succeed later. */
export function isLockError(e: unknown): boolean {
  const code = typeof e === 'object' && e !== null ? (e as { code?: unknown }).code : undefined;
  return typeof code === 'string' && /^SQLITE_(BUSY|LOCKED)(_|$)/.test(code);
}

/** How often, and how far apart, a locked write is tried again (each try also waits busy_timeout in SQLite). */
export const LOCK_RETRY = { attempts: 6, baseMs: 50, maxMs: 2_000 };

/**
 * Runs one store write (a statement or a transaction: a failed one changed nothing) and, when
 * another process held the database past busy_timeout, tries it again after a backoff that
 * leaves the event loop free, a bounded number of times; then the lock error is thrown.
 */
export async function retryLocked<T>(write: () => T, retry = LOCK_RETRY): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return write();
    } catch (e) {
      if (!isLockError(e) || attempt >= retry.attempts) throw e;
      const cap = Math.min(retry.maxMs, retry.baseMs * 2 ** (attempt - 1));
      await sleep(cap / 2 + Math.random() * (cap / 2));
    }
  }
}
