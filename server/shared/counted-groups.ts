/*
 * The n behind a set's consistency in words, for `tunegate show` and the page's run view.
 * Imports nothing, so the page's bundle takes it as it is.
 */

/** The n behind a consistency, in words: "2 groups", or "1 of 2 groups" when some were left out (`show` and the page). */
export function countedGroups(counted: number, groups: number): string {
  const plural = (k: number) => `${k} group${k === 1 ? '' : 's'}`;
  return counted === groups ? plural(groups) : `${counted} of ${plural(groups)}`;
}
