/** A scorer whose version differs between two records; null where a record lacks the scorer. */
export interface ScorerDifference {
  name: string;
  versions: [string | null, string | null];
}

/**
 * The scorers whose versions differ between two records (a run's and another run's, or a run's
 * and this tool's), by name. A scorer only one record has differs too: its numbers exist on
 * one side only. The one definition of "scored differently", for comparisons and for resume.
 */
export function scorerDifferences(a: Readonly<Record<string, string>>, b: Readonly<Record<string, string>>): ScorerDifference[] {
  const names = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
  return names.flatMap((name) => {
    const x = Object.hasOwn(a, name) ? a[name]! : null;
    const y = Object.hasOwn(b, name) ? b[name]! : null;
    return x === y ? [] : [{ name, versions: [x, y] as [string | null, string | null] }];
  });
}
