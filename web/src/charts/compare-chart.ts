import type { ChartConfiguration, TooltipItem } from 'chart.js';
// The API's types from their one module (not via api.ts), so these pure modules type-check without the DOM.
import type { MetricChange } from '../../../server/routes/api-types.js';
import { withInterval } from '../format.js';
import { baseOptions, chartTitle, labelColours, plainTicks, themedAxis, tooltipColours, type IntervalDatum } from './datum.js';
import { SWATCH, type ChartTheme } from './theme.js';

export interface BarDatum extends IntervalDatum {
  x: string;
  y: number | null;
  n: number;
  ci: [number, number] | null;
}

/**
 * Grouped bars, one group per metric (all on a 0–1 scale): the base run's value (orange) and the
 * head run's (blue), each with its 95% interval, in `theme`'s colours.
 */
export function compareBarsConfig(rows: ReadonlyArray<{ label: string; change: MetricChange }>, names: { base: string; head: string }, theme: ChartTheme): ChartConfiguration<'bar', BarDatum[]> {
  const side = (which: 'base' | 'head'): BarDatum[] => rows.map(({ label, change }) => {
    const ci = which === 'base' ? change.baseCi : change.headCi;
    return { x: label, y: change[which], n: which === 'base' ? change.baseN : change.headN, ci, yMin: ci?.[0] ?? null, yMax: ci?.[1] ?? null };
  });
  return {
    type: 'bar',
    data: {
      labels: rows.map((r) => r.label),
      datasets: [
        { label: `before: ${names.base}`, data: side('base'), backgroundColor: theme.palette[SWATCH.orange], borderColor: theme.palette[SWATCH.orange], borderWidth: 1 },
        { label: `after: ${names.head}`, data: side('head'), backgroundColor: theme.palette[SWATCH.blue], borderColor: theme.palette[SWATCH.blue], borderWidth: 1 },
      ],
    },
    options: {
      ...baseOptions(theme),
      scales: {
        x: themedAxis(theme, { ticks: {} }),
        y: themedAxis(theme, { min: 0, max: 1, ticks: plainTicks, title: { display: true, text: 'value (0–1)' } }),
      },
      plugins: {
        legend: { position: 'bottom', labels: { color: theme.text } },
        title: chartTitle(theme, 'Before / after, with 95% intervals'),
        // Whiskers in the strongest colour on a halo of the background: they read over either bar.
        ...labelColours(theme, { colour: theme.strong, halo: theme.background }),
        tooltip: {
          ...tooltipColours(theme),
          callbacks: {
            label: (item: TooltipItem<'bar'>) => {
              const d = item.raw as BarDatum;
              return `${item.dataset.label ?? ''}: ${withInterval(d.y, { n: d.n, ci: d.ci })}`;
            },
          },
        },
      },
    },
  };
}
