import { api, ApiError, type BlogChange, type Comparison, type Flip, type FlipSide, type GateReport, type MetricChange, type MetricDef, type TrendPoint } from '../api.js';
import { CATEGORY_LINES } from '../charts/category-chart.js';
import { compareBarsConfig } from '../charts/compare-chart.js';
import type { ChartTheme } from '../charts/theme.js';
import { mountChart, preloadCharts } from '../charts/lazy.js';
import { h, tid, type Child } from '../dom.js';
import { digitsFor, interval, num, signed, withInterval } from '../format.js';
import type { ViewContext } from '../router.js';
import { markChips, markedAnswer } from './marks.js';
import { chartPanel, emptyState, firstSteps, optionSelect, runLink, table } from './common.js';
import { CATEGORY_NAMES, categoryChip } from './categories.js';
import { blogComponent, CHOSEN_METRIC_SETS } from '../../../server/shared/metric-sets.js';
import { pageUrl } from '../../../server/shared/page-urls.js';

/** Metrics drawn as before/after bars (all on 0–1); every metric with a value is in the table. */
const BAR_METRICS: readonly string[] = CHOSEN_METRIC_SETS.compared;
const OUTCOME_TEXT = { fail: 'forgotten', pass: 'learned' } as const;

const sideCell = (s: FlipSide, label: string): Child[] => [
  h('div', { class: 'side-head' }, `${label}: score ${num(s.score)}${s.sample !== null && s.sample > 0 ? ` · the answer of sample ${s.sample}` : ''}`),
  markedAnswer(s.answer, s.marks),
  markChips(s.marks),
];

function gateBanner(gate: GateReport | Error): HTMLElement {
  if (gate instanceof Error) {
    return h('div', { class: 'gate gate-none', attrs: { ...tid('gate-verdict'), role: 'status' } }, `No gate verdict: ${gate.message}`);
  }
  const text = { pass: 'pass: no metric regressed', regression: 'REGRESSION', untrusted: 'untrusted: too many errored items', 'no-baseline': 'not gated: no baseline' }[gate.verdict];
  const regressed = gate.metrics.filter((m) => m.verdict === 'regression').map((m) => m.metric);
  return h('div', { class: `gate gate-${gate.verdict}`, attrs: { ...tid('gate-verdict'), role: 'status', 'data-verdict': gate.verdict } },
    h('strong', null, `Gate: ${text}`),
    ` · ${gate.items.compared} items compared · ${gate.significance ? `beyond tolerance and significant, α = ${gate.alpha} for the whole gate (Holm)` : 'tolerance only'}`,
    regressed.length > 0 ? ` · regressed: ${regressed.join(', ')}` : '',
    gate.warnings.length > 0 ? h('ul', null, gate.warnings.map((w) => h('li', null, w))) : null,
    sensitivityList(gate));
}

/** One line per tested metric: the smallest drop its items can show; the power and the items a drop would take are the plan's (a command to copy). */
function sensitivityList(gate: GateReport): HTMLElement | null {
  if (gate.sensitivity.length === 0) return null;
  return h('div', { class: 'gate-sensitivity', attrs: tid('gate-sensitivity') },
    h('ul', null, gate.sensitivity.map((x) => h('li', { attrs: { 'data-metric': x.metric } }, `Sensitivity: ${x.text}`))),
    'Power, and the items a drop would take: ', h('code', null, gate.planCommand));
}

/** A set's consistency before and after, right below its score (not gated: no paired interval or verdict). */
function consistencyRow(set: string, c: MetricChange, definition: string): { attrs: Record<string, string>; cells: Child[] } {
  const side = (v: number | null, n: number, ci: [number, number] | null) => (v === null ? `– n=${n} groups` : `${withInterval(v, { n, ci })} groups`);
  return {
    attrs: { ...tid('consistency-row'), 'data-set': set },
    cells: [h('span', { title: definition }, `Set ${set}: consistency`), side(c.base, c.baseN, c.baseCi), side(c.head, c.headN, c.headCi), signed(c.delta), '', '', ''],
  };
}

function metricTable(cmp: Comparison, gate: GateReport | Error, defs: ReadonlyMap<string, MetricDef>, consistencyDefinition: string): HTMLTableElement {
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
    }), 'metric-table');
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
    })), 'transitions');
}

function flipTable(flips: readonly Flip[]): HTMLElement {
  if (flips.length === 0) return h('p', { class: 'note', attrs: tid('no-flips') }, 'No keyword item changed outcome with these filters.');
  return h('table', { class: 'data flips', attrs: tid('flip-table') },
    h('caption', null, `${flips.length} keyword items changed outcome, forgotten first, largest drop first`),
    h('thead', null, h('tr', null, ['item', 'outcome', 'question', 'before', 'after'].map((c) => h('th', { attrs: { scope: 'col' } }, c)))),
    h('tbody', null, flips.map((f) => h('tr', { attrs: { ...tid('flip-row'), 'data-item': `${f.set}/${f.id}`, 'data-outcome': OUTCOME_TEXT[f.to] } },
      h('td', null, h('div', null, `${f.set}/${f.id}`), f.tags.length > 0 ? h('div', { class: 'tags' }, f.tags.join(', ')) : null,
        f.category !== null ? h('div', { class: 'item-cats' }, categoryChip(f.category)) : null),
      h('td', null, h('span', { class: `badge outcome-${OUTCOME_TEXT[f.to]}` }, OUTCOME_TEXT[f.to]), h('div', { class: 'note' }, `score ${signed(-f.drop)}`)),
      h('td', { class: 'prompt' }, f.prompt),
      h('td', { class: 'side' }, sideCell(f.base, 'before')),
      h('td', { class: 'side' }, sideCell(f.head, 'after'))))));
}

function blogTable(items: readonly BlogChange[]): HTMLElement {
  if (items.length === 0) return h('p', { class: 'note' }, 'No blog items in common with these filters.');
  const comps = CHOSEN_METRIC_SETS.comparedBlog.map(blogComponent);
  const compText = (c: Record<string, number>) => comps.filter((k) => c[k] !== undefined).map((k) => `${k} ${num(c[k], k === 'chrf' ? 1 : 3)}`).join(' · ');
  return h('table', { class: 'data blog', attrs: tid('blog-table') },
    h('caption', null, 'Blog items: both posts with their component scores, largest drop in blog quality first'),
    h('thead', null, h('tr', null, ['post', 'change', 'before', 'after'].map((c) => h('th', { attrs: { scope: 'col' } }, c)))),
    h('tbody', null, items.map((b) => h('tr', { attrs: { ...tid('blog-row'), 'data-item': `${b.set}/${b.id}` } },
      h('td', null, h('div', { class: 'title' }, b.title), h('div', { class: 'tags' }, `${b.set}/${b.id}`),
        h('details', null, h('summary', null, 'held-out reference'), h('p', { class: 'answer' }, b.reference))),
      h('td', null, signed(b.drop === null ? null : -b.drop)),
      h('td', { class: 'side' }, h('div', { class: 'side-head' }, compText(b.base.components)), h('details', null, h('summary', null, 'post before'), h('p', { class: 'answer' }, b.base.answer ?? 'no answer'))),
      h('td', { class: 'side' }, h('div', { class: 'side-head' }, compText(b.head.components)), h('details', null, h('summary', null, 'post after'), h('p', { class: 'answer' }, b.head.answer ?? 'no answer')))))));
}

/** What the compare view shows: the comparison, the gate's report on the pair (or why there is none), the metric definitions. */
export interface CompareData {
  cmp: Comparison;
  gate: GateReport | Error;
  definitions: { metrics: readonly MetricDef[]; pass: string; consistency: string };
}

/** Where a rendering of the compare view lives: the page's router, or the HTML report's own state (report.ts). */
export interface CompareHost extends Pick<ViewContext, 'query' | 'setQuery' | 'onLeave'> {
  /** Each checkpoint's latest run, to pick another pair from; null: a fixed pair (no pickers). */
  latest: readonly TrendPoint[] | null;
  /** A run's name, linked to wherever its page is (the report has no page of its own to link to). */
  runLink(id: number, text: string): Child;
}

/** `/compare?base=ID&head=ID`: two runs side by side (default: the latest run against the baseline). */
export async function compareView(root: HTMLElement, ctx: ViewContext): Promise<void> {
  document.title = 'tunegate: before / after';
  void preloadCharts();
  const q = ctx.query;
  const int = (k: string) => (/^\d+$/.test(q.get(k) ?? '') ? Number(q.get(k)) : undefined);
  const [definitions, latest, cmp] = await Promise.all([
    api.definitions(),
    // Any metric lists every checkpoint's latest run: the first charted one.
    api.trend(CHOSEN_METRIC_SETS.charted.slice(0, 1)).then((s) => s[0]?.points ?? []),
    api.compare(int('base'), int('head')).catch((e: unknown) => e as Error),
  ]);
  if (cmp instanceof Error) {
    root.append(h('h1', null, 'Before / after'));
    if (!(cmp instanceof ApiError) || cmp.status >= 500) throw cmp;
    root.append(emptyState('Nothing to compare yet', h('p', { attrs: tid('compare-error') }, cmp.message),
      h('p', null, 'A comparison needs two runs. By default the latest completed run is compared with a fixed reference: the flagged baseline checkpoint (tunegate checkpoint baseline NAME), else its base checkpoint, else the first checkpoint of its run= tag.'),
      ...(latest.length === 0 ? firstSteps() : [h('p', null, 'Pick two runs: ', latest.slice(0, 8).map((p) => h('span', null, runLink(p.runId, `${p.checkpoint} (run ${p.runId})`), ' ')))])));
    return;
  }
  const gate = await api.gate(cmp.head.runId, cmp.base.runId).catch((e: Error) => e);
  await renderComparison(root, { cmp, gate, definitions }, { query: q, setQuery: ctx.setQuery, onLeave: ctx.onLeave, latest, runLink });
}

/** The compare view of `data` (no request: the page fetched it, or the HTML report carries it). */
export async function renderComparison(root: HTMLElement, data: CompareData, host: CompareHost): Promise<void> {
  const { cmp, gate } = data;
  const { metrics, pass, consistency } = data.definitions;
  const q = host.query;
  root.append(h('h1', null, 'Before / after'));
  const defs = new Map(metrics.map((m) => [m.name, m]));

  if (host.latest !== null) {
    // Pickers over each checkpoint's latest completed run (and the runs shown, if older).
    const options = [...host.latest.map((p) => ({ value: String(p.runId), text: `${p.checkpoint}${p.step === null ? '' : ` (step ${p.step})`} · run ${p.runId}` }))];
    for (const r of [cmp.base, cmp.head]) if (!options.some((o) => o.value === String(r.runId))) options.push({ value: String(r.runId), text: `${r.checkpoint} · run ${r.runId} (${r.status})` });
    const choose = (which: 'base' | 'head') => (v: string) => host.setQuery({ base: which === 'base' ? v : String(cmp.base.runId), head: which === 'head' ? v : String(cmp.head.runId) });
    root.append(h('form', { class: 'controls control-row', onsubmit: (e: Event) => e.preventDefault() },
      optionSelect('Before (base)', options, String(cmp.base.runId), choose('base'), 'pick-base'),
      optionSelect('After (head)', options, String(cmp.head.runId), choose('head'), 'pick-head'),
      h('button', { type: 'button', onclick: () => host.setQuery({ base: String(cmp.head.runId), head: String(cmp.base.runId) }) }, 'Swap'),
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

  // Filters (set, tag, outcome) live in the URL like everything else.
  const set = q.get('set') ?? '';
  const tag = q.get('tag') ?? '';
  const outcome = q.get('outcome') ?? '';
  const categorized = cmp.flips.some((f) => f.category !== null);
  const category = categorized ? q.get('category') ?? '' : '';
  const flips = cmp.flips.filter((f) => (set === '' || f.set === set) && (tag === '' || f.tags.includes(tag)) && (outcome === '' || OUTCOME_TEXT[f.to] === outcome) &&
    (category === '' || f.category === category));
  const blog = cmp.blog.filter((b) => (set === '' || b.set === set) && (tag === '' || b.tags.includes(tag)));
  const setNames = [...new Set([...cmp.flips.map((f) => f.set), ...cmp.blog.map((b) => b.set)])].sort();
  const tags = [...new Set([...cmp.flips.flatMap((f) => f.tags), ...cmp.blog.flatMap((b) => b.tags)])].sort();
  root.append(h('h2', null, 'Changed items'),
    h('form', { class: 'controls control-row', onsubmit: (e: Event) => e.preventDefault() },
      optionSelect('Set', [{ value: '', text: 'all sets' }, ...setNames.map((s) => ({ value: s, text: s }))], set, (v) => host.setQuery({ set: v === '' ? null : v }), 'filter-set'),
      optionSelect('Tag', [{ value: '', text: 'any tag' }, ...tags.map((t) => ({ value: t, text: t }))], tag, (v) => host.setQuery({ tag: v === '' ? null : v }), 'filter-tag'),
      optionSelect('Outcome', [{ value: '', text: 'learned and forgotten' }, { value: 'forgotten', text: 'forgotten' }, { value: 'learned', text: 'learned' }], outcome, (v) => host.setQuery({ outcome: v === '' ? null : v }), 'filter-outcome'),
      categorized
        ? optionSelect('Knowledge category', [{ value: '', text: 'any category' }, ...CATEGORY_NAMES.map((c) => ({ value: c, text: c }))], category, (v) => host.setQuery({ category: v === '' ? null : v }), 'filter-category')
        : null),
    flipTable(flips));
  if (cmp.blog.length > 0) root.append(h('h2', null, 'Blog posts'), blogTable(blog));
}
