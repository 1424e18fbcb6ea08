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
