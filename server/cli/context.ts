import { resolve } from 'node:path';
import { resolveDbPath } from '../config.js';
import { damagedError } from '../store/integrity.js';
import { openStore, type Store } from '../store/open.js';
import { num, str, type Values } from './args.js';
import { knowSecrets, type Io } from './io.js';

export { DB_OPTION, LEASE_OPTION } from './specs/command-doc.js';

/** --lease SECONDS as milliseconds: how long this process's claim on a run lasts without renewal. */
export function leaseMsFrom(values: Values): number | undefined {
  const s = num(values, 'lease', 0.5, 3600);
  return s === undefined ? undefined : Math.round(s * 1000);
}

/**
 * Opens the database named by --db / TUNEGATE_DB / the default, relative to the working
 * directory. The key variables its checkpoints name join what this process keeps out of its output.
 */
export function openStoreFor(values: Values, io: Io): Store {
  const store = openStore(resolve(io.cwd, resolveDbPath(str(values, 'db'), io.env)));
  knowSecrets(io, store.checkpoints.list().flatMap((c) => [c.apiKeyEnv, c.judge?.keyEnv]));
  return store;
}

/** Runs `fn` with an open store and always closes it; a damaged file found meanwhile is said so (exit 2), not a stack trace. */
export async function withStore<T>(values: Values, io: Io, fn: (store: Store) => Promise<T> | T): Promise<T> {
  const store = openStoreFor(values, io);
  try {
    return await fn(store);
  } catch (e) {
    throw damagedError(store.integrity, store.path, e) ?? e;
  } finally {
    store.close();
  }
}
