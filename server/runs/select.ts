import { OptionError, TunegateError } from '../errors.js';
import type { Store } from '../store/open.js';
import type { RunFilter, RunHead } from '../store/run-list.js';
import type { Checkpoint, Run } from '../store/types.js';

/**
 * What "the latest completed run" chooses from: finished evaluations (a categorization's numbers
 * are not a checkpoint's scores), the newest (highest id) first.
 */
const COMPLETED: RunFilter = { kind: 'eval', status: 'completed' };

/**
 * The latest completed evaluation run: a checkpoint's, or of any checkpoint; with 'each checkpoint',
 * every checkpoint's (one query, oldest first, for charts across checkpoints).
 */
export function latestCompleted(store: Store, of: Pick<Checkpoint, 'id'> | 'any checkpoint'): Run | undefined;
export function latestCompleted(store: Store, of: 'each checkpoint'): Run[];
export function latestCompleted(store: Store, of: Pick<Checkpoint, 'id'> | 'any checkpoint' | 'each checkpoint'): Run | Run[] | undefined {
  if (of === 'each checkpoint') return store.runs.list({ ...COMPLETED, newestPerCheckpoint: true }).reverse();
  return store.runs.list({ ...COMPLETED, ...(of === 'any checkpoint' ? {} : { checkpointId: of.id }), limit: 1 })[0];
}

/** latestCompleted(store, 'each checkpoint') as heads (id, checkpoint, end; oldest first): choose first, then read the runs chosen. */
export function latestCompletedHeads(store: Store): RunHead[] {
  return store.runs.heads({ ...COMPLETED, newestPerCheckpoint: true }).reverse();
}

/**
 * The default head, the one rule shared by `tunegate gate`, GET /api/gate and /compare: the
 * latest completed run of the checkpoint with the highest step (checkpoints without a step come
 * after stepped ones; ties by the newest run). By step, not by time: re-running an old checkpoint
 * must not make it the head. Undefined when no evaluation has completed.
 */
export function defaultHead(store: Store): Run | undefined {
  return store.runs.list({ ...COMPLETED, byStep: true, limit: 1 })[0];
}

/**
 * The run to gate: the `run` option (it must have completed), else the latest completed run of
 * the `checkpoint` option, else the default head (an OptionError when there is none).
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
  const run = defaultHead(store);
  if (run === undefined) throw new OptionError('NOT_FOUND', 'run', (name) => `no completed run to gate; pass ${name('run', 'RUN_ID')} or ${name('checkpoint', 'NAME')}`);
  return run;
}
