import { api, ApiError, type Comparison, type GateReport, type MetricChange, type MetricDef } from '../api.js';
import { CATEGORY_LINES } from '../charts/category-chart.js';
import { compareBarsConfig } from '../charts/compare-chart.js';
import { gateBanner } from './gate-verdict.js';
import type { ChartTheme } from '../charts/theme.js';
import { mountChart, preloadCharts } from '../charts/lazy.js';
import { h, tid, type Child } from '../dom.js';
import { digitsFor, interval, signed, withInterval } from '../format.js';
import type { ViewContext } from '../router.js';
import { chartPanel, csvFileName, emptyState, firstSteps, optionSelect, runLink, table } from './common.js';
import { CATEGORY_NAMES } from './categories.js';
import { blogFound, blogTable, flipFound, flipTable, movedTable, OUTCOME_TEXT } from './changed-items.js';
import { runLabel, runPicker } from './run-picker.js';
import { answerSearch } from './search-box.js';
import { searchTerm } from '../../../server/shared/text-search.js';
import { CHOSEN_METRIC_SETS } from '../../../server/shared/metric-sets.js';
import { pageUrl } from '../../../server/shared/page-urls.js';

/** Metrics drawn as before/after bars (all on 0–1); every metric with a value is in the table. */
const BAR_METRICS: readonly string[] = CHOSEN_METRIC_SETS.compared;

/** A set's consistency before and after, right below its score (not gated: no paired interval or verdict). */
function consistencyRow(set: string, c: MetricChange, definition: string): { attrs: Record<string, string>; cells: Child[] } {
  const side = (v: number | null, n: number, ci: [number, number] | null) => (v === null ? `– n=${n} groups` : `${withInterval(v, { n, ci })} groups`);
  return {
    attrs: { ...tid('consistency-row'), 'data-set': set },
    cells: [h('span', { title: definition }, `Set ${set}: consistency`), side(c.base, c.baseN, c.baseCi), side(c.head, c.headN, c.headCi), signed(c.delta), '', '', ''],
  };
}

/** The pair's name in its tables' file names: compare-7-vs-12. */
const pairName = (cmp: Comparison) => `compare-${cmp.base.runId}-vs-${cmp.head.runId}`;

function metricTable(cmp: Comparison, gate: GateReport | Error, defs: ReadonlyMap<string, MetricDef>, consistencyDefinition: string): HTMLElement {
  const verdicts = new Map(gate instanceof Error ? [] : gate.metrics.map((m) => [m.metric, m]));
  const rows = Object.entries(cmp.metrics).filter(([, c]) => c.base !== null || c.head !== null);
  return table('Every metric before and after: each run\'s own 95% interval and n; the paired interval of the change (the gate\'s sign-flip test inverted at the metric\'s level), the one-sided p that it got worse with the level it was tested at, and the verdict come from the gate (gated metrics only)',
    ['metric', 'before', 'after', 'change', 'paired interval', 'p (worse) / level', 'gate'],
    rows.flatMap(([name, c]) => {
      const d = digitsFor(defs.get(name));
      const v = verdicts.get(name);
      // set:NAME (the documented name of a set's score) is followed by that set's consistency, if it has one.
      const set = name.startsWith('set:') ? name.slice('set:'.length) : null;
      const facts = set !== null && Object.hasOwn(cmp.consistency, set) ? [consistencyRow(set, cmp.consistency[set]!, consistencyDefinition)] : [];
      return [{
        attrs: { ...tid('metric-row'), 'data-metric': name, ...(v?.verdict === 'regression' ? { class: 'row-regression' } : {}) },
        cells: [defs.get(name)?.label ?? name, withInterval(c.base, { n: c.baseN, ci: c.baseCi }, d), withInterval(c.head, { n: c.headN, ci: c.headCi }, d),
          signed(c.delta, d), v === undefined ? '' : interval(v.interval, d),
          v?.p === null || v === undefined ? '' : `${v.p < 0.001 ? '<0.001' : v.p.toFixed(3)}${v.level === null ? '' : ` / ${v.level.toPrecision(2)}`}`,
          v === undefined ? '' : h('span', { class: `verdict verdict-${v.verdict}`, title: v.reason }, v.verdict)],
      }, ...facts];
    }), 'metric-table', csvFileName(pairName(cmp), 'metrics'));
}

function transitionsTable(cmp: Comparison, pass: string): HTMLElement {
  const sets = Object.entries(cmp.transitions);
  if (sets.length === 0) return h('p', { class: 'note' }, 'No keyword items in common.');
  const bar = (t: Comparison['transitions'][string]) => {
    const total = t.stayedRight + t.learned + t.forgotten + t.stayedWrong;
    const seg = (n: number, cls: string) => {
      const el = h('span', { class: `seg ${cls}`, title: `${cls.replace('-', ' ')}: ${n}` });
      el.style.width = total === 0 ? '0' : `${(100 * n) / total}%`;
      return el;
    };
    return h('span', { class: 'stack', attrs: { 'aria-hidden': 'true' } }, seg(t.stayedRight, 'stayed-right'), seg(t.learned, 'learned'), seg(t.forgotten, 'forgotten'), seg(t.stayedWrong, 'stayed-wrong'));
  };
  return table(`Keyword items per set: how each moved from before to after. ${pass}`,
    ['set', 'stayed right', 'learned', 'forgotten', 'stayed wrong', 'not scored', ''],
    sets.map(([set, t]) => ({
      attrs: { ...tid('transition-row'), 'data-set': set },
      cells: [set, String(t.stayedRight), String(t.learned), String(t.forgotten), String(t.stayedWrong), String(t.unscored), bar(t)],
    })), 'transitions', csvFileName(pairName(cmp), 'transitions'));
}

/** What the compare view shows: the comparison, the gate's report on the pair (or why there is none), the metric definitions. */
export interface CompareData {
  cmp: Comparison;
  gate: GateReport | Error;
  definitions: { metrics: readonly MetricDef[]; pass: string; consistency: string };
}

/** Where a rendering of the compare view lives: the page's router, or the HTML report's own state (report.ts). */
export interface CompareHost extends Pick<ViewContext, 'query' | 'setQuery' | 'noteQuery' | 'onLeave'> {
  /** Whether to offer the run pickers (the page); the report shows a fixed pair. */
  pickers: boolean;
  /** A run's name, linked to wherever its page is (the report has no page of its own to link to). */
  runLink(id: number, text: string): Child;
}

/** The two run pickers: choosing one sets ?base=&head= (with the other side as it is). */
function pickerRow(base: { runId: number; label: string } | null, head: { runId: number; label: string } | null, setQuery: ViewContext['setQuery']): HTMLElement {
  const side = (id: number | undefined) => (id === undefined ? null : String(id));
  return h('form', { class: 'controls control-row pickers', onsubmit: (e: Event) => e.preventDefault() },
    runPicker('Before (base)', 'pick-base', base, (id) => setQuery({ base: String(id), head: side(head?.runId) })),
    runPicker('After (head)', 'pick-head', head, (id) => setQuery({ head: String(id), base: side(base?.runId) })));
}

/** `/compare?base=ID&head=ID`: two runs side by side (default: the gate's default head against its reference). */
export async function compareView(root: HTMLElement, ctx: ViewContext): Promise<void> {
  document.title = 'tunegate: before / after';
  void preloadCharts();
  const q = ctx.query;
  const int = (k: string) => (/^\d+$/.test(q.get(k) ?? '') ? Number(q.get(k)) : undefined);
  const [base, head] = [int('base'), int('head')];
  // A base alone is half a pair: the pickers ask for the other half.
  const [definitions, cmp] = await Promise.all([
    api.definitions(),
    base !== undefined && head === undefined ? new ApiError(400, 'Now pick the run to compare it with (after).', undefined) : api.compare(base, head).catch((e: unknown) => e as Error),
  ]);
  if (cmp instanceof Error) {
    root.append(h('h1', null, 'Before / after'));
    if (!(cmp instanceof ApiError) || cmp.status >= 500) throw cmp;
    const any = await api.runs({ status: 'completed', limit: 1 });
    const named = (id: number | undefined) => (id === undefined ? null : { runId: id, label: `run ${id}` });
    root.append(emptyState(base !== undefined || head !== undefined ? 'Pick the other run' : 'Nothing to compare yet', h('p', { attrs: tid('compare-error') }, cmp.message),
      h('p', null, 'By default the newest checkpoint by step (its latest completed run) is compared with a fixed reference: the flagged baseline checkpoint (tunegate checkpoint baseline NAME), else its base checkpoint, else the first checkpoint of its run= tag. Or pick any two runs:'),
      ...(any.runs.length === 0 ? firstSteps() : [pickerRow(named(base), named(head), ctx.setQuery)])));
    return;
  }
  const gate = await api.gate(cmp.head.runId, cmp.base.runId).catch((e: Error) => e);
  await renderComparison(root, { cmp, gate, definitions }, { query: q, setQuery: ctx.setQuery, noteQuery: ctx.noteQuery, onLeave: ctx.onLeave, pickers: true, runLink });
}

/** The compare view of `data` (no request: the page fetched it, or the HTML report carries it). */
export async function renderComparison(root: HTMLElement, data: CompareData, host: CompareHost): Promise<void> {
  const { cmp, gate } = data;
  const { metrics, pass, consistency } = data.definitions;
  const q = host.query;
  root.append(h('h1', null, 'Before / after'));
  const defs = new Map(metrics.map((m) => [m.name, m]));

  if (host.pickers) {
    root.append(pickerRow({ runId: cmp.base.runId, label: runLabel(cmp.base) }, { runId: cmp.head.runId, label: runLabel(cmp.head) }, host.setQuery),
      h('p', { class: 'control-row' },
        h('button', { type: 'button', onclick: () => host.setQuery({ base: String(cmp.head.runId), head: String(cmp.base.runId) }) }, 'Swap'), ' ',
        h('a', { href: pageUrl('', 'compare', {}, { base: cmp.base.runId, head: cmp.head.runId }), attrs: tid('permalink') }, 'Link to this pair')));
  }
  root.append(h('p', { class: 'lede' },
    'Before: ', host.runLink(cmp.base.runId, `${cmp.base.checkpoint} (run ${cmp.base.runId})`), ` · after: `, host.runLink(cmp.head.runId, `${cmp.head.checkpoint} (run ${cmp.head.runId})`),
    ` · ${cmp.items.compared} items in both runs with the same content.`,
    cmp.reference.kind === 'run' ? null : h('span', { attrs: tid('reference') }, ` Before is ${cmp.reference.why}.`)));
  if (cmp.warnings.length > 0) root.append(h('ul', { class: 'warnings' }, cmp.warnings.map((w) => h('li', null, w))));
  root.append(gateBanner(gate));

  const bars = BAR_METRICS.filter((m) => cmp.metrics[m] !== undefined && (cmp.metrics[m]!.base !== null || cmp.metrics[m]!.head !== null));
  const holder = h('div', { class: 'chart chart-bars' });
  root.append(h('h2', null, 'Metrics'), chartPanel('every metric before and after', holder, metricTable(cmp, gate, defs, consistency), null, 'compare-metrics', true));
  // Short labels for the per-category bars ("HighlyKnown accuracy"), so five or more fit side by side.
  const barLabel = (m: string) => {
    const line = CATEGORY_LINES.find((l) => l.metric === m && l.category !== null);
    return line !== undefined ? `${line.label} accuracy` : defs.get(m)?.label ?? m;
  };
  const rows = bars.map((m) => ({ label: barLabel(m), change: cmp.metrics[m]! }));
  const config = (theme: ChartTheme) => compareBarsConfig(rows, { base: cmp.base.checkpoint, head: cmp.head.checkpoint }, theme);
  host.onLeave(await mountChart(holder, config, `Before/after bars for ${bars.join(', ')}; the table below has every value.`));

  root.append(h('h2', null, 'What moved, per set'), transitionsTable(cmp, pass));

  // Filters (set, tag, outcome, search) live in the URL like everything else.
  const set = q.get('set') ?? '';
  const tag = q.get('tag') ?? '';
  const outcome = q.get('outcome') ?? '';
  const categorized = [...cmp.flips, ...cmp.moved].some((f) => f.category !== null);
  const category = categorized ? q.get('category') ?? '' : '';
  const keep = (f: Comparison['flips'][number]) => (set === '' || f.set === set) && (tag === '' || f.tags.includes(tag)) && (category === '' || f.category === category);
  const moved = outcome === 'moved';
  const flips = moved ? [] : cmp.flips.filter((f) => keep(f) && (outcome === '' || OUTCOME_TEXT[f.to] === outcome));
  const movedItems = moved ? cmp.moved.filter(keep) : [];
  const blog = cmp.blog.filter((b) => (set === '' || b.set === set) && (tag === '' || b.tags.includes(tag)));
  const setNames = [...new Set([...cmp.flips.map((f) => f.set), ...cmp.moved.map((f) => f.set), ...cmp.blog.map((b) => b.set)])].sort();
  const tags = [...new Set([...cmp.flips.flatMap((f) => f.tags), ...cmp.moved.flatMap((f) => f.tags), ...cmp.blog.flatMap((b) => b.tags)])].sort();
  // The search filters what the other filters kept, in place as you type (no re-render: the box keeps its focus).
  const itemsHolder = h('div', { class: 'changed-items' });
  const blogHolder = h('div', { class: 'changed-blog' });
  const search = answerSearch('Search prompts and answers', q.get('q') ?? '', (text) => {
    host.noteQuery({ q: text.trim() === '' ? null : text });
    draw(text);
  });
  const draw = (text: string) => {
    const term = searchTerm(text);
    const foundMoved = movedItems.filter((m) => flipFound(m, term));
    const found = moved ? foundMoved : flips.filter((f) => flipFound(f, term));
    const posts = blog.filter((b) => blogFound(b, term));
    itemsHolder.replaceChildren(moved ? movedTable(foundMoved, term, csvFileName(pairName(cmp), 'moved')) : flipTable(found, term, csvFileName(pairName(cmp), 'flips')));
    blogHolder.replaceChildren(blogTable(posts, term, csvFileName(pairName(cmp), 'blog')));
    const total = (moved ? movedItems.length : flips.length) + blog.length;
    search.setCount(term === '' ? '' : `${found.length + posts.length} of ${total} items match`);
  };
  root.append(h('h2', null, 'Changed items'),
    h('form', { class: 'controls control-row', onsubmit: (e: Event) => e.preventDefault() },
      optionSelect('Set', [{ value: '', text: 'all sets' }, ...setNames.map((s) => ({ value: s, text: s }))], set, (v) => host.setQuery({ set: v === '' ? null : v }), 'filter-set'),
      optionSelect('Tag', [{ value: '', text: 'any tag' }, ...tags.map((t) => ({ value: t, text: t }))], tag, (v) => host.setQuery({ tag: v === '' ? null : v }), 'filter-tag'),
      optionSelect('Outcome', [{ value: '', text: 'learned and forgotten' }, { value: 'forgotten', text: 'forgotten' }, { value: 'learned', text: 'learned' },
        { value: 'moved', text: `score moved (${cmp.moved.length})` }], outcome, (v) => host.setQuery({ outcome: v === '' ? null : v }), 'filter-outcome'),
      categorized
        ? optionSelect('Knowledge category', [{ value: '', text: 'any category' }, ...CATEGORY_NAMES.map((c) => ({ value: c, text: c }))], category, (v) => host.setQuery({ category: v === '' ? null : v }), 'filter-category')
        : null,
      search.el),
    itemsHolder);
  if (cmp.blog.length > 0) root.append(h('h2', null, 'Blog posts'), blogHolder);
  draw(q.get('q') ?? '');
}
