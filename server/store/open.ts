import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { TunegateError } from '../errors.js';
import { createCategoryRepo, type CategoryRepo } from './categories.js';
import { createCheckpointRepo, type CheckpointRepo } from './checkpoints.js';
import { createGenerationRepo, type GenerationRepo } from './generations.js';
import { createLoraLoadRepo, type LoraLoadRepo } from './lora-loads.js';
import { createJudgeRepo, type JudgeRepo } from './judgments.js';
import { checkAtOpen, damagedDatabase, isCorruption, type Integrity } from './integrity.js';
import { migrate } from './migrate.js';
import { isLockError } from './write-lock.js';
import { searchFold } from '../shared/text-search.js';
import { createResultRepo, type ResultRepo } from './results.js';
import { createRunRepo, type RunRepo } from './runs.js';
import { createVersionRepo, type VersionRepo } from './versions.js';

/** The SQL function every query's text search calls (registered on each connection by openStore). */
export const SEARCH_FOLD_SQL = 'search_fold';

export interface Store {
  path: string;
  db: Database.Database;
  checkpoints: CheckpointRepo;
  runs: RunRepo;
  results: ResultRepo;
  judge: JudgeRepo;
  categories: CategoryRepo;
  generations: GenerationRepo;
  loraLoads: LoraLoadRepo;
  /** Checked at open (when small enough); `damaged` is set when a query later finds damage. */
  integrity: Integrity;
  /** Change marks for caches of computed reads. */
  versions: VersionRepo;
  close(): void;
}

/** How long a statement waits for another connection's write lock before SQLITE_BUSY. */
export const BUSY_TIMEOUT_MS = 5_000;

/**
 * Sets journal_mode = WAL. On a file another process is creating or switching at the same
 * moment, SQLite answers SQLITE_BUSY at once without calling the busy handler (the switch needs
 * an exclusive lock and waiting could deadlock), so the switch is tried again, a few
 * milliseconds apart, for up to BUSY_TIMEOUT_MS. Opening is synchronous, so the wait is too.
 */
function switchToWal(db: Database.Database): string {
  const until = Date.now() + BUSY_TIMEOUT_MS;
  for (let wait = 5; ; wait = Math.min(wait * 2, 100)) {
    try {
      return db.pragma('journal_mode = WAL', { simple: true }) as string;
    } catch (e) {
      if (!isLockError(e) || Date.now() >= until) throw e;
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, wait);
    }
  }
}

/**
 * Opens (creating if needed) a tunegate database and migrates it. WAL lets a server read while
 * a CLI run writes; synchronous=NORMAL keeps every committed result across a killed process.
 */
export function openStore(path: string): Store {
  let db: Database.Database;
  try {
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    db = new Database(path);
  } catch (e) {
    throw new TunegateError('INVALID_INPUT', `cannot open database ${path}: ${(e as Error).message}`);
  }
  let checked: boolean;
  try {
    db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
    // Before anything that writes (switching an old file to WAL writes its header; migrations).
    checked = checkAtOpen(db, path);
    const mode = switchToWal(db);
    if (mode !== 'wal' && path !== ':memory:') throw new Error(`journal_mode stayed ${mode} (the file is locked, or on a file system without shared memory)`);
    db.pragma('synchronous = NORMAL');
    db.pragma('foreign_keys = ON');
  } catch (e) {
    db.close();
    if (e instanceof TunegateError) throw e;
    if (isCorruption(e)) throw damagedDatabase(path, (e as Error).message);
    throw new TunegateError('INVALID_INPUT', `cannot open database ${path}: ${(e as Error).message}`);
  }
  try {
    migrate(db, path);
  } catch (e) {
    db.close();
    if (e instanceof TunegateError) throw e;
    if (isCorruption(e)) throw damagedDatabase(path, (e as Error).message);
    throw new TunegateError('INVALID_INPUT', `${path} is not a usable tunegate database: ${(e as Error).message}`);
  }
  // The dashboard's text search (server/shared/text-search.ts) as SQL: search_fold(text) folds as the page does.
  db.function(SEARCH_FOLD_SQL, { deterministic: true }, (text: unknown) => (typeof text === 'string' ? searchFold(text) : null));
  return {
    path,
    db,
    checkpoints: createCheckpointRepo(db),
    runs: createRunRepo(db),
    results: createResultRepo(db),
    judge: createJudgeRepo(db),
    categories: createCategoryRepo(db),
    generations: createGenerationRepo(db),
    loraLoads: createLoraLoadRepo(db),
    integrity: { checked, damaged: null },
    versions: createVersionRepo(db),
    close: () => db.close(),
  };
}
