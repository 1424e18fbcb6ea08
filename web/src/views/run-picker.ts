import { api, type RunBody } from '../api.js';
import { h, tid } from '../dom.js';
import { searchTerm } from '../../../server/shared/text-search.js';
import { debounced, foundText } from './search-box.js';

/** How many runs one page of a picker's list shows (more are a click away: the server pages by cursor). */
const PICKER_PAGE = 10;

/** The run a picker shows as chosen: its id and a line naming it. */
export interface PickedRun {
  runId: number;
  label: string;
}

/** A run's name in a picker: checkpoint, step, id. */
export const runLabel = (r: { runId: number; checkpoint: string; step: number | null }) =>
  `${r.checkpoint}${r.step === null ? '' : ` · step ${r.step}`} · run ${r.runId}`;

/**
 * A run picker that works at any number of runs: a search box (the run id, or part of a
 * checkpoint's name) whose completed runs the server finds (GET /api/runs?q=, newest first, paged
 * by cursor), never a list of every run. The input (`testId`) holds the chosen run's id.
 */
export function runPicker(label: string, testId: string, current: PickedRun | null, onPick: (runId: number) => void): HTMLElement {
  const input = h('input', {
    type: 'search', value: current === null ? '' : String(current.runId), placeholder: 'run id or checkpoint name', autocomplete: 'off',
    attrs: { ...tid(testId), 'aria-label': `${label}: search runs by id or checkpoint name` },
  });
  const list = h('ul', { class: 'picker-results', attrs: { ...tid(`${testId}-results`), 'aria-label': `runs to pick for ${label}` } });
  list.hidden = true;
  let asked = 0;
  const show = async (text: string, cursor?: number) => {
    const mine = ++asked;
    const term = searchTerm(text);
    const page = await api.runs({ status: 'completed', limit: PICKER_PAGE, ...(term !== '' ? { q: text.trim() } : {}), ...(cursor !== undefined ? { cursor } : {}) }).catch((e: Error) => e);
    if (mine !== asked) return; // a newer search answered first
    if (cursor === undefined) list.replaceChildren();
    list.querySelector('.picker-more')?.remove();
    list.hidden = false;
    if (page instanceof Error) {
      list.append(h('li', { class: 'error' }, page.message));
      return;
    }
    if (page.runs.length === 0 && cursor === undefined) list.append(h('li', { class: 'note', attrs: tid('pick-none') }, `No completed run matches “${text.trim()}”.`));
    list.append(...page.runs.map((r: RunBody) => h('li', null, h('button', {
      type: 'button', class: 'picker-option', onclick: () => pick(r.runId), attrs: { ...tid('pick-option'), 'data-run': r.runId },
    }, foundText(runLabel(r), term)))));
    if (page.nextCursor !== null) {
      const next = page.nextCursor;
      list.append(h('li', { class: 'picker-more' }, h('button', { type: 'button', onclick: () => void show(text, next), attrs: tid('pick-more') }, 'more runs')));
    }
  };
  const pick = (runId: number) => {
    input.value = String(runId);
    list.hidden = true;
    onPick(runId);
  };
  const search = debounced((text: string) => void show(text));
  input.addEventListener('input', () => search(input.value));
  // Focus lists the newest runs (the chosen run's id is selected, so typing replaces it).
  input.addEventListener('focus', () => {
    input.select();
    if (list.hidden) void show(current !== null && input.value === String(current.runId) ? '' : input.value);
  });
  input.addEventListener('keydown', (e) => {
    if (e.key === 'Escape') list.hidden = true;
    if (e.key === 'Enter') {
      e.preventDefault();
      const first = list.querySelector<HTMLButtonElement>('.picker-option');
      if (first !== null) first.click();
    }
  });
  const box = h('div', { class: 'run-picker' },
    h('label', { class: 'control' }, h('span', null, label), input),
    h('div', { class: 'note picker-current', attrs: tid(`${testId}-current`) }, current === null ? 'none chosen' : current.label),
    list);
  // The list closes when the focus leaves the picker (not when it moves from the box to an option).
  box.addEventListener('focusout', (e) => {
    if (!(e.relatedTarget instanceof Node && box.contains(e.relatedTarget))) list.hidden = true;
  });
  return box;
}
