import type { ChartConfiguration, TooltipItem } from 'chart.js';
import type { TrendPoint, TrendSeries } from '../../../server/routes/api-types.js';
import { digitsFor, withInterval } from '../format.js';
import { baseOptions, chartTitle, labelColours, plainTicks, themedAxis, tooltipColours, type IntervalDatum } from './datum.js';
import { groupLabels, groupOf, pointLabel } from './groups.js';
import { groupStyle } from './palette.js';
import type { ChartTheme } from './theme.js';

/** One checkpoint on a trend chart: its step, value and interval, and what a tooltip or click needs. */
export interface TrendDatum extends IntervalDatum {
  x: number;
  y: number | null;
  checkpoint: string;
  runId: number;
  n: number;
  ci: [number, number] | null;
  group: string;
  baseline: boolean;
}

export interface TrendGroup {
  label: string;
  /** Its place in the shared order: the colour of the theme's palette and the point shape it is drawn in (see groupStyle). */
  style: number;
  data: TrendDatum[];
}

/** Where a metric goes: "higher is better" etc., for titles and table captions. */
export function directionHint(direction: TrendSeries['direction']): string {
  return direction === 'higher' ? 'higher is better' : direction === 'lower' ? 'lower is better' : 'best near 1';
}

/**
 * A series split into one line per group (the colour tag's value), in step order; `order` lists
 * every group so each keeps its colour and shape on every chart. Checkpoints without a step
 * cannot be placed on a step axis: they are returned apart (the table lists them).
 */
export function trendGroups(series: TrendSeries, colourKey: string | null, order = groupLabels(series.points, colourKey)): { groups: TrendGroup[]; unplaced: TrendPoint[] } {
  const placed = series.points.filter((p) => p.step !== null);
  const present = new Set(placed.map((p) => groupOf(p, colourKey)));
  const groups = order.filter((l) => present.has(l)).map((label) => {
    const data = placed
      .filter((p) => groupOf(p, colourKey) === label)
      .sort((a, b) => a.step! - b.step!)
      .map((p): TrendDatum => ({
        x: p.step!, y: p.value, yMin: p.ci?.[0] ?? null, yMax: p.ci?.[1] ?? null,
        checkpoint: p.checkpoint, runId: p.runId, n: p.n, ci: p.ci, group: label, baseline: p.baseline,
        ...(pointLabel(p) !== undefined ? { label: pointLabel(p) } : {}),
      }));
    return { label, style: order.indexOf(label), data };
  });
  return { groups, unplaced: series.points.filter((p) => p.step === null) };
}

/**
 * The Chart.js configuration of one metric's trend: a line per group, whiskers for the 95%
 * intervals, the baseline marked, in `theme`'s colours. `order` fixes each group's colour and shape across charts.
 */
export function trendChartConfig(series: TrendSeries, colourKey: string | null, theme: ChartTheme, order?: string[], onPoint?: (d: TrendDatum) => void): ChartConfiguration<'line', TrendDatum[]> {
  const { groups } = trendGroups(series, colourKey, order);
  const digits = digitsFor(series);
  const baseline = groups.flatMap((g) => g.data).find((d) => d.baseline && d.y !== null);
  const steps = groups.flatMap((g) => g.data.map((d) => d.x));
  const datasets: ChartConfiguration<'line', TrendDatum[]>['data']['datasets'] = groups.map((g) => {
    const { colour, shape } = groupStyle(g.style, theme);
    return {
      label: g.label,
      data: g.data,
      borderColor: colour,
      backgroundColor: colour,
      pointStyle: shape,
      pointRadius: g.data.map((d) => (d.baseline ? 8 : 4)),
      pointHoverRadius: g.data.map((d) => (d.baseline ? 10 : 6)),
      pointBorderColor: g.data.map((d) => (d.baseline ? theme.strong : colour)),
      pointBorderWidth: g.data.map((d) => (d.baseline ? 2 : 1)),
      borderWidth: 2,
      tension: 0,
      spanGaps: true,
      // Points at the edge of a 0–1 axis are drawn whole, not cut in half.
      clip: 10,
    };
  });
  if (baseline !== undefined && steps.length > 1) {
    // The baseline's value across the chart: every later checkpoint reads against it.
    const ref = (x: number): TrendDatum => ({ ...baseline, x, label: undefined, yMin: null, yMax: null });
    datasets.push({
      label: `baseline (${baseline.checkpoint})`, data: [ref(Math.min(...steps)), ref(Math.max(...steps))],
      borderColor: theme.reference, backgroundColor: theme.reference, borderDash: [5, 4], borderWidth: 1, pointRadius: 0, pointHoverRadius: 0, pointStyle: 'line',
    });
  }
  return {
    type: 'line',
    data: { datasets },
    options: {
      ...baseOptions<TrendDatum>(theme, onPoint),
      parsing: false,
      normalized: true,
      scales: {
        x: themedAxis(theme, { type: 'linear' as const, title: { display: true, text: 'training step' }, ticks: { precision: 0, ...plainTicks } }),
        y: themedAxis(theme, {
          type: 'linear' as const,
          title: { display: true, text: series.label },
          ticks: plainTicks,
          ...(series.range !== null ? { min: series.range[0], max: series.range[1] } : {}),
        }),
      },
      plugins: {
        legend: { display: datasets.length > 1, position: 'bottom', labels: { usePointStyle: true, color: theme.text } },
        title: chartTitle(theme, `${series.label} (${directionHint(series.direction)})`),
        ...labelColours(theme),
        tooltip: {
          ...tooltipColours(theme),
          filter: (item: TooltipItem<'line'>) => !String(item.dataset.label ?? '').startsWith('baseline ('),
          callbacks: {
            title: (items: TooltipItem<'line'>[]) => (items[0]?.raw as TrendDatum | undefined)?.checkpoint ?? '',
            label: (item: TooltipItem<'line'>) => {
              const d = item.raw as TrendDatum;
              return `run ${d.runId} · ${d.group} · step ${d.x}: ${withInterval(d.y, { n: d.n, ci: d.ci }, digits)}`;
            },
          },
        },
      },
    },
  };
}
