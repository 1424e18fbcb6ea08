/*
 * The trend view's metric picker: one collapsed line saying what is charted, which opens to every
 * metric in the registry's named groups (GET /api/metrics `groups`, each metric's `group`) and a
 * search box over label, name and description. The choice lives in the URL (`metric=`, repeated);
 * the picker only says what was picked.
 */
import type { MetricDef, MetricGroup } from '../api.js';
import { h, tid } from '../dom.js';

export interface MetricPickerInput {
  metrics: readonly MetricDef[];
  groups: readonly MetricGroup[];
  /** The metrics charted now, in order. */
  picked: readonly string[];
  /** Called with the new choice (never empty). */
  onChange(next: string[]): void;
}

/**
 * A pick re-renders the view (the URL changed): the open picker, its search and the box that had
 * the focus are carried over to the new one, so picking several metrics is several clicks.
 */
let carried: { search: string; focus: string } | null = null;

/** Whether a metric matches the search box's words (every word, in its label, name or description). */
export function metricMatches(m: Pick<MetricDef, 'name' | 'label' | 'description'>, search: string): boolean {
  const text = `${m.label} ${m.name} ${m.description}`.toLowerCase();
  return search.toLowerCase().split(/\s+/).filter((w) => w !== '').every((w) => text.includes(w));
}

/** "4 metrics: Bio accuracy, Blog quality, …": what the collapsed picker says. */
function summaryText(picked: readonly string[], labels: ReadonlyMap<string, string>): string {
  return `${picked.length} metric${picked.length === 1 ? '' : 's'} charted: ${picked.map((n) => labels.get(n) ?? n).join(', ')}`;
}

/** The picker (data-testid="metric-picker"). */
export function metricPicker({ metrics, groups, picked, onChange }: MetricPickerInput): HTMLElement {
  const reopen = carried;
  carried = null;
  const chosen = new Set(picked);
  const labels = new Map(metrics.map((m) => [m.name, m.label]));
  const search = h('input', {
    type: 'search', value: reopen?.search ?? '', placeholder: 'e.g. bio, blog, forgetting',
    attrs: { ...tid('metric-search'), 'aria-controls': 'metric-groups', autocomplete: 'off' },
  });
  const toggle = (name: string, on: boolean) => {
    const next = on ? [...picked, name] : picked.filter((m) => m !== name);
    carried = { search: search.value, focus: name };
    onChange(next.length === 0 ? [name] : next);
  };
  const boxes = new Map<string, HTMLInputElement>();
  const item = (m: MetricDef) => {
    const box = h('input', { type: 'checkbox', value: m.name, checked: chosen.has(m.name), onchange: () => toggle(m.name, box.checked) });
    boxes.set(m.name, box);
    return h('label', { class: 'check', title: m.description, attrs: { 'data-metric': m.name } }, box, m.label);
  };
  // Every group the registry names, in its order; a metric of a group it does not name (a newer server) goes last.
  const known = new Set(groups.map((g) => g.id));
  const sections = [...groups, { id: '', label: 'Other', description: '' }].map((g) => {
    const members = metrics.filter((m) => (g.id === '' ? !known.has(m.group) : m.group === g.id));
    return members.length === 0 ? null : h('fieldset', { class: 'metric-group', attrs: { 'data-group': g.id } },
      h('legend', { title: g.description }, g.label), members.map(item));
  }).filter((s): s is HTMLFieldSetElement => s !== null);
  const none = h('p', { class: 'note', hidden: true, attrs: tid('metric-search-none') }, 'No metric matches.');
  const filter = () => {
    for (const section of sections) {
      let shown = 0;
      for (const label of section.querySelectorAll<HTMLElement>('label[data-metric]')) {
        const m = metrics.find((x) => x.name === label.dataset.metric)!;
        label.hidden = !metricMatches(m, search.value);
        if (!label.hidden) shown++;
      }
      section.hidden = shown === 0;
    }
    none.hidden = sections.some((s) => !s.hidden);
  };
  search.addEventListener('input', filter);
  // Enter in the search box must not submit the form (which would reload nothing, but loses the focus).
  search.addEventListener('keydown', (e) => {
    if (e.key === 'Enter') e.preventDefault();
  });
  filter();
  const picker = h('details', { class: 'metric-picker', open: reopen !== null, attrs: tid('metric-picker') },
    h('summary', { title: summaryText(picked, labels), attrs: tid('metric-summary') }, summaryText(picked, labels)),
    h('div', { class: 'picker-body' },
      h('label', { class: 'control picker-search' }, h('span', null, 'Find a metric by its name or what it measures'), search),
      h('div', { class: 'metric-groups', id: 'metric-groups' }, sections, none)));
  if (reopen !== null) {
    // Once the new view is on the page, the focus goes back where it was.
    const restore = (tries: number) => requestAnimationFrame(() => {
      if (!picker.isConnected) return void (tries > 0 && restore(tries - 1));
      (boxes.get(reopen.focus) ?? search).focus({ preventScroll: true });
    });
    restore(10);
  }
  return picker;
}
