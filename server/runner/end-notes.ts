import { categoriesNote, isCategoriesNote, storeCategories } from '../categorize/store-categories.js';
import type { EvalItem } from '../evalsets/types.js';
import type { Store } from '../store/open.js';
import type { ResultRow } from '../scoring/metrics.js';
import type { Run, RunStatus } from '../store/types.js';
import { retryLocked } from '../store/write-lock.js';
import { answerCapNote, isAnswerCapNote } from './answer-cap.js';
import { errorNotes, isErrorNote } from './error-notes.js';
import { isRefusedExtrasNote, refusedExtrasNote } from './model-client.js';
import { isTruncationNote, truncationNotes } from './truncation-notes.js';

/** What an execution learned that its run's notes tell. */
export interface EndNotes {
  items: readonly EvalItem[];
  rows: readonly ResultRow[];
  status: RunStatus;
  /** maxAnswerChars when some stored text was cut at it, else null. */
  cappedAt: number | null;
  /** Request fields some replica refused. */
  refusedExtras: readonly string[];
  categorizing: boolean;
}

/**
 * Replaces the run's end-of-run notes (truncation, errors, the answer cap, refused fields) with
 * this execution's, and stores a completed categorization's categories with their note.
 */
export async function writeEndNotes(store: Store, run: Run, end: EndNotes): Promise<void> {
  const notes = (drop: (note: string) => boolean, add: readonly string[]) => retryLocked(() => store.runs.replaceNotes(run.id, drop, add));
  await notes(isTruncationNote, truncationNotes([...new Set(end.items.map((i) => i.set))], end.rows));
  await notes(isErrorNote, errorNotes(end.rows.flatMap((r) => (r.error !== null ? [r.error] : [])), run.provenance.endpoint.model));
  if (end.cappedAt !== null) await notes(isAnswerCapNote, [answerCapNote(end.cappedAt)]);
  if (end.refusedExtras.length > 0) await notes(isRefusedExtrasNote, [refusedExtrasNote(end.refusedExtras)]);
  if (end.categorizing && end.status === 'completed') {
    await notes(isCategoriesNote, [categoriesNote(await retryLocked(() => storeCategories(store, run)))]);
  }
}
