import type { EvalItem } from '../evalsets/types.js';
import type { Store } from '../store/open.js';
import { resultKey } from '../store/results.js';
import type { Run } from '../store/types.js';

/** One request to send: an item and which of its samples. */
export interface Task {
  item: EvalItem;
  sample: number;
}

/** Every item × sample of the run that has no stored result yet, in run order. */
export function tasksLeft(store: Store, runId: number, items: readonly EvalItem[], samples: number): Task[] {
  const done = store.results.doneKeys(runId);
  const tasks: Task[] = [];
  for (const item of items) {
    for (let sample = 0; sample < samples; sample++) {
      if (!done.has(resultKey(item.set, item.id, sample))) tasks.push({ item, sample });
    }
  }
  return tasks;
}

/**
 * Whether resuming a run has nothing to do: it completed and every item × sample has a result
 * (with `retryErrors`, none errored). A failed, interrupted or cancelled run always has
 * something, if only its end (notes, summary, status), which the resume writes. The one rule
 * for `tunegate resume` and `POST /api/runs/:id/resume`.
 */
export function nothingToResume(store: Store, run: Run, retryErrors: boolean): boolean {
  if (run.status !== 'completed') return false;
  const { results, errors } = store.results.counts(run.id);
  return results >= store.runs.items(run.id).length * run.params.samples && !(retryErrors && errors > 0);
}
