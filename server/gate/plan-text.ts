import { table } from '../report/text.js';
import { MAX_SAMPLES } from '../stats/samples-power.js';
import type { MetricPlan, Plan } from './plan.js';

const fmtP = (p: number) => (p < 0.001 ? p.toExponential(1) : p.toPrecision(2));

/** The items-needed cell: `already`, `89 (+75)`, or beyond the search. */
export function itemsCell(m: MetricPlan, maxItems: number): string {
  if (m.itemsNeeded === 'already') return 'already';
  return m.itemsNeeded === null ? `more than ${maxItems}` : `${m.itemsNeeded} (+${m.itemsNeeded - m.n})`;
}

/** The samples-needed cell: `already`, `12 (now 4)`, none up to the cap, or `–` where it cannot be computed. */
export function samplesCell(m: MetricPlan, maxSamples: number): string {
  const s = m.samples;
  if (s.kind === 'found') return `${s.needed} (now ${s.now})`;
  return s.kind === 'already' ? 'already' : s.kind === 'none' ? `none ≤ ${maxSamples}` : '–';
}

/** `tunegate plan`'s text: one row per metric, then how to get the items. */
export function planText(p: Plan, maxItems: number): string {
  const level = p.metrics[0]?.level;
  const lines = [
    `Plan for run ${p.runId}: noise ${p.noise.kind === 'paired' ? `paired with ${p.noise.reference}` : `from the run alone (${p.noise.reference})`}.`,
    `${p.trials} simulated gates per point; power ${p.power}; each metric at ${level === undefined ? '–' : fmtP(level)} = alpha/m (Holm's first step, the level a lone regression meets).`,
    table(['metric', 'n', `detects now (${Math.round(100 * p.power)}%)`, `items to detect ${p.detect}`, 'or samples per item'], p.metrics.map((m) => [
      m.metric, String(m.n), m.minDetectableDrop === null ? 'no drop' : m.minDetectableDrop.toFixed(3), itemsCell(m, maxItems), samplesCell(m, MAX_SAMPLES),
    ])),
  ];
  for (const m of p.metrics) {
    if (m.remedy.kind === 'none') continue;
    lines.push(`${m.metric}: ${m.remedy.why}${m.remedy.command === null ? '' : `\n  ${m.remedy.command}`}`);
  }
  // What samples would buy, said once for the metrics that share it (a one-sample run says the same of each).
  const told = new Map<string, string[]>();
  for (const m of p.metrics) {
    if (m.samples.needed === 'already') continue;
    const text = `${m.samples.why}${m.samples.command === null ? '' : `\n  ${m.samples.command}`}`;
    told.set(text, [...(told.get(text) ?? []), m.metric]);
  }
  for (const [text, metrics] of told) lines.push(`samples for ${metrics.join(', ')}: ${text}`);
  return lines.join('\n');
}
