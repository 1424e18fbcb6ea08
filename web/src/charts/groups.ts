import type { TrendPoint } from '../../../server/routes/api-types.js';

/**
 * Code-point order: deterministic, and it does not build an ICU collator the way the first
 * localeCompare call does (~60 ms on the page's critical path).
 */
export const byCodePoint = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** The label of a point's group when checkpoints are coloured by a tag key. */
export function groupOf(point: Pick<TrendPoint, 'tags'>, colourKey: string | null): string {
  if (colourKey === null) return 'all checkpoints';
  const v = Object.hasOwn(point.tags, colourKey) ? point.tags[colourKey] : undefined;
  return v === undefined ? `no ${colourKey}` : `${colourKey}=${v}`;
}

/** Group labels in a stable order: tagged values alphabetically, the untagged group last. */
export function groupLabels(points: ReadonlyArray<Pick<TrendPoint, 'tags'>>, colourKey: string | null): string[] {
  const labels = [...new Set(points.map((p) => groupOf(p, colourKey)))];
  const untagged = colourKey === null ? '' : `no ${colourKey}`;
  return labels.sort((a, b) => (a === untagged ? 1 : b === untagged ? -1 : byCodePoint(a, b)));
}

/** Tag keys across checkpoints with how many distinct values each has. */
export function tagKeys(checkpoints: ReadonlyArray<{ tags: Record<string, string> }>): Map<string, Set<string>> {
  const keys = new Map<string, Set<string>>();
  for (const c of checkpoints) for (const [k, v] of Object.entries(c.tags)) (keys.get(k) ?? keys.set(k, new Set()).get(k)!).add(v);
  return new Map([...keys].sort(([a], [b]) => byCodePoint(a, b)));
}

/** The default colour key: the first tag key (alphabetically) with two or more values, e.g. mix=a vs mix=b. */
export function defaultColourKey(checkpoints: ReadonlyArray<{ tags: Record<string, string> }>): string | null {
  return firstVariedKey(tagKeys(checkpoints));
}

/** Tag keys from GET /api/trend's `tags` (every key → its sorted values), in tagKeys' form. */
export function tagKeysOf(tags: Record<string, readonly string[]>): Map<string, Set<string>> {
  return new Map(Object.entries(tags).sort(([a], [b]) => byCodePoint(a, b)).map(([k, vs]) => [k, new Set(vs)]));
}

/** The first key (in the map's order) with two or more values, or null: defaultColourKey's rule. */
export function firstVariedKey(keys: ReadonlyMap<string, ReadonlySet<string>>): string | null {
  for (const [k, values] of keys) if (values.size >= 2) return k;
  return null;
}

/** The label drawn beside a point: the flagged baseline, else a step-0 checkpoint (the base model). */
export function pointLabel(p: Pick<TrendPoint, 'baseline' | 'step' | 'checkpoint'>): string | undefined {
  if (p.baseline) return `baseline: ${p.checkpoint}`;
  if (p.step === 0) return `base: ${p.checkpoint}`;
  return undefined;
}
