// The API's types from their one module (not via api.ts), so this pure module type-checks without the DOM.
import type { TrendPoint, TrendSeries } from '../../../server/routes/api-types.js';

/*
 * Which checkpoints the trend view's knowledge-category section shows, and which training run it
 * asks advice for: pure functions of the trend series and the tag filter.
 */

/** The checkpoints' tag filter as the trend view holds it (k=v strings), as a predicate on a point. */
function tagged(tags: readonly string[]): (p: Pick<TrendPoint, 'tags'>) => boolean {
  const pairs = tags.map((t) => [t.slice(0, t.indexOf('=')), t.slice(t.indexOf('=') + 1)] as const);
  return (p) => pairs.every(([k, v]) => Object.hasOwn(p.tags, k) && p.tags[k] === v);
}

/**
 * The points the section shows: the checkpoints the tag filter selects, plus the base checkpoint
 * their categories are read against (the step-0 reference of the paper's picture), even when the
 * base does not carry the tag.
 */
export function selectCategoryPoints(series: readonly TrendSeries[], tags: readonly string[]): TrendSeries[] {
  const keep = tagged(tags);
  const first = series[0]?.points ?? [];
  const bases = new Set(first.filter((p) => keep(p) && p.categories !== null && p.categoryBase !== null).map((p) => p.categoryBase!));
  const chosen = (p: TrendPoint) => keep(p) || bases.has(p.checkpoint);
  return series.map((s) => ({ ...s, points: s.points.filter(chosen) }));
}

/** Which training run to ask advice for: the tag filter's, else the one `run` tag the categorized checkpoints share, else the choices. */
export function adviceTag(tags: readonly string[], points: readonly TrendPoint[]): { tag: string } | { choices: string[] } | null {
  if (tags.length > 0) return { tag: tags[0]! };
  const categorized = points.filter((p) => p.categories !== null);
  const bases = new Set(categorized.map((p) => p.categoryBase));
  const runs = [...new Set(categorized.filter((p) => !bases.has(p.checkpoint) && Object.hasOwn(p.tags, 'run')).map((p) => p.tags.run!))].sort();
  if (runs.length === 1) return { tag: `run=${runs[0]}` };
  return runs.length > 1 ? { choices: runs.map((r) => `run=${r}`) } : null;
}

