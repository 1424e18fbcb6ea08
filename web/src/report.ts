/*
 * The HTML report's script (server/gate/html-report.ts inlines it with Chart.js in one file): the
 * compare view of the data the file carries, drawn by the page's own view code. It makes no
 * request: there is no server behind a file opened from disk. Filters work as on the page; their
 * state lives in memory instead of the URL.
 */
import './styles.css';
import type { ReportData } from '../../server/routes/api-types.js';
import { PAGE_URLS } from '../../server/shared/page-urls.js';
import { h, tid } from './dom.js';
import { renderComparison, type CompareHost } from './views/compare.js';
import { provenance } from './views/run.js';

const root = document.getElementById('view')!;
const data = JSON.parse(document.getElementById('report-data')!.textContent ?? 'null') as ReportData;
const query = new URLSearchParams();
let cleanups: Array<() => void> = [];

// Runs link to the dashboard when the report names one (http or https only); otherwise a link would lead nowhere from disk.
const dashboard = data.dashboardUrl !== null && /^https?:\/\//i.test(data.dashboardUrl) ? data.dashboardUrl.replace(/\/+$/, '') : null;
const runLink = (id: number, text: string) => (dashboard === null
  ? h('span', { class: 'run-name' }, text)
  : h('a', { href: `${dashboard}${PAGE_URLS.run.replace(':id', String(id))}`, attrs: { rel: 'noreferrer' } }, text));

async function render(): Promise<void> {
  for (const fn of cleanups) fn();
  cleanups = [];
  delete root.dataset.ready;
  const host: CompareHost = {
    query,
    setQuery(changes) {
      for (const [k, v] of Object.entries(changes)) {
        query.delete(k);
        if (v !== null) for (const x of typeof v === 'string' ? [v] : v) query.append(k, x);
      }
      void render();
    },
    noteQuery(changes) {
      for (const [k, v] of Object.entries(changes)) {
        query.delete(k);
        if (v !== null) for (const x of typeof v === 'string' ? [v] : v) query.append(k, x);
      }
    },
    onLeave: (fn) => void cleanups.push(fn),
    pickers: false,
    runLink,
  };
  const gate = 'error' in data.gate ? new Error(data.gate.error) : data.gate;
  const next = h('div', { class: 'view', attrs: { 'data-view': 'report' } });
  const { comparison: cmp } = data;
  try {
    // Built off-screen, then swapped in whole; the chart is drawn once its canvas is on the page.
    await renderComparison(next, { cmp, gate, definitions: data.definitions }, host);
    next.append(provenance(data.runs.base, `Provenance: before, ${cmp.base.checkpoint} (run ${cmp.base.runId})`),
      provenance(data.runs.head, `Provenance: after, ${cmp.head.checkpoint} (run ${cmp.head.runId})`));
  } catch (e) {
    next.replaceChildren(h('div', { class: 'error', attrs: { role: 'alert', ...tid('view-error') } }, (e as Error).message));
  }
  root.replaceChildren(next);
  root.dataset.ready = 'true';
}

document.title = `tunegate: ${data.comparison.base.checkpoint} → ${data.comparison.head.checkpoint}`;
void render();
