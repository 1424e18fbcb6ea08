import { api, ApiError, type ItemJson, type LiveProgress, type MetricDef, type PostRunPhase, type RunBody } from '../api.js';
import { h, tid } from '../dom.js';
import { dateTime, digitsFor, duration, interval, num, withInterval } from '../format.js';
import type { ViewContext } from '../router.js';
// The same line `tunegate show` prints (one definition; it imports nothing at run time).
import { servingLine } from '../../../server/shared/serving-line.js';
// The same words for a consistency's n as `show` (it imports nothing at run time either).
import { countedGroups } from '../../../server/shared/counted-groups.js';
import { markChips, markedAnswer } from './marks.js';
import { csvFileName, emptyState, optionSelect, statusBadge, table } from './common.js';
import { CATEGORY_NAMES, categoryChip, categoryCounts } from './categories.js';
import { pageUrl } from '../../../server/shared/page-urls.js';
import { answerSearch, foundText } from './search-box.js';
import { searchTerm } from '../../../server/shared/text-search.js';

const PAGE = 50;
const LIVE = new Set(['queued', 'running']);
/**
 * Runs whose event stream said `finished` while this page was open. Their view follows them no
 * more: a `completed` run is otherwise followed once more (its steps after the items may still be
 * going on, which its status does not tell), and a view re-rendered by `finished` would open the
 * stream again. A resumed run is `queued` or `running` again, and followed as such.
 */
const finishedRuns = new Set<number>();

/** What each step after the items measures, for the step's text's tooltip. */
const STEP_TITLES: Record<PostRunPhase, string> = {
  perplexity: 'requests for the perplexity of the blog references, after the items',
  likelihood: "requests for the log-probability of each item's answer and wrong answers (knowledge_margin, knowledge_rank, answer_logprob), after the items",
};

/** "likelihood: 8 / 16 requests · 3.1 req/s" for a step after the items; null outside one. */
function stepText(p: LiveProgress): string | null {
  if (p.phase === undefined || p.phaseProgress === undefined) return null;
  const s = p.phaseProgress;
  // The server's own clock and count of the step's requests: right on a page opened mid-step too.
  const rate = s.elapsedMs >= 500 ? `${(s.requests / (s.elapsedMs / 1000)).toFixed(1)} req/s` : 'measuring rate…';
  return `${p.phase}: ${s.done} / ${s.total} requests · ${rate}`;
}

/**
 * Live progress over the run's Server-Sent Events: done/total, errors and rate, without a reload;
 * during a step after the items (perplexity, likelihood: the run is `completed` by then), the
 * step's requests on the bar and beside it. The section goes into `slot` at once for a queued or
 * running run, and for a completed one only when a step's progress comes. The results are
 * rendered again on `finished` when the section was shown.
 */
function liveProgress(run: RunBody, ctx: ViewContext, slot: HTMLElement): void {
  const bar = h('progress', { max: Math.max(1, run.progress.total), value: run.progress.done, attrs: { 'aria-label': 'items done' } });
  const step = h('span', { class: 'live-step', hidden: true, attrs: tid('progress-phase') });
  const text = h('span', { class: 'live-items', attrs: tid('progress-text') });
  const started = { at: performance.now(), done: run.progress.done };
  const section = h('section', { class: 'live', attrs: { ...tid('progress'), 'aria-live': 'polite' } }, h('h2', null, 'Progress (live)'), bar, ' ', step, text);
  // Whether the section is in the view (which may still be off-screen, being built).
  let shown = false;
  const place = () => {
    if (!shown) slot.append(section);
    shown = true;
  };
  const show = (p: LiveProgress, status: string) => {
    const inStep = stepText(p);
    const counted = inStep === null ? p : p.phaseProgress!;
    bar.max = Math.max(1, counted.total);
    bar.value = counted.done;
    bar.setAttribute('aria-label', inStep === null ? 'items done' : `${p.phase} requests done`);
    step.hidden = inStep === null;
    step.textContent = inStep ?? '';
    step.title = inStep === null ? '' : STEP_TITLES[p.phase!];
    section.classList.toggle('in-step', inStep !== null);
    if (inStep !== null) section.dataset.phase = p.phase;
    else delete section.dataset.phase;
    // The items are over during a step: their count stays, their rate would only fall.
    const secs = (performance.now() - started.at) / 1000;
    const rate = secs > 0.5 && p.done > started.done ? `${((p.done - started.done) / secs).toFixed(1)} items/s` : 'measuring rate…';
    text.textContent = inStep === null ? `${status}: ${p.done} / ${p.total} results · ${p.errors} errors · ${rate}` : `items: ${p.done} / ${p.total} results · ${p.errors} errors`;
    section.dataset.done = String(p.done);
    if (inStep !== null) place();
  };
  show(run.progress, run.status);
  if (LIVE.has(run.status)) place();
  const events = api.events(run.runId, {
    progress: (p) => show(p as LiveProgress, 'running'),
    // The run ended: show its results in place (a replace, not a page load), unless nothing was under way.
    finished: () => {
      events.close();
      finishedRuns.add(run.runId);
      if (shown && !ctx.signal.aborted) ctx.navigate(window.location.pathname + window.location.search, { replace: true });
    },
  }, ctx.signal);
  ctx.onLeave(() => events.close());
}

function metricsTable(run: RunBody, defs: readonly MetricDef[]): HTMLElement {
  const rows = defs.filter((d) => run.metrics?.[d.name] !== null && run.metrics?.[d.name] !== undefined);
  if (rows.length === 0) {
    const c = run.counts;
    // A live run's answers are scored as they come, but its metrics are computed when it finishes.
    if (LIVE.has(run.status)) {
      return h('p', { class: 'note', attrs: tid('no-metrics') },
        'Metrics are computed when the run finishes; the progress above counts the results stored so far, and the answers below are scored as they come.');
    }
    if (c === null || c.results - c.errors === 0) return h('p', { class: 'note', attrs: tid('no-metrics') }, 'No metric yet: no item has been scored.');
    // Scored, but no run-level metric reads these sets: say which items the metrics read (from the registry).
    const families = [...new Set(defs.flatMap((d) => (d.items.family === null ? [] : [d.items.family])))];
    return h('p', { class: 'note', attrs: tid('no-metrics') },
      `No run-level metric reads these eval sets. Keyword metrics read the set families ${families.join(', ')} ` +
      '(a set of that name, or one whose name continues with a separator such as - _ .); hallucination_rate reads keyword items ' +
      "with a forbidden list; blog metrics read blog items. Each set's own score is in the table below.");
  }
  return table('Run metrics with 95% intervals (Wilson for 0/1 shares, a seeded bootstrap over items otherwise)', ['metric', 'value', '95% interval', 'n', 'interval'],
    rows.map((d) => {
      const s = run.stats[d.name];
      const digits = digitsFor(d);
      return { attrs: { ...tid('run-metric-row'), 'data-metric': d.name }, cells: [d.label, num(run.metrics![d.name], digits), interval(s?.ci, digits), String(s?.n ?? 0), s?.method ?? ''] };
    }), 'run-metrics', csvFileName('run', run.runId, 'metrics'));
}

/** The run's keyword items per knowledge category against its base; each count filters the answers below. */
function runCategories(run: RunBody): HTMLElement | null {
  if (run.categories === null) return null;
  const link = (c: string) => {
    const q = new URLSearchParams(window.location.search);
    q.set('category', c);
    q.delete('page');
    return `${window.location.pathname}?${q.toString()}`;
  };
  return h('p', { class: 'cat-base', attrs: { ...tid('run-categories'), 'data-base': run.categoryBase ?? '' } },
    'Keyword items per knowledge category against the base ', h('strong', null, run.categoryBase ?? '(unknown)'),
    ' (the n of the per-category accuracies above): ', categoryCounts(run.categories, link));
}

/** A set's consistency with its interval and n in fact groups: "0.500 [0.095, 0.905] n=2 groups"; null for a set without fact groups. */
function consistencyCell(s: RunBody['sets'][string], definition: string): HTMLElement | null {
  if (s.consistency === undefined) return null;
  const stat = s.stats.consistency;
  const n = `n=${countedGroups(stat?.n ?? 0, s.groups ?? stat?.n ?? 0)}`;
  const text = s.consistency === null ? `– ${n}` : `${num(s.consistency)} ${interval(stat?.ci)} ${n}`;
  return h('span', { title: definition, attrs: tid('set-consistency') }, text);
}

function setsTable(run: RunBody, consistencyDefinition: string): HTMLElement {
  // Beside accuracy, only when some set groups its phrasings by fact_id (other runs look as before).
  const consistency = Object.values(run.sets).some((s) => s.consistency !== undefined);
  const t = table('Per eval set',
    ['set', 'kind', 'items', 'errors', 'cut off', 'score', 'accuracy', ...(consistency ? [h('span', { title: consistencyDefinition }, 'consistency (fact groups)')] : []), 'hallucination rate', 'blog quality'],
    Object.entries(run.sets).map(([name, s]) => ({
      attrs: { ...tid('set-row'), 'data-set': name },
      cells: [name, s.kind, String(s.items), String(s.errors), s.truncated === undefined ? '–' : String(s.truncated), withInterval(s.score, s.stats.score),
        s.accuracy === undefined ? '' : withInterval(s.accuracy, s.stats.accuracy),
        ...(consistency ? [consistencyCell(s, consistencyDefinition)] : []),
        s.hallucination_rate === undefined ? '' : withInterval(s.hallucination_rate, s.stats.hallucination_rate),
        typeof s.blog_quality === 'number' ? withInterval(s.blog_quality, s.stats.blog_quality) : ''],
    })), 'run-sets', csvFileName('run', run.runId, 'sets'));
  if (!consistency) return t;
  return h('div', null, t, h('p', { class: 'note', attrs: tid('consistency-note') }, consistencyDefinition));
}

/** How a run was measured (endpoint, parameters, scorers, tool, times, eval set hashes); the HTML report shows both runs' too. */
export function provenance(run: Pick<RunBody, 'runId' | 'provenance' | 'params' | 'createdAt' | 'startedAt' | 'finishedAt'>, title = 'Provenance'): HTMLElement {
  const p = run.provenance;
  const pr = run.params;
  const dl = (pairs: Array<[string, string] | [string, string, string]>) =>
    h('dl', { class: 'facts' }, pairs.flatMap(([k, v, id]) => [h('dt', null, k), h('dd', id !== undefined ? { attrs: tid(id) } : null, v)]));
  return h('section', { class: 'provenance', attrs: tid('provenance') },
    h('h2', null, title),
    dl([
      ['endpoint', `${(p.endpoint.baseUrls ?? [p.endpoint.baseUrl]).join(', ')} (${p.endpoint.api})`],
      ['model', p.endpoint.model],
      ...(p.serving !== undefined ? [['served by', p.serving.map(servingLine).join('; '), 'serving'] as [string, string, string]] : []),
      ...(p.endpoint.promptTemplate !== null ? [['prompt template', p.endpoint.promptTemplate] as [string, string]] : []),
      ['parameters', `temperature ${pr.temperature} · max tokens ${pr.maxTokens.keyword} keyword / ${pr.maxTokens.blog} blog · samples ${pr.samples} · seed ${pr.seed ?? 'none'} · concurrency ${pr.concurrency} · timeout ${pr.timeoutMs / 1000} s · retries ${pr.retries}`],
      ...(pr.judge ? [['judge', pr.judge.spec] as [string, string]] : []),
      ['scorers', Object.entries(p.scorers).map(([k, v]) => `${k} v${v}`).join(', ')],
      ['tool', `tunegate ${p.tool}${p.revision ? ` (${p.revision.slice(0, 12)})` : ''} on Node ${p.node}`],
      ...(p.reported !== undefined ? [
        ['reported model', p.reported.models.join(', ') || 'none'] as [string, string],
        ['system_fingerprint', p.reported.systemFingerprints.join(', ') || 'none'] as [string, string],
      ] : []),
      ['created', dateTime(run.createdAt)],
      ['started', dateTime(run.startedAt)],
      ['finished', `${dateTime(run.finishedAt)} (${duration(run.startedAt, run.finishedAt)})`],
    ]),
    table('Eval sets and their content hashes (two runs are compared only on items with the same content)', ['set', 'items', 'hash'],
      p.evalsets.map((s) => ({ cells: [s.name, String(s.items), h('code', null, s.hash)] })), undefined, csvFileName('run', run.runId, 'evalsets')));
}

function itemRow(r: ItemJson, samples: number, term: string): HTMLTableRowElement {
  const scoreText = r.kind === 'blog'
    ? Object.entries(r.scores).map(([k, v]) => `${k} ${num(v, k === 'chrf' ? 1 : 3)}`).join(' · ')
    : `score ${num(r.score)}${r.passed === null ? '' : r.passed ? ' · pass' : ' · fail'}${r.hallucinated === true ? ' · hallucinated' : ''}`;
  return h('tr', { attrs: { ...tid('item-row'), 'data-item': `${r.set}/${r.id}`, 'data-kind': r.kind ?? '' } },
    h('td', null, h('div', null, `${r.set}/${r.id}${samples > 1 ? ` #${r.sample}` : ''}`), r.tags.length > 0 ? h('div', { class: 'tags' }, r.tags.join(', ')) : null,
      r.category !== undefined && r.category !== null ? h('div', { class: 'item-cats' }, categoryChip(r.category)) : null),
    h('td', { class: 'prompt' }, foundText(r.prompt, term), r.reference !== undefined ? h('details', null, h('summary', null, 'held-out reference'), h('p', { class: 'answer' }, r.reference)) : null),
    h('td', { class: 'side' },
      r.error !== null ? h('p', { class: 'error', attrs: tid('item-error') }, `error after ${r.attempts} attempts: ${r.error}`) : markedAnswer(r.answer, r.marks ?? null, term),
      markChips(r.marks ?? null),
      r.reasoning !== null && r.reasoning !== '' ? h('details', { class: 'reasoning' }, h('summary', null, 'reasoning'), h('p', { class: 'answer' }, r.reasoning)) : null),
    h('td', null, scoreText),
    h('td', null, r.latencyMs === null ? '–' : `${r.latencyMs} ms`, h('div', { class: 'note' }, r.finishReason ?? '')));
}

async function itemsSection(run: RunBody, ctx: ViewContext): Promise<HTMLElement> {
  const q = ctx.query;
  const set = q.get('set') ?? '';
  const outcome = q.get('outcome') ?? '';
  // Only a run whose items have categories offers (and reads) the category filter.
  const asked = q.get('category') ?? '';
  const category = run.categories !== null && (CATEGORY_NAMES as readonly string[]).includes(asked) ? asked : '';
  // The search runs on the server (results are paged there); typing re-fetches this section only, so the box keeps its focus.
  const holder = h('div', { class: 'items-list' });
  const search = answerSearch('Search prompts and answers', q.get('q') ?? '', (text) => {
    ctx.noteQuery({ q: text.trim() === '' ? null : text, page: null });
    void fill(text, 1);
  });
  let asking = 0;
  const fill = async (text: string, page: number) => {
    const mine = ++asking;
    const res = await api.results(run.runId, {
      ...(set !== '' ? { set } : {}), ...(outcome !== '' ? { outcome } : {}), ...(category !== '' ? { category } : {}), ...(text.trim() !== '' ? { q: text } : {}),
      limit: PAGE, offset: (page - 1) * PAGE,
    });
    if (mine !== asking || ctx.signal.aborted) return;
    const term = searchTerm(text);
    const pages = Math.max(1, Math.ceil(res.total / PAGE));
    search.setCount(term === '' ? '' : `${res.total} ${res.total === 1 ? 'answer matches' : 'answers match'}`);
    holder.replaceChildren(
      res.results.length === 0 ? h('p', { class: 'note' }, 'No results match.') : table(`Answers ${(page - 1) * PAGE + 1}–${(page - 1) * PAGE + res.results.length} of ${res.total}`,
        ['item', 'question', 'answer', 'scores', 'latency'], res.results.map((r) => itemRow(r, run.params.samples, term)), 'items-table',
        csvFileName('run', run.runId, 'results', ...(set !== '' ? [set] : []), ...(outcome !== '' ? [outcome] : []), ...(category !== '' ? [category] : []), ...(term !== '' ? ['search'] : []), ...(page > 1 ? ['page', page] : [])), 'items-table'),
      h('nav', { class: 'pager', attrs: { 'aria-label': 'result pages' } },
        page > 1 ? h('button', { type: 'button', onclick: () => ctx.setQuery({ page: String(page - 1) }) }, '← previous') : null,
        h('span', { attrs: tid('page-info') }, ` page ${page} of ${pages} (${res.total} results) `),
        page < pages ? h('button', { type: 'button', onclick: () => ctx.setQuery({ page: String(page + 1) }) }, 'next →') : null));
  };
  await fill(q.get('q') ?? '', Math.max(1, Number(q.get('page') ?? '1') || 1));
  return h('section', { class: 'items' },
    h('h2', null, 'Answers'),
    h('form', { class: 'controls control-row', onsubmit: (e: Event) => e.preventDefault() },
      optionSelect('Set', [{ value: '', text: 'all sets' }, ...Object.keys(run.sets).map((s) => ({ value: s, text: s }))], set, (v) => ctx.setQuery({ set: v === '' ? null : v, page: null }), 'items-set'),
      optionSelect('Outcome', [{ value: '', text: 'all' }, { value: 'pass', text: 'passed (keyword)' }, { value: 'fail', text: 'failed (keyword)' }, { value: 'error', text: 'errored' }], outcome,
        (v) => ctx.setQuery({ outcome: v === '' ? null : v, page: null }), 'items-outcome'),
      run.categories !== null
        ? optionSelect('Knowledge category', [{ value: '', text: 'all categories' }, ...CATEGORY_NAMES.map((c) => ({ value: c, text: c }))], category,
          (v) => ctx.setQuery({ category: v === '' ? null : v, page: null }), 'items-category')
        : null,
      search.el),
    h('p', { class: 'downloads' }, h('a', { href: api.resultsJsonlUrl(run.runId), download: `run-${run.runId}-results.jsonl`, attrs: tid('download-jsonl') }, 'Download all answers (JSONL)'),
      ' · one JSON object per line, every stored result of the run; the CSV button below saves the rows on this page.'),
    holder);
}

/** `/runs/:id`: live progress while it runs; then metrics with intervals, provenance and every answer. */
export async function runView(root: HTMLElement, ctx: ViewContext): Promise<void> {
  const raw = ctx.params.id ?? '';
  document.title = `tunegate: run ${raw}`;
  if (!/^\d+$/.test(raw)) {
    root.append(emptyState(`"${raw}" is not a run id`, h('p', null, 'Run ids are whole numbers; see ', h('a', { href: '/' }, 'the latest runs'), '.')));
    return;
  }
  const [run, { metrics: defs, consistency }] = await Promise.all([api.run(Number(raw)).catch((e: unknown) => e as Error), api.definitions()]);
  if (ctx.signal.aborted) return;
  if (run instanceof Error) {
    if (run instanceof ApiError && run.status === 404) {
      root.append(emptyState(`No run ${raw}`, h('p', null, 'It may have been deleted with its checkpoint. See ', h('a', { href: '/' }, 'the latest runs'), '.')));
      return;
    }
    throw run;
  }
  root.append(
    h('h1', null, `Run ${run.runId}: ${run.checkpoint}`, ' ', statusBadge(run.status)),
    h('p', { class: 'lede' }, run.step === null ? 'no step' : `step ${run.step}`, ` · ${run.counts?.items ?? 0} items · ${run.counts?.errors ?? 0} errors`,
      (run.counts?.truncated ?? 0) > 0 ? h('span', { attrs: tid('run-truncated') }, ` · ${run.counts!.truncated} answers cut off at max tokens`) : null,
      run.status === 'completed' ? [' · ', h('a', { href: pageUrl('', 'compare', {}, { head: run.runId }), attrs: tid('compare-link') }, 'compare with its baseline')] : null),
  );
  if (run.error !== null) root.append(h('p', { class: 'error', attrs: { role: 'alert' } }, `error: ${run.error}`));
  for (const n of run.notes) root.append(h('p', { class: 'note', attrs: tid('run-note') }, `note: ${n}`));
  // A completed run is followed too (once): the steps after its items may still be going on.
  if (LIVE.has(run.status) || (run.status === 'completed' && !finishedRuns.has(run.runId))) {
    const slot = h('div', { class: 'live-slot' });
    root.append(slot);
    liveProgress(run, ctx, slot);
  }
  root.append(h('h2', null, 'Metrics'), metricsTable(run, defs), ...[runCategories(run)].filter((x) => x !== null), h('h2', null, 'Eval sets'), setsTable(run, consistency), provenance(run), await itemsSection(run, ctx));
}
