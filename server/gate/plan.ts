import { OptionError, TunegateError } from '../errors.js';
import type { Store } from '../store/open.js';
import type { Run } from '../store/types.js';
import { itemKey, itemValues } from '../compare/item-values.js';
import { itemValue, metricDef } from '../scoring/metric-registry.js';
import { itemsNeededSim, minDetectableDropSim, TRIALS, type DiffModel } from '../stats/power.js';
import { DEFAULT_TOLERANCE, defaultGateMetrics, LIKELIHOOD_GATE_METRICS, type TestedMetric } from './decide.js';
import { gateMeasured } from './gate-head.js';
import { sampleValues } from './item-samples.js';
import { samplesPlan, type SamplesPlan } from './plan-samples.js';
import { describeReference, resolveReference } from '../runs/reference.js';

/** Items-needed search stops here: the exact sign test of 0/1 scores grows with the churned items beyond it. */
export const MAX_PLAN_ITEMS = 2000;
export const DEFAULT_DETECT = 0.1;
export const DEFAULT_POWER = 0.8;

/**
 * The one bound of `plan`'s options (CLI and API): detect in (0, 1], power in (0, 1). The error
 * names the option; each edge words it (`--detect`, `querystring/detect`).
 */
export function checkPlanOption(name: 'detect' | 'power', value: number): number {
  const ok = Number.isFinite(value) && value > 0 && (name === 'detect' ? value <= 1 : value < 1);
  if (!ok) throw new OptionError('USAGE', name, (w) => `${w(name)} must be a number ${name === 'detect' ? 'above 0 and at most 1 (a drop, e.g. 0.10)' : 'strictly between 0 and 1 (e.g. 0.8)'}, got ${JSON.stringify(String(value))}`);
  return value;
}

export interface PlanOptions {
  /** The drop to be detected (default 0.10; relative for geometric metrics). */
  detect?: number;
  /** The detection probability asked for (default 0.8). */
  power?: number;
  alpha?: number;
}

export interface MetricPlan {
  metric: string;
  n: number;
  binary: boolean;
  /** The level the metric is tested at when it fails alone: alpha/m, Holm's first step. */
  level: number;
  tolerance: number;
  /** The smallest drop detected with the power asked, now; null when none is (up to a drop of the whole range). */
  minDetectableDrop: number | null;
  /** Items that detect `detect` with the power asked; `already` when n does; null when more than MAX_PLAN_ITEMS would. */
  itemsNeeded: number | 'already' | null;
  /** How to get them, and why items (not samples) are the remedy for this metric. */
  remedy: { kind: 'questions' | 'items' | 'none'; command: string | null; why: string };
  /** Samples per item that detect `detect` instead (gate/plan-samples.ts). */
  samples: SamplesPlan;
}

export interface Plan {
  runId: number;
  detect: number;
  power: number;
  alpha: number;
  /** What the per-item noise was taken from: the paired spread against the reference, or the run alone. */
  noise: { kind: 'paired' | 'run-only'; reference: string };
  trials: number;
  metrics: MetricPlan[];
}

/**
 * Noise of a tested metric's paired worsenings. 0/1 scores: items moving against the pair's main
 * direction can only be noise, so the smaller of the worse and better shares is the churn each
 * way (the excess is taken as the real change, not noise). Continuous scores: the worsenings
 * centred on zero (the spread of the changes, the real change's own spread included).
 */
function pairedModel(t: TestedMetric): DiffModel {
  const n = t.worse.length;
  if (t.binary) return { kind: 'binary', churn: Math.min(t.worse.filter((w) => w > 0).length, t.worse.filter((w) => w < 0).length) / n };
  const mean = t.worse.reduce((s, w) => s + w, 0) / n;
  return { kind: 'resample', pool: t.worse.map((w) => w - mean) };
}

/**
 * Noise with no reference to pair with: 0/1 scores with no churn (only the drop moves items: a
 * lower bound on what it takes), continuous scores as the difference of two of the run's items
 * drawn at random (an upper bound: pairing removes the item-to-item spread a real pair shares).
 */
function runOnlyModel(values: number[], binary: boolean): DiffModel {
  if (binary) return { kind: 'binary', churn: 0 };
  const pool: number[] = [];
  for (let i = 0; i < values.length; i++) for (let j = 0; j < values.length; j++) if (i !== j) pool.push(values[i]! - values[j]!);
  return { kind: 'resample', pool: pool.length > 0 ? pool : [0] };
}

/** Metrics whose items `evalset generate` writes (bio-generated: bio family; refusal-generated: forbidden lists). */
const GENERATED = ['bio_accuracy', 'hallucination_rate', 'refusal_accuracy'];

function remedy(metric: string, needed: number | 'already' | null, n: number, sampled: boolean): MetricPlan['remedy'] {
  if (needed === 'already') return { kind: 'none', command: null, why: 'the set already detects this drop' };
  const more = needed === null ? `more than ${MAX_PLAN_ITEMS - n}` : String(needed - n);
  // Samples are averaged per item before the test (the item is the unit): they can only smooth an
  // item's sampling noise, and there is none in greedy answers or in likelihoods.
  const samples = !sampled || metricDef(metric)?.items.value === 'likelihood'
    ? 'not reachable with samples alone: the per-item values are deterministic (greedy answers or likelihoods)'
    : 'more samples per item would smooth each item\'s sampling noise but add no items, the unit of the test';
  if (GENERATED.includes(metric)) {
    return { kind: 'questions', command: 'tunegate evalset generate --facts FACTS --generator SPEC --questions Q', why: `${more} more items (Q per fact and language); ${samples}` };
  }
  return { kind: 'items', command: null, why: `${more} more ${metricDef(metric)?.items.kind === 'blog' ? 'blog prompts' : 'items'} of its sets, written by hand (evalset generate writes bio and refusal items only); ${samples}` };
}

/**
 * How much a run's gate can see and what it would take: per gated metric, the smallest drop its
 * gate detects with probability `power` now, and the items that detect `detect`, by simulating
 * the gate's own test (stats/power.ts) on noise taken from the run's pairing with its default
 * reference, or from the run alone when it has none.
 */
export function plan(store: Store, head: Run, options: PlanOptions = {}): Plan {
  const detect = checkPlanOption('detect', options.detect ?? DEFAULT_DETECT);
  const power = checkPlanOption('power', options.power ?? DEFAULT_POWER);
  const alpha = options.alpha ?? 0.05;
  if (head.kind !== 'eval') throw new TunegateError('USAGE', `run ${head.id} is a categorization, not an evaluation: plan evaluation runs`);
  const ref = resolveReference(store, head);
  let tested: TestedMetric[];
  let noise: Plan['noise'];
  const reference = ref.run;
  if (reference !== null) {
    const g = gateMeasured(store, head.id, reference.id, { alpha, allowMismatch: true, reference: ref });
    tested = g.tested;
    noise = { kind: 'paired', reference: describeReference(ref, g.report.baseline) };
  } else {
    tested = runOnly(store, head);
    noise = { kind: 'run-only', reference: ref.why };
  }
  const level = alpha / Math.max(1, tested.length);
  // Per-sample values are read only where samples are the question: a sampled run, not already detecting.
  const sampled = (runId: number, t: TestedMetric) => (head.params.samples > 1 && head.params.temperature > 0 ? sampleValues(store, runId, t.metric) : new Map<string, number[]>());
  const metrics = tested.map((t): MetricPlan => {
    const n = t.worse.length;
    const model = noise.kind === 'paired' ? pairedModel(t) : runOnlyModel(t.worse, t.binary);
    const toScale = (d: number) => (t.geometric ? Math.log1p(d) : d);
    const fromScale = (d: number) => (t.geometric ? Math.expm1(d) : d);
    const ceiling = model.kind === 'binary' ? 1 : Math.max(1, 2 * Math.max(...model.pool.map(Math.abs)));
    const mdd = minDetectableDropSim(model, n, t.testTolerance, level, power, ceiling);
    const needed = mdd !== null && mdd <= toScale(detect) ? 'already'
      : itemsNeededSim(model, toScale(detect), t.testTolerance, level, power, MAX_PLAN_ITEMS, Math.max(4, n));
    return {
      metric: t.metric, n, binary: t.binary, level, tolerance: t.geometric ? Math.expm1(t.testTolerance) : t.testTolerance,
      minDetectableDrop: mdd === null ? null : fromScale(mdd), itemsNeeded: needed, remedy: remedy(t.metric, needed, n, head.params.temperature > 0),
      samples: samplesPlan(t, (i) => itemKey(i.set, i.id), {
        checkpoint: head.checkpoint, samples: head.params.samples, temperature: head.params.temperature, paired: reference !== null,
        head: sampled(head.id, t), base: reference === null ? new Map() : sampled(reference.id, t), detect, level, power, itemsNeeded: needed,
      }),
    };
  });
  return { runId: head.id, detect, power, alpha, noise, trials: TRIALS, metrics };
}

/** The default gated metrics measured in a run with no reference: each item's own value (on the test's scale) stands in for its worsening. */
function runOnly(store: Store, head: Run): TestedMetric[] {
  const values = [...itemValues(store, head.id).values()];
  const likelihood = LIKELIHOOD_GATE_METRICS.filter((m) => values.some((v) => itemValue(m, v) !== undefined));
  return defaultGateMetrics(likelihood, false).flatMap((metric): TestedMetric[] => {
    const geometric = metricDef(metric)?.geometric === true;
    const read = values.flatMap((v) => {
      const x = itemValue(metric, v);
      return x !== undefined && Number.isFinite(x) && (!geometric || x > 0) ? [{ x, item: { set: v.item.set, id: v.item.id } }] : [];
    });
    if (read.length === 0) return [];
    const xs = read.map((r) => r.x);
    return [{
      metric, direction: metricDef(metric)?.direction ?? 'higher', worse: geometric ? xs.map(Math.log) : xs, items: read.map((r) => r.item),
      binary: xs.every((x) => x === 0 || x === 1), testTolerance: geometric ? Math.log1p(DEFAULT_TOLERANCE) : DEFAULT_TOLERANCE, geometric,
    }];
  });
}
