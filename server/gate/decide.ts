import { checkOption, coreWording, TunegateError, type OptionWording } from '../errors.js';
import { holmLevels, signFlipTest, type SignFlipTest } from '../stats/sign-flip.js';
import { aggregate, itemValue, metricDef, METRIC_SETS, requireMetric } from '../scoring/metric-registry.js';
import type { CategoryOf, ItemPairing, ItemValue } from '../compare/item-values.js';
import type { ProvenanceMismatch } from '../compare/provenance-diff.js';
import type { ReferenceChoice } from '../runs/reference.js';
import { minDetectableDrop, planCommand, sensitivity, type Sensitivity } from './sensitivity.js';

export const DEFAULT_GATE_METRICS: readonly string[] = METRIC_SETS.gated;
/** Gated by default as well when the compared items have knowledge categories: the forgetting alarm. */
export const FORGETTING_METRICS: readonly string[] = METRIC_SETS.forgetting;
/**
 * Gated by default as well when both runs measured it (scoring/likelihood.ts): continuous per item,
 * it sees a loss spread over many items that 0/1 accuracy misses. Its tolerance is in
 * log-probability per token (DEFAULT_TOLERANCE: the truth's lead may shrink by 0.02 nats).
 */
export const LIKELIHOOD_GATE_METRICS: readonly string[] = METRIC_SETS.gatedWhenMeasured;
export const DEFAULT_TOLERANCE = 0.02;

/** Every metric asked for is known; an unknown one is an error about the metrics option. */
export function checkMetrics(metrics: readonly string[]): void {
  for (const m of metrics) checkOption('metrics', (field) => requireMetric(m, field));
}

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
  /** How the report's warnings name options: the CLI's flags, the API's fields (default: the core's wording). */
  optionName?: OptionWording;
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

/** One item as both runs answered it. */
export type Pair = { base: ItemValue; head: ItemValue };

/** A run as a report names it. */
export interface RunRef { runId: number; checkpoint: string; step: number | null }

/**
 * What the gate decides on, loaded from the store (gate/load-pairs.ts): the two runs' items
 * paired by content, and what was found while pairing them.
 */
export interface GatePairs {
  head: RunRef;
  baseline: RunRef;
  pairs: Pair[];
  items: ItemPairing['items'];
  /** The forgetting alarm's pairs and the base model's run they are against; null when it is off. */
  alarm: { against: RunRef; pairs: Pair[] } | null;
  mismatches: ProvenanceMismatch[];
  /** Said while loading: changed items, runs measured differently, an alarm that is off. */
  warnings: string[];
  /** Items of the head run that errored. */
  headErrors: number;
}

/** A tested metric's per-item worsenings on the test's scale (positive = worse), for `plan`'s simulation. */
export interface TestedMetric {
  metric: string;
  direction: 'higher' | 'lower';
  worse: number[];
  /** Which item each worsening is, in the same order. */
  items: Array<{ set: string; id: string }>;
  binary: boolean;
  testTolerance: number;
  geometric: boolean;
}


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
 * Decides on loaded pairs, with no store and no I/O: a metric regresses when its mean worsening
 * exceeds the tolerance AND a paired sign-flip test over items says it is worse beyond noise, at
 * the metric's share of alpha (Holm's step-down over the gated metrics, so the whole gate's
 * false-alarm rate is at most alpha). Returns the report and each tested metric's worsenings.
 */
export function decide(loaded: GatePairs, options: GateOptions = {}): { report: GateReport; tested: TestedMetric[] } {
  checkMetrics(options.metrics ?? []);
  const alpha = options.alpha ?? 0.05;
  const opts = { alpha, noSignificance: options.noSignificance === true, resamples: options.resamples ?? 10_000, seed: options.seed ?? 0 };
  const { pairs, alarm, items, mismatches, headErrors } = loaded;
  const warnings = [...loaded.warnings];
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
    const against = alarm !== null && FORGETTING_METRICS.includes(metric) && alarm.against.runId !== loaded.baseline.runId ? alarm.against : null;
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
  const maxErrors = options.maxErrors ?? 0;
  const verdict = headErrors > maxErrors ? 'untrusted' : verdicts.some((v) => v.verdict === 'regression') ? 'regression' : 'pass';
  if (headErrors > maxErrors) warnings.push(`the head run has ${headErrors} errored items (more than ${(options.optionName ?? coreWording)('maxErrors', String(maxErrors))}): it cannot be trusted`);
  const report: GateReport = {
    verdict, head: loaded.head, baseline: loaded.baseline, reference: options.reference ?? { kind: 'run', why: 'asked for by run id' }, alpha, significance: !opts.noSignificance,
    correction: opts.noSignificance ? 'none' : 'holm',
    items, mismatches, headErrors, maxErrors, metrics: verdicts, warnings, sensitivity: lines, planCommand: planCommand(loaded.head.runId),
  };
  return {
    report,
    tested: tested.map((m) => ({
      metric: m.metric, direction: m.direction, worse: m.worse, items: m.values.map((v) => ({ set: v.pair.head.item.set, id: v.pair.head.item.id })),
      binary: m.binary, testTolerance: m.testTolerance, geometric: m.geometric,
    })),
  };
}
