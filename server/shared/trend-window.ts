/**
 * How much of the history the trend view asks for, shared by GET /api/trend's defaults and the
 * page's window control (this module imports nothing, so the page bundles it).
 */

/** Training runs (checkpoints sharing a `run=` tag) shown by default: the most recent ones. */
export const TREND_WINDOW = 10;

/** The page's choices of window, in training runs; 0 = all of them. */
export const TREND_WINDOW_CHOICES: readonly number[] = [3, 10, 30, 0];

/** Points per series above which a series is decimated (its extremes, each run's ends and the baseline kept). */
export const TREND_MAX_POINTS = 400;
