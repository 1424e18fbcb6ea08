import {
  BarController, BarElement, CategoryScale, Chart, Legend, LinearScale, LineController, LineElement, PointElement,
  ScatterController, Title, Tooltip, type ChartConfiguration, type ChartType, type Plugin,
} from 'chart.js';
import { errorBarsPlugin } from './error-bars.js';
import { chartTheme, type ChartTheme, type ThemedConfig } from './theme.js';

/**
 * Marks when the first chart is on screen (bench/dashboard.ts reads it): after it is drawn, at the
 * frame that paints it (a timeout inside requestAnimationFrame runs once that frame is done).
 */
let firstPainted = false;
const firstPaint: Plugin = {
  id: 'tunegateFirstPaint',
  afterRender() {
    if (firstPainted) return;
    firstPainted = true;
    requestAnimationFrame(() => setTimeout(() => performance.mark('tunegate:first-chart'), 0));
  },
};

// Only what the dashboard draws, so the bundle carries no other chart types.
Chart.register(LineController, ScatterController, BarController, LineElement, PointElement, BarElement, LinearScale, CategoryScale, Title, Tooltip, Legend, errorBarsPlugin, firstPaint);
Chart.defaults.font.family = 'system-ui, -apple-system, "Segoe UI", "Noto Sans", "Noto Sans CJK SC", sans-serif';

/*
 * The page's chart colours, read from its stylesheet's variables once per colour scheme (the
 * stylesheet is their one definition), and read again when the scheme changes while the page is open.
 */
let theme: ChartTheme | undefined;
function currentTheme(): ChartTheme {
  if (theme === undefined) {
    const style = getComputedStyle(document.documentElement);
    theme = chartTheme((v) => style.getPropertyValue(v));
    // Anything a configuration leaves unset follows the scheme too.
    Chart.defaults.color = theme.text;
    Chart.defaults.borderColor = theme.grid;
  }
  return theme;
}

/** The charts on the page with what draws them, so a change of scheme redraws each in its new colours. */
const live = new Map<Chart, ThemedConfig<ChartType, unknown>>();
matchMedia('(prefers-color-scheme: dark)').addEventListener('change', () => {
  theme = undefined;
  const t = currentTheme();
  for (const [chart, config] of live) {
    const next = config(t) as ChartConfiguration;
    chart.data = next.data;
    chart.options = next.options ?? {};
    chart.update();
  }
});

/**
 * Draws a chart on a new canvas inside `holder`, in the page's colours, with `fallback` as the
 * canvas's accessible text. Returns the function that destroys it (views call it when they are left).
 */
export function mountChartNow<T extends ChartType, D>(holder: HTMLElement, config: ThemedConfig<T, D>, fallback: string): () => void {
  const canvas = document.createElement('canvas');
  canvas.setAttribute('role', 'img');
  canvas.setAttribute('aria-label', fallback);
  canvas.textContent = fallback;
  holder.replaceChildren(canvas);
  const chart = new Chart(canvas, config(currentTheme()) as unknown as ChartConfiguration);
  live.set(chart, config as unknown as ThemedConfig<ChartType, unknown>);
  return () => {
    live.delete(chart);
    chart.destroy();
  };
}
