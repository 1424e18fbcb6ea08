import type { Database } from 'better-sqlite3';
import type { Category } from '../scoring/category.js';
import type { CategoryRecord } from './types.js';
import { writeTransaction } from './write-lock.js';

interface Row {
  base_checkpoint_id: number;
  item_hash: string;
  set_name: string;
  item_id: string;
  category: Category;
  greedy_correct: number;
  greedy_total: number;
  sampled_correct: number;
  sampled_total: number;
  run_id: number;
  created_at: string;
}

const fromRow = (r: Row): CategoryRecord => ({
  baseCheckpointId: r.base_checkpoint_id, itemHash: r.item_hash, set: r.set_name, itemId: r.item_id, category: r.category,
  greedy: { correct: r.greedy_correct, total: r.greedy_total }, sampled: { correct: r.sampled_correct, total: r.sampled_total },
  runId: r.run_id, createdAt: r.created_at,
});

export type CategoryRepo = ReturnType<typeof createCategoryRepo>;

/** Knowledge categories per base checkpoint and item content (SliCK). */
export function createCategoryRepo(db: Database) {
  const upsert = db.prepare(
    `INSERT INTO categories (base_checkpoint_id, item_hash, set_name, item_id, category, greedy_correct, greedy_total, sampled_correct, sampled_total, run_id, created_at)
     VALUES (@baseCheckpointId, @itemHash, @set, @itemId, @category, @greedyCorrect, @greedyTotal, @sampledCorrect, @sampledTotal, @runId, @createdAt)
     ON CONFLICT (base_checkpoint_id, item_hash) DO UPDATE SET
       set_name = excluded.set_name, item_id = excluded.item_id, category = excluded.category,
       greedy_correct = excluded.greedy_correct, greedy_total = excluded.greedy_total,
       sampled_correct = excluded.sampled_correct, sampled_total = excluded.sampled_total,
       run_id = excluded.run_id, created_at = excluded.created_at`,
  );
  const ofBase = db.prepare<[number], Row>('SELECT * FROM categories WHERE base_checkpoint_id = ? ORDER BY set_name, item_id');
  const stampOf = db.prepare<[number], { runs: string | null; latest: string | null; n: number }>(
    'SELECT group_concat(DISTINCT run_id) AS runs, MAX(created_at) AS latest, COUNT(*) AS n FROM categories WHERE base_checkpoint_id = ?',
  );
  const put = writeTransaction(db, (records: readonly Omit<CategoryRecord, 'createdAt'>[]) => {
    const createdAt = new Date().toISOString();
    for (const r of records) {
      upsert.run({
        baseCheckpointId: r.baseCheckpointId, itemHash: r.itemHash, set: r.set, itemId: r.itemId, category: r.category,
        greedyCorrect: r.greedy.correct, greedyTotal: r.greedy.total, sampledCorrect: r.sampled.correct, sampledTotal: r.sampled.total,
        runId: r.runId, createdAt,
      });
    }
  });

  return {
    /** Stores (or replaces) categories in one transaction. Callers decide whether replacing is allowed. */
    put(records: readonly Omit<CategoryRecord, 'createdAt'>[]): void {
      put(records);
    },

    /** Every category of a base checkpoint. */
    ofBase(baseCheckpointId: number): CategoryRecord[] {
      return ofBase.all(baseCheckpointId).map(fromRow);
    },

    /**
     * What identifies a base's categories without reading them: the categorization runs they came
     * from and the latest write (one aggregate query); null when the base has none.
     */
    stamp(baseCheckpointId: number): { runs: number[]; latest: string } | null {
      const r = stampOf.get(baseCheckpointId);
      if (r === undefined || r.n === 0) return null;
      return { runs: (r.runs ?? '').split(',').map(Number).sort((a, b) => a - b), latest: r.latest ?? '' };
    },

    /** A base checkpoint's categories by item content hash. */
    byHash(baseCheckpointId: number): Map<string, CategoryRecord> {
      return new Map(this.ofBase(baseCheckpointId).map((r) => [r.itemHash, r]));
    },
  };
}
