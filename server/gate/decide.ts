import { TunegateError } from '../errors.js';
import { exactSignTestP, pairedBootstrap } from '../stats/paired.js';
import type { Store } from '../store/open.js';
import { aggregate, itemValue, metricDef, requireMetric } from '../scoring/metric-registry.js';
import { itemValues, pairItems, type ItemValue } from '../compare/item-values.js';

export const DEFAULT_GATE_METRICS = ['bio_accuracy', 'hallucination_rate', 'blog_quality', 'known_accuracy'];
export const DEFAULT_TOLERANCE = 0.02;

export interface GateOptions {
  metrics?: string[];
  /** Absolute tolerance per metric; `default` for the rest. */
  tolerance?: Record<string, number>;
  alpha?: number;
  /** Decide on the tolerance alone. */
  noSignificance?: boolean;
  /** Head-run items that may have errored (default 0). */
  maxErrors?: number;
  /** Bootstrap resamples (≥ 10,000 by default) and seed: fixed, so a verdict is reproducible. */
  resamples?: number;
  seed?: number;
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
  interval: [number, number] | null;
  p: number | null;
  test: 'exact-sign' | 'paired-bootstrap' | 'none';
  tolerance: number;
  verdict: 'regression' | 'pass' | 'improved' | 'skipped';
  reason: string;
  /** Items that got worse the most (for a regression, the evidence). */
  worst: ItemChange[];
}

export interface GateReport {
  verdict: 'pass' | 'regression' | 'untrusted';
  head: { runId: number; checkpoint: string; step: number | null };
  baseline: { runId: number; checkpoint: string; step: number | null };
  alpha: number;
  significance: boolean;
  /** Items in both runs with the same content, and how many differ or exist on one side only. */
  items: { compared: number; changedContent: number; onlyInBase: number; onlyInHead: number };
  headErrors: number;
  maxErrors: number;
  metrics: MetricVerdict[];
  warnings: string[];
}

function decideMetric(metric: string, pairs: Array<{ base: ItemValue; head: ItemValue }>, opts: Required<Pick<GateOptions, 'alpha' | 'noSignificance' | 'resamples' | 'seed'>>, tolerance: number): MetricVerdict {
  // A metric without a better direction (blog_length_ratio) is gated as higher-is-better.
  const direction = metricDef(metric)?.direction ?? 'higher';
  const sign = direction === 'higher' ? 1 : -1;
  // A geometric metric (perplexity) is compared on the log scale, as the run summaries average it.
  const geometric = metricDef(metric)?.geometric === true;
  const scale = geometric ? Math.log : (x: number) => x;
  const values = pairs.flatMap(({ base, head }) => {
    const b = itemValue(metric, base);
    const h = itemValue(metric, head);
    return b === undefined || h === undefined || (geometric && (b <= 0 || h <= 0)) ? [] : [{ b, h, base, head }];
  });
  const empty: MetricVerdict = {
    metric, direction, n: 0, base: null, head: null, delta: null, interval: null, p: null, test: 'none', tolerance,
    verdict: 'skipped', reason: 'no comparable items for this metric', worst: [],
  };
  if (values.length === 0) return empty;

  const base = aggregate(values.map((v) => v.b), geometric)!;
  const head = aggregate(values.map((v) => v.h), geometric)!;
  const delta = head - base;
  const worsening = -sign * delta;
  // Worsening per item (positive = worse; log ratios for geometric metrics); the bootstrap tests whether its mean is above 0.
  const worse = values.map((v) => -sign * (scale(v.h) - scale(v.b)));
  const boot = pairedBootstrap(worse, { resamples: opts.resamples, seed: opts.seed });
  const binary = values.every((v) => (v.b === 0 || v.b === 1) && (v.h === 0 || v.h === 1));
  let p: number;
  if (binary) {
    const nWorse = worse.filter((w) => w > 0).length;
    const nBetter = worse.filter((w) => w < 0).length;
    p = exactSignTestP(nWorse, nBetter);
  } else {
    p = boot.p;
  }
  // The interval of delta (head − base) is the worsening interval mirrored; for a geometric metric
  // it is the interval of the mean log ratio, turned into a change of the geometric mean.
  const mirrored: [number, number] = sign === 1 ? [-boot.interval[1], -boot.interval[0]] : [boot.interval[0], boot.interval[1]];
  const interval: [number, number] = geometric ? [base * Math.expm1(mirrored[0]), base * Math.expm1(mirrored[1])] : mirrored;
  const significant = opts.noSignificance || p < opts.alpha;
  const beyond = worsening > tolerance;
  let verdict: MetricVerdict['verdict'] = 'pass';
  let reason: string;
  if (beyond && significant) {
    verdict = 'regression';
    reason = `worse by ${worsening.toFixed(3)} (> tolerance ${tolerance})${opts.noSignificance ? '' : `, p = ${p.toPrecision(2)} < ${opts.alpha}`}`;
  } else if (beyond) {
    reason = `worse by ${worsening.toFixed(3)} but not significant (p = ${p.toPrecision(2)} ≥ ${opts.alpha}): within noise`;
  } else if (-worsening > tolerance) {
    verdict = 'improved';
    reason = `better by ${(-worsening).toFixed(3)}`;
  } else {
    reason = `change ${delta >= 0 ? '+' : ''}${delta.toFixed(3)} within tolerance ${tolerance}`;
  }
  const worst = values
    .map((v, i) => ({ v, w: worse[i]! }))
    .filter((x) => x.w > 0)
    .sort((a, b) => b.w - a.w)
    .slice(0, 5)
    .map(({ v }) => ({ set: v.head.item.set, id: v.head.item.id, prompt: v.head.item.prompt, base: v.b, head: v.h, baseAnswer: v.base.answer, headAnswer: v.head.answer }));
  return { metric, direction, n: values.length, base, head, delta, interval, p, test: binary ? 'exact-sign' : 'paired-bootstrap', tolerance, verdict, reason, worst };
}

/**
 * Compares a head run with a baseline item by item and decides: a metric regresses when its
 * worsening exceeds the tolerance AND a paired test over items is significant (an exact sign
 * test where scores are binary, else a paired bootstrap). Items are paired by set, id and
 * content hash; a changed eval set is a warning with the size of the intersection.
 */
export function gate(store: Store, headId: number, baselineId: number, options: GateOptions = {}): GateReport {
  const metrics = options.metrics ?? DEFAULT_GATE_METRICS;
  for (const m of metrics) requireMetric(m, '--metrics');
  const alpha = options.alpha ?? 0.05;
  const opts = { alpha, noSignificance: options.noSignificance === true, resamples: options.resamples ?? 10_000, seed: options.seed ?? 0 };
  const headRun = store.runs.get(headId);
  const baseRun = store.runs.get(baselineId);
  if (headId === baselineId) throw new TunegateError('USAGE', `the head run and the baseline are the same run (${headId})`);
  const head = itemValues(store, headId);
  const { pairs, items, warnings } = pairItems(itemValues(store, baselineId), head);
  if (items.compared === 0) {
    throw new TunegateError('INVALID_INPUT', `runs ${headId} and ${baselineId} have no item in common with the same content; nothing to compare`);
  }

  const tol = (m: string) => options.tolerance?.[m] ?? options.tolerance?.default ?? DEFAULT_TOLERANCE;
  const verdicts = metrics.map((m) => decideMetric(m, pairs, opts, tol(m)));
  if (verdicts.every((v) => v.verdict === 'skipped')) {
    throw new TunegateError('INVALID_INPUT', `no comparable items for any gated metric (${metrics.join(', ')})`);
  }
  const headErrors = [...head.values()].filter((v) => v.errored).length;
  const maxErrors = options.maxErrors ?? 0;
  const verdict = headErrors > maxErrors ? 'untrusted' : verdicts.some((v) => v.verdict === 'regression') ? 'regression' : 'pass';
  if (headErrors > maxErrors) warnings.push(`the head run has ${headErrors} errored items (more than --max-errors ${maxErrors}): it cannot be trusted`);
  const describe = (r: { id: number; checkpoint: string; step: number | null }) => ({ runId: r.id, checkpoint: r.checkpoint, step: r.step });
  return {
    verdict, head: describe(headRun), baseline: describe(baseRun), alpha, significance: !opts.noSignificance,
    items, headErrors, maxErrors, metrics: verdicts, warnings,
  };
}
