/**
 * Normalizes text for keyword matching: Unicode NFKC, then case folding. JavaScript has no
 * `str.casefold()`; upper-casing then lower-casing gives Python's full folding for the cases
 * that matter here (ß → ss, final sigma, ligatures) and equals `lower()` on ASCII.
 */
export function foldForMatch(text: string): string {
  return text.normalize('NFKC').toUpperCase().toLowerCase().normalize('NFKC');
}
