import type { ChartConfiguration, ChartType } from 'chart.js';

/**
 * The colours a chart is drawn in. Their one definition is the page's stylesheet (styles.css: the
 * `--palette-*` and `--chart-*` variables, light and dark); mount.ts reads them once per colour
 * scheme and hands them to the pure chart configurations, which take a theme as an argument.
 */
export interface ChartTheme {
  /** Axis titles, ticks, legends and chart titles. */
  text: string;
  /** Secondary lines that still need to read: the advised step. */
  muted: string;
  /** Grid lines and axis borders. */
  grid: string;
  /** What the chart is drawn on: the halo behind labels and bar whiskers. */
  background: string;
  /** Series colours, Okabe–Ito in this order: blue, vermillion, green, purple, orange, sky blue, black (white when dark), yellow. */
  palette: readonly string[];
  /** Marks drawn on top in the strongest contrast: the baseline's ring, the Pareto rings, point labels, bar whiskers. */
  strong: string;
  /** The baseline's value drawn across a chart (dashed). */
  reference: string;
  tooltip: string;
  tooltipText: string;
}

/** The CSS custom property each colour of the theme is read from. */
export const THEME_VARIABLES = {
  text: '--chart-text',
  muted: '--muted',
  grid: '--chart-grid',
  background: '--bg',
  strong: '--chart-strong',
  reference: '--chart-reference',
  tooltip: '--chart-tooltip',
  tooltipText: '--chart-tooltip-text',
} as const satisfies Record<Exclude<keyof ChartTheme, 'palette'>, string>;

export const PALETTE_VARIABLES = ['--palette-1', '--palette-2', '--palette-3', '--palette-4', '--palette-5', '--palette-6', '--palette-7', '--palette-8'] as const;

/** Named entries of the palette, for charts whose lines mean fixed things (categories, before/after). */
export const SWATCH = { blue: 0, vermillion: 1, green: 2, purple: 3, orange: 4, sky: 5, contrast: 6, yellow: 7 } as const;

/** Shown for a variable the stylesheet lacks: visible on light and dark alike. */
const MISSING = '#888888';

/** The theme from a reader of CSS custom properties (`getPropertyValue` of the root's computed style, or a test's table). */
export function chartTheme(read: (variable: string) => string): ChartTheme {
  const get = (v: string) => read(v).trim() || MISSING;
  const named = Object.fromEntries(Object.entries(THEME_VARIABLES).map(([k, v]) => [k, get(v)])) as Record<keyof typeof THEME_VARIABLES, string>;
  return { ...named, palette: PALETTE_VARIABLES.map(get) };
}

/** A chart's configuration in a theme's colours (the page's colour scheme, read at mount). */
export type ThemedConfig<T extends ChartType, D> = (theme: ChartTheme) => ChartConfiguration<T, D>;
