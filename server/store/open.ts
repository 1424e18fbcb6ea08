import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { TunegateError } from '../errors.js';
import { createCategoryRepo, type CategoryRepo } from './categories.js';
import { createCheckpointRepo, type CheckpointRepo } from './checkpoints.js';
import { createGenerationRepo, type GenerationRepo } from './generations.js';
import { createJudgeRepo, type JudgeRepo } from './judgments.js';
import { migrate } from './migrate.js';
import { createResultRepo, type ResultRepo } from './results.js';
import { createRunRepo, type RunRepo } from './runs.js';
import { createVersionRepo, type VersionRepo } from './versions.js';

export interface Store {
  path: string;
  db: Database.Database;
  checkpoints: CheckpointRepo;
  runs: RunRepo;
  results: ResultRepo;
  judge: JudgeRepo;
  categories: CategoryRepo;
  generations: GenerationRepo;
  /** Change marks for caches of computed reads. */
  versions: VersionRepo;
  close(): void;
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
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.pragma('foreign_keys = ON');
    db.pragma('busy_timeout = 5000');
  } catch (e) {
    throw new TunegateError('INVALID_INPUT', `cannot open database ${path}: ${(e as Error).message}`);
  }
  try {
    migrate(db, path);
  } catch (e) {
    db.close();
    if (e instanceof TunegateError) throw e;
    throw new TunegateError('INVALID_INPUT', `${path} is not a usable tunegate database: ${(e as Error).message}`);
  }
  return {
    path,
    db,
    checkpoints: createCheckpointRepo(db),
    runs: createRunRepo(db),
    results: createResultRepo(db),
    judge: createJudgeRepo(db),
    categories: createCategoryRepo(db),
    generations: createGenerationRepo(db),
    versions: createVersionRepo(db),
    close: () => db.close(),
  };
}
