import { itemJson } from '../report/run-json.js';
import { categoryLookup, runCategories } from '../runs/categories.js';
import type { Store } from '../store/open.js';
import type { ResultRecord, Run } from '../store/types.js';

/**
 * How a stored result of `run` is sent (ItemJson with its category): the one definition shared
 * by the paged results and the JSONL download, so both send the same objects. Reads the run's
 * items, judgments and categories once.
 */
export function resultJsonOf(store: Store, run: Run) {
  const items = new Map(store.runs.items(run.id).map((i) => [`${i.set}\u0000${i.id}`, i]));
  const judgments = new Map(store.judge.judgments(run.id).map((j) => [`${j.set}\u0000${j.itemId}\u0000${j.sample}`, j]));
  const categoryOf = categoryLookup(runCategories(store, run));
  const itemOf = (r: { set: string; itemId: string }) => items.get(`${r.set}\u0000${r.itemId}`);
  const json = (r: ResultRecord) => {
    const item = itemOf(r);
    return itemJson(r, item, judgments.get(`${r.set}\u0000${r.itemId}\u0000${r.sample}`), item === undefined ? null : categoryOf(item));
  };
  return { json, itemOf, categoryOf };
}
