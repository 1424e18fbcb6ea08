import { h, highlighted, tid, type Child } from '../dom.js';
import { matchRanges } from '../../../server/shared/text-search.js';

/** How long typing must pause before a search runs (one request or re-filter per pause, not per key). */
export const SEARCH_DEBOUNCE_MS = 250;

/** Calls `fn` once input has paused for `ms`; a newer call replaces a waiting one. */
export function debounced<A extends unknown[]>(fn: (...args: A) => void, ms = SEARCH_DEBOUNCE_MS): (...args: A) => void {
  let timer: ReturnType<typeof setTimeout> | undefined;
  return (...args: A) => {
    clearTimeout(timer);
    timer = setTimeout(() => fn(...args), ms);
  };
}

/**
 * The text search over prompts and answers (`data-testid="answer-search"`): an input whose typed
 * text goes to `onSearch` as typing pauses, and a line saying how many match (`setCount`).
 */
export function answerSearch(label: string, value: string, onSearch: (text: string) => void): { el: HTMLElement; setCount(text: string): void } {
  const run = debounced(onSearch);
  const input = h('input', { type: 'search', value, placeholder: 'a word in a prompt or answer', oninput: () => run(input.value), attrs: { ...tid('answer-search'), 'aria-label': label } });
  const count = h('span', { class: 'search-count note', attrs: { ...tid('search-count'), 'aria-live': 'polite' } });
  return {
    el: h('label', { class: 'control search-control' }, h('span', null, label), input, count),
    setCount: (text) => (count.textContent = text),
  };
}

/** A text (prompt or title) with the search term's matches marked (<mark class="found">); the plain text without a term. */
export function foundText(text: string, term: string): Child {
  return term === '' ? text : highlighted(text, [{ ranges: matchRanges(text, term), cls: 'found' }]);
}
