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

/** The options every dashboard chart shares, and a click on a point that hands its datum to `onPoint`. */
export function baseOptions<D>(onPoint?: (d: D) => void) {
  return {
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
