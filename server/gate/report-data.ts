/** The HTML report's data, read from the store: what GET /api/compare, /api/gate, /api/metrics and /api/runs/:id serve for the pair. */
import { compareRuns, PAIR_BY_ID } from '../compare/compare-runs.js';
import { runJson } from '../report/run-json.js';
import { currentSummary } from '../runs/summary.js';
import { CONSISTENCY_DEFINITION } from '../scoring/consistency.js';
import { metricDef, METRICS, SET_METRIC_PREFIX, type MetricDef } from '../scoring/metric-registry.js';
import { PASS_DEFINITION } from '../scoring/pass.js';
import type { Store } from '../store/open.js';
import type { GateReport } from './decide.js';
import type { ReportData } from './html-report.js';

/** Every metric definition the page knows (the registry, and set:NAME for each stored eval set), with what pass and consistency mean. */
export function metricDefinitions(store: Store): ReportData['definitions'] {
  const metrics: MetricDef[] = [...METRICS, ...store.runs.setNames().map((s) => metricDef(`${SET_METRIC_PREFIX}${s}`)!)];
  return { metrics, pass: PASS_DEFINITION, consistency: CONSISTENCY_DEFINITION };
}

/**
 * The report of base against head, with the gate's report on them (its reference choice, when
 * it chose the base) or why there is none; with a dashboard URL, run names link to its run pages.
 */
export function reportData(store: Store, baseId: number, headId: number, gate: GateReport | Error, opts: { dashboardUrl?: string | null; now?: Date } = {}): ReportData {
  const run = (id: number) => {
    const r = store.runs.get(id);
    return runJson(r, currentSummary(store, r));
  };
  const gated = !(gate instanceof Error) && gate.baseline?.runId === baseId && gate.head.runId === headId;
  return {
    comparison: { ...compareRuns(store, baseId, headId), reference: gated ? gate.reference : PAIR_BY_ID },
    gate: gate instanceof Error ? { error: gate.message } : gate,
    definitions: metricDefinitions(store),
    runs: { base: run(baseId), head: run(headId) },
    generatedAt: (opts.now ?? new Date()).toISOString(),
    dashboardUrl: opts.dashboardUrl ?? null,
  };
}
