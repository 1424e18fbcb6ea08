import { coreWording, OptionError, TunegateError, type OptionWording } from '../errors.js';
import type { Store } from '../store/open.js';
import type { Run } from '../store/types.js';
import { itemValues, pairItems, type CategoryOf, type ItemValue } from '../compare/item-values.js';
import { fingerprintWarnings, runMismatches } from '../compare/provenance-diff.js';
import { categoryLookup, runCategories } from '../runs/categories.js';
import type { GatePairs, Pair, RunRef } from './decide.js';
import { latestCompleted } from '../runs/select.js';

/** How the loader reads the runs: the gate's options it needs before deciding. */
export interface LoadOptions {
  /** The gated metrics asked for; absent: the defaults, which may add the forgetting alarm's (whose pairs are then loaded). */
  metrics?: readonly string[];
  /** Pair runs measured differently instead of refusing; the differences become warnings. */
  allowMismatch?: boolean;
  /** Each item's SliCK category; absent: the categories the head run's checkpoint uses. */
  categoryOf?: CategoryOf;
  /** How warnings name options (the CLI's flags, the API's fields); default: the core's wording. */
  optionName?: OptionWording;
}

const ref = (r: Run): RunRef => ({ runId: r.id, checkpoint: r.checkpoint, step: r.step });

/**
 * Reads what the gate decides on (gate/decide.ts): the head and baseline runs' items paired by
 * set, id and content hash (a changed eval set is a warning with the size of the intersection),
 * and, when the default metrics are gated and items are categorized, the forgetting alarm's pairs.
 * Refuses runs that cannot be compared: the same run twice, categorizations, runs measured
 * differently (unless allowMismatch), no item in common.
 */
export function loadPairs(store: Store, headId: number, baselineId: number, options: LoadOptions = {}): GatePairs {
  const headRun = store.runs.get(headId);
  const baseRun = store.runs.get(baselineId);
  if (headId === baselineId) throw new TunegateError('USAGE', `the head run and the baseline are the same run (${headId})`);
  for (const r of [headRun, baseRun]) {
    if (r.kind !== 'eval') throw new TunegateError('USAGE', `run ${r.id} is a categorization (its numbers are over k-shot draws), not an evaluation: gate evaluation runs`);
  }
  // Runs measured differently (another scorer version, temperature, max tokens, prompt…) differ
  // for reasons other than the checkpoint: refuse, unless the user says the difference is known.
  const mismatches = runMismatches(store, baselineId, headId);
  if (mismatches.length > 0 && options.allowMismatch !== true) {
    throw new OptionError('PROVENANCE_MISMATCH', 'allowMismatch', (name) => `runs ${headId} and ${baselineId} were measured differently (${mismatches.map((m) => m.field).join(', ')}), so their difference is not the checkpoint's alone: re-run one of them alike, or pass ${name('allowMismatch', 'true')} to gate anyway`,
      mismatches.map((m) => m.message));
  }
  // Both runs' items are categorized against the head's base, by content hash.
  const categoryOf = options.categoryOf ?? categoryLookup(runCategories(store, headRun));
  const head = itemValues(store, headId, categoryOf);
  const paired = pairItems(itemValues(store, baselineId, categoryOf), head);
  const { items, warnings } = paired;
  // Which metrics read a pair is decided once, from the head's item: tags are not part of the
  // content hash, so an in_train tag added after the baseline ran still separates train from held out.
  const pairs = paired.pairs.map(inTrainFromHead);
  warnings.push(...mismatches.map((m) => `measured differently (${(options.optionName ?? coreWording)('allowMismatch')}): ${m.message}`), ...fingerprintWarnings(baseRun, headRun));
  if (items.compared === 0) {
    throw new TunegateError('INVALID_INPUT', `runs ${headId} and ${baselineId} have no item in common with the same content; nothing to compare`);
  }
  // The forgetting alarm: when compared items are categorized against a base model, accuracy on
  // what it knew (HighlyKnown, MaybeKnown) is gated by default too (Gekhman et al. 2024), against
  // the base model's own latest evaluation: gradual forgetting passes every step-to-step gate.
  const categorized = pairs.some((p) => p.head.category === 'HighlyKnown' || p.head.category === 'MaybeKnown');
  const alarm = options.metrics === undefined && categorized ? forgettingReference(store, headRun, baseRun, categoryOf, head, warnings) : null;
  return {
    head: ref(headRun), baseline: ref(baseRun), pairs, items,
    alarm: alarm === null ? null : { against: ref(alarm.run), pairs: alarm.pairs },
    mismatches, warnings, headErrors: [...head.values()].filter((v) => v.errored).length,
  };
}

/**
 * The run the forgetting alarm compares with: the latest completed evaluation of the base model
 * whose categories the head uses (the baseline run itself when it is that), paired with the head's
 * items. Null, with a warning, when the base has no such run or it was measured differently.
 */
function forgettingReference(store: Store, headRun: Run, baseRun: Run, categoryOf: CategoryOf, head: Map<string, ItemValue>, warnings: string[]): { run: Run; pairs: Pair[] } | null {
  const cats = runCategories(store, headRun);
  if (cats === null) return null;
  const baseCheckpoint = store.checkpoints.find(cats.base);
  const run = baseCheckpoint === undefined ? undefined : baseCheckpoint.id === baseRun.checkpointId ? baseRun : latestCompleted(store, baseCheckpoint);
  if (run === undefined || run.id === headRun.id) {
    warnings.push(`forgetting alarm off: the base model ${cats.base} has no completed evaluation run to compare Known accuracy with (tunegate run ${cats.base})`);
    return null;
  }
  if (run.id === baseRun.id) return { run, pairs: pairItems(itemValues(store, run.id, categoryOf), head).pairs.map(inTrainFromHead) };
  const mismatches = runMismatches(store, run.id, headRun.id);
  if (mismatches.length > 0) {
    warnings.push(`forgetting alarm off: the base model's run ${run.id} was measured differently from run ${headRun.id} (${mismatches.map((m) => m.field).join(', ')})`);
    return null;
  }
  return { run, pairs: pairItems(itemValues(store, run.id, categoryOf), head).pairs.map(inTrainFromHead) };
}

/** Which metrics read a pair is decided from the head's item (tags are not part of the content hash). */
function inTrainFromHead(p: Pair): Pair {
  return p.base.inTrain === p.head.inTrain ? p : { base: { ...p.base, inTrain: p.head.inTrain }, head: p.head };
}
