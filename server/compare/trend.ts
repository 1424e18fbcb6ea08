import { requireMetric, type MetricDef } from '../scoring/metric-registry.js';
import { metricOf } from '../scoring/metrics.js';
import { latestCompleted } from '../runs/select.js';
import { currentSummary } from '../runs/summary.js';
import type { IntervalMethod } from '../stats/interval.js';
import type { Store } from '../store/open.js';
import { hasTags } from '../tag.js';
import type { Category } from '../scoring/category.js';
import { categoryBaseOf } from '../report/run-json.js';

export interface TrendPoint {
  checkpoint: string;
  step: number | null;
  runId: number;
  value: number | null;
  /** Items the value was computed over. */
  n: number;
  /** Its 95% interval (null when there is too little data for one). */
  ci: [number, number] | null;
  method: IntervalMethod | null;
  /** The checkpoint's tags, so a chart can filter and colour by them. */
  tags: Record<string, string>;
  /** The checkpoint is the flagged baseline. */
  baseline: boolean;
  finishedAt: string | null;
  /** The run's keyword items per SliCK category (the n behind acc_highly_known, …); null when none is categorized. */
  categories: Record<Category, number> | null;
  /** The checkpoint whose categories apply to the run's items; null when none do. */
  categoryBase: string | null;
}

export interface TrendSeries extends Pick<MetricDef, 'label' | 'direction' | 'range'> {
  metric: string;
  points: TrendPoint[];
}

/**
 * One series per metric: a point per checkpoint (its latest completed run) with n and 95%
 * interval, ordered by training step then time, optionally only checkpoints carrying every given
 * tag (k=v). Reads every checkpoint's latest completed run in one query.
 */
export function trend(store: Store, metrics: readonly string[], tags: Record<string, string> = {}): TrendSeries[] {
  const defs = metrics.map((m) => requireMetric(m, 'metric'));
  const checkpoints = new Map(store.checkpoints.list().map((c) => [c.id, c]));
  const latest = latestCompleted(store, 'each checkpoint')
    .flatMap((run) => {
      const c = checkpoints.get(run.checkpointId);
      if (c === undefined || !hasTags(c.tags, tags)) return [];
      return [{ c, run, summary: currentSummary(store, run) }];
    })
    .sort((a, b) =>
      (a.c.step ?? Number.MAX_SAFE_INTEGER) - (b.c.step ?? Number.MAX_SAFE_INTEGER) ||
      (a.run.finishedAt ?? '').localeCompare(b.run.finishedAt ?? ''));
  return defs.map((def) => ({
    metric: def.name,
    label: def.label,
    direction: def.direction,
    range: def.range,
    points: latest.map(({ c, run, summary }) => ({
      checkpoint: c.name, step: c.step, runId: run.id, ...metricOf(summary, def.name),
      tags: c.tags, baseline: c.isBaseline, finishedAt: run.finishedAt,
      categories: summary.categories ?? null, categoryBase: categoryBaseOf(summary),
    })),
  }));
}
