import type { ChartType } from 'chart.js';
import type { ThemedConfig } from './theme.js';

/*
 * Chart.js is most of the page's script. It is a separate chunk, fetched and compiled while the
 * view waits for the API, instead of before the view can even ask.
 */
let loading: Promise<typeof import('./mount.js')> | undefined;

/** Starts loading the chart code (call it early; repeated calls share one load). */
export function preloadCharts(): Promise<typeof import('./mount.js')> {
  loading ??= import('./mount.js');
  return loading;
}

/** Draws a chart in `holder` in the page's colours (see mount.ts); returns the function that destroys it. */
export async function mountChart<T extends ChartType, D>(holder: HTMLElement, config: ThemedConfig<T, D>, fallback: string): Promise<() => void> {
  return (await preloadCharts()).mountChartNow(holder, config, fallback);
}
