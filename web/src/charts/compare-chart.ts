import type { ChartConfiguration, TooltipItem } from 'chart.js';
// The API's types from their one module (not via api.ts), so these pure modules type-check without the DOM.
import type { MetricChange } from '../../../server/routes/api-types.js';
import { withInterval } from '../format.js';
import { baseOptions, plainTicks, type IntervalDatum } from './datum.js';

export interface BarDatum extends IntervalDatum {
  x: string;
  y: number | null;
  n: number;
  ci: [number, number] | null;
}

export const BASE_COLOUR = '#E69F00';
export const HEAD_COLOUR = '#0072B2';

/** Grouped bars, one group per metric (all on a 0–1 scale): the base run's value and the head run's, each with its 95% interval. */
export function compareBarsConfig(rows: ReadonlyArray<{ label: string; change: MetricChange }>, names: { base: string; head: string }): ChartConfiguration<'bar', BarDatum[]> {
  const side = (which: 'base' | 'head'): BarDatum[] => rows.map(({ label, change }) => {
    const ci = which === 'base' ? change.baseCi : change.headCi;
    return { x: label, y: change[which], n: which === 'base' ? change.baseN : change.headN, ci, yMin: ci?.[0] ?? null, yMax: ci?.[1] ?? null };
  });
  return {
    type: 'bar',
    data: {
      labels: rows.map((r) => r.label),
      datasets: [
        { label: `before: ${names.base}`, data: side('base'), backgroundColor: BASE_COLOUR, borderColor: '#8a5a00', borderWidth: 1 },
        { label: `after: ${names.head}`, data: side('head'), backgroundColor: HEAD_COLOUR, borderColor: '#00406b', borderWidth: 1 },
      ],
    },
    options: {
      ...baseOptions(),
      scales: { y: { min: 0, max: 1, ticks: plainTicks, title: { display: true, text: 'value (0–1)' } } },
      plugins: {
        legend: { position: 'bottom' },
        title: { display: true, text: 'Before / after, with 95% intervals', align: 'start', font: { size: 14 } },
        tooltip: {
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
