/*
 * The one rule of the dashboard's text search over prompts and answers: the server filters a
 * run's results with it (a SQLite function, store/results.ts), the compare page filters changed
 * items with it, and the page marks what it found with its ranges. Imports nothing.
 *
 * Each character is folded alone (Unicode NFKC, then lower case): full-width "ＡＢＣ" finds "abc",
 * "Ｐ５３" finds "p53", and a character never merges with its neighbour, so every match maps back
 * to exact characters of the text (a mark wraps exactly what it names).
 */

/** A text as the search compares it: each character NFKC-normalized and lower-cased. */
export function searchFold(text: string): string {
  let out = '';
  for (const c of text) out += c.normalize('NFKC').toLowerCase();
  return out;
}

/** What a typed query searches for (folded, trimmed); '' means no filter. */
export function searchTerm(query: string): string {
  return searchFold(query.trim());
}

/** Whether any of `texts` contains the (already folded) `term`; every text matches the empty term. */
export function textMatches(term: string, ...texts: ReadonlyArray<string | null | undefined>): boolean {
  return term === '' || texts.some((t) => typeof t === 'string' && searchFold(t).includes(term));
}

/** Where the (already folded) `term` occurs in `text`, as [start, end) offsets into `text` itself. */
export function matchRanges(text: string, term: string): Array<{ start: number; end: number }> {
  if (term === '') return [];
  // Folded text, and for each of its code units the offset of the character it came from.
  let folded = '';
  const from: number[] = [];
  let at = 0;
  for (const c of text) {
    const f = c.normalize('NFKC').toLowerCase();
    folded += f;
    for (let i = 0; i < f.length; i++) from.push(at);
    at += c.length;
  }
  from.push(text.length);
  const out: Array<{ start: number; end: number }> = [];
  for (let i = folded.indexOf(term); i !== -1; i = folded.indexOf(term, i + term.length)) {
    const last = from[i + term.length - 1]!;
    out.push({ start: from[i]!, end: last + (text.codePointAt(last)! > 0xffff ? 2 : 1) });
  }
  return out;
}
