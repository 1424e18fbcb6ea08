/**
 * Paraphrase robustness: a fact asked in several phrasings (keyword items sharing a `fact_id`) is
 * right only when every phrasing passed. A model that learned only the exact training question
 * passes that phrasing and fails the others: high accuracy, low consistency.
 */

/** The one meaning of a set's `consistency`, for the API, `show` and the page. */
export const CONSISTENCY_DEFINITION =
  'Consistency (per eval set): keyword items of one set that share a fact_id are one fact group; items without a fact_id belong to none. ' +
  'A group counts only when every one of its items has at least one answered sample (a group with an errored or unanswered phrasing is unknown and left out); ' +
  'it is right when every one of its items passed. consistency = right groups / counted groups (n = counted groups, Wilson 95% interval); ' +
  'groups = the fact groups of the set, counted or not. A model that learned only the exact training question shows high accuracy and low consistency.';

/** One keyword item as consistency reads it: its fact and whether it passed (pass.ts's itemPassed; null: no answered sample). */
export interface FactItem {
  factId?: string | undefined;
  passed: boolean | null;
}

export interface FactGroups {
  /** Fact groups among the items, counted or not. */
  groups: number;
  /** One value per counted group: 1 when every phrasing passed, else 0. */
  outcomes: number[];
}

/** The items' fact groups and the outcome of each counted one; null when no item has a fact_id. */
export function factGroups(items: readonly FactItem[]): FactGroups | null {
  const byFact = new Map<string, Array<boolean | null>>();
  for (const i of items) {
    if (i.factId === undefined) continue;
    const list = byFact.get(i.factId);
    if (list === undefined) byFact.set(i.factId, [i.passed]);
    else list.push(i.passed);
  }
  if (byFact.size === 0) return null;
  const outcomes: number[] = [];
  for (const passed of byFact.values()) {
    if (passed.some((p) => p === null)) continue;
    outcomes.push(passed.every((p) => p === true) ? 1 : 0);
  }
  return { groups: byFact.size, outcomes };
}
