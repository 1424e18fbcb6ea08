import type { PointStyle } from 'chart.js';

/**
 * Okabe–Ito colours: distinguishable with the common colour-vision deficiencies. Every group also
 * gets its own point shape, so nothing depends on colour alone.
 */
export const COLOURS = ['#0072B2', '#D55E00', '#009E73', '#CC79A7', '#E69F00', '#56B4E9', '#000000', '#F0E442'] as const;
export const SHAPES: readonly PointStyle[] = ['circle', 'triangle', 'rect', 'rectRot', 'crossRot', 'star', 'rectRounded', 'cross'];
export const BASELINE_COLOUR = '#000000';

export function groupStyle(index: number): { colour: string; shape: PointStyle } {
  return { colour: COLOURS[index % COLOURS.length]!, shape: SHAPES[index % SHAPES.length]! };
}
