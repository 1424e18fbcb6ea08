import { TunegateError } from '../errors.js';
import { requireReference, resolveReference, type ReferenceChoice } from '../runs/reference.js';
import { resolveHead } from '../runs/select.js';
import { currentSummary } from '../runs/summary.js';
import { keywordMarks, type KeywordMarks } from '../scoring/keyword.js';
import { METRICS, SET_METRIC_PREFIX } from '../scoring/metric-registry.js';
import { metricOf } from '../scoring/metrics.js';
import type { Store } from '../store/open.js';
import type { Run } from '../store/types.js';
import { itemValueSteps, pairItems, type ItemValue } from './item-values.js';
import { runSteps } from './steps.js';
import { categoryLookup, runCategories } from '../runs/categories.js';
import type { Category } from '../scoring/category.js';
import { fingerprintWarnings, provenanceMismatches, runFacts, type ProvenanceMismatch } from './provenance-diff.js';

type Outcome = 'pass' | 'fail';

/** One side of a changed keyword item: the answer, its score and what it hit. */
export interface FlipSide {
  /** With several samples: a failing sample's answer on a failing side (see ItemValue.answer). */
  answer: string | null;
  sample: number | null;
  score: number | null;
  marks: KeywordMarks | null;
}

/** A keyword item whose outcome changed: learned (fail → pass) or forgotten (pass → fail). */
export interface Flip {
  set: string;
  id: string;
  prompt: string;
  tags: string[];
  /** The item's SliCK category against the head run's base (by content hash); null when it has none. */
  category: Category | null;
  from: Outcome;
  to: Outcome;
  /** Base score − head score: positive when the head got worse. */
  drop: number;
  base: FlipSide;
  head: FlipSide;
}

/** A keyword item whose score changed while its outcome did not (0.75 → 0.25, both failing): a flip's shape plus the change. */
export interface Moved extends Flip {
  /** Head score − base score (means over the samples): negative when the head got worse. */
  change: number;
}

/** A blog item in both runs: both posts and their component scores. */
export interface BlogChange {
  set: string;
  id: string;
  title: string;
  tags: string[];
  reference: string;
  /** Base blog_quality − head blog_quality: positive when the head got worse. */
  drop: number | null;
  base: { answer: string | null; components: Record<string, number> };
  head: { answer: string | null; components: Record<string, number> };
}

/** How a set's keyword items moved between the two runs. */
export interface Transitions {
  stayedRight: number;
  learned: number;
  forgotten: number;
  stayedWrong: number;
  /** Items without an answered sample in one of the runs. */
  unscored: number;
}

export interface MetricChange {
  base: number | null;
  head: number | null;
  delta: number | null;
  /** Each run's own 95% interval and n (the paired interval of the delta is the gate's). */
  baseCi: [number, number] | null;
  headCi: [number, number] | null;
  baseN: number;
  headN: number;
}

export interface RunRef { runId: number; checkpoint: string; step: number | null; status: string }

export interface Comparison {
  base: RunRef;
  head: RunRef;
  metrics: Record<string, MetricChange>;
  /** Sets with fact groups (fact_id) in either run: their consistency before and after, n = counted groups (see consistency.ts); not gated. */
  consistency: Record<string, MetricChange>;
  items: { compared: number; changedContent: number; onlyInBase: number; onlyInHead: number };
  /** Per set, keyword items only. */
  transitions: Record<string, Transitions>;
  /** Changed keyword items, largest drop first. */
  flips: Flip[];
  /** Keyword items whose score changed without changing outcome, largest |change| first. */
  moved: Moved[];
  /** Blog items in both runs, largest drop first. */
  blog: BlogChange[];
  /** How the two runs were measured differently (scorers, parameters, prompts, rubric); each is also a warning. */
  mismatches: ProvenanceMismatch[];
  /** Everything to read before trusting the comparison: edited or missing items, mismatches, a changed system_fingerprint. */
  warnings: string[];
}

/** Score changes smaller than this are float noise (a mean over samples), not a move. */
const SCORE_EPSILON = 1e-9;

const side = (v: ItemValue): FlipSide => ({
  answer: v.answer,
  sample: v.sample,
  score: v.score,
  marks: v.item.kind === 'keyword' && v.answer !== null ? keywordMarks(v.item, v.answer) : null,
});

/** The reference of a pair whose base the caller named by run id. */
export const PAIR_BY_ID: ReferenceChoice = { kind: 'run', why: 'asked for by run id' };

/**
 * The pair a comparison shows when the caller names none: the default head (runs/select.ts, the
 * gate's rule) against the gate's default reference (runs/reference.ts). When that head has no
 * reference, pairs that exist are still shown: if the head is the flagged baseline itself, the
 * next checkpoint down by step against it; else the head against the next checkpoint down by step
 * (kind `previous`). NOT_FOUND saying why only with fewer than two completed runs. Explicit run
 * ids may be of any status.
 */
export function resolvePair(store: Store, sel: { base?: number; head?: number }): { base: Run; head: Run; reference: ReferenceChoice } {
  if (sel.base !== undefined && sel.head === undefined) throw new TunegateError('USAGE', 'querystring: give head with base (or neither, for the default pair)');
  const head = sel.head !== undefined ? store.runs.get(sel.head) : resolveHead(store, {});
  if (sel.base !== undefined) return { base: store.runs.get(sel.base), head, reference: PAIR_BY_ID };
  const ref = resolveReference(store, head);
  if (ref.run !== null || sel.head !== undefined) return { base: requireReference(ref), head, reference: { kind: ref.kind, why: ref.why } };
  // The default head without a reference: the next checkpoint down by step (each checkpoint's latest completed run).
  const next = store.runs.list({ kind: 'eval', status: 'completed', newestPerCheckpoint: true, byStep: true, limit: 2 }).find((r) => r.checkpointId !== head.checkpointId);
  if (next === undefined) return { base: requireReference(ref), head, reference: { kind: ref.kind, why: ref.why } };
  if (store.checkpoints.getById(head.checkpointId)?.isBaseline === true) {
    const fromBaseline = resolveReference(store, next);
    if (fromBaseline.run !== null) return { base: fromBaseline.run, head: next, reference: { kind: fromBaseline.kind, why: `${fromBaseline.why} (the newest checkpoint by step is the baseline itself, so the next one down is shown)` } };
  }
  return { base: next, head, reference: { kind: 'previous', why: 'the next checkpoint down by step (no default reference has a completed run: flag a baseline checkpoint)' } };
}

/**
 * Compares two runs: every metric's base, head, delta and intervals; per set, how many keyword
 * items stayed right, were learned, forgotten or stayed wrong; the keyword items that changed
 * outcome with both answers and their keyword marks; and every blog item's two posts.
 * Items are paired by set, id and content hash (see pairItems). Runs measured differently are
 * still compared, with every difference listed (`mismatches`) and warned about: the gate is
 * what refuses them.
 */
export function compareRuns(store: Store, baseId: number, headId: number): Comparison {
  return runSteps(compareSteps(store, baseId, headId));
}

/**
 * compareRuns in steps: it pauses (yields) between its heavy reads, so a server can let other
 * work run between them (see routes/read-cache.ts); the result is the same.
 */
export function* compareSteps(store: Store, baseId: number, headId: number): Generator<void, Comparison, void> {
  const base = store.runs.get(baseId);
  const head = store.runs.get(headId);
  for (const r of [base, head]) {
    if (r.kind !== 'eval') throw new TunegateError('INVALID_INPUT', `run ${r.id} is a categorization (its numbers are over k-shot draws), not an evaluation: compare evaluation runs`);
  }
  const bs = currentSummary(store, base);
  yield;
  const hs = currentSummary(store, head);
  yield;
  const setNames = [...new Set([...Object.keys(bs.sets), ...Object.keys(hs.sets)])];
  const names = [...METRICS.map((m) => m.name), ...setNames.map((s) => `${SET_METRIC_PREFIX}${s}`)];
  const metrics: Comparison['metrics'] = {};
  for (const m of names) {
    const b = metricOf(bs, m);
    const h = metricOf(hs, m);
    metrics[m] = {
      base: b.value, head: h.value, delta: b.value === null || h.value === null ? null : h.value - b.value,
      baseCi: b.ci, headCi: h.ci, baseN: b.n, headN: h.n,
    };
  }
  const consistency: Comparison['consistency'] = {};
  for (const s of setNames) {
    const b = Object.hasOwn(bs.sets, s) ? bs.sets[s] : undefined;
    const h = Object.hasOwn(hs.sets, s) ? hs.sets[s] : undefined;
    if (b?.consistency === undefined && h?.consistency === undefined) continue;
    const base = b?.consistency ?? null;
    const head = h?.consistency ?? null;
    consistency[s] = {
      base, head, delta: base === null || head === null ? null : head - base,
      baseCi: b?.stats.consistency?.ci ?? null, headCi: h?.stats.consistency?.ci ?? null, baseN: b?.stats.consistency?.n ?? 0, headN: h?.stats.consistency?.n ?? 0,
    };
  }

  // Items carry their knowledge category against the head's base (by content hash), if any.
  const categoryOf = categoryLookup(runCategories(store, store.runs.get(headId)));
  const baseValues = yield* itemValueSteps(store, baseId, categoryOf);
  yield;
  const headValues = yield* itemValueSteps(store, headId, categoryOf);
  yield;
  const { pairs, items, warnings } = pairItems(baseValues, headValues);
  const transitions: Comparison['transitions'] = {};
  const flips: Flip[] = [];
  const moved: Moved[] = [];
  const blog: BlogChange[] = [];
  for (const { base: b, head: h } of pairs) {
    const item = h.item;
    if (item.kind === 'blog') {
      blog.push({
        set: item.set, id: item.id, title: item.title, tags: item.tags, reference: item.reference,
        drop: b.score === null || h.score === null ? null : b.score - h.score,
        base: { answer: b.answer, components: b.components }, head: { answer: h.answer, components: h.components },
      });
      continue;
    }
    const t = (transitions[item.set] ??= { stayedRight: 0, learned: 0, forgotten: 0, stayedWrong: 0, unscored: 0 });
    if (b.passed === null || h.passed === null) { t.unscored++; continue; }
    const flip = {
      set: item.set, id: item.id, prompt: item.prompt, tags: item.tags, category: h.category, from: b.passed ? 'pass' : 'fail', to: h.passed ? 'pass' : 'fail',
      drop: (b.score ?? 0) - (h.score ?? 0), base: side(b), head: side(h),
    } as const;
    if (b.passed === h.passed) {
      if (b.passed) t.stayedRight++;
      else t.stayedWrong++;
      // Counted by the gate's means, shown by nothing else: the score moved, the outcome did not.
      if (b.score !== null && h.score !== null && Math.abs(h.score - b.score) > SCORE_EPSILON) moved.push({ ...flip, change: h.score - b.score });
    } else {
      if (h.passed) t.learned++;
      else t.forgotten++;
      flips.push(flip);
    }
  }
  // Forgotten before learned; within each, the largest drop (smallest gain) first.
  flips.sort((x, y) => (x.to === y.to ? y.drop - x.drop : x.to === 'fail' ? -1 : 1));
  moved.sort((x, y) => Math.abs(y.change) - Math.abs(x.change) || x.change - y.change);
  blog.sort((x, y) => (y.drop ?? -Infinity) - (x.drop ?? -Infinity));
  const describe = (r: Run): RunRef => ({ runId: r.id, checkpoint: r.checkpoint, step: r.step, status: r.status });
  yield;
  const mismatches = provenanceMismatches(base, head, { base: runFacts(store, baseId), head: runFacts(store, headId) });
  warnings.push(...mismatches.map((m) => m.message), ...fingerprintWarnings(base, head));
  return { base: describe(base), head: describe(head), metrics, consistency, items, transitions, flips, moved, blog, mismatches, warnings };
}
