import type { BlogChange, Flip, FlipSide, Moved } from '../api.js';
import { h, tid, type Child } from '../dom.js';
import { num, signed } from '../format.js';
import { markChips, markedAnswer } from './marks.js';
import { table } from './common.js';
import { categoryChip } from './categories.js';
import { foundText } from './search-box.js';
import { textMatches } from '../../../server/shared/text-search.js';
import { blogComponent, CHOSEN_METRIC_SETS } from '../../../server/shared/metric-sets.js';

/** How a keyword item's outcome changed, in the page's words (the outcome filter's values). */
export const OUTCOME_TEXT = { fail: 'forgotten', pass: 'learned' } as const;

/** Whether a changed item holds the (folded) search term in its prompt or either answer: the one rule (shared/text-search.ts). */
export const flipFound = (f: Flip, term: string) => textMatches(term, f.prompt, f.base.answer, f.head.answer);
export const blogFound = (b: BlogChange, term: string) => textMatches(term, b.title, b.base.answer, b.head.answer);

const sideCell = (s: FlipSide, label: string, term: string): Child[] => [
  h('div', { class: 'side-head' }, `${label}: score ${num(s.score)}${s.sample !== null && s.sample > 0 ? ` · the answer of sample ${s.sample}` : ''}`),
  markedAnswer(s.answer, s.marks, term),
  markChips(s.marks),
];

const itemCell = (f: Flip): Child => h('td', null, h('div', null, `${f.set}/${f.id}`), f.tags.length > 0 ? h('div', { class: 'tags' }, f.tags.join(', ')) : null,
  f.category !== null ? h('div', { class: 'item-cats' }, categoryChip(f.category)) : null);

/** The keyword items that changed outcome, with both answers and their keyword marks (and the search term's matches). */
export function flipTable(flips: readonly Flip[], term: string, file: string): HTMLElement {
  if (flips.length === 0) return h('p', { class: 'note', attrs: tid('no-flips') }, 'No keyword item changed outcome with these filters.');
  return table(`${flips.length} keyword items changed outcome, forgotten first, largest drop first`, ['item', 'outcome', 'question', 'before', 'after'],
    flips.map((f) => h('tr', { attrs: { ...tid('flip-row'), 'data-item': `${f.set}/${f.id}`, 'data-outcome': OUTCOME_TEXT[f.to] } },
      itemCell(f),
      h('td', null, h('span', { class: `badge outcome-${OUTCOME_TEXT[f.to]}` }, OUTCOME_TEXT[f.to]), h('div', { class: 'note' }, `score ${signed(-f.drop)}`)),
      h('td', { class: 'prompt' }, foundText(f.prompt, term)),
      h('td', { class: 'side' }, sideCell(f.base, 'before', term)),
      h('td', { class: 'side' }, sideCell(f.head, 'after', term)))), 'flip-table', file, 'flips');
}

/** The keyword items whose score moved without changing outcome, largest change first, with both answers and their marks. */
export function movedTable(moved: readonly Moved[], term: string, file: string): HTMLElement {
  if (moved.length === 0) return h('p', { class: 'note', attrs: tid('no-moved') }, 'No keyword item\'s score moved without changing outcome, with these filters.');
  return table(`${moved.length} keyword items whose score moved but not their outcome, largest change first`, ['item', 'change', 'question', 'before', 'after'],
    moved.map((m) => h('tr', { attrs: { ...tid('moved-row'), 'data-item': `${m.set}/${m.id}`, 'data-change': String(m.change) } },
      itemCell(m),
      h('td', null, h('span', { class: `badge moved-${m.change < 0 ? 'down' : 'up'}` }, `score ${signed(m.change)}`), h('div', { class: 'note' }, `${m.to} both times`)),
      h('td', { class: 'prompt' }, foundText(m.prompt, term)),
      h('td', { class: 'side' }, sideCell(m.base, 'before', term)),
      h('td', { class: 'side' }, sideCell(m.head, 'after', term)))), 'moved-table', file, 'flips moved');
}

/** A post, folded away unless the search found something in it. */
const post = (summary: string, answer: string | null, term: string) =>
  h('details', { open: term !== '' && answer !== null && textMatches(term, answer) }, h('summary', null, summary), h('p', { class: 'answer' }, answer === null ? 'no answer' : foundText(answer, term)));

/** Every blog item in both runs: both posts with their component scores. */
export function blogTable(items: readonly BlogChange[], term: string, file: string): HTMLElement {
  if (items.length === 0) return h('p', { class: 'note' }, 'No blog items in common with these filters.');
  const comps = CHOSEN_METRIC_SETS.comparedBlog.map(blogComponent);
  const compText = (c: Record<string, number>) => comps.filter((k) => c[k] !== undefined).map((k) => `${k} ${num(c[k], k === 'chrf' ? 1 : 3)}`).join(' · ');
  return table('Blog items: both posts with their component scores, largest drop in blog quality first', ['post', 'change', 'before', 'after'],
    items.map((b) => h('tr', { attrs: { ...tid('blog-row'), 'data-item': `${b.set}/${b.id}` } },
      h('td', null, h('div', { class: 'title' }, foundText(b.title, term)), h('div', { class: 'tags' }, `${b.set}/${b.id}`),
        h('details', null, h('summary', null, 'held-out reference'), h('p', { class: 'answer' }, b.reference))),
      h('td', null, signed(b.drop === null ? null : -b.drop)),
      h('td', { class: 'side' }, h('div', { class: 'side-head' }, compText(b.base.components)), post('post before', b.base.answer, term)),
      h('td', { class: 'side' }, h('div', { class: 'side-head' }, compText(b.head.components)), post('post after', b.head.answer, term)))), 'blog-table', file, 'blog');
}
