import { TunegateError } from '../errors.js';
import type { Store } from '../store/open.js';
import type { Checkpoint, Run } from '../store/types.js';

/** A checkpoint's latest completed evaluation run. */
export function latestCompleted(store: Store, c: Pick<Checkpoint, 'id'>): Run | undefined {
  return store.runs.list({ checkpointId: c.id, status: 'completed', limit: 1 })[0];
}

/**
 * The run to gate: `--run ID` (it must have completed), else the latest completed run of
 * `--checkpoint NAME`, else the latest completed run of all.
 */
export function resolveHead(store: Store, sel: { run?: number; checkpoint?: string }): Run {
  if (sel.run !== undefined) {
    const run = store.runs.get(sel.run);
    if (run.status !== 'completed') {
      throw new TunegateError('USAGE', `run ${run.id} is ${run.status}, not completed; ${run.status === 'running' || run.status === 'queued' ? 'wait for it' : `resume it first (tunegate resume ${run.id})`}`);
    }
    return run;
  }
  if (sel.checkpoint !== undefined) {
    const run = latestCompleted(store, store.checkpoints.get(sel.checkpoint));
    if (run === undefined) throw new TunegateError('NOT_FOUND', `checkpoint "${sel.checkpoint}" has no completed run to gate`);
    return run;
  }
  const run = store.runs.list({ status: 'completed', limit: 1 })[0];
  if (run === undefined) throw new TunegateError('NOT_FOUND', 'no completed run to gate; pass --run RUN_ID or --checkpoint NAME');
  return run;
}
