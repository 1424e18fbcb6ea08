import { TunegateError } from '../errors.js';
import { holmLevels, signFlipTest, type SignFlipTest } from '../stats/sign-flip.js';
import type { Store } from '../store/open.js';
import type { Run } from '../store/types.js';
import { aggregate, itemValue, metricDef, requireMetric } from '../scoring/metric-registry.js';
import { itemValues, pairItems, type CategoryOf, type ItemValue } from '../compare/item-values.js';
import { fingerprintWarnings, runMismatches, type ProvenanceMismatch } from '../compare/provenance-diff.js';
import { categoryLookup, runCategories } from '../runs/categories.js';
import { latestCompleted } from '../runs/select.js';
import type { ReferenceChoice } from '../runs/reference.js';
import { minDetectableDrop, planCommand, sensitivity, type Sensitivity } from './sensitivity.js';

export const DEFAULT_GATE_METRICS = ['bio_accuracy', 'hallucination_rate', 'blog_quality', 'known_accuracy'];
/** Gated by default as well when the compared items have knowledge categories: the forgetting alarm. */
export const FORGETTING_METRICS = ['acc_highly_known', 'acc_maybe_known'];
/**
 * Gated by default as well when both runs measured it (scoring/likelihood.ts): continuous per item,
 * it sees a loss spread over many items that 0/1 accuracy misses. Its tolerance is in
 * log-probability per token (DEFAULT_TOLERANCE: the truth's lead may shrink by 0.02 nats).
 */
export const LIKELIHOOD_GATE_METRICS = ['knowledge_margin'];
export const DEFAULT_TOLERANCE = 0.02;

/** The gated metrics when none are asked for: the defaults, the likelihood metrics measured, and the forgetting alarm's when it is on. */
export const defaultGateMetrics = (likelihood: readonly string[], alarm: boolean): string[] =>
  [...DEFAULT_GATE_METRICS, ...likelihood, ...(alarm ? FORGETTING_METRICS : [])];

export interface GateOptions {
  metrics?: string[];
  /** Absolute tolerance per metric; `default` for the rest. */
  tolerance?: Record<string, number>;
  alpha?: number;
  /** Decide on the tolerance alone. */
  noSignificance?: boolean;
  /** Head-run items that may have errored (default 0). */
  maxErrors?: number;
  /** Gate runs measured differently (scorer versions, temperature, …) instead of refusing; the differences become warnings. */
  allowMismatch?: boolean;
  /** Monte Carlo draws of the sign-flip test where exact enumeration is too large (10,000) and their seed: fixed, so a verdict is reproducible. */
  resamples?: number;
  seed?: number;
  /**
   * Each item's SliCK category against the base model, for the per-category metrics
   * (acc_highly_known, …); absent: no item is categorized and those metrics are skipped.
   */
  categoryOf?: CategoryOf;
  /** How the baseline was chosen, reported as is (default: asked for by run id). */
  reference?: ReferenceChoice;
}

export interface ItemChange {
  set: string;
  id: string;
  prompt: string;
  base: number;
  head: number;
  baseAnswer: string | null;
  headAnswer: string | null;
}

export interface MetricVerdict {
  metric: string;
  direction: 'higher' | 'lower';
  n: number;
  base: number | null;
  head: number | null;
  delta: number | null;
  /**
   * Interval of delta (head − base) by inverting the same sign-flip test, two-sided at
   * 1 − 2·level: its bound nearer "no change" is the one-sided bound the test used, so a
   * regression always shows an interval wholly on the worse side of zero. Null when unbounded.
   */
  interval: [number, number] | null;
  /** Coverage of `interval` (1 − 2·level). */
  intervalLevel: number | null;
  /** One-sided p-value of "not worse" (paired sign-flip test over items; the exact sign test for 0/1 scores). */
  p: number | null;
  /** The level p was tested at: alpha shared across the gated metrics by Holm's step-down. */
  level: number | null;
  test: 'sign-flip-exact' | 'sign-flip-monte-carlo' | 'none';
  tolerance: number;
  /**
   * The smallest drop this gate could ever call a regression with these n items at level
   * alpha/m (the level a lone regression is tested at); null when no drop can be detected at all.
   * For 0/1 scores it is k/n with k the fewest items that must go from pass to fail.
   */
  minDetectableDrop: number | null;
  /** The same at alpha itself, the highest level Holm's step-down reaches (once every other tested metric failed); null: this gate can never fail on it. */
  minDetectableDropAtAlpha: number | null;
  verdict: 'regression' | 'pass' | 'improved' | 'skipped';
  reason: string;
  /** Items that got worse the most (for a regression, the evidence). */
  worst: ItemChange[];
  /** The forgetting alarm's metrics are compared with the base model's run, not the baseline: which run that was. */
  against?: { runId: number; checkpoint: string; step: number | null };
}

export interface GateReport {
  /** no-baseline: no reference run exists yet (a first build); nothing was compared. */
  verdict: 'pass' | 'regression' | 'untrusted' | 'no-baseline';
  head: { runId: number; checkpoint: string; step: number | null };
  /** The reference run; null with verdict no-baseline. */
  baseline: { runId: number; checkpoint: string; step: number | null } | null;
  /** How the reference was chosen, and why (see gate/reference.ts). */
  reference: ReferenceChoice;
  /** The family-wise false-alarm rate: at most this share of no-change pairs fail on any metric. */
  alpha: number;
  significance: boolean;
  /** How the per-metric tests share alpha. */
  correction: 'holm' | 'none';
  /** Items in both runs with the same content, and how many differ or exist on one side only. */
  items: { compared: number; changedContent: number; onlyInBase: number; onlyInHead: number };
  /** How the two runs were measured differently (only with allowMismatch: else the gate refuses). */
  mismatches: ProvenanceMismatch[];
  headErrors: number;
  maxErrors: number;
  metrics: MetricVerdict[];
  warnings: string[];
  /** One line per tested metric: the smallest drop its items can show (replaces warnings about blind spots). */
  sensitivity: Sensitivity[];
  /** The command that says the power and the items a drop would take: `tunegate plan --run ID`. */
  planCommand: string;
}

type Pair = { base: ItemValue; head: ItemValue };

/** One metric's paired values and its test, before alpha is shared out. */
interface Measured {
  metric: string;
  direction: 'higher' | 'lower';
  tolerance: number;
  /** The tolerance on the scale the test works on (relative, as a log ratio, for geometric metrics). */
  testTolerance: number;
  geometric: boolean;
  values: Array<{ b: number; h: number; pair: Pair }>;
  /** Per-item worsening on the test's scale (positive = worse). */
  worse: number[];
  base: number;
  head: number;
  /** Mean worsening on the test's scale. */
  worsening: number;
  test: SignFlipTest;
  p: number;
  binary: boolean;
}

function measure(metric: string, pairs: readonly Pair[], tolerance: number, draws: number, seed: number): Measured | null {
  const def = metricDef(metric);
  // A metric without a better direction (blog_length_ratio) is gated as higher-is-better.
  const direction = def?.direction ?? 'higher';
  const sign = direction === 'higher' ? 1 : -1;
  // A geometric metric (perplexity) is compared on the log scale, as the run summaries average it,
  // and its tolerance is relative: 0.05 allows a 5% rise.
  const geometric = def?.geometric === true;
  const scale = geometric ? Math.log : (x: number) => x;
  const values = pairs.flatMap((pair) => {
    const b = itemValue(metric, pair.base);
    const h = itemValue(metric, pair.head);
    return b === undefined || h === undefined || !Number.isFinite(b) || !Number.isFinite(h) || (geometric && (b <= 0 || h <= 0)) ? [] : [{ b, h, pair }];
  });
  if (values.length === 0) return null;
  const worse = values.map((v) => -sign * (scale(v.h) - scale(v.b)));
  const testTolerance = geometric ? Math.log1p(tolerance) : tolerance;
  const test = signFlipTest(worse, { draws, seed });
  return {
    metric, direction, tolerance, testTolerance, geometric, values, worse,
    base: aggregate(values.map((v) => v.b), geometric)!,
    head: aggregate(values.map((v) => v.h), geometric)!,
    worsening: worse.reduce((s, w) => s + w, 0) / worse.length,
    test,
    p: test.pAbove(0),
    binary: values.every((v) => (v.b === 0 || v.b === 1) && (v.h === 0 || v.h === 1)),
  };
}

/** Why a metric had no comparable items: the categories or the in_train tags it reads are missing, or simply no item. */
function skipReason(metric: string, pairs: readonly Pair[]): string {
  const which = metricDef(metric)?.items;
  const seen = (f: (v: ItemValue) => boolean) => pairs.some((p) => f(p.base) && f(p.head));
  if (which !== undefined && which.category !== null && !seen((v) => v.category !== null)) return 'no compared item is categorized against a base model';
  if (which !== undefined && which.inTrain !== null && !seen((v) => v.inTrain !== null)) return 'no compared item is tagged in_train';
  return 'no comparable items for this metric';
}

const skipped = (metric: string, tolerance: number, reason: string): MetricVerdict => ({
  metric, direction: metricDef(metric)?.direction ?? 'higher', n: 0, base: null, head: null, delta: null, interval: null, intervalLevel: null,
  p: null, level: null, test: 'none', tolerance, minDetectableDrop: null, minDetectableDropAtAlpha: null, verdict: 'skipped', reason, worst: [],
});

const fmtP = (p: number) => (p < 0.001 ? p.toExponential(1) : p.toPrecision(2));

/** A measured metric's verdict at its share of alpha. */
function verdictOf(m: Measured, level: number, rejected: boolean, loneLevel: number, alpha: number, noSignificance: boolean): MetricVerdict {
  const sign = m.direction === 'higher' ? 1 : -1;
  // Bounds of the mean worsening on the test's scale, turned into bounds of delta (head − base).
  const lo = m.test.lower(level);
  const hi = m.test.upper(level);
  const toDelta = (w: number) => (m.geometric ? m.base * Math.expm1(-sign * w) : -sign * w);
  const ends = [toDelta(lo), toDelta(hi)].sort((a, b) => a - b) as [number, number];
  const interval = Number.isFinite(ends[0]) && Number.isFinite(ends[1]) ? ends : null;
  const beyond = m.worsening > m.testTolerance;
  const amount = (w: number) => (m.geometric ? `${(100 * Math.expm1(Math.abs(w))).toFixed(1)}%` : Math.abs(w).toFixed(3));
  const tol = m.geometric ? `${(100 * m.tolerance).toFixed(1)}%` : String(m.tolerance);
  let verdict: MetricVerdict['verdict'] = 'pass';
  let reason: string;
  if (beyond && (noSignificance || rejected)) {
    verdict = 'regression';
    reason = `worse by ${amount(m.worsening)} (> tolerance ${tol})${noSignificance ? '' : `, p = ${fmtP(m.p)} < ${fmtP(level)}: beyond noise`}`;
  } else if (beyond) {
    reason = `worse by ${amount(m.worsening)} (> tolerance ${tol}) but within noise (p = ${fmtP(m.p)} ≥ ${fmtP(level)})`;
  } else if (-m.worsening > m.testTolerance) {
    verdict = 'improved';
    reason = `better by ${amount(m.worsening)}`;
  } else {
    reason = `change ${m.worsening <= 0 ? 'for the better' : 'for the worse'} of ${amount(m.worsening)}, within tolerance ${tol}`;
  }
  const mdd = noSignificance ? null : minDetectableDrop(m.values.length, m.testTolerance, loneLevel, m.binary);
  const mddAtAlpha = noSignificance ? null : minDetectableDrop(m.values.length, m.testTolerance, alpha, m.binary);
  const onScale = (d: number | null) => (d === null ? null : m.geometric ? Math.expm1(d) : d);
  const worst = m.values
    .map((v, i) => ({ v, w: m.worse[i]! }))
    .filter((x) => x.w > 0)
    .sort((a, b) => b.w - a.w)
    .slice(0, 5)
    .map(({ v }) => ({ set: v.pair.head.item.set, id: v.pair.head.item.id, prompt: v.pair.head.item.prompt, base: v.b, head: v.h, baseAnswer: v.pair.base.answer, headAnswer: v.pair.head.answer }));
  return {
    metric: m.metric, direction: m.direction, n: m.values.length, base: m.base, head: m.head, delta: m.head - m.base,
    interval, intervalLevel: interval === null ? null : 1 - 2 * level, p: m.p, level: noSignificance ? null : level,
    test: m.test.method === 'exact' ? 'sign-flip-exact' : 'sign-flip-monte-carlo',
    tolerance: m.tolerance, minDetectableDrop: onScale(mdd), minDetectableDropAtAlpha: onScale(mddAtAlpha), verdict, reason, worst,
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

/**
 * Compares a head run with a baseline item by item and decides: a metric regresses when its
 * mean worsening exceeds the tolerance AND a paired sign-flip test over items says it is worse
 * beyond noise, at the metric's share of alpha (Holm's step-down over the gated
 * metrics, so the whole gate's false-alarm rate is at most alpha). Items are paired by set, id
 * and content hash; a changed eval set is a warning with the size of the intersection.
 */
export function gate(store: Store, headId: number, baselineId: number, options: GateOptions = {}): GateReport {
  return gateMeasured(store, headId, baselineId, options).report;
}

/** A tested metric's per-item worsenings on the test's scale (positive = worse), for `plan`'s simulation. */
export interface TestedMetric { metric: string; worse: number[]; binary: boolean; testTolerance: number; geometric: boolean }

/** The gate, with each tested metric's per-item worsenings beside its report. */
export function gateMeasured(store: Store, headId: number, baselineId: number, options: GateOptions = {}): { report: GateReport; tested: TestedMetric[] } {
  for (const m of options.metrics ?? []) requireMetric(m, '--metrics');
  const alpha = options.alpha ?? 0.05;
  const opts = { alpha, noSignificance: options.noSignificance === true, resamples: options.resamples ?? 10_000, seed: options.seed ?? 0 };
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
    throw new TunegateError('PROVENANCE_MISMATCH', `runs ${headId} and ${baselineId} were measured differently (${mismatches.map((m) => m.field).join(', ')}), so their difference is not the checkpoint's alone: re-run one of them alike, or pass --allow-mismatch (API: allowMismatch=true) to gate anyway`,
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
  warnings.push(...mismatches.map((m) => `measured differently (--allow-mismatch): ${m.message}`), ...fingerprintWarnings(baseRun, headRun));
  if (items.compared === 0) {
    throw new TunegateError('INVALID_INPUT', `runs ${headId} and ${baselineId} have no item in common with the same content; nothing to compare`);
  }
  // The forgetting alarm: when compared items are categorized against a base model, accuracy on
  // what it knew (HighlyKnown, MaybeKnown) is gated by default too (Gekhman et al. 2024), against
  // the base model's own latest evaluation: gradual forgetting passes every step-to-step gate.
  const categorized = pairs.some((p) => p.head.category === 'HighlyKnown' || p.head.category === 'MaybeKnown');
  const alarm = options.metrics === undefined && categorized ? forgettingReference(store, headRun, baseRun, categoryOf, head, warnings) : null;
  const likelihood = LIKELIHOOD_GATE_METRICS.filter((m) => pairs.some((p) => itemValue(m, p.base) !== undefined && itemValue(m, p.head) !== undefined));
  const metrics = [...new Set(options.metrics ?? defaultGateMetrics(likelihood, alarm !== null))];
  const pairsFor = (m: string) => (alarm !== null && FORGETTING_METRICS.includes(m) ? alarm.pairs : pairs);

  const tol = (m: string) => (options.tolerance !== undefined && Object.hasOwn(options.tolerance, m) ? options.tolerance[m]! : options.tolerance?.default ?? DEFAULT_TOLERANCE);
  const measured = metrics.map((m) => measure(m, pairsFor(m), tol(m), opts.resamples, opts.seed));
  const tested = measured.filter((m): m is Measured => m !== null);
  // Holm's step-down shares alpha across the gated metrics: any one failing fails the gate, so the
  // chance that some metric cries wolf must be at most alpha, not alpha per metric.
  const holm = holmLevels(tested.map((m) => m.p), alpha);
  const loneLevel = alpha / Math.max(1, tested.length);
  const verdicts = measured.map((m, i): MetricVerdict => {
    const metric = metrics[i]!;
    const against = alarm !== null && FORGETTING_METRICS.includes(metric) && alarm.run.id !== baseRun.id
      ? { runId: alarm.run.id, checkpoint: alarm.run.checkpoint, step: alarm.run.step } : null;
    const note = (v: MetricVerdict): MetricVerdict =>
      (against !== null ? { ...v, against, reason: `${v.reason} (against the base model ${against.checkpoint}, run ${against.runId})` } : v);
    if (m === null) return note(skipped(metric, tol(metric), skipReason(metric, pairsFor(metric))));
    const t = tested.indexOf(m);
    return note(verdictOf(m, holm.levels[t]!, holm.rejected[t]!, loneLevel, alpha, opts.noSignificance));
  });
  const lines = verdicts.map((v) => sensitivity(v, loneLevel, alpha)).filter((x): x is Sensitivity => x !== null);
  if (verdicts.every((v) => v.verdict === 'skipped')) {
    throw new TunegateError('INVALID_INPUT', `no comparable items for any gated metric (${metrics.join(', ')})`);
  }
  const headErrors = [...head.values()].filter((v) => v.errored).length;
  const maxErrors = options.maxErrors ?? 0;
  const verdict = headErrors > maxErrors ? 'untrusted' : verdicts.some((v) => v.verdict === 'regression') ? 'regression' : 'pass';
  if (headErrors > maxErrors) warnings.push(`the head run has ${headErrors} errored items (more than --max-errors ${maxErrors}): it cannot be trusted`);
  const describe = (r: { id: number; checkpoint: string; step: number | null }) => ({ runId: r.id, checkpoint: r.checkpoint, step: r.step });
  const report: GateReport = {
    verdict, head: describe(headRun), baseline: describe(baseRun), reference: options.reference ?? { kind: 'run', why: 'asked for by run id' }, alpha, significance: !opts.noSignificance,
    correction: opts.noSignificance ? 'none' : 'holm',
    items, mismatches, headErrors, maxErrors, metrics: verdicts, warnings, sensitivity: lines, planCommand: planCommand(headId),
  };
  return { report, tested: tested.map((m) => ({ metric: m.metric, worse: m.worse, binary: m.binary, testTolerance: m.testTolerance, geometric: m.geometric })) };
}
