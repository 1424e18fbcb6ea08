import type { Store } from '../store/open.js';
import type { CategoryRecord, Checkpoint, Run } from '../store/types.js';
import type { Category } from '../scoring/category.js';

export interface RunCategories {
  /** The base checkpoint whose categories apply. */
  base: string;
  /** Categories by item content hash. */
  byHash: ReadonlyMap<string, CategoryRecord>;
  /** Which categorization this is (see categoriesKey): a summary computed under another is stale. */
  key: string;
}

/**
 * `BASE:RUN,RUN@MS`: the base, the categorization runs and the latest write (a resume
 * --retry-errors changes categories within one run). Nothing after the base has a ':', so
 * categoryBaseOf reads the name back.
 */
function keyOf(base: string, stamp: { runs: number[]; latest: string }): string {
  return `${base}:${stamp.runs.join(',')}@${Date.parse(stamp.latest) || 0}`;
}

/**
 * Whose categories apply to an evaluation run's items, from one aggregate query per candidate:
 * its checkpoint's base (`--base`), else the checkpoint itself when it was categorized (it is a
 * base), else the baseline checkpoint (its base, when it has one). Null when none has categories.
 */
function categoriesSource(store: Store, run: Pick<Run, 'checkpointId' | 'kind'>): { base: Checkpoint; key: string } | null {
  if (run.kind !== 'eval') return null;
  const checkpoint = store.checkpoints.getById(run.checkpointId);
  if (checkpoint === undefined) return null;
  const candidates = (): Array<Checkpoint | undefined> => {
    if (checkpoint.base !== null) return [store.checkpoints.find(checkpoint.base)];
    const baseline = store.checkpoints.baseline();
    // A baseline that is itself fine-tuned stands for its base.
    return [checkpoint, baseline?.base !== null && baseline?.base !== undefined ? store.checkpoints.find(baseline.base) : baseline];
  };
  for (const c of candidates()) {
    if (c === undefined) continue;
    const stamp = store.categories.stamp(c.id);
    if (stamp !== null) return { base: c, key: keyOf(c.name, stamp) };
  }
  return null;
}

/**
 * The knowledge categories that apply to an evaluation run's items (see categoriesSource). Items
 * match by content hash, so an item edited since the categorization is uncategorized.
 */
export function runCategories(store: Store, run: Pick<Run, 'checkpointId' | 'kind'>): RunCategories | null {
  const source = categoriesSource(store, run);
  return source === null ? null : { base: source.base.name, byHash: store.categories.byHash(source.base.id), key: source.key };
}

/** An item's category under `cats` (by content hash), or null: what itemValues and summaries read. */
export function categoryLookup(cats: RunCategories | null): (item: { hash: string }) => Category | null {
  return (item) => cats?.byHash.get(item.hash)?.category ?? null;
}

/**
 * Which categorization applies to a run now, without reading the categories: a stored summary
 * whose `categorizedBy` differs (the base was categorized, or re-categorized, after the run
 * finished) is computed again. Cheap enough for every run a list shows.
 */
export function categoriesKey(store: Store, run: Pick<Run, 'checkpointId' | 'kind'>): string | null {
  return categoriesSource(store, run)?.key ?? null;
}

/** The key of a stamp, for tests of categoryBaseOf. */
export const categoriesKeyOf = keyOf;
