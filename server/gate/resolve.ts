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

/**
 * The baseline run. A run id; a checkpoint name (its latest completed run); `previous` (the
 * latest completed run of the checkpoint with the highest step below the head's); `baseline`
 * (the checkpoint flagged with `tunegate checkpoint baseline NAME`). Default: `baseline` when one
 * is flagged (and it is not the head's own checkpoint), else `previous`.
 */
export function resolveBaseline(store: Store, head: Run, spec?: string): Run {
  const flagged = store.checkpoints.list().find((c) => c.isBaseline);
  const choice = spec ?? (flagged !== undefined && flagged.id !== head.checkpointId ? 'baseline' : 'previous');
  if (/^\d+$/.test(choice)) {
    const run = store.runs.get(Number(choice));
    if (run.status !== 'completed') throw new TunegateError('USAGE', `baseline run ${run.id} is ${run.status}, not completed`);
    return run;
  }
  if (choice === 'baseline') {
    if (flagged === undefined) throw new TunegateError('USAGE', 'no checkpoint is flagged as the baseline: run `tunegate checkpoint baseline NAME`, or pass --baseline RUN_ID|CHECKPOINT|previous');
    const run = latestCompleted(store, flagged);
    if (run === undefined) throw new TunegateError('NOT_FOUND', `the baseline checkpoint "${flagged.name}" has no completed run`);
    return run;
  }
  if (choice === 'previous') {
    if (head.step === null) throw new TunegateError('USAGE', `--baseline previous needs a step on checkpoint "${head.checkpoint}" (set one with PATCH or re-register it with --step)`);
    const earlier = store.checkpoints
      .list()
      .filter((c) => c.step !== null && c.step < head.step!)
      .sort((a, b) => b.step! - a.step!)
      .map((c) => latestCompleted(store, c))
      .find((r) => r !== undefined);
    if (earlier === undefined) throw new TunegateError('NOT_FOUND', `no checkpoint with a step below ${head.step} has a completed run to compare with`);
    return earlier;
  }
  const run = latestCompleted(store, store.checkpoints.get(choice));
  if (run === undefined) throw new TunegateError('NOT_FOUND', `checkpoint "${choice}" has no completed run to compare with`);
  return run;
}
