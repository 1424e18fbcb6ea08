import type { RunStatus } from '../store/types.js';

/** What an execution knows when its pool has drained. */
export interface EndOfRun {
  runId: number;
  /** Aborted with items left to do. */
  stoppedEarly: boolean;
  /** Read only when stopped early: a cancel was asked for (and the endpoint did not die). */
  cancelled: () => boolean;
  /** Why the endpoint was taken for dead, or null. */
  dead: string | null;
  counts: { results: number; errors: number };
}

/** Every stored result is an error: nothing was measured. */
export function everyItemErrored(counts: { results: number; errors: number }): boolean {
  return counts.results > 0 && counts.errors === counts.results;
}

/**
 * A run's status and error once its execution ends. A run whose every result errored measured
 * nothing: it ends `failed` (red on the page, left out of "the latest completed run", so the
 * gate and the charts never take it for a baseline), and like any failed run it can be resumed
 * (with --retry-errors, its errored items are sent again).
 */
export function finalStatus(end: EndOfRun): { status: RunStatus; error: string | null } {
  if (end.stoppedEarly) {
    if (end.dead === null && end.cancelled()) return { status: 'cancelled', error: null };
    return { status: 'interrupted', error: end.dead };
  }
  if (everyItemErrored(end.counts)) {
    return {
      status: 'failed',
      error: `every item errored (${end.counts.errors} of ${end.counts.results}; the notes say why): nothing was measured. ` +
        `Once the endpoint answers, send them again: resume the run retrying errors (POST /api/runs/${end.runId}/resume with {"retryErrors": true}, or tunegate resume ${end.runId} and its retry-errors option)`,
    };
  }
  return { status: 'completed', error: null };
}
