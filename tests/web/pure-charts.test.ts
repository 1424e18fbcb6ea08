import { describe, expect, it } from 'vitest';
import type { TrendPoint, TrendSeries } from '../../server/compare/trend.js';
import { categoryChartConfig, categoryLines, severalRunsPerStep, type CategoryDatum } from '../../web/src/charts/category-chart.js';
import { adviceTag, selectCategoryPoints } from '../../web/src/charts/category-points.js';
import { compareBarsConfig } from '../../web/src/charts/compare-chart.js';
import { defaultColourKey, groupLabels, pointLabel } from '../../web/src/charts/groups.js';
import { paretoOptimal } from '../../web/src/charts/pareto.js';
import { tradeoffChartConfig, tradeoffPoints } from '../../web/src/charts/tradeoff-chart.js';
import { trendChartConfig, trendGroups, type TrendDatum } from '../../web/src/charts/trend-chart.js';
import { chartTheme } from '../../web/src/charts/theme.js';
import { chartTitle, wrapWords } from '../../web/src/charts/datum.js';
import { stylesheetVariables } from '../helpers/colours.js';

// Chart construction is pure: these run without a browser (the page's own tests drive Chromium).

/** The page's light theme, from its stylesheet (what mount.ts reads in the browser). */
const LIGHT = chartTheme(stylesheetVariables('light'));

const point = (checkpoint: string, step: number | null, runId: number, value: number | null, tags: Record<string, string>, baseline = false): TrendPoint => ({
  checkpoint, step, runId, value, n: 14, ci: value === null ? null : [Math.max(0, value - 0.1), Math.min(1, value + 0.1)], method: 'bootstrap',
  tags, baseline, finishedAt: null, categories: null, categoryBase: null,
});

const series = (metric: string, direction: 'higher' | 'lower' | null, points: TrendPoint[]): TrendSeries => ({ metric, label: metric, direction, range: [0, 1], points });

const bio = series('bio_accuracy', 'higher', [
  point('base', 0, 1, 0.1, {}, true),
  point('b-1000', 1000, 2, 0.05, { mix: 'blog-only' }),
  point('v-1000', 1000, 3, 0.5, { mix: 'bio-v2' }),
  point('v-2000', 2000, 5, 0.8, { mix: 'bio-v2' }),
  point('b-2000', 2000, 4, 0.04, { mix: 'blog-only' }),
  point('loose', null, 6, 0.3, { mix: 'bio-v2' }),
]);
const blog = series('blog_quality', 'higher', [
  point('base', 0, 1, 0.06, {}, true),
  point('b-1000', 1000, 2, 0.6, { mix: 'blog-only' }),
  point('v-1000', 1000, 3, 0.55, { mix: 'bio-v2' }),
  point('v-2000', 2000, 5, 0.7, { mix: 'bio-v2' }),
  point('b-2000', 2000, 4, 0.8, { mix: 'blog-only' }),
  point('loose', null, 6, 0.5, { mix: 'bio-v2' }),
]);

describe('Pareto set', () => {
  it.each([
    ['one point', [{ x: 1, y: 1 }], 'higher', 'higher', [0]],
    ['a dominated point', [{ x: 1, y: 1 }, { x: 2, y: 2 }], 'higher', 'higher', [1]],
    ['a trade-off keeps both', [{ x: 1, y: 2 }, { x: 2, y: 1 }, { x: 0.5, y: 0.5 }], 'higher', 'higher', [0, 1]],
    ['equal on one axis, better on the other', [{ x: 1, y: 1 }, { x: 1, y: 2 }], 'higher', 'higher', [1]],
    ['identical points are both optimal', [{ x: 1, y: 1 }, { x: 1, y: 1 }], 'higher', 'higher', [0, 1]],
    ['lower is better on x', [{ x: 0.1, y: 0.5 }, { x: 0.3, y: 0.5 }, { x: 0.3, y: 0.9 }], 'lower', 'higher', [0, 2]],
    ['missing values are never optimal', [{ x: null, y: 9 }, { x: 1, y: 1 }], 'higher', 'higher', [1]],
  ] as const)('%s', (_name, points, bx, by, expected) => {
    expect([...paretoOptimal(points, { x: bx, y: by })].sort()).toEqual(expected);
  });
});

describe('trend chart', () => {
  it('draws a line per tag value in step order, each point with its value and interval; the baseline is labelled', () => {
    const order = groupLabels(bio.points, 'mix');
    expect(order).toEqual(['mix=bio-v2', 'mix=blog-only', 'no mix']);
    const { groups, unplaced } = trendGroups(bio, 'mix', order);
    expect(groups.map((g) => [g.label, g.data.map((d) => d.checkpoint)])).toEqual([
      ['mix=bio-v2', ['v-1000', 'v-2000']], ['mix=blog-only', ['b-1000', 'b-2000']], ['no mix', ['base']],
    ]);
    expect(unplaced.map((p) => p.checkpoint)).toEqual(['loose']);
    const cfg = trendChartConfig(bio, 'mix', LIGHT, order);
    const data = cfg.data.datasets.slice(0, 3).flatMap((d) => d.data as TrendDatum[]);
    for (const p of bio.points.filter((q) => q.step !== null)) {
      const d = data.find((x) => x.runId === p.runId)!;
      expect([d.x, d.y, d.yMin, d.yMax, d.n]).toEqual([p.step, p.value, p.ci![0], p.ci![1], p.n]);
    }
    expect(data.find((d) => d.checkpoint === 'base')!.label).toBe('baseline: base');
    // The fourth dataset is the baseline's value across all steps, unlabelled and without whiskers.
    const ref = cfg.data.datasets[3]!;
    expect(ref.label).toBe('baseline (base)');
    expect((ref.data as TrendDatum[]).map((d) => [d.x, d.y, d.yMin])).toEqual([[0, 0.1, null], [2000, 0.1, null]]);
    // Colours follow the shared order, so a group keeps its colour on every chart.
    expect(cfg.data.datasets[0]!.borderColor).not.toBe(cfg.data.datasets[1]!.borderColor);
    const onlyBlog = trendChartConfig(series('x', 'higher', bio.points.filter((p) => p.tags.mix === 'blog-only')), 'mix', LIGHT, order);
    expect(onlyBlog.data.datasets[0]!.borderColor).toBe(cfg.data.datasets[1]!.borderColor);
  });

  it('one line without a colour key; the default key is the first with two or more values', () => {
    expect(defaultColourKey([{ tags: { a: '1' } }, { tags: { a: '1', mix: 'x' } }, { tags: { mix: 'y' } }])).toBe('mix');
    expect(defaultColourKey([{ tags: { a: '1' } }, { tags: {} }])).toBeNull();
    expect(trendGroups(bio, null).groups.map((g) => g.label)).toEqual(['all checkpoints']);
    expect(pointLabel({ baseline: false, step: 0, checkpoint: 'b' })).toBe('base: b');
    expect(pointLabel({ baseline: false, step: 10, checkpoint: 'b' })).toBeUndefined();
  });
});

describe('trade-off chart', () => {
  it('pairs the two metrics per run, marks the Pareto set, and joins each group in step order', () => {
    const { points, paretoAvailable } = tradeoffPoints(blog, bio, 'mix');
    expect(paretoAvailable).toBe(true);
    expect(points.filter((p) => p.pareto).map((p) => p.checkpoint).sort()).toEqual(['b-2000', 'v-2000']);
    const loose = points.find((p) => p.checkpoint === 'loose')!;
    expect([loose.x, loose.y, loose.xMin, loose.yMax]).toEqual([0.5, 0.3, 0.4, 0.4]);
    const cfg = tradeoffChartConfig(blog, bio, 'mix', LIGHT);
    const bioV2 = cfg.data.datasets.find((d) => d.label === 'mix=bio-v2')!;
    expect(bioV2.data.map((d) => d.checkpoint)).toEqual(['v-1000', 'v-2000', 'loose']);
    expect(cfg.data.datasets.at(-1)!.label).toBe('Pareto-optimal');
    expect(cfg.data.datasets.at(-1)!.data.map((d) => d.checkpoint).sort()).toEqual(['b-2000', 'v-2000']);
  });

  it('reads each axis in its own direction, and draws no Pareto set on an axis without one', () => {
    const halluc = series('hallucination_rate', 'lower', bio.points.map((p) => ({ ...p, value: p.value === null ? null : 1 - p.value })));
    expect(tradeoffPoints(blog, halluc, null).points.filter((p) => p.pareto).map((p) => p.checkpoint).sort()).toEqual(['b-2000', 'v-2000']);
    const ratio = { ...blog, direction: null };
    const r = tradeoffPoints(ratio, bio, null);
    expect(r.paretoAvailable).toBe(false);
    expect(r.points.some((p) => p.pareto)).toBe(false);
  });
});

describe('before/after bars', () => {
  it('a bar per metric and run, with each run’s own interval', () => {
    const cfg = compareBarsConfig([
      { label: 'Bio accuracy', change: { base: 0.1, head: 0.9, delta: 0.8, baseCi: [0, 0.3], headCi: [0.7, 1], baseN: 14, headN: 14 } },
      { label: 'Blog quality', change: { base: 0.7, head: null, delta: null, baseCi: [0.6, 0.8], headCi: null, baseN: 6, headN: 0 } },
    ], { base: 'base', head: 'v-3000' }, LIGHT);
    expect(cfg.data.datasets.map((d) => d.label)).toEqual(['before: base', 'after: v-3000']);
    expect(cfg.data.datasets[0]!.data.map((d) => [d.x, d.y, d.yMin, d.yMax, d.n])).toEqual([['Bio accuracy', 0.1, 0, 0.3, 14], ['Blog quality', 0.7, 0.6, 0.8, 6]]);
    expect(cfg.data.datasets[1]!.data.map((d) => [d.y, d.yMin])).toEqual([[0.9, 0.7], [null, null]]);
  });
});

describe('knowledge-category chart', () => {
  const counts = { HighlyKnown: 12, MaybeKnown: 6, WeaklyKnown: 0, Unknown: 24 };
  const at = (checkpoint: string, step: number | null, runId: number, value: number | null, n: number, tags: Record<string, string> = { run: 'ft' }): TrendPoint => ({
    ...point(checkpoint, step, runId, value, tags), n, categories: counts, categoryBase: 'base',
  });
  /** Four checkpoints (one without a step); WeaklyKnown has no items; train/held-out only when tagged. */
  const catSeries = (withTrain: boolean): TrendSeries[] => [
    series('acc_highly_known', 'higher', [at('base', 0, 1, 1, 12), at('ft-1000', 1000, 2, 0.9, 12), at('ft-2000', 2000, 3, 0.5, 12), at('loose', null, 4, 0.7, 12)]),
    series('acc_maybe_known', 'higher', [at('base', 0, 1, 0.5, 6), at('ft-1000', 1000, 2, 0.5, 6), at('ft-2000', 2000, 3, 0.3, 6), at('loose', null, 4, 0.5, 6)]),
    series('acc_weakly_known', 'higher', [at('base', 0, 1, null, 0), at('ft-1000', 1000, 2, null, 0), at('ft-2000', 2000, 3, null, 0), at('loose', null, 4, null, 0)]),
    series('acc_unknown', 'higher', [at('base', 0, 1, 0, 24), at('ft-1000', 1000, 2, 0.3, 24), at('ft-2000', 2000, 3, 0.9, 24), at('loose', null, 4, 0.5, 24)]),
    series('train_accuracy', 'higher', [at('base', 0, 1, withTrain ? 0 : null, withTrain ? 12 : 0), at('ft-1000', 1000, 2, withTrain ? 0.5 : null, withTrain ? 12 : 0), at('ft-2000', 2000, 3, withTrain ? 1 : null, withTrain ? 12 : 0), at('loose', null, 4, null, 0)]),
    series('heldout_accuracy', 'higher', [at('base', 0, 1, withTrain ? 0.4 : null, withTrain ? 36 : 0), at('ft-1000', 1000, 2, withTrain ? 0.5 : null, withTrain ? 36 : 0), at('ft-2000', 2000, 3, withTrain ? 0.6 : null, withTrain ? 36 : 0), at('loose', null, 4, null, 0)]),
  ];

  it('joins the points of one training run, never those of several runs sharing a step (no zig-zag no run followed)', () => {
    expect(categoryChartConfig(catSeries(false), LIGHT).data.datasets.every((d) => (d as { showLine?: boolean }).showLine === true)).toBe(true);
    const two = catSeries(false).map((s) => ({ ...s, points: [...s.points, { ...s.points[1]!, checkpoint: 'other-1000', runId: 9 }] }));
    expect(severalRunsPerStep(two)).toBe(true);
    expect(categoryChartConfig(two, LIGHT).data.datasets.filter((d) => !String(d.label).startsWith('advised')).every((d) => (d as { showLine?: boolean }).showLine === false)).toBe(true);
  });

  it('a line per category with items (and train / held-out when tagged), each point its step, value, interval and n; same-step points nudged apart', () => {
    const lines = categoryLines(catSeries(true));
    expect(lines.map((l) => l.metric)).toEqual(['acc_highly_known', 'acc_maybe_known', 'acc_unknown', 'train_accuracy', 'heldout_accuracy']);
    expect(lines.map((l) => l.label)).toEqual(['HighlyKnown', 'MaybeKnown', 'Unknown', 'train (in_train items)', 'held-out']);
    for (const l of lines) {
      // Checkpoints without a step are not charted (the table lists them); the base at step 0 is.
      expect(l.data.map((d) => d.checkpoint)).toEqual(['base', 'ft-1000', 'ft-2000']);
      const source = catSeries(true).find((s) => s.metric === l.metric)!.points;
      for (const d of l.data) {
        const p = source.find((q) => q.runId === d.runId)!;
        expect([d.step, d.y, d.yMin, d.yMax, d.n, d.ci]).toEqual([p.step, p.value, p.ci![0], p.ci![1], p.n, p.ci]);
      }
    }
    // Nudged symmetrically around the true step, by the same amount at every step, never by more than 5% of the range.
    const shifts = lines.map((l) => l.data[1]!.x - l.data[1]!.step);
    expect(new Set(shifts).size).toBe(lines.length);
    expect(shifts.reduce((a, b) => a + b, 0)).toBeCloseTo(0, 9);
    for (const l of lines) for (const d of l.data) expect(d.x - d.step).toBeCloseTo(l.data[0]!.x - l.data[0]!.step, 9);
    expect(Math.max(...shifts.map(Math.abs))).toBeLessThan(0.05 * 2000);
    expect(categoryLines(catSeries(true), 0).flatMap((l) => l.data.map((d) => d.x - d.step))).toEqual(Array(15).fill(0));
    // Without in_train tags there is no train or held-out line.
    expect(categoryLines(catSeries(false)).map((l) => l.metric)).toEqual(['acc_highly_known', 'acc_maybe_known', 'acc_unknown']);
    expect(categoryLines([])).toEqual([]);
  });

  it('every line has its own colour and point shape (train and held-out dashed); y is 0–1, x ticks at the steps; the advised step is a labelled dashed line', () => {
    const cfg = categoryChartConfig(catSeries(true), LIGHT, { step: 1000, checkpoint: 'ft-1000' });
    const data = cfg.data.datasets;
    expect(data.map((d) => d.label)).toEqual(['HighlyKnown', 'MaybeKnown', 'Unknown', 'train (in_train items)', 'held-out', 'advised stop: step 1000 (ft-1000)']);
    const lines = data.slice(0, 5);
    expect(new Set(lines.map((d) => d.borderColor)).size).toBe(5);
    expect(new Set(lines.map((d) => d.pointStyle)).size).toBe(5);
    expect(lines.map((d) => (d.borderDash as number[]).length > 0)).toEqual([false, false, false, true, true]);
    const advised = data[5]!.data as CategoryDatum[];
    expect(advised.map((d) => [d.x, d.y])).toEqual([[1000, 0], [1000, 1]]);
    expect(advised[1]!.label).toBe('advised stop: ft-1000');
    const scales = cfg.options!.scales as Record<string, Record<string, unknown>>;
    expect([scales.y!.min, scales.y!.max]).toEqual([0, 1]);
    expect([scales.x!.min, scales.x!.max]).toEqual([-100, 2100]);
    const axis = { ticks: [{ value: -500 }, { value: 700 }] };
    (scales.x!.afterBuildTicks as (a: typeof axis) => void)(axis);
    expect(axis.ticks).toEqual([{ value: 0 }, { value: 1000 }, { value: 2000 }]);
    expect(categoryChartConfig(catSeries(true), LIGHT).data.datasets.map((d) => d.label)).toEqual(['HighlyKnown', 'MaybeKnown', 'Unknown', 'train (in_train items)', 'held-out']);
  });

  it('shows the tag filter\'s checkpoints plus their base, and asks advice for the filter\'s tag or the one run tag they share', () => {
    const s = catSeries(true).map((x) => ({ ...x, points: x.points.map((p) => (p.checkpoint === 'base' ? { ...p, tags: {} } : p.checkpoint === 'loose' ? { ...p, tags: { run: 'other' }, categories: null, categoryBase: null } : p)) }));
    const chosen = selectCategoryPoints(s, ['run=ft']);
    expect(chosen[0]!.points.map((p) => p.checkpoint)).toEqual(['base', 'ft-1000', 'ft-2000']);
    expect(selectCategoryPoints(s, ['run=other'])[0]!.points.map((p) => p.checkpoint)).toEqual(['loose']);
    expect(selectCategoryPoints(s, [])[0]!.points).toHaveLength(4);
    expect(adviceTag(['run=ft'], chosen[0]!.points)).toEqual({ tag: 'run=ft' });
    // Unfiltered: the base carries no run tag and loose is uncategorized, so the fine-tuned ones' run=ft is it.
    expect(adviceTag([], s[0]!.points)).toEqual({ tag: 'run=ft' });
    const two = s[0]!.points.map((p) => (p.checkpoint === 'ft-2000' ? { ...p, tags: { run: 'v2' } } : p));
    expect(adviceTag([], two)).toEqual({ choices: ['run=ft', 'run=v2'] });
    expect(adviceTag([], s[0]!.points.map((p) => ({ ...p, tags: {} })))).toBeNull();
  });
});

describe('chart theme (the colours come from the stylesheet, light or dark)', () => {
  const DARK = chartTheme(stylesheetVariables('dark'));
  const okabeIto = ['#0072B2', '#D55E00', '#009E73', '#CC79A7', '#E69F00', '#56B4E9', '#000000', '#F0E442'];
  const bars = (theme: typeof LIGHT) => compareBarsConfig([{ label: 'Bio accuracy', change: { base: 0.1, head: 0.9, delta: 0.8, baseCi: [0, 0.3], headCi: [0.7, 1], baseN: 14, headN: 14 } }], { base: 'base', head: 'v' }, theme);
  const catAdvised = (theme: typeof LIGHT) => categoryChartConfig([
    series('acc_highly_known', 'higher', [point('base', 0, 1, 0.9, {}), point('ft', 1000, 2, 0.6, {})]),
    series('heldout_accuracy', 'higher', [point('base', 0, 1, 0.5, {}), point('ft', 1000, 2, 0.7, {})]),
  ], theme, { step: 1000, checkpoint: 'ft' });
  const configs = (theme: typeof LIGHT) => ({
    trend: trendChartConfig(bio, 'mix', theme),
    tradeoff: tradeoffChartConfig(blog, bio, 'mix', theme),
    bars: bars(theme),
    categories: catAdvised(theme),
  });

  /** Every string in a configuration that is a colour (hex or rgb), wherever it sits. */
  const coloursIn = (value: unknown, out = new Set<string>()): Set<string> => {
    if (typeof value === 'string' && /^(#[0-9a-f]{3,8}|rgba?\()/i.test(value)) out.add(value);
    else if (Array.isArray(value)) for (const v of value) coloursIn(v, out);
    else if (value !== null && typeof value === 'object') for (const v of Object.values(value)) coloursIn(v, out);
    return out;
  };

  it('light is the Okabe–Ito set on the page’s text colour; dark swaps the black for white and lightens text, grid and marks', () => {
    expect(LIGHT.palette).toEqual(okabeIto);
    expect(LIGHT.text).toBe(stylesheetVariables('light')('--fg'));
    expect(DARK.palette[6]).not.toBe('#000000');
    expect(DARK.palette.filter((c, i) => c !== LIGHT.palette[i])).toEqual([DARK.palette[6]]);
    for (const k of ['text', 'muted', 'grid', 'background', 'strong', 'reference', 'tooltip', 'tooltipText'] as const) expect(DARK[k], k).not.toBe(LIGHT[k]);
  });

  it('every configuration draws in its theme’s colours only: no colour is written into a chart', () => {
    for (const theme of [LIGHT, DARK]) {
      const allowed = new Set([...Object.values(theme).flat(), 'rgba(0,0,0,0)']);
      for (const [name, cfg] of Object.entries(configs(theme))) {
        const foreign = [...coloursIn(cfg)].filter((c) => !allowed.has(c));
        expect(foreign, `${name} in ${theme === DARK ? 'dark' : 'light'}`).toEqual([]);
      }
    }
  });

  it('in dark: axis text, grid, legend, title and tooltip, the baseline ring, Pareto rings, whiskers and labels are the dark theme’s', () => {
    const { trend, tradeoff, bars: b, categories } = configs(DARK);
    for (const cfg of [trend, tradeoff, b, categories]) {
      const scales = cfg.options!.scales as Record<string, { ticks: { color: string }; title: { color: string }; grid: { color: string } }>;
      for (const axis of ['x', 'y']) {
        expect([scales[axis]!.ticks.color, scales[axis]!.title.color, scales[axis]!.grid.color]).toEqual([DARK.text, DARK.text, DARK.grid]);
      }
      const plugins = cfg.options!.plugins!;
      expect([plugins.legend!.labels!.color, plugins.title!.color, plugins.tooltip!.backgroundColor, plugins.tooltip!.bodyColor]).toEqual([DARK.text, DARK.text, DARK.tooltip, DARK.tooltipText]);
      expect(plugins.tunegateErrorBars).toMatchObject({ label: DARK.strong, labelHalo: DARK.background });
    }
    // The baseline point's ring (trend), the Pareto rings (trade-off): the strongest colour, not black.
    const baseIndex = (trend.data.datasets[2]!.data as TrendDatum[]).findIndex((d) => d.baseline);
    expect((trend.data.datasets[2]!.pointBorderColor as string[])[baseIndex]).toBe(DARK.strong);
    expect(trend.data.datasets.at(-1)!.borderColor).toBe(DARK.reference);
    expect(tradeoff.data.datasets.at(-1)!.borderColor).toBe(DARK.strong);
    // Whiskers take the dataset's colour (lines) or the strongest colour on a halo (bars).
    for (const d of trend.data.datasets) expect(d.borderColor).not.toBe('#000000');
    expect(b.options!.plugins!.tunegateErrorBars).toMatchObject({ colour: DARK.strong, halo: DARK.background });
    expect(categories.data.datasets.map((d) => d.borderColor)).toEqual([DARK.palette[0], DARK.palette[6], DARK.muted]);
  });

  it('a title wraps onto lines that fit the chart: one line on a desktop, several on a phone, no word split', () => {
    const text = 'Accuracy per knowledge category (what the base model knew), against training step; whiskers: 95% intervals';
    expect(wrapWords('a bb ccc dddd', 6)).toEqual(['a bb', 'ccc', 'dddd']);
    expect(wrapWords('unbreakable-word-longer-than-the-line', 5)).toEqual(['unbreakable-word-longer-than-the-line']);
    const lines = chartTitle(DARK, text).text as unknown as (ctx: { chart: { width: number } }) => string[];
    expect(lines({ chart: { width: 1300 } })).toEqual([text]);
    const phone = lines({ chart: { width: 340 } });
    expect(phone.length).toBeGreaterThan(2);
    expect(phone.join(' ')).toBe(text);
    for (const l of phone) expect(l.length * 7.8).toBeLessThanOrEqual(340);
    expect(chartTitle(DARK, text).color).toBe(DARK.text);
  });
});
