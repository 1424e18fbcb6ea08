/*
 * Knowledge categories (SliCK, Gekhman et al. 2024) on the page: the chip an item carries in the
 * run and compare views, a base's category counts, and the trend view's section: accuracy per
 * category against step, its table, the counts, and the early-stopping advice.
 */
import { api, ApiError, type Advice, type AdviceRow, type BaseCategories, type Category, type MetricDef, type TrendSeries } from '../api.js';
import { CATEGORY_LINES, categoryChartConfig, categoryLines, severalRunsPerStep, type AdvisedStep } from '../charts/category-chart.js';
import { adviceTag, selectCategoryPoints } from '../charts/category-points.js';
import { mountChart } from '../charts/lazy.js';
import { h, tid, type Child } from '../dom.js';
import { interval, num } from '../format.js';
import type { ViewContext } from '../router.js';
import { chartPanel, csvFileName, runLink, table } from './common.js';
import { CHOSEN_METRIC_SETS } from '../../../server/shared/metric-sets.js';
import { pageUrl } from '../../../server/shared/page-urls.js';

export const CATEGORY_NAMES: readonly Category[] = ['HighlyKnown', 'MaybeKnown', 'WeaklyKnown', 'Unknown'];
const MEANING: Record<Category, string> = {
  HighlyKnown: 'the base model answered it right with every k-shot prompt (greedy)',
  MaybeKnown: 'the base model answered it right with some k-shot prompts, not all (greedy)',
  WeaklyKnown: 'the base model never answered it right greedily, only when sampling',
  Unknown: 'the base model never answered it right: new knowledge',
};
/** A fixed class per category (the value comes from the API: it is looked up, never spliced in). */
const CHIP_CLASS: Record<Category, string> = { HighlyKnown: 'cat cat-hk', MaybeKnown: 'cat cat-mk', WeaklyKnown: 'cat cat-wk', Unknown: 'cat cat-uk' };

const isCategory = (c: unknown): c is Category => typeof c === 'string' && (CATEGORY_NAMES as readonly string[]).includes(c);

/** An item's category as a small chip (nothing for an uncategorized item). */
export function categoryChip(c: string | null | undefined): HTMLElement | null {
  if (!isCategory(c)) return null;
  return h('span', { class: CHIP_CLASS[c], title: `${c}: ${MEANING[c]}`, attrs: { ...tid('item-category'), 'data-category': c } }, c);
}

/** "HighlyKnown 12 · MaybeKnown 6 · …", each count a chip; `link` makes each a link (e.g. a filter). */
export function categoryCounts(counts: Record<Category, number>, link?: (c: Category) => string): HTMLElement {
  return h('span', { class: 'cat-counts' }, CATEGORY_NAMES.map((c) => {
    const chip = h('span', { class: CHIP_CLASS[c], title: MEANING[c] }, `${c} `, h('strong', null, String(counts[c] ?? 0)));
    return h('span', { class: 'cat-count', attrs: { 'data-category': c, 'data-count': String(counts[c] ?? 0) } },
      link === undefined || (counts[c] ?? 0) === 0 ? chip : h('a', { href: link(c) }, chip));
  }));
}

/** A base's stored categorization: its counts and the categorization runs they came from. */
function baseCounts(b: BaseCategories): HTMLElement {
  const runs = [...new Set(b.items.map((i) => i.runId))].sort((x, y) => x - y);
  const total = CATEGORY_NAMES.reduce((s, c) => s + (b.counts[c] ?? 0), 0);
  return h('p', { class: 'cat-base', attrs: { 'data-base': b.base } },
    `${total} keyword items categorized against the base `, h('strong', null, b.base),
    runs.length > 0 ? [' (categorization ', runs.map((r, i) => [i > 0 ? ', ' : '', runLink(r)]), ')'] : null, ': ',
    categoryCounts(b.counts));
}

/** This view's URL with the tag filter set to `tag` (the rest of its state kept). */
function withTag(tag: string): string {
  const q = new URLSearchParams(window.location.search);
  q.set('tag', tag);
  return `${window.location.pathname}?${q.toString()}`;
}

/**
 * "0.500 [0.254, 0.746] n=12" (its text, as everywhere on the page), shown as the value over its
 * interval and n, so a wide table of them stays readable.
 */
function valueCell(value: number | null | undefined, stat: { n: number; ci: [number, number] | null }): Child {
  if (value === null || value === undefined || stat.n === 0) return '–';
  return h('span', { class: 'vci' }, h('span', { class: 'v' }, num(value)), ' ', h('span', { class: 'ci' }, `${interval(stat.ci)} n=${stat.n}`));
}

const fmtP = (p: number | null) => (p === null ? '–' : p < 0.001 ? p.toExponential(1) : p.toPrecision(2));

function knownCell(r: AdviceRow, metric: string): string {
  const m = r.known.find((k) => k.metric === metric);
  if (m === undefined || m.verdict === 'skipped') return '–';
  return `${num(m.base)} → ${num(m.head)} (n=${m.n}, p=${fmtP(m.p)}${m.verdict === 'regression' ? ', fell' : ''})`;
}

/** The advice: the advised step and why, and every checkpoint's numbers with the excluded ones marked. */
function adviceBox(a: Advice, label: (metric: string) => string): HTMLElement {
  const heldout = label(a.heldoutMetric);
  const rows = table(`Each checkpoint tagged ${a.tag.key}=${a.tag.value}: ${heldout} with its 95% interval; HighlyKnown and MaybeKnown accuracy against the base run ${a.base.runId} (${a.base.checkpoint}), with the gate's one-sided p (Holm over the two, alpha ${a.alpha})`,
    ['step', 'checkpoint', heldout, 'HighlyKnown accuracy', 'MaybeKnown accuracy', 'advice'],
    a.rows.map((r) => {
      const advised = a.pick?.runId === r.runId;
      const verdict: Child = advised ? h('strong', { class: 'advised' }, '← advised')
        : r.excluded !== null ? h('span', { class: 'excluded', attrs: tid('advice-excluded') }, `excluded: ${r.excluded}`)
        : r.runId === a.base.runId ? 'the base (reference)' : '';
      return {
        attrs: { ...tid('advice-row'), 'data-checkpoint': r.checkpoint, 'data-run': String(r.runId), 'data-excluded': String(r.excluded !== null), 'data-advised': String(advised) },
        cells: [r.step === null ? 'no step' : String(r.step), h('span', null, runLink(r.runId, r.checkpoint)), valueCell(r.heldout.value, r.heldout),
          ...CHOSEN_METRIC_SETS.forgetting.map((m) => knownCell(r, m)), verdict],
      };
    }), undefined, csvFileName('advice', `${a.tag.key}=${a.tag.value}`));
  const pick = a.pick;
  return h('div', { class: `advice-box ${pick === null ? 'advice-none' : 'advice-pick'}` },
    h('p', { class: 'advice-head', attrs: tid('advice-pick') }, pick === null
      ? h('strong', null, 'No step to advise')
      : [h('strong', null, `Advice: stop at step ${pick.step ?? '(no step)'}`), ' (', runLink(pick.runId, `${pick.checkpoint}, run ${pick.runId}`), ')']),
    h('p', { attrs: tid('advice-reason') }, pick === null ? a.reason : `Why: ${a.reason}.`),
    a.heldoutMetric === 'bio_accuracy' ? h('p', { class: 'note' }, 'No item is tagged in_train, so held-out accuracy is bio accuracy over every bio item.') : null,
    rows);
}

export interface KnowledgeSection {
  element: HTMLElement;
  /** Draws the chart (after the advice is known: the advised step is on it). */
  chart: () => Promise<void>;
  /** Fills the counts, the table and the advice. */
  fill: () => Promise<void>;
}

/**
 * The trend view's "Knowledge categories" section over the selected checkpoints, or null when no
 * selected checkpoint's latest run has categorized items (then nothing is shown at all).
 */
export function knowledgeSection(ctx: ViewContext, series: readonly TrendSeries[], tags: readonly string[], metrics: readonly MetricDef[]): KnowledgeSection | null {
  const chosen = selectCategoryPoints(series, tags);
  const points = chosen[0]?.points ?? [];
  if (!points.some((p) => p.categories !== null)) return null;
  const label = (m: string) => metrics.find((d) => d.name === m)?.label ?? m;
  const lines = categoryLines(chosen);
  const byMetric = new Map(chosen.map((s) => [s.metric, new Map(s.points.map((p) => [p.runId, p]))]));
  const rows = points.filter((p) => p.categories !== null)
    .sort((a, b) => (a.step ?? Number.MAX_SAFE_INTEGER) - (b.step ?? Number.MAX_SAFE_INTEGER));
  const columns = CATEGORY_LINES.filter((l) => lines.some((x) => x.metric === l.metric));

  const holder = h('div', { class: 'chart chart-tall' });
  const tableEl = table(`Accuracy per knowledge category: each checkpoint's latest completed run, by step; value [95% interval] n = items of that category`,
    ['checkpoint', 'step', ...columns.map((c) => c.label), 'run'],
    rows.map((p) => ({
      attrs: { ...tid('category-row'), 'data-checkpoint': p.checkpoint, 'data-run': String(p.runId) },
      cells: [p.checkpoint, p.step === null ? 'no step (not charted)' : String(p.step),
        ...columns.map((c) => {
          const q = byMetric.get(c.metric)?.get(p.runId);
          return q === undefined ? '–' : valueCell(q.value, q);
        }),
        h('span', { class: 'nowrap' }, runLink(p.runId))],
    })), 'category-table', csvFileName('knowledge-categories'));
  const counts = h('div', { class: 'cat-base-list', attrs: tid('category-counts') });
  const advice = h('section', { class: 'advice', attrs: { ...tid('advice'), 'aria-live': 'polite' } });

  const bases = [...new Set(rows.flatMap((p) => (p.categoryBase === null ? [] : [p.categoryBase])))];
  const which = adviceTag(tags, points);
  const asked: Promise<Advice | Error | null> = which !== null && 'tag' in which
    ? api.advise(which.tag).catch((e: unknown) => {
      if (e instanceof ApiError && e.status < 500) return e;
      throw e;
    })
    : Promise.resolve(null);
  const stored = Promise.all(bases.map((b) => api.categories(b)));

  const element = h('section', { class: 'knowledge', attrs: tid('knowledge') },
    h('h2', null, 'Knowledge categories'),
    h('p', { class: 'lede' },
      'Each keyword item is categorized by how well the base model knew it before fine-tuning (SliCK, Gekhman et al. 2024, ',
      h('a', { href: 'https://arxiv.org/abs/2405.05904', attrs: { 'data-external': '', rel: 'noreferrer' } }, 'arXiv 2405.05904'),
      '): HighlyKnown and MaybeKnown facts it knew, WeaklyKnown and Unknown ones it did not. As fine-tuning fits the new facts (Unknown and train accuracy rise), accuracy on what the base knew tends to fall, and hallucination follows: stop before that fall.'),
    counts,
    severalRunsPerStep(chosen)
      ? h('p', { class: 'note', attrs: tid('category-mixed') }, 'Checkpoints of several training runs share steps, so the points are not joined: choose one run with "Only checkpoints tagged" (e.g. a mix or run tag) to see its curve.')
      : null,
    chartPanel('accuracy per knowledge category', holder, tableEl, null, 'category-chart', true),
    advice);

  let advised: AdvisedStep | null = null;
  return {
    element,
    async chart() {
      const a = await asked;
      if (a !== null && !(a instanceof Error) && a.pick !== null && a.pick.step !== null) advised = { step: a.pick.step, checkpoint: a.pick.checkpoint };
      if (ctx.signal.aborted) return;
      const fallback = `Accuracy per knowledge category against training step for ${rows.length} checkpoints; the table below has every value.`;
      ctx.onLeave(await mountChart(holder, (theme) => categoryChartConfig(chosen, theme, advised, (d) => {
        if (d.runId > 0) ctx.navigate(pageUrl('', 'run', { id: d.runId }));
      }), fallback));
    },
    async fill() {
      const [a, b] = await Promise.all([asked, stored]);
      if (ctx.signal.aborted) return;
      counts.replaceChildren(...b.map(baseCounts));
      if (a instanceof Error) advice.replaceChildren(h('h3', null, 'Where to stop'), h('p', { class: 'note', attrs: tid('advice-error') }, `No advice: ${a.message}`));
      else if (a !== null) advice.replaceChildren(h('h3', null, 'Where to stop'), adviceBox(a, label));
      else if (which !== null && 'choices' in which) {
        advice.replaceChildren(h('h3', null, 'Where to stop'), h('p', { class: 'note', attrs: tid('advice-choose') },
          'Early-stopping advice reads the checkpoints of one training run. Pick one: ',
          which.choices.map((t, i) => [i > 0 ? ', ' : '', h('a', { href: withTag(t) }, t)]), '.'));
      } else {
        advice.replaceChildren(h('h3', null, 'Where to stop'), h('p', { class: 'note', attrs: tid('advice-none') },
          'Tag the checkpoints of one training run (e.g. ', h('code', null, 'run=bio-v2'), ') to get early-stopping advice here, as ',
          'the CLI\'s advise command prints it.'));
      }
    },
  };
}
