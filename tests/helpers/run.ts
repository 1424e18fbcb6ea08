import { join } from 'node:path';
import { afterEach } from 'vitest';
import { parseEvalSetText } from '../../server/evalsets/parse-file.js';
import type { EvalSet } from '../../server/evalsets/types.js';
import { createRun, DEFAULT_PARAMS } from '../../server/runner/create-run.js';
import { openStore, type Store } from '../../server/store/open.js';
import type { NewCheckpoint, RunParams } from '../../server/store/types.js';
import { jsonl, tempDir } from './tmp.js';

/** An eval set parsed from objects, as if read from `<name>.jsonl`. */
export function evalSet(name: string, ...rows: object[]): EvalSet {
  const r = parseEvalSetText(jsonl(...rows), `${name}.jsonl`, name);
  if (r.errors.length > 0) throw new Error(r.errors.join('\n'));
  return r.set;
}

/** `n` keyword items whose keyword is in the echoed answer ("answer to: question i"). */
export function keywordItems(n: number, prefix = 'q'): object[] {
  return Array.from({ length: n }, (_, i) => ({ id: `${prefix}${i}`, prompt: `question ${prefix}${i}`, keywords: [`question ${prefix}${i}`] }));
}

const stores: Store[] = [];

/** A real, empty store on a file `name` in a fresh temp dir; closed after the test (closing it sooner is fine). */
export function freshStore(name = 't.db'): { store: Store; dir: string; db: string } {
  const dir = tempDir();
  const db = join(dir, name);
  const store = openStore(db);
  stores.push(store);
  return { store, dir, db };
}

afterEach(() => {
  // Closing twice is a no-op in better-sqlite3; the temp dir goes after (its hook runs later).
  while (stores.length > 0) stores.pop()!.close();
});

/** A real store in a temp dir, one checkpoint pointing at `baseUrl`, and a created run. */
export function setupRun(baseUrl: string, sets: EvalSet[], params: Partial<RunParams> = {}, checkpoint: Partial<NewCheckpoint> = {}): { store: Store; runId: number; dbPath: string } {
  const { store, db: dbPath } = freshStore();
  const c = store.checkpoints.add({ name: 'ckpt', baseUrl, model: 'test-model', step: 1, ...checkpoint });
  const runId = createRun(store, c, sets, { ...DEFAULT_PARAMS, ...params });
  return { store, runId, dbPath };
}

/** Backoff for tests: real exponential shape, millisecond scale. */
export const FAST_BACKOFF = { baseMs: 5, maxMs: 40, maxRetryAfterMs: 5_000 };
