import type { RunSummary } from '../scoring/metrics.js';
import type { RunStatus } from '../store/types.js';

/** What an execution knows when its last request has ended. */
export interface ExecutionEnd {
  /** The execution's signal was aborted (a cancel, a signal, a lost lease, a dead endpoint). */
  aborted: boolean;
  /** The run's summary over every stored result. */
  summary: RunSummary;
  /** Item × sample pairs the run has. */
  total: number;
  /** The endpoint was taken for dead (see dead-endpoint.ts). */
  endpointDead: boolean;
  /** Whether a cancel was asked for (read only when it matters). */
  cancelRequested: () => boolean;
}

/**
 * The status an execution ends with: the one place it is decided. Stopped early only if
 * something is left to do (an abort after the last result changes nothing); a cancel asked for
 * here (the server's queue) or from another process ends it cancelled, any other stop interrupted.
 */
export function endStatus(end: ExecutionEnd): RunStatus {
  const stoppedEarly = end.aborted && end.summary.counts.results < end.total;
  if (!stoppedEarly) return 'completed';
  return !end.endpointDead && end.cancelRequested() ? 'cancelled' : 'interrupted';
}
