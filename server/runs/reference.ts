import { OptionError, TunegateError } from '../errors.js';
import type { Store } from '../store/open.js';
import type { Checkpoint, Run } from '../store/types.js';
import { latestCompleted } from './select.js';

/**
 * How the reference run was chosen: asked for (a run id, a checkpoint, `previous`, `baseline`),
 * or by default the flagged baseline, else the head's base checkpoint, else the first checkpoint
 * of the head's `run=` tag; `none` when no default reference has a completed run (a first build).
 */
export type ReferenceKind = 'run' | 'checkpoint' | 'previous' | 'baseline' | 'base' | 'run-tag' | 'none';

/** Which reference a gate or comparison used and why, in words the report prints as is. */
export interface ReferenceChoice {
  kind: ReferenceKind;
  why: string;
}

/** A chosen reference run, or none (a first build) with why none was found. */
export type Reference = ({ run: Run } & ReferenceChoice) | { run: null; kind: 'none'; why: string };

/** The tag whose value names a training run: its checkpoints share it (`run=sft-v2`). */
export const RUN_TAG = 'run';

/** The message and the command a first build prints: no reference to gate against yet. */
export const FLAG_BASELINE_HINT = 'flag one with `tunegate checkpoint baseline NAME` (or give the head a base checkpoint, or a run= tag shared with its earlier steps)';

/**
 * The default reference of a head run: a fixed point, never the previous step, so small losses
 * cannot add up unseen (against `previous` each step is only compared with the last, already
 * regressed one). In order: the flagged baseline checkpoint (not the head's own), the head's base
 * checkpoint (the model it was fine-tuned from), the lowest-step checkpoint sharing the head's
 * `run=` tag with a step below the head's. Each must have a completed evaluation run; the first
 * that has one is the reference. None: `run: null` with what was looked for.
 */
export function defaultReference(store: Store, head: Run): Reference {
  const checkpoints = store.checkpoints.list();
  const own = checkpoints.find((c) => c.id === head.checkpointId);
  const looked: string[] = [];
  const candidates: Array<{ c: Checkpoint | undefined; kind: ReferenceKind; why: string; missing: string }> = [];
  const flagged = checkpoints.find((c) => c.isBaseline && c.id !== head.checkpointId);
  candidates.push({ c: flagged, kind: 'baseline', why: 'the flagged baseline checkpoint', missing: 'no other checkpoint is flagged as the baseline' });
  const base = own?.base ?? null;
  candidates.push({
    c: base === null ? undefined : checkpoints.find((c) => c.name === base), kind: 'base', why: "the head's base checkpoint",
    missing: base === null ? `checkpoint "${head.checkpoint}" has no base checkpoint` : `its base checkpoint "${base}" is not registered`,
  });
  const tag = own?.tags[RUN_TAG];
  const first = tag === undefined ? undefined : checkpoints
    .filter((c) => c.id !== head.checkpointId && c.tags[RUN_TAG] === tag && c.step !== null && (head.step === null || c.step < head.step))
    .sort((a, b) => a.step! - b.step! || a.id - b.id)[0];
  candidates.push({
    c: first, kind: 'run-tag', why: `the first checkpoint of the head's ${RUN_TAG}=${tag ?? ''}`,
    missing: tag === undefined ? `it has no ${RUN_TAG}= tag` : `no earlier checkpoint is tagged ${RUN_TAG}=${tag}`,
  });
  for (const cand of candidates) {
    if (cand.c === undefined) { looked.push(cand.missing); continue; }
    const run = latestCompleted(store, cand.c);
    if (run !== undefined && run.id !== head.id) return { run, kind: cand.kind, why: cand.why };
    looked.push(`${cand.why} "${cand.c.name}" has no completed run`);
  }
  return { run: null, kind: 'none', why: `no reference to gate against: ${looked.join('; ')}` };
}

/**
 * The reference for a head run: `spec` as `resolveBaseline` reads it (a run id, a checkpoint
 * name, `previous`, `baseline`), else the default reference. Only the default can be none: a
 * reference asked for by name that does not exist is an error.
 */
export function resolveReference(store: Store, head: Run, spec?: string): Reference {
  if (spec === undefined) return defaultReference(store, head);
  const run = resolveNamed(store, head, spec);
  if (/^\d+$/.test(spec)) return { run, kind: 'run', why: 'asked for by run id' };
  if (spec === 'previous') return { run, kind: 'previous', why: 'the previous step, as asked' };
  if (spec === 'baseline') return { run, kind: 'baseline', why: 'the flagged baseline checkpoint' };
  return { run, kind: 'checkpoint', why: 'asked for by checkpoint name' };
}

/** A reference asked for by name; see resolveReference. */
function resolveNamed(store: Store, head: Run, choice: string): Run {
  if (/^\d+$/.test(choice)) {
    const run = store.runs.get(Number(choice));
    if (run.status !== 'completed') throw new TunegateError('USAGE', `baseline run ${run.id} is ${run.status}, not completed`);
    return run;
  }
  if (choice === 'baseline') {
    const flagged = store.checkpoints.baseline();
    if (flagged === undefined) throw new TunegateError('USAGE', 'no checkpoint is flagged as the baseline: run `tunegate checkpoint baseline NAME`, or name the baseline as a run id, a checkpoint or previous');
    const run = latestCompleted(store, flagged);
    if (run === undefined) throw new TunegateError('NOT_FOUND', `the baseline checkpoint "${flagged.name}" has no completed run`);
    return run;
  }
  if (choice === 'previous') {
    // The reference was asked for by the baseline option, the one each edge can name.
    if (head.step === null) throw new OptionError('USAGE', 'baseline', (name) => `the previous step needs a step on checkpoint "${head.checkpoint}": give that checkpoint its step, or pass another ${name('baseline')}`);
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

/** The reference run, or a NOT_FOUND error saying why there is none (for callers that need a pair: compare). */
export function requireReference(ref: Reference): Run {
  if (ref.run === null) throw new TunegateError('NOT_FOUND', `${ref.why}; ${FLAG_BASELINE_HINT}`);
  return ref.run;
}

/** One line naming the reference and why, e.g. `run 3 of base (the head's base checkpoint)`. */
export function describeReference(ref: ReferenceChoice, run: { runId: number; checkpoint: string } | null): string {
  return run === null ? ref.why : `run ${run.runId} of ${run.checkpoint} (${ref.why})`;
}

/**
 * The baseline run as `resolveReference` picks it, or an error saying why there is none: for
 * callers that need a pair whatever happens (compare's default pair).
 */
export function resolveBaseline(store: Store, head: Run, spec?: string): Run {
  return requireReference(resolveReference(store, head, spec));
}
