import {
  BarController, BarElement, CategoryScale, Chart, Legend, LinearScale, LineController, LineElement, PointElement,
  ScatterController, Title, Tooltip, type ChartConfiguration, type ChartType, type Plugin,
} from 'chart.js';
import { errorBarsPlugin } from './error-bars.js';

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
Chart.defaults.color = '#1d1d1f';

/**
 * Draws a chart on a new canvas inside `figure`, with `fallback` as the canvas's accessible text.
 * Returns the function that destroys it (views call it when they are left).
 */
export function mountChartNow<T extends ChartType, D>(holder: HTMLElement, config: ChartConfiguration<T, D>, fallback: string): () => void {
  const canvas = document.createElement('canvas');
  canvas.setAttribute('role', 'img');
  canvas.setAttribute('aria-label', fallback);
  canvas.textContent = fallback;
  holder.replaceChildren(canvas);
  const chart = new Chart(canvas, config as unknown as ChartConfiguration);
  return () => chart.destroy();
}
