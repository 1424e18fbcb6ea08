import { api, ApiError, type GateReport, type MetricDef, type MetricGroup, type TrendBody, type TrendSeries } from '../api.js';
import { firstVariedKey, groupLabels, groupOf, tagKeysOf } from '../charts/groups.js';
import { mountChart, preloadCharts } from '../charts/lazy.js';
import { tradeoffChartConfig, tradeoffPoints } from '../charts/tradeoff-chart.js';
import { directionHint, trendChartConfig, trendGroups } from '../charts/trend-chart.js';
import { h, tid } from '../dom.js';
import { digitsFor, interval, num, stepLabel } from '../format.js';
import { nextFrame, type AfterAttach, type ViewContext } from '../router.js';
import { chartPanel, csvFileName, emptyState, firstSteps, metricSelect, optionSelect, runLabel, runLink, statusBadge, table } from './common.js';
import { CATEGORY_METRICS } from '../charts/category-chart.js';
import { knowledgeSection } from './categories.js';
import { gateCard } from './gate-verdict.js';
import { metricPicker } from './metric-picker.js';
import { CHOSEN_METRIC_SETS } from '../../../server/shared/metric-sets.js';
import { pageUrl } from '../../../server/shared/page-urls.js';
import { TREND_WINDOW, TREND_WINDOW_CHOICES } from '../../../server/shared/trend-window.js';

export const DEFAULT_TREND_METRICS: readonly string[] = CHOSEN_METRIC_SETS.charted;
const [DEFAULT_Y, DEFAULT_X] = CHOSEN_METRIC_SETS.tradeoff;

/** The view's state, all of it in the query string: metric (repeatable), tag=k=v (repeatable), colour, x, y, window. */
interface TrendState {
  metrics: string[];
  tags: string[];
  colour: string | null;
  x: string;
  y: string;
  /** The most recent training runs charted; 0 = all. */
  window: number;
}

/** `window=` from the URL: a whole number, else the default. */
function readWindow(q: URLSearchParams): number {
  const w = q.get('window') ?? '';
  return /^\d{1,6}$/.test(w) ? Number(w) : TREND_WINDOW;
}

function readState(q: URLSearchParams, keys: ReadonlyMap<string, ReadonlySet<string>>): TrendState {
  const metrics = q.getAll('metric');
  const colour = q.get('colour');
  return {
    metrics: metrics.length > 0 ? [...new Set(metrics)] : [...DEFAULT_TREND_METRICS],
    tags: q.getAll('tag').filter((t) => t.includes('=')),
    colour: colour === null ? firstVariedKey(keys) : colour === '' ? null : colour,
    x: q.get('x') ?? DEFAULT_X,
    y: q.get('y') ?? DEFAULT_Y,
    window: readWindow(q),
  };
}

/** "Showing N of M checkpoints: …" when the window or the decimation left points out; null when every one is charted. */
function windowNote(w: TrendBody['window'], baseline: string | null): HTMLElement | null {
  const windowed = w.shown < w.trainingRuns;
  if (!windowed && !w.decimated) return null;
  const parts = [
    windowed ? `the ${w.shown} most recent of ${w.trainingRuns} training runs (by their ${w.group}= tag)${baseline !== null ? ' and the baseline' : ''}` : `all ${w.trainingRuns} training runs`,
    ...(w.decimated ? [`thinned to each stretch of steps' highest and lowest values, each training run's first and last save${baseline !== null ? ' and the baseline' : ''}`] : []),
  ];
  return h('p', { class: 'note', attrs: tid('trend-window-note') }, `Showing ${w.returned} of ${w.checkpoints} checkpoints: ${parts.join('; ')}. Widen it with "Training runs shown".`);
}

function trendTable(series: TrendSeries, colour: string | null): HTMLElement {
  const digits = digitsFor(series);
  return table(`${series.label}: each checkpoint's latest completed run, by step (${directionHint(series.direction)})`,
    ['checkpoint', 'step', 'group', 'value', '95% interval', 'n', 'run'],
    series.points.map((p) => ({
      attrs: { ...tid('trend-row'), 'data-checkpoint': p.checkpoint, 'data-run': String(p.runId) },
      cells: [
        h('span', null, p.checkpoint, p.baseline ? h('span', { class: 'badge baseline' }, 'baseline') : null),
        p.step === null ? 'no step (not charted)' : String(p.step),
        groupOf(p, colour), num(p.value, digits), interval(p.ci, digits), String(p.n), runLink(p.runId),
      ],
    })), 'trend-table', csvFileName('trend', series.metric));
}

function controls(ctx: ViewContext, state: TrendState, metrics: readonly MetricDef[], groups: readonly MetricGroup[], keys: ReadonlyMap<string, ReadonlySet<string>>): HTMLElement {
  const windows = TREND_WINDOW_CHOICES.includes(state.window) ? TREND_WINDOW_CHOICES : [...TREND_WINDOW_CHOICES, state.window].sort((a, b) => (a === 0 ? 1 : b === 0 ? -1 : a - b));
  const tagOptions = [{ value: '', text: 'all checkpoints' }, ...[...keys].flatMap(([k, vs]) => [...vs].sort().map((v) => ({ value: `${k}=${v}`, text: `${k}=${v}` })))];
  return h('form', { class: 'controls', attrs: { 'aria-label': 'Chart settings' }, onsubmit: (e: Event) => e.preventDefault() },
    metricPicker({ metrics, groups, picked: state.metrics, onChange: (next) => ctx.setQuery({ metric: next }) }),
    h('div', { class: 'control-row' },
      optionSelect('Only checkpoints tagged', tagOptions, state.tags[0] ?? '', (v) => ctx.setQuery({ tag: v === '' ? null : v }), 'tag-filter'),
      optionSelect('Colour by tag', [{ value: '', text: 'none (one line)' }, ...[...keys.keys()].map((k) => ({ value: k, text: k }))], state.colour ?? '', (v) => ctx.setQuery({ colour: v }), 'colour-by'),
      metricSelect('Trade-off x', metrics, state.x, (v) => ctx.setQuery({ x: v }), 'tradeoff-x'),
      metricSelect('Trade-off y', metrics, state.y, (v) => ctx.setQuery({ y: v }), 'tradeoff-y'),
      optionSelect('Training runs shown', windows.map((n) => ({ value: String(n), text: n === 0 ? 'all training runs' : `last ${n} training runs` })), String(state.window),
        (v) => ctx.setQuery({ window: v === String(TREND_WINDOW) ? null : v }), 'trend-window')));
}

async function latestRuns(ctx: ViewContext, holder: HTMLElement): Promise<void> {
  const { runs } = await api.runs({ limit: 10 });
  if (ctx.signal.aborted) return;
  const columns = CHOSEN_METRIC_SETS.tradeoff;
  holder.replaceChildren(table('Latest runs (a running run shows its progress live on its page)', ['run', 'checkpoint', 'status', 'progress', ...columns, ''],
    runs.map((r) => ({
      attrs: tid('latest-run'),
      cells: [runLink(r.runId), runLabel(r).replace(/^run \d+ · /, ''), statusBadge(r.status), `${r.progress.done}/${r.progress.total}`,
        ...columns.map((m) => num(r.metrics?.[m])), h('a', { href: pageUrl('', 'compare', {}, { head: r.runId }) }, 'compare with baseline')],
    })), 'latest-runs', csvFileName('latest-runs')));
}

/** A label inside a sentence: "Blog quality" → "blog quality"; "ROUGE-L" and "HighlyKnown" keep their capitals. */
const inSentence = (label: string) => (/^[A-Z][a-z]/.test(label) ? label[0]!.toLowerCase() + label.slice(1) : label);

/** `/`: every checkpoint's latest completed run against training step, and the trade-off scatter. */
export async function trendView(root: HTMLElement, ctx: ViewContext): Promise<AfterAttach | void> {
  document.title = 'tunegate: across checkpoints';
  void preloadCharts();
  const q = ctx.query;
  const wanted = q.getAll('metric');
  const axes = [q.get('x') ?? DEFAULT_X, q.get('y') ?? DEFAULT_Y];
  const window = readWindow(q);
  const [definitions, body] = await Promise.all([
    api.definitions(),
    api.trendBody([...new Set([...(wanted.length > 0 ? wanted : DEFAULT_TREND_METRICS), ...axes])], q.getAll('tag').filter((t) => t.includes('=')), { window })
      .catch((e: unknown) => e as Error),
  ]);
  root.append(h('h1', null, 'Across checkpoints'));
  if (body instanceof Error) {
    // A hand-edited link (an unknown metric, a malformed tag): say what, and offer the way back.
    if (!(body instanceof ApiError) || body.status >= 500) throw body;
    root.append(emptyState('Cannot chart that', h('p', { attrs: tid('trend-error') }, body.message),
      h('p', null, h('a', { href: '/' }, 'Back to the default charts'))));
    return;
  }
  if (body.checkpointsTotal === 0) {
    root.append(emptyState('No checkpoints yet', ...firstSteps()));
    return;
  }
  const { metrics, groups } = definitions;
  const { series } = body;
  const keys = tagKeysOf(body.tags);
  const state = readState(q, keys);
  const byMetric = new Map(series.map((s) => [s.metric, s]));
  const known = new Map(metrics.map((m) => [m.name, m]));
  const points = series[0]?.points ?? [];
  // The gate's latest verdict, asked for while the page is built (no run completed at all: nothing to ask).
  const gate: Promise<GateReport | Error | null> = points.length > 0 || state.tags.length > 0 ? api.latestGate().catch((e: unknown) => e as Error) : Promise.resolve(null);
  const label = (m: string) => known.get(m)?.label ?? m;
  root.append(
    h('p', { class: 'lede' },
      `Each point is a checkpoint's latest completed run (${body.window.checkpoints} of ${body.checkpointsTotal} checkpoints${state.tags.length > 0 ? ` tagged ${state.tags.join(', ')}` : ''} have one), with its 95% interval; click a point to open its run.`),
  );
  const verdict = h('aside', { class: 'verdict-card', attrs: { ...tid('verdict-card'), 'aria-label': "The gate's latest verdict" } },
    h('h3', null, 'Latest gate verdict'), h('p', { class: 'note', attrs: tid('gate-loading') }, 'Asking the gate…'));
  const fillVerdict = async () => {
    const card = gateCard(await gate, label);
    if (!ctx.signal.aborted) verdict.replaceChildren(h('h3', null, 'Latest gate verdict'), card);
  };
  const windowed = windowNote(body.window, body.baseline);
  if (points.length === 0) {
    const [first] = await api.checkpoints({ limit: 1 });
    root.append(controls(ctx, state, metrics, groups, keys), emptyState('No completed runs yet',
      h('p', null, state.tags.length > 0 ? `No checkpoint tagged ${state.tags.join(', ')} has a completed run. ` : 'Checkpoints are registered, but none has a completed run. ',
        'Run one with ', h('code', null, `npx tunegate run ${first?.name ?? 'NAME'}`), ', or POST /api/runs {"checkpoint": "…"}; a running run shows its progress under Latest runs.')), verdict);
    await fillVerdict();
    const recent = h('section', { class: 'latest' });
    root.append(recent);
    await latestRuns(ctx, recent);
    return;
  }

  const order = groupLabels(points, state.colour);
  const open = (runId: number) => ctx.navigate(pageUrl('', 'run', { id: runId }));
  // Built once the page shows: charts first (so the first one paints at once), then the tables.
  const charts: Array<() => Promise<void>> = [];
  const tables: Array<() => void> = [];

  // The headline: does the mix trade one axis for the other (the trade-off), and did the gate pass (the verdict)?
  const tradeoff = h('section', { class: 'tradeoff' });
  const xs = byMetric.get(state.x);
  const ys = byMetric.get(state.y);
  root.append(h('section', { class: 'headline', attrs: tid('headline') },
    h('h2', null, xs !== undefined && ys !== undefined ? `Did the data mix trade ${inSentence(xs.label)} for ${inSentence(ys.label)}?` : 'Trade-off'),
    h('div', { class: 'headline-grid' }, tradeoff, verdict)));
  if (xs !== undefined && ys !== undefined) {
    const { points: tp, paretoAvailable } = tradeoffPoints(xs, ys, state.colour);
    const holder = h('div', { class: 'chart chart-tall' });
    const dx = digitsFor(known.get(state.x));
    const dy = digitsFor(known.get(state.y));
    const tableEl = () => table(`${ys.label} against ${xs.label}: one row per checkpoint; Pareto-optimal = no other checkpoint is better on both`,
      ['checkpoint', 'step', 'group', xs.label, ys.label, 'Pareto-optimal', 'run'],
      tp.map((p) => ({
        attrs: { ...tid('tradeoff-row'), 'data-checkpoint': p.checkpoint, 'data-pareto': String(p.pareto) },
        cells: [p.checkpoint, stepLabel(p.step), p.group, `${num(p.x, dx)} ${interval(p.xCi, dx)} n=${p.xN}`, `${num(p.y, dy)} ${interval(p.yCi, dy)} n=${p.yN}`,
          p.pareto ? 'yes' : '', runLink(p.runId)],
      })), 'tradeoff-table', csvFileName('tradeoff', ys.metric, 'vs', xs.metric));
    const tableSlot = h('div');
    tables.push(() => tableSlot.replaceWith(tableEl()));
    const front = tp.filter((p) => p.pareto).map((p) => p.checkpoint);
    const note = h('p', { class: 'note', attrs: tid('pareto-note') }, tp.length === 0
      ? `No checkpoint has both ${xs.label} and ${ys.label}.`
      : paretoAvailable
      ? `Pareto-optimal (ringed): ${front.join(', ')}. Any other checkpoint is beaten on both axes by one of these.`
      : `${[xs, ys].filter((s) => s.direction === null).map((s) => s.label).join(' and ')} has no better direction, so no Pareto set is drawn.`);
    tradeoff.append(chartPanel(`${ys.label} against ${xs.label}`, holder, tableSlot, note, 'tradeoff'));
    // The first chart mounted: the headline paints before the per-step charts.
    charts.push(async () => ctx.onLeave(await mountChart(holder, (theme) => tradeoffChartConfig(xs, ys, state.colour, theme, order, (d) => open(d.runId)), `${ys.label} against ${xs.label} for ${tp.length} checkpoints; the table below has every value.`)));
  }

  const grid = h('div', { class: 'panels' });
  root.append(controls(ctx, state, metrics, groups, keys), windowed ?? '',
    h('h2', null, 'Against training step'),
    h('p', { class: 'note' }, 'Whiskers are 95% intervals (Wilson for 0/1 shares, a bootstrap over items otherwise). ',
      body.baseline !== null ? `The baseline checkpoint, ${body.baseline}, is marked and drawn across as a dashed line.` : 'No baseline checkpoint is flagged.'),
    grid);
  for (const name of state.metrics) {
    const s = byMetric.get(name);
    if (s === undefined) continue;
    const holder = h('div', { class: 'chart' });
    const { unplaced } = trendGroups(s, state.colour, order);
    const note = unplaced.length > 0 ? h('p', { class: 'note' }, `${unplaced.length} checkpoint(s) without a step are in the table only.`) : null;
    const tableSlot = h('div');
    grid.append(chartPanel(s.label, holder, tableSlot, note, `trend-${s.metric}`));
    const fallback = `${s.label} against training step for ${s.points.length} checkpoints; the table below has every value.`;
    charts.push(async () => ctx.onLeave(await mountChart(holder, (theme) => trendChartConfig(s, state.colour, theme, order, (d) => open(d.runId)), fallback)));
    tables.push(() => tableSlot.replaceWith(trendTable(s, state.colour)));
  }

  // Knowledge categories: only when a charted checkpoint's items are categorized (the points say so),
  // read apart and unfiltered (the section adds the base even when it lacks the tag), off the first paint's path.
  const categorySeries = points.some((p) => p.categories !== null) ? api.trend(CATEGORY_METRICS, [], { window: state.window }) : null;
  const knowledgeSlot = h('section', { class: 'knowledge' }, h('h2', null, 'Knowledge categories'), h('p', { class: 'note' }, 'Loading accuracy per knowledge category…'));
  if (categorySeries !== null) root.append(knowledgeSlot);

  const recent = h('section', { class: 'latest' }, h('p', { class: 'note' }, 'Loading the latest runs…'));
  root.append(h('h2', null, 'Latest runs'), recent);
  const latest = latestRuns(ctx, recent).catch((e: Error) => recent.replaceChildren(h('p', { class: 'error' }, e.message)));
  return async () => {
    // One chart per frame: the first (the trade-off) is on screen before the others are drawn.
    let verdictShown: Promise<void> | undefined;
    for (const mount of charts) {
      await mount();
      verdictShown ??= fillVerdict();
      await nextFrame();
    }
    await (verdictShown ?? fillVerdict());
    const knowledge = categorySeries === null ? null : knowledgeSection(ctx, await categorySeries, state.tags, metrics);
    if (ctx.signal.aborted) return;
    if (knowledge === null) knowledgeSlot.remove();
    else {
      knowledgeSlot.replaceWith(knowledge.element);
      await knowledge.chart();
    }
    for (const fill of tables) fill();
    await Promise.all([latest, knowledge?.fill()]);
  };
}
