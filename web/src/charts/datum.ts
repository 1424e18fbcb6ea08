import type { ChartType } from 'chart.js';
import type { ChartTheme } from './theme.js';

/** The error-bars plugin's colours (error-bars.ts), set per chart from its theme (`options.plugins.tunegateErrorBars`). */
export interface ErrorBarsOptions {
  /** Whiskers in this colour (bars, whose fill would hide whiskers of their own colour); else each dataset's. */
  colour?: string;
  /** A wider stroke of this colour under each whisker, so it reads over a filled bar. */
  halo?: string;
  /** Point labels' text, and the halo around it. */
  label: string;
  labelHalo: string;
}

declare module 'chart.js' {
  interface PluginOptionsByType<TType extends ChartType> {
    tunegateErrorBars?: Partial<ErrorBarsOptions>;
  }
}

/** A data point that carries its interval and an optional label (read by the error-bars plugin). */
export interface IntervalDatum {
  x: number | string;
  y: number | null;
  yMin?: number | null;
  yMax?: number | null;
  xMin?: number | null;
  xMax?: number | null;
  /** Drawn next to the point (e.g. "baseline: base"). */
  label?: string;
}

/** The options every dashboard chart shares (its text in the theme's colour), and a click on a point that hands its datum to `onPoint`. */
export function baseOptions<D>(theme: ChartTheme, onPoint?: (d: D) => void) {
  return {
    color: theme.text,
    borderColor: theme.grid,
    // No animation: the first frame is the final one (faster, and screenshots are stable).
    animation: false as const,
    responsive: true,
    maintainAspectRatio: false,
    interaction: { mode: 'nearest' as const, intersect: true },
    onClick: (_e: unknown, elements: ReadonlyArray<{ datasetIndex: number; index: number }>, chart: { data: { datasets: ReadonlyArray<{ data: unknown[] }> } }) => {
      const el = elements[0];
      if (el === undefined || onPoint === undefined) return;
      const d = chart.data.datasets[el.datasetIndex]?.data[el.index] as (D & { runId?: number }) | undefined;
      if (d !== undefined && d.runId !== undefined) onPoint(d);
    },
  };
}

/**
 * Axis tick labels without Intl: Chart.js's default formatter builds an Intl.NumberFormat, whose
 * first use costs ~50 ms on the page's critical path. "0.5", "1", "2000".
 */
export const plainTicks = {
  callback: (v: number | string) => (typeof v === 'number' ? String(Number(v.toFixed(4))) : v),
};

/** An axis in the theme's colours: ticks and title in its text colour, grid and border in its grid colour. */
export function themedAxis<A extends { ticks?: object; title?: object }>(theme: ChartTheme, axis: A) {
  return {
    ...axis,
    grid: { color: theme.grid },
    border: { color: theme.grid },
    ticks: { ...axis.ticks, color: theme.text },
    title: { ...axis.title, color: theme.text },
  };
}

/** The tooltip's colours (a box that stands out from the page in either scheme). */
export const tooltipColours = (theme: ChartTheme) => ({
  backgroundColor: theme.tooltip,
  titleColor: theme.tooltipText,
  bodyColor: theme.tooltipText,
  footerColor: theme.tooltipText,
});

/** The error-bars plugin's colours: point labels in the strongest colour on a halo of the background. */
export const labelColours = (theme: ChartTheme, whiskers: { colour?: string; halo?: string } = {}) => ({
  tunegateErrorBars: { label: theme.strong, labelHalo: theme.background, ...whiskers },
});

/** Words on lines of at most `max` characters (a longer word keeps a line of its own). */
export function wrapWords(text: string, max: number): string[] {
  const lines: string[] = [];
  for (const word of text.split(/\s+/).filter((w) => w !== '')) {
    const last = lines.at(-1);
    if (last !== undefined && last.length + 1 + word.length <= max) lines[lines.length - 1] = `${last} ${word}`;
    else lines.push(word);
  }
  return lines;
}

/** About how wide a character of the 14 px bold title is, in CSS pixels. */
const TITLE_CHAR_PX = 7.8;

/**
 * A chart's title, left-aligned in the theme's text colour, wrapped onto lines that fit the
 * chart's width: on a phone Chart.js would squeeze one long line until it is unreadable.
 */
export function chartTitle(theme: ChartTheme, text: string) {
  // Chart.js resolves every title option with the chart's context (its types say so only for font).
  const lines = (ctx: { chart: { width: number } }) => wrapWords(text, Math.max(16, Math.floor((ctx.chart.width - 12) / TITLE_CHAR_PX)));
  return { display: true, text: lines as unknown as string[], align: 'start' as const, font: { size: 14 }, color: theme.text };
}
