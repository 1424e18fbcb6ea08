import type { ChartConfiguration, TooltipItem } from 'chart.js';
import type { TrendSeries } from '../../../server/routes/api-types.js';
import { digitsFor, num, interval } from '../format.js';
import { baseOptions, chartTitle, labelColours, plainTicks, themedAxis, tooltipColours, type IntervalDatum } from './datum.js';
import { groupLabels, groupOf, pointLabel } from './groups.js';
import { groupStyle } from './palette.js';
import { paretoOptimal } from './pareto.js';
import type { ChartTheme } from './theme.js';

/** One checkpoint on the trade-off scatter: both metrics with their intervals. */
export interface TradeoffDatum extends IntervalDatum {
  x: number;
  y: number;
  checkpoint: string;
  runId: number;
  step: number | null;
  group: string;
  baseline: boolean;
  pareto: boolean;
  xN: number;
  yN: number;
  xCi: [number, number] | null;
  yCi: [number, number] | null;
}

export interface Tradeoff {
  points: TradeoffDatum[];
  /** False when an axis has no better direction, so "Pareto-optimal" means nothing. */
  paretoAvailable: boolean;
}

/**
 * Pairs two series point by point (both are each checkpoint's latest completed run) and marks the
 * Pareto-optimal checkpoints: none other is better on both axes, each axis read in its own
 * direction. Checkpoints missing either value are left out.
 */
export function tradeoffPoints(xs: TrendSeries, ys: TrendSeries, colourKey: string | null): Tradeoff {
  const yByRun = new Map(ys.points.map((p) => [p.runId, p]));
  const both = xs.points.flatMap((px) => {
    const py = yByRun.get(px.runId);
    return py === undefined || px.value === null || py.value === null ? [] : [{ px, py }];
  });
  const paretoAvailable = xs.direction !== null && ys.direction !== null;
  const optimal = paretoAvailable
    ? paretoOptimal(both.map(({ px, py }) => ({ x: px.value, y: py.value })), { x: xs.direction!, y: ys.direction! })
    : new Set<number>();
  const points = both.map(({ px, py }, i): TradeoffDatum => ({
    x: px.value!, y: py.value!,
    xMin: px.ci?.[0] ?? null, xMax: px.ci?.[1] ?? null, yMin: py.ci?.[0] ?? null, yMax: py.ci?.[1] ?? null,
    checkpoint: px.checkpoint, runId: px.runId, step: px.step, group: groupOf(px, colourKey), baseline: px.baseline,
    pareto: optimal.has(i), xN: px.n, yN: py.n, xCi: px.ci, yCi: py.ci,
    ...(pointLabel(px) !== undefined ? { label: pointLabel(px) } : {}),
  }));
  return { points, paretoAvailable };
}

/** The scatter: a line per group joining its checkpoints in step order, whiskers on both axes, Pareto-optimal points ringed, in `theme`'s colours; `order` as for the trend charts. */
export function tradeoffChartConfig(xs: TrendSeries, ys: TrendSeries, colourKey: string | null, theme: ChartTheme, order = groupLabels(xs.points, colourKey), onPoint?: (d: TradeoffDatum) => void): ChartConfiguration<'scatter', TradeoffDatum[]> {
  const { points } = tradeoffPoints(xs, ys, colourKey);
  const present = new Set(points.map((p) => p.group));
  const bySteps = (a: TradeoffDatum, b: TradeoffDatum) => (a.step ?? Number.MAX_SAFE_INTEGER) - (b.step ?? Number.MAX_SAFE_INTEGER);
  const datasets: ChartConfiguration<'scatter', TradeoffDatum[]>['data']['datasets'] = order.filter((l) => present.has(l)).map((label) => {
    const { colour, shape } = groupStyle(order.indexOf(label), theme);
    return {
      label, data: points.filter((p) => p.group === label).sort(bySteps), showLine: true,
      borderColor: colour, backgroundColor: colour, pointStyle: shape, pointRadius: 5, pointHoverRadius: 7, borderWidth: 1.5, clip: 12,
    };
  });
  const front = points.filter((p) => p.pareto);
  if (front.length > 0) {
    datasets.push({
      label: 'Pareto-optimal', data: front.map((p) => ({ ...p, xMin: null, xMax: null, yMin: null, yMax: null, label: undefined })),
      showLine: false, pointStyle: 'circle', pointRadius: 11, pointHoverRadius: 11, borderColor: theme.strong, backgroundColor: 'rgba(0,0,0,0)', borderWidth: 2, clip: 14,
    });
  }
  const dx = digitsFor(xs);
  const dy = digitsFor(ys);
  return {
    type: 'scatter',
    data: { datasets },
    options: {
      ...baseOptions<TradeoffDatum>(theme, onPoint),
      scales: {
        x: themedAxis(theme, { type: 'linear' as const, ticks: plainTicks, title: { display: true, text: `${xs.label} →${xs.direction === 'lower' ? ' (lower is better)' : ''}` }, ...(xs.range !== null ? { suggestedMin: xs.range[0], suggestedMax: xs.range[1] } : {}) }),
        y: themedAxis(theme, { type: 'linear' as const, ticks: plainTicks, title: { display: true, text: `${ys.label} →${ys.direction === 'lower' ? ' (lower is better)' : ''}` }, ...(ys.range !== null ? { suggestedMin: ys.range[0], suggestedMax: ys.range[1] } : {}) }),
      },
      plugins: {
        legend: { display: true, position: 'bottom', labels: { usePointStyle: true, color: theme.text } },
        title: chartTitle(theme, `Trade-off: ${ys.label} against ${xs.label}`),
        ...labelColours(theme),
        tooltip: {
          ...tooltipColours(theme),
          filter: (item: TooltipItem<'scatter'>) => item.dataset.label !== 'Pareto-optimal',
          callbacks: {
            title: (items: TooltipItem<'scatter'>[]) => (items[0]?.raw as TradeoffDatum | undefined)?.checkpoint ?? '',
            label: (item: TooltipItem<'scatter'>) => {
              const d = item.raw as TradeoffDatum;
              return [
                `run ${d.runId} · ${d.group}${d.step === null ? '' : ` · step ${d.step}`}${d.pareto ? ' · Pareto-optimal' : ''}`,
                `${xs.label}: ${num(d.x, dx)} ${interval(d.xCi, dx)} n=${d.xN}`,
                `${ys.label}: ${num(d.y, dy)} ${interval(d.yCi, dy)} n=${d.yN}`,
              ];
            },
          },
        },
      },
    },
  };
}
