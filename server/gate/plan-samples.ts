import { metricDef } from '../scoring/metric-registry.js';
import { MAX_SAMPLES, residuals, sampledModel, samplesNeededSim, type SampledModel } from '../stats/samples-power.js';
import type { TestedMetric } from './decide.js';

/** What more samples per item would buy a metric: how many detect the drop asked for, and how to get them. */
export interface SamplesPlan {
  /** found: `needed` samples detect it; none: no number up to MAX_SAMPLES does; unknown: it cannot be computed from this run (see why). */
  kind: 'already' | 'found' | 'none' | 'unknown';
  /** Samples per item in the run now. */
  now: number;
  /** Samples per item that detect `detect` with the power asked; `already` when the set does; null when none up to MAX_SAMPLES does, or none can be computed (see why). */
  needed: number | 'already' | null;
  /** The run that gets them (the reference must be re-run alike: the gate compares runs measured alike). */
  command: string | null;
  why: string;
}

/** What plan knows of the run for the samples question, and what the simulation needs. */
export interface SamplesInput {
  checkpoint: string;
  samples: number;
  temperature: number;
  /** Noise paired with a reference, or from the run alone (no change between items assumed then). */
  paired: boolean;
  /** Per item key: the head run's (and the reference's) per-sample values of the metric. */
  head: Map<string, number[]>;
  base: Map<string, number[]>;
  detect: number;
  level: number;
  power: number;
  itemsNeeded: number | 'already' | null;
}

const MILLER = 'more samples only shrink the noise within an item; they cannot reduce the spread between items (the item is the unit of the test, Miller 2024)';

/**
 * The samples per item a metric's gate needs to detect `detect`, by simulating the gate's own test
 * (stats/samples-power.ts) on the run's per-item scores and per-item sample spread. A run with
 * one sample per item, greedy answers or likelihoods has no within-item spread to measure:
 * it says what samples can and cannot buy instead.
 */
export function samplesPlan(t: TestedMetric, key: (item: { set: string; id: string }) => string, s: SamplesInput): SamplesPlan {
  const now = s.samples;
  if (s.itemsNeeded === 'already') return { kind: 'already', now, needed: 'already', command: null, why: 'the set already detects this drop' };
  if (metricDef(t.metric)?.items.value === 'likelihood') {
    return { kind: 'unknown', now, needed: null, command: null, why: 'measured once per item from log-probabilities: samples change nothing; add items' };
  }
  if (s.temperature === 0) {
    return { kind: 'unknown', now, needed: null, command: null, why: `greedy answers (temperature 0) are the same every sample, so samples buy nothing here; at a temperature above 0 ${MILLER}` };
  }
  if (now < 2) {
    return {
      kind: 'unknown', now, needed: null, command: `tunegate run ${s.checkpoint} --samples 4 --temperature ${s.temperature}`,
      why: `one sample per item: the spread within an item is unknown, so what samples would buy cannot be computed; ${MILLER}. A run with several samples measures it, and plan then says how many`,
    };
  }
  const sign = t.direction === 'higher' ? 1 : -1;
  const scale = (x: number) => (t.geometric ? Math.log(x) : x);
  // Residuals on the worsening's scale (worse = sign·(base − head)), so base noise adds and head noise subtracts.
  const oriented = (m: Map<string, number[]>) => t.items.map((i) => residuals((m.get(key(i)) ?? []).filter((x) => !t.geometric || x > 0).map((x) => sign * scale(x))));
  const headRes = oriented(s.head);
  const model: SampledModel = s.paired
    ? sampledModel(t.worse, oriented(s.base), headRes, now)
    // With no reference, how items change is unknown: none assumed (a lower bound on the samples needed).
    : { between: t.worse.map(() => 0), base: headRes, head: headRes };
  const drop = t.geometric ? Math.log1p(s.detect) : s.detect;
  const needed = samplesNeededSim(model, t.worse.length, drop, t.testTolerance, s.level, s.power, MAX_SAMPLES);
  if (needed === null) {
    return { kind: 'none', now, needed: null, command: null, why: `no number of samples up to ${MAX_SAMPLES} per item detects it: ${MILLER}; add items` };
  }
  return {
    kind: 'found', now, needed, command: `tunegate run ${s.checkpoint} --samples ${needed} --temperature ${s.temperature}`,
    why: `${needed} samples per item (now ${now}) detect it${s.paired ? '' : ' if items do not change unevenly (no reference: a lower bound)'}; re-run the reference alike, the gate compares runs measured alike`,
  };
}
