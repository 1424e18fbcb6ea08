import type { Store } from '../store/open.js';
import type { CategoryRecord, Checkpoint, Run } from '../store/types.js';
import type { Category } from './category.js';

export interface RunCategories {
  /** The base checkpoint whose categories apply. */
  base: string;
  /** Categories by item content hash. */
  byHash: ReadonlyMap<string, CategoryRecord>;
  /** The categorization runs they came from: a summary computed under other ones is stale. */
  fromRuns: number[];
}

/**
 * The knowledge categories that apply to an evaluation run's items: those of its checkpoint's
 * base (`--base`), else of the checkpoint itself when it was categorized (it is a base), else of
 * the baseline checkpoint (its base, when it has one). Null when none of them has categories. Items match by content hash,
 * so an item edited since the categorization is uncategorized.
 */
export function runCategories(store: Store, run: Pick<Run, 'checkpointId' | 'kind'>): RunCategories | null {
  if (run.kind !== 'eval') return null;
  const checkpoint = store.checkpoints.getById(run.checkpointId);
  if (checkpoint === undefined) return null;
  const baseline = store.checkpoints.list().find((c) => c.isBaseline);
  const candidates: Array<Checkpoint | undefined> = [
    checkpoint.base !== null ? store.checkpoints.find(checkpoint.base) : undefined,
    checkpoint,
    // A baseline that is itself fine-tuned stands for its base.
    baseline?.base !== null && baseline?.base !== undefined ? store.checkpoints.find(baseline.base) : baseline,
  ];
  for (const c of checkpoint.base !== null ? candidates.slice(0, 1) : candidates.slice(1)) {
    if (c === undefined) continue;
    const byHash = store.categories.byHash(c.id);
    if (byHash.size > 0) return { base: c.name, byHash, fromRuns: [...new Set([...byHash.values()].map((r) => r.runId))].sort((a, b) => a - b) };
  }
  return null;
}

/** An item's category under `cats` (by content hash), or null: what itemValues and summaries read. */
export function categoryLookup(cats: RunCategories | null): (item: { hash: string }) => Category | null {
  return (item) => cats?.byHash.get(item.hash)?.category ?? null;
}

/**
 * Which categorization a summary was computed under: the base and the categorization runs. A
 * stored summary whose key differs (the base was categorized, or re-categorized, after the run
 * finished) is computed again.
 */
export function categoriesKey(cats: RunCategories | null): string | null {
  if (cats === null) return null;
  // The latest write too: a resume --retry-errors changes categories within the same run.
  // `BASE:RUN,RUN@MS`: nothing after the base has a ':' (categoryBaseOf reads the name back).
  const latest = [...cats.byHash.values()].reduce((m, r) => Math.max(m, Date.parse(r.createdAt) || 0), 0);
  return `${cats.base}:${cats.fromRuns.join(',')}@${latest}`;
}
