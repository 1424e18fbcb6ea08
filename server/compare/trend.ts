import type { RunSummary } from '../scoring/metrics.js';
import type { Store } from '../store/open.js';

export interface TrendPoint {
  checkpoint: string;
  step: number | null;
  runId: number;
  value: number | null;
  /** Items the value was computed over. */
  n: number;
  finishedAt: string | null;
}

export interface TrendSeries {
  metric: string;
  points: TrendPoint[];
}

const FAMILY_PREFIX: Record<string, string> = { bio_accuracy: 'bio', refusal_accuracy: 'refusal', known_accuracy: 'known' };

/** How many items a metric was computed over, from the per-set summaries. */
export function metricN(summary: RunSummary, metric: string): number {
  const sets = Object.entries(summary.sets);
  const scored = (pred: (name: string, kind: string) => boolean) =>
    sets.filter(([name, s]) => pred(name, s.kind)).reduce((n, [, s]) => n + s.scored, 0);
  const prefix = FAMILY_PREFIX[metric];
  if (prefix !== undefined) return scored((name, kind) => name.startsWith(prefix) && kind !== 'blog');
  if (metric === 'hallucination_rate') return scored((_n, kind) => kind !== 'blog');
  if (metric.startsWith('blog_')) return scored((_n, kind) => kind !== 'keyword');
  return summary.counts.items - summary.counts.missing;
}

/**
 * One series per metric: a point per checkpoint (its latest completed run), ordered by training
 * step then time, optionally only checkpoints carrying every given tag (k=v).
 */
export function trend(store: Store, metrics: readonly string[], tags: Record<string, string> = {}): TrendSeries[] {
  const latest = store.checkpoints
    .list()
    .filter((c) => Object.entries(tags).every(([k, v]) => c.tags[k] === v))
    .flatMap((c) => {
      const run = store.runs.list({ checkpointId: c.id, status: 'completed', limit: 1 })[0];
      return run === undefined || run.summary === null ? [] : [{ c, run, summary: run.summary }];
    })
    .sort((a, b) =>
      (a.c.step ?? Number.MAX_SAFE_INTEGER) - (b.c.step ?? Number.MAX_SAFE_INTEGER) ||
      (a.run.finishedAt ?? '').localeCompare(b.run.finishedAt ?? ''));
  return metrics.map((metric) => ({
    metric,
    points: latest.map(({ c, run, summary }) => ({
      checkpoint: c.name, step: c.step, runId: run.id, value: summary.metrics[metric] ?? null, n: metricN(summary, metric), finishedAt: run.finishedAt,
    })),
  }));
}
