/**
 * Set families: a family is a set-name prefix that groups eval sets (`bio`, `bio-extra`,
 * `bio_v2` and `bio.zh` are all `bio`). The prefix must end at a word boundary, so `biology` and
 * `biography` are not `bio`. Headline metrics (metric-registry.ts) and the refusal rule
 * (parse-item.ts) both decide membership here.
 */

/** The family of false-premise sets: their items fail on a forbidden string by default. */
export const REFUSAL_FAMILY = 'refusal';

/**
 * Whether a set belongs to a family: its name is the family's name, or starts with it followed by
 * a character that is neither a letter nor a digit (`-`, `_`, `.`, …). Case-sensitive, like set names.
 */
export function inFamily(set: string, family: string): boolean {
  if (family === '' || !set.startsWith(family)) return false;
  if (set.length === family.length) return true;
  const next = String.fromCodePoint(set.codePointAt(family.length)!);
  return !/[\p{L}\p{N}\p{M}]/u.test(next);
}
