import { isTruncated, type ResultRow } from '../scoring/metrics.js';

/** Above this share of a set's answers cut off at max tokens, the run carries a note. */
export const TRUNCATION_NOTE_SHARE = 0.05;

const MARK = 'were cut off at max tokens';

/**
 * One note per set where more than 5% of the answered results were cut off at max tokens
 * (finish_reason "length", or reasoning with an empty answer), in `sets` order. A cut-off post or an empty answer scores low
 * without the model being worse, so the run says so next to its numbers.
 */
export function truncationNotes(sets: readonly string[], rows: readonly ResultRow[]): string[] {
  const per = new Map<string, { answered: number; truncated: number; thoughtOnly: number }>();
  for (const r of rows) {
    if (r.error !== null) continue;
    const c = per.get(r.set) ?? { answered: 0, truncated: 0, thoughtOnly: 0 };
    c.answered++;
    if (isTruncated(r)) c.truncated++;
    if (r.thoughtOnly === true) c.thoughtOnly++;
    per.set(r.set, c);
  }
  return sets.flatMap((set) => {
    const c = per.get(set);
    if (c === undefined || c.truncated <= TRUNCATION_NOTE_SHARE * c.answered) return [];
    const pct = Math.round((100 * c.truncated) / c.answered);
    return [
      `set ${set}: ${c.truncated} of ${c.answered} answers (${pct}%) ${MARK} (finish_reason "length")` +
        (c.thoughtOnly > 0 ? `, ${c.thoughtOnly} of them reasoning with no answer at all (the budget covers reasoning and answer)` : '') +
        '; raise max tokens (maxTokens), or the model spent its budget reasoning; a cut-off answer scores low without being worse',
    ];
  });
}

/** Whether a note is one of truncationNotes' (a resume replaces them instead of adding more). */
export function isTruncationNote(note: string): boolean {
  return note.startsWith('set ') && note.includes(` ${MARK} (finish_reason "length")`);
}
