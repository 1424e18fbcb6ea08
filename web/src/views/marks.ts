import type { KeywordMarks } from '../api.js';
import { h, highlighted, tid } from '../dom.js';
import { matchRanges } from '../../../server/shared/text-search.js';

/** Keyword chips: each expected keyword hit (with the alternative that matched) or missed, each forbidden string found. */
export function markChips(marks: KeywordMarks | null): HTMLElement | null {
  if (marks === null) return null;
  return h('ul', { class: 'marks', attrs: { 'aria-label': 'keyword marks' } },
    marks.keywords.map((k) => k.matched !== null
      ? h('li', { class: 'kw hit', title: `expected: ${k.alternatives.join(' | ')}`, attrs: tid('kw-hit') }, `✓ ${k.matched}`)
      : h('li', { class: 'kw miss', title: `expected: ${k.alternatives.join(' | ')}`, attrs: tid('kw-miss') }, `✗ ${k.alternatives.join(' | ')}`)),
    marks.forbidden.filter((f) => f.found).map((f) => h('li', { class: 'kw forbidden', title: 'a known hallucination', attrs: tid('forbidden-found') }, `⚠ ${f.text}`)));
}

/**
 * An answer with its matched keywords and forbidden strings highlighted, as text; with a search
 * term (shared/text-search.ts searchTerm), its matches too (<mark class="found">, over the others).
 */
export function markedAnswer(answer: string | null, marks: KeywordMarks | null, term = ''): HTMLElement {
  if (answer === null) return h('p', { class: 'answer missing' }, 'no answer (errored)');
  const kw = marks === null ? [] : [
    ...marks.keywords.flatMap((k) => (k.matched === null ? [] : [{ text: k.matched, cls: 'hit' }])),
    ...marks.forbidden.filter((f) => f.found).map((f) => ({ text: f.text, cls: 'forbidden' })),
  ];
  const needles = [{ ranges: matchRanges(answer, term), cls: 'found' }, ...kw];
  return h('p', { class: 'answer', attrs: tid('answer') }, highlighted(answer, needles));
}
