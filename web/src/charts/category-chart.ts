import type { ChartConfiguration, PointStyle, TooltipItem } from 'chart.js';
// The API's types from their one module (not via api.ts), so this pure module type-checks without the DOM.
import type { Category, TrendSeries } from '../../../server/routes/api-types.js';
import { withInterval } from '../format.js';
import { baseOptions, chartTitle, labelColours, plainTicks, themedAxis, tooltipColours, type IntervalDatum } from './datum.js';
import { SWATCH, type ChartTheme } from './theme.js';

/**
 * The lines of the knowledge-category chart, after Gekhman et al. 2024: accuracy on the facts the
 * base model knew (HighlyKnown, MaybeKnown: blues), on those it did not (WeaklyKnown, Unknown:
 * oranges), and, when items are tagged in_train, on trained and held-out facts (dashed). Okabe–Ito
 * colours (`swatch`: the theme's palette entry; styles.css tints the category chips with the same
 * ones), each with its own point shape, so no line depends on colour alone.
 */
export const CATEGORY_LINES: ReadonlyArray<{ metric: string; label: string; category: Category | null; swatch: number; shape: PointStyle; dash: number[] }> = [
  { metric: 'acc_highly_known', label: 'HighlyKnown', category: 'HighlyKnown', swatch: SWATCH.blue, shape: 'circle', dash: [] },
  { metric: 'acc_maybe_known', label: 'MaybeKnown', category: 'MaybeKnown', swatch: SWATCH.sky, shape: 'triangle', dash: [] },
  { metric: 'acc_weakly_known', label: 'WeaklyKnown', category: 'WeaklyKnown', swatch: SWATCH.orange, shape: 'rect', dash: [] },
  { metric: 'acc_unknown', label: 'Unknown', category: 'Unknown', swatch: SWATCH.vermillion, shape: 'rectRot', dash: [] },
  { metric: 'train_accuracy', label: 'train (in_train items)', category: null, swatch: SWATCH.green, shape: 'star', dash: [7, 4] },
  { metric: 'heldout_accuracy', label: 'held-out', category: null, swatch: SWATCH.contrast, shape: 'crossRot', dash: [7, 4] },
];

/** Every metric the category chart can draw, in its order (what the view asks GET /api/trend for). */
export const CATEGORY_METRICS = CATEGORY_LINES.map((l) => l.metric);

/** One checkpoint on one line: the true step (x may be nudged apart from the other lines'), value, interval and n. */
export interface CategoryDatum extends IntervalDatum {
  x: number;
  y: number;
  step: number;
  checkpoint: string;
  runId: number;
  n: number;
  ci: [number, number] | null;
}

export interface CategoryLine {
  metric: string;
  label: string;
  /** The theme's palette entry it is drawn in. */
  swatch: number;
  shape: PointStyle;
  dash: number[];
  data: CategoryDatum[];
}

/** How far apart (a share of the step range) the lines' points of one step are drawn. */
const DODGE = 0.012;
/** Up to this many distinct steps, the x axis has a tick at each checkpoint's step (and nowhere else). */
const MAX_STEP_TICKS = 12;

/**
 * One line per metric that has a value at some checkpoint (a category without items, or train and
 * held-out without in_train tags, is left out), each point a checkpoint with a step, in step order.
 * Points of the same step are nudged apart (`dodge`, a share of the step range per line), so their
 * interval whiskers do not hide each other; `step` keeps the true step.
 */
export function categoryLines(series: readonly TrendSeries[], dodge = DODGE): CategoryLine[] {
  const byMetric = new Map(series.map((s) => [s.metric, s]));
  const present = CATEGORY_LINES.flatMap((l) => {
    const s = byMetric.get(l.metric);
    const points = (s?.points ?? []).filter((p) => p.step !== null && p.value !== null && p.n > 0).sort((a, b) => a.step! - b.step!);
    return points.length === 0 ? [] : [{ l, points }];
  });
  const steps = present.flatMap(({ points }) => points.map((p) => p.step!));
  const span = steps.length === 0 ? 1 : Math.max(1, Math.max(...steps) - Math.min(...steps));
  return present.map(({ l, points }, i) => {
    const shift = (i - (present.length - 1) / 2) * dodge * span;
    return {
      metric: l.metric, label: l.label, swatch: l.swatch, shape: l.shape, dash: l.dash,
      data: points.map((p): CategoryDatum => ({
        x: p.step! + shift, y: p.value!, yMin: p.ci?.[0] ?? null, yMax: p.ci?.[1] ?? null,
        step: p.step!, checkpoint: p.checkpoint, runId: p.runId, n: p.n, ci: p.ci,
      })),
    };
  });
}

/** The advised checkpoint (GET /api/advise), drawn as a dashed vertical line. */
export interface AdvisedStep {
  step: number;
  checkpoint: string;
}

const ADVISED_LABEL = 'advised stop';

/** Whether two charted checkpoints share a step (several training runs in one chart). */
export function severalRunsPerStep(series: readonly TrendSeries[]): boolean {
  const steps = (series[0]?.points ?? []).flatMap((p) => (p.step === null ? [] : [p.step]));
  return new Set(steps).size < steps.length;
}

/**
 * The knowledge-category chart: accuracy per category (and train / held-out) against training step,
 * every point with its 95% interval as whiskers, the advised step (if any) as a dashed line, in `theme`'s colours.
 */
export function categoryChartConfig(series: readonly TrendSeries[], theme: ChartTheme, advised: AdvisedStep | null = null, onPoint?: (d: CategoryDatum) => void): ChartConfiguration<'line', CategoryDatum[]> {
  const lines = categoryLines(series);
  // Checkpoints of several training runs at one step: joining them would draw a zig-zag that no
  // run followed, so the points stand alone (the view says how to pick one run).
  const mixed = severalRunsPerStep(series);
  const datasets: ChartConfiguration<'line', CategoryDatum[]>['data']['datasets'] = lines.map((l) => ({
    showLine: !mixed,
    label: l.label,
    data: l.data,
    borderColor: theme.palette[l.swatch],
    backgroundColor: theme.palette[l.swatch],
    borderDash: l.dash,
    pointStyle: l.shape,
    pointRadius: 5,
    pointHoverRadius: 7,
    borderWidth: 2,
    tension: 0,
    clip: 10,
  }));
  if (advised !== null) {
    const at = (y: number): CategoryDatum => ({ x: advised.step, y, step: advised.step, checkpoint: advised.checkpoint, runId: 0, n: 0, ci: null });
    datasets.push({
      // The top end carries the words, so the line reads without the legend.
      label: `${ADVISED_LABEL}: step ${advised.step} (${advised.checkpoint})`, data: [at(0), { ...at(1), label: `advised stop: ${advised.checkpoint}` }],
      borderColor: theme.muted, backgroundColor: theme.muted, borderDash: [3, 3], borderWidth: 1.5, pointRadius: 0, pointHoverRadius: 0, pointHitRadius: 0, pointStyle: 'line',
    });
  }
  const steps = [...new Set(lines.flatMap((l) => l.data.map((d) => d.step)))].sort((a, b) => a - b);
  const pad = steps.length < 2 ? 1 : (steps.at(-1)! - steps[0]!) * 0.05;
  return {
    type: 'line',
    data: { datasets },
    options: {
      ...baseOptions<CategoryDatum>(theme, onPoint),
      parsing: false,
      normalized: true,
      scales: {
        x: themedAxis(theme, {
          type: 'linear' as const, title: { display: true, text: 'training step' }, ticks: { precision: 0, ...plainTicks },
          // Room for the nudged points at both ends, and ticks where the checkpoints are (not at -500).
          ...(steps.length > 0 ? { min: steps[0]! - pad, max: steps.at(-1)! + pad } : {}),
          ...(steps.length > 0 && steps.length <= MAX_STEP_TICKS ? { afterBuildTicks: (axis: { ticks: Array<{ value: number }> }) => { axis.ticks = steps.map((value) => ({ value })); } } : {}),
        }),
        y: themedAxis(theme, { type: 'linear' as const, min: 0, max: 1, title: { display: true, text: 'accuracy (share of items right)' }, ticks: plainTicks }),
      },
      plugins: {
        legend: { display: true, position: 'bottom', labels: { usePointStyle: true, padding: 14, color: theme.text } },
        title: chartTitle(theme, 'Accuracy per knowledge category (what the base model knew), against training step; whiskers: 95% intervals'),
        ...labelColours(theme),
        tooltip: {
          ...tooltipColours(theme),
          filter: (item: TooltipItem<'line'>) => !String(item.dataset.label ?? '').startsWith(ADVISED_LABEL),
          callbacks: {
            title: (items: TooltipItem<'line'>[]) => {
              const d = items[0]?.raw as CategoryDatum | undefined;
              return d === undefined ? '' : `${d.checkpoint} · step ${d.step}`;
            },
            label: (item: TooltipItem<'line'>) => {
              const d = item.raw as CategoryDatum;
              return `${item.dataset.label ?? ''}: ${withInterval(d.y, { n: d.n, ci: d.ci })} (run ${d.runId})`;
            },
          },
        },
      },
    },
  };
}
