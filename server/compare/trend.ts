import { requireMetric, type MetricDef } from '../scoring/metric-registry.js';
import { metricOf } from '../scoring/metrics.js';
import { latestCompletedHeads } from '../runs/select.js';
import { currentSummary } from '../runs/summary.js';
import type { IntervalMethod } from '../stats/interval.js';
import type { Store } from '../store/open.js';
import { hasTags } from '../tag.js';
import type { Category } from '../scoring/category.js';
import { categoryBaseOf } from '../report/run-json.js';
import { RUN_TAG } from '../runs/reference.js';
import type { Checkpoint } from '../store/types.js';
import { decimate } from './decimate.js';

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

/** Which training runs and how many points a trend shows (GET /api/trend's `window`). */
export interface TrendWindow {
  /** The tag whose value names a training run (`run`); checkpoints without it form one group. */
  group: string;
  /** Training runs with a completed run (after the tag filter). */
  trainingRuns: number;
  /** How many of them are included: the most recent by their newest completed run. */
  shown: number;
  /** Checkpoints with a completed run, after the tag filter. */
  checkpoints: number;
  /** Points returned per series. */
  returned: number;
  /** Whether long series were thinned to their extremes (see decimate). */
  decimated: boolean;
}

export interface TrendOptions {
  /** Only checkpoints carrying every tag (k=v). */
  tags?: Record<string, string>;
  /** The most recent training runs to include; 0 = all. Default: all. */
  window?: number;
  /** Points per series above which series are decimated; 0 = never. Default: never. */
  maxPoints?: number;
}

export interface Trend {
  series: TrendSeries[];
  window: TrendWindow;
  /** Every tag key with its values, sorted, across all checkpoints (for the page's filters). */
  tags: Record<string, string[]>;
  /** The flagged baseline checkpoint's name, or null. */
  baseline: string | null;
  /** Every registered checkpoint, with a run or not. */
  checkpointsTotal: number;
}

/** Every tag key → its sorted values, across `checkpoints`. */
function tagValues(checkpoints: readonly Checkpoint[]): Record<string, string[]> {
  const keys = new Map<string, Set<string>>();
  for (const c of checkpoints) for (const [k, v] of Object.entries(c.tags)) (keys.get(k) ?? keys.set(k, new Set()).get(k)!).add(v);
  return Object.fromEntries([...keys].sort(([a], [b]) => a.localeCompare(b)).map(([k, vs]) => [k, [...vs].sort()]));
}

/**
 * One series per metric: a point per checkpoint (its latest completed run) with n and 95%
 * interval, ordered by training step then time, optionally only checkpoints carrying every given
 * tag (k=v), only the `window` most recent training runs (checkpoints sharing a `run=` tag, most
 * recent by their newest completed run; the flagged baseline and the base checkpoints of those
 * included always), decimated to about `maxPoints` per series with every series keeping the same
 * checkpoints. Reads every checkpoint's latest completed run as heads in one query, then reads and
 * summarizes only the runs in the window (the decimation chooses among those).
 */
export function trendWindow(store: Store, metrics: readonly string[], opts: TrendOptions = {}): Trend {
  const defs = metrics.map((m) => requireMetric(m, 'metric'));
  const all = store.checkpoints.list();
  const checkpoints = new Map(all.map((c) => [c.id, c]));
  const wanted = opts.tags ?? {};
  const measured = latestCompletedHeads(store).flatMap((run) => {
    const c = checkpoints.get(run.checkpointId);
    return c === undefined || !hasTags(c.tags, wanted) ? [] : [{ c, run }];
  });
  // Training runs, most recent first (by their newest completed run; ties by run id).
  const groupOf = (c: Checkpoint): string | null => (Object.hasOwn(c.tags, RUN_TAG) ? c.tags[RUN_TAG]! : null);
  const newest = new Map<string | null, { at: string; id: number }>();
  for (const { c, run } of measured) {
    const g = groupOf(c);
    const at = run.finishedAt ?? '';
    const n = newest.get(g);
    if (n === undefined || at > n.at || (at === n.at && run.id > n.id)) newest.set(g, { at, id: run.id });
  }
  const order = [...newest].sort(([, a], [, b]) => b.at.localeCompare(a.at) || b.id - a.id).map(([g]) => g);
  const window = opts.window ?? 0;
  const shown = new Set(window > 0 ? order.slice(0, window) : order);
  const inWindow = measured.filter(({ c }) => shown.has(groupOf(c)));
  // The baseline and the bases of what is shown stay, whatever the window (the reference lines and categories' step 0).
  const bases = new Set(inWindow.flatMap(({ c }) => (c.base === null ? [] : [c.base])));
  const always = (c: Checkpoint) => c.isBaseline || bases.has(c.name);
  const chosen = measured.filter(({ c }) => shown.has(groupOf(c)) || always(c))
    .sort((a, b) =>
      (a.c.step ?? Number.MAX_SAFE_INTEGER) - (b.c.step ?? Number.MAX_SAFE_INTEGER) ||
      (a.run.finishedAt ?? '').localeCompare(b.run.finishedAt ?? ''))
    .map(({ c, run: head }) => {
      const run = store.runs.get(head.id);
      return { c, run, summary: currentSummary(store, run) };
    });
  const maxPoints = opts.maxPoints ?? 0;
  const kept = maxPoints > 0 && chosen.length > maxPoints
    ? decimate(chosen.map(({ c, summary }) => ({
      step: c.step, group: groupOf(c), keep: always(c), values: defs.map((d) => metricOf(summary, d.name).value),
    })), maxPoints).map((i) => chosen[i]!)
    : chosen;
  const baseline = all.find((c) => c.isBaseline);
  return {
    series: defs.map((def) => ({
      metric: def.name,
      label: def.label,
      direction: def.direction,
      range: def.range,
      points: kept.map(({ c, run, summary }) => ({
        checkpoint: c.name, step: c.step, runId: run.id, ...metricOf(summary, def.name),
        tags: c.tags, baseline: c.isBaseline, finishedAt: run.finishedAt,
        categories: summary.categories ?? null, categoryBase: categoryBaseOf(summary),
      })),
    })),
    window: { group: RUN_TAG, trainingRuns: order.length, shown: shown.size, checkpoints: measured.length, returned: kept.length, decimated: kept.length < chosen.length },
    tags: tagValues(all),
    baseline: baseline?.name ?? null,
    checkpointsTotal: all.length,
  };
}
