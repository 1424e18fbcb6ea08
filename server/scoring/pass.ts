import type { KeywordMarks } from './keyword.js';

/**
 * The one meaning of "pass", shared by the stored results, the run view's pass/fail filter, the
 * compare view's learned/forgotten transitions and anything the gate says of items.
 */
export const PASS_DEFINITION =
  'A keyword item passes when every answered sample contains every keyword group (any alternative) and no forbidden string; ' +
  'errored samples are not counted, an item with no answered sample is unscored, and blog items have no pass/fail.';

/** One answer to a keyword item passes: every keyword group found and no forbidden string. */
export function answerPassed(marks: KeywordMarks): boolean {
  return marks.keywords.every((k) => k.matched !== null) && marks.forbidden.every((f) => !f.found);
}

/** An item over its samples' pass flags (null: errored or a blog item): every answered sample passed; null when none was answered. */
export function itemPassed(samples: ReadonlyArray<boolean | null>): boolean | null {
  const answered = samples.filter((p): p is boolean => p !== null);
  return answered.length === 0 ? null : answered.every((p) => p);
}
