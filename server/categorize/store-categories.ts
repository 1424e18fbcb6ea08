import type { KeywordItem } from '../evalsets/types.js';
import type { Store } from '../store/open.js';
import type { CategoryRecord, Run } from '../store/types.js';
import { CATEGORIES, type Category } from '../scoring/category.js';
import { decodeSample, slickEstimate } from './slick.js';

export interface CategorizeOutcome {
  counts: Record<Category, number>;
  /** Items whose draws errored too much to decide (see slickEstimate): left uncategorized. */
  uncategorized: number;
  /** Items categorized meanwhile by another run, kept because this one was not asked to recategorize. */
  kept: number;
}

/**
 * Turns a finished categorization run's answers into categories of its checkpoint (the base) and
 * stores them, replacing earlier ones for the same item content: the run was created to
 * (re-)categorize them, which `categorize` refuses to do silently. A correct draw is a passed
 * answer: every keyword group present and no forbidden string.
 */
export function storeCategories(store: Store, run: Run): CategorizeOutcome {
  const settings = run.params.categorize!;
  const items = new Map(store.runs.items(run.id).filter((i): i is KeywordItem => i.kind === 'keyword').map((i) => [`${i.set}\u0000${i.id}`, i]));
  const draws = new Map<string, Array<{ draw: number; correct: boolean }>>();
  for (const r of store.results.list(run.id)) {
    if (r.error !== null) continue;
    const key = `${r.set}\u0000${r.itemId}`;
    if (!draws.has(key)) draws.set(key, []);
    draws.get(key)!.push({ draw: decodeSample(r.sample, settings).draw, correct: r.passed === true });
  }
  const counts = Object.fromEntries(CATEGORIES.map((c) => [c, 0])) as Record<Category, number>;
  const records: Omit<CategoryRecord, 'createdAt'>[] = [];
  let uncategorized = 0;
  for (const [key, item] of items) {
    const e = slickEstimate(draws.get(key) ?? [], settings);
    if (e === null) {
      uncategorized++;
      continue;
    }
    counts[e.category]++;
    records.push({ baseCheckpointId: run.checkpointId, itemHash: item.hash, set: item.set, itemId: item.id, category: e.category, greedy: e.greedy, sampled: e.sampled, runId: run.id });
  }
  // Checked again now: another categorization may have finished since this one was planned.
  const existing = store.categories.byHash(run.checkpointId);
  const allowed = records.filter((r) => settings.recategorize === true || (existing.get(r.itemHash)?.runId ?? run.id) === run.id);
  for (const r of records) if (!allowed.includes(r)) counts[r.category]--;
  store.categories.put(allowed);
  return { counts, uncategorized, kept: records.length - allowed.length };
}

const MARK = 'categories: ';

/** Whether a note is categoriesNote's (a resume replaces it). */
export const isCategoriesNote = (note: string): boolean => note.startsWith(MARK);

/** The run note that states a categorization's outcome. */
export function categoriesNote(o: CategorizeOutcome): string {
  const total = Object.values(o.counts).reduce((s, n) => s + n, 0);
  return `${MARK}${CATEGORIES.map((c) => `${o.counts[c]} ${c}`).join(', ')} (of ${total + o.uncategorized + o.kept} keyword items)` +
    (o.uncategorized > 0 ? `; ${o.uncategorized} uncategorized: too many of their answers errored (resume --retry-errors)` : '') +
    (o.kept > 0 ? `; ${o.kept} left as another run categorized them meanwhile (categorize --recategorize replaces them)` : '');
}
