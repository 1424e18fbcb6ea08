import type { MetricDef, RunBody } from '../api.js';
import { h, tid, type Child } from '../dom.js';
import { pageUrl } from '../../../server/shared/page-urls.js';
import { downloadTable } from '../download.js';
export { csvFileName } from '../csv.js';

/** A link to a run's page. */
export const runLink = (id: number, text: Child = `run ${id}`) => h('a', { href: pageUrl('', 'run', { id }) }, text);

/** A run's status as a badge (colour and text, never colour alone). */
export function statusBadge(status: string): HTMLElement {
  return h('span', { class: `badge status-${status}`, attrs: tid('status') }, status);
}

/** A code line the user can copy. */
export const command = (text: string) => h('pre', { class: 'command' }, h('code', null, text));

/** What a new user should do next, for views with nothing to show yet. */
export function emptyState(title: string, ...body: Child[]): HTMLElement {
  return h('section', { class: 'empty', attrs: tid('empty-state') }, h('h2', null, title), ...body);
}

/** The steps that get a first checkpoint onto the dashboard. */
export function firstSteps(): Child[] {
  const origin = window.location.origin;
  return [
    h('p', null, 'See a worked example first: ', h('code', null, 'npm run demo'), ' builds a scripted fine-tuning story (two data mixes, steps 0–3000) and opens this dashboard on it.'),
    // The page's words name no CLI flag: the CLI's own help shows its command (docs/cli.md).
    h('p', null, 'Or register your own checkpoint, served by any OpenAI-compatible server (vLLM, Ollama, llama.cpp, TGI, SGLang, LM Studio): use the ',
      h('a', { href: '/checkpoints/new' }, 'register form'), ', the CLI\'s ', h('code', null, 'tunegate checkpoint add'), ' command, or one request from your training loop:'),
    command(`curl -X POST ${origin}/api/checkpoints -H 'content-type: application/json' \\\n  -d '{"name": "sft-2000", "baseUrl": "http://127.0.0.1:8000/v1", "model": "my-model", "step": 2000, "tags": {"mix": "bio-v2"}, "autoRun": true}'`),
  ];
}

/** A <select> over metrics, labelled, with the current value chosen. */
export function metricSelect(label: string, metrics: readonly MetricDef[], value: string, onChange: (v: string) => void, testId: string): HTMLElement {
  const select = h('select', { onchange: () => onChange(select.value), attrs: tid(testId) },
    metrics.map((m) => h('option', { value: m.name, selected: m.name === value }, m.label)));
  return h('label', { class: 'control' }, h('span', null, label), select);
}

/** A labelled <select> over plain options. */
export function optionSelect(label: string, options: ReadonlyArray<{ value: string; text: string }>, value: string, onChange: (v: string) => void, testId: string): HTMLElement {
  const select = h('select', { onchange: () => onChange(select.value), attrs: tid(testId) },
    options.map((o) => h('option', { value: o.value, selected: o.value === value }, o.text)));
  return h('label', { class: 'control' }, h('span', null, label), select);
}

/** A table row: its cells (DOM children, so text stays text) and attributes, or a row built whole (cells with classes of their own). */
export type TableRow = { cells: Child[]; attrs?: Record<string, string> } | HTMLTableRowElement;

/**
 * A table with a caption, header and rows, and a button that downloads it as the CSV file `file`
 * (from csvFileName: it names the table and its context): exactly the rows and columns shown.
 * Returns the box holding both; the table itself keeps `class="data"` and `testId`.
 */
export function table(caption: string, head: readonly Child[], rows: readonly TableRow[], testId: string | undefined, file: string, cls = ''): HTMLElement {
  const el = h('table', { class: `data ${cls}`.trim(), attrs: testId === undefined ? {} : tid(testId) },
    h('caption', null, caption),
    h('thead', null, h('tr', null, head.map((c) => h('th', { attrs: { scope: 'col' } }, c)))),
    h('tbody', null, rows.map((r) => (r instanceof HTMLTableRowElement ? r : h('tr', { attrs: r.attrs ?? {} }, r.cells.map((c) => h('td', null, c)))))));
  const button = h('button', { type: 'button', class: 'download-csv', title: `Download this table as ${file} (UTF-8, opens in spreadsheets)`, onclick: () => downloadTable(el, file), attrs: { ...tid('download-csv'), 'data-file': file } }, 'Download CSV');
  return h('div', { class: 'table-box' }, h('div', { class: 'table-tools' }, button), el);
}

/** A chart with its table view: the same numbers as a real table (accessible, copyable). */
export function chartPanel(title: string, chartHolder: HTMLElement, tableEl: HTMLElement, extra: Child = null, testId?: string, open = false): HTMLElement {
  return h('figure', { class: 'panel', attrs: testId === undefined ? {} : tid(testId) },
    chartHolder,
    extra,
    h('details', { class: 'table-view', open }, h('summary', null, `Table: ${title}`), tableEl));
}

export const runLabel = (r: Pick<RunBody, 'runId' | 'checkpoint' | 'step'>) => `run ${r.runId} · ${r.checkpoint}${r.step === null ? '' : ` (step ${r.step})`}`;
