import type { PointStyle } from 'chart.js';
import type { ChartTheme } from './theme.js';

/**
 * Every group gets a colour of the theme's palette (Okabe–Ito: distinguishable with the common
 * colour-vision deficiencies) and its own point shape, so nothing depends on colour alone.
 */
export const SHAPES: readonly PointStyle[] = ['circle', 'triangle', 'rect', 'rectRot', 'crossRot', 'star', 'rectRounded', 'cross'];

export function groupStyle(index: number, theme: ChartTheme): { colour: string; shape: PointStyle } {
  return { colour: theme.palette[index % theme.palette.length]!, shape: SHAPES[index % SHAPES.length]! };
}
