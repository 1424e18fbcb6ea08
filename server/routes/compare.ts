import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { RouteDeps } from './deps.js';
import { CATEGORIES } from '../scoring/category.js';
import { compareSteps, PAIR_BY_ID, resolvePair } from '../compare/compare-runs.js';
import { trendWindow } from '../compare/trend.js';
import { TREND_MAX_POINTS, TREND_WINDOW } from '../shared/trend-window.js';
import { parseTags } from '../tag.js';
import { runsMark, sendJson } from './read-cache.js';
import { CategoryName, ErrorBody, Nullable, RunId } from './schemas.js';

const Ci = Nullable(Type.Tuple([Type.Number(), Type.Number()]));
const RunRef = Type.Object({ runId: Type.Integer(), checkpoint: Type.String(), step: Nullable(Type.Integer()), status: Type.String() });
const Marks = Nullable(Type.Object({
  keywords: Type.Array(Type.Object({ alternatives: Type.Array(Type.String()), matched: Nullable(Type.String()) })),
  forbidden: Type.Array(Type.Object({ text: Type.String(), found: Type.Boolean() })),
}, { description: 'each expected keyword group and the alternative the answer contained (null: missed); each forbidden string and whether it was found' }));
const Side = Type.Object({ answer: Nullable(Type.String()), sample: Nullable(Type.Integer()), score: Nullable(Type.Number({ description: 'mean over the samples' })), marks: Marks });
const Components = Type.Record(Type.String(), Type.Number());
const Outcome = Type.Union([Type.Literal('pass'), Type.Literal('fail')]);
/** A changed keyword item (flips and moved). */
const FlipFields = {
  set: Type.String(), id: Type.String(), prompt: Type.String(), tags: Type.Array(Type.String()),
  category: Type.Union([CategoryName, Type.Null()], { description: "the item's SliCK knowledge category against the head run's base checkpoint (by content hash); null when it has none" }),
  from: Outcome, to: Outcome,
  drop: Type.Number({ description: 'base score − head score' }), base: Side, head: Side,
};

export const MetricChange = Type.Object({
  base: Nullable(Type.Number()), head: Nullable(Type.Number()), delta: Nullable(Type.Number()),
  baseCi: Ci, headCi: Ci, baseN: Type.Integer(), headN: Type.Integer(),
});

/** GET /api/compare's body (see server/compare/compare-runs.ts). */
export const Comparison = Type.Object({
  base: RunRef,
  head: RunRef,
  metrics: Type.Record(Type.String(), MetricChange, { description: 'every metric and set:NAME: both values, the change, and each run\'s own 95% interval and n' }),
  consistency: Type.Record(Type.String(), MetricChange, { description: "per set with fact groups (fact_id) in either run: its consistency before and after, the change, and each run's own Wilson interval and n (counted fact groups); not gated" }),
  items: Type.Object({ compared: Type.Integer(), changedContent: Type.Integer(), onlyInBase: Type.Integer(), onlyInHead: Type.Integer() }),
  transitions: Type.Record(Type.String(), Type.Object({
    stayedRight: Type.Integer(), learned: Type.Integer(), forgotten: Type.Integer(), stayedWrong: Type.Integer(), unscored: Type.Integer(),
  }), { description: 'per set, how its keyword items moved (pass = every keyword found and no forbidden string)' }),
  flips: Type.Array(Type.Object(FlipFields), { description: 'keyword items that changed outcome: forgotten first, largest drop first' }),
  moved: Type.Array(Type.Object({ ...FlipFields, change: Type.Number({ description: 'head score − base score (means over the samples)' }) }), {
    description: 'keyword items whose score changed without changing outcome (e.g. 0.75 → 0.25, both fail), with both answers and keyword marks: largest |change| first, losses before gains of the same size',
  }),
  blog: Type.Array(Type.Object({
    set: Type.String(), id: Type.String(), title: Type.String(), tags: Type.Array(Type.String()), reference: Type.String(),
    drop: Nullable(Type.Number()),
    base: Type.Object({ answer: Nullable(Type.String()), components: Components }),
    head: Type.Object({ answer: Nullable(Type.String()), components: Components }),
  }), { description: 'blog items in both runs with both posts and their component scores, largest drop in blog_quality first' }),
  mismatches: Type.Array(Type.Object({
    field: Type.String({ description: 'scorers.NAME, temperature, maxTokens.keyword, maxTokens.blog, samples, promptTemplate, system or judgeRubric' }),
    base: Type.String(), head: Type.String(), message: Type.String(),
  }), { description: 'how the two runs were measured differently; the gate refuses such a pair unless told to allow it' }),
  warnings: Type.Array(Type.String(), { description: 'edited or missing items, every mismatch, and a changed system_fingerprint (within a run or between the two)' }),
  reference: Type.Object({
    kind: Type.String({ description: 'run (asked for), baseline (the flagged baseline checkpoint), base (the head\'s base checkpoint) or run-tag (the first checkpoint of its run= tag)' }),
    why: Type.String(),
  }, { description: "how base was chosen: asked for (run), or the gate's default reference (baseline, base, run-tag) and why" }),
});

/** GET /api/trend's window: which training runs and how many points were returned. */
const TrendWindowBody = Type.Object({
  group: Type.String({ description: 'the tag whose value names a training run (run)' }),
  trainingRuns: Type.Integer({ description: 'training runs with a completed run, after the tag filter (checkpoints without the tag count as one)' }),
  shown: Type.Integer({ description: 'how many of them are included (the most recent)' }),
  checkpoints: Type.Integer({ description: 'checkpoints with a completed run, after the tag filter' }),
  returned: Type.Integer({ description: 'points returned per series' }),
  decimated: Type.Boolean({ description: 'whether the series were thinned to their extremes (more points than maxPoints)' }),
}, { description: 'what the series cover: the window of training runs and the decimation' });

export const TrendSeries = Type.Object({
  metric: Type.String(),
  label: Type.String(),
  direction: Nullable(Type.Union([Type.Literal('higher'), Type.Literal('lower')])),
  range: Ci,
  points: Type.Array(Type.Object({
    checkpoint: Type.String(), step: Nullable(Type.Integer()), runId: Type.Integer(), value: Nullable(Type.Number()),
    n: Type.Integer({ description: 'items the value is computed over' }), ci: Ci,
    method: Nullable(Type.Union([Type.Literal('wilson'), Type.Literal('bootstrap')])),
    tags: Type.Record(Type.String(), Type.String()), baseline: Type.Boolean(), finishedAt: Nullable(Type.String()),
    categories: Nullable(Type.Object(Object.fromEntries(CATEGORIES.map((c) => [c, Type.Integer()])), { description: "the run's keyword items per SliCK category against its base (the n behind acc_highly_known, …); null when none is categorized" })),
    categoryBase: Nullable(Type.String({ description: 'the checkpoint whose knowledge categories apply to the run\'s items; null when none do' })),
  })),
});

/** GET /api/trend's body. */
export const TrendBody = Type.Object({
  series: Type.Array(TrendSeries),
  window: TrendWindowBody,
  tags: Type.Record(Type.String(), Type.Array(Type.String()), { description: 'every tag key with its sorted values, across all checkpoints' }),
  baseline: Nullable(Type.String({ description: 'the flagged baseline checkpoint, or null' })),
  checkpointsTotal: Type.Integer({ description: 'every registered checkpoint, with a completed run or not' }),
});

export const compareRoutes: FastifyPluginAsyncTypebox<RouteDeps> = async (app, deps) => {
  app.get('/api/compare', {
    schema: {
      summary: 'Compare two runs: metrics with intervals, per-set transitions (stayed right, learned, forgotten, stayed wrong), the keyword items that changed outcome (flips) or only their score (moved) with both answers and keyword marks, and both posts of every blog item; how the runs were measured differently (mismatches, each also a warning). Without base: the head (default: the gate\'s default head, the latest completed run of the checkpoint with the highest step) against the gate\'s default reference (the flagged baseline checkpoint, else the head\'s base checkpoint, else the first checkpoint of its run= tag; when the default head has none: the next checkpoint down by step, see docs/gate.md; a 404 only with fewer than two completed runs); `reference` says which and why',
      querystring: Type.Object({ base: Type.Optional(RunId), head: Type.Optional(RunId) }, { additionalProperties: false }),
      response: { 200: Comparison, 400: ErrorBody, 404: ErrorBody },
    },
  }, async (req, reply) => {
    // Named runs are not read here (a kept answer needs only their marks; an unknown one is the computation's 404).
    const q = req.query;
    const { baseId, headId, reference } = q.base !== undefined && q.head !== undefined
      ? { baseId: q.base, headId: q.head, reference: PAIR_BY_ID }
      : ((p) => ({ baseId: p.base.id, headId: p.head.id, reference: p.reference }))(resolvePair(deps.store, q));
    const body = await deps.readCache.get(`compare:${baseId}:${headId}:${JSON.stringify(reference)}`, () => runsMark(deps.store, [baseId, headId]),
      function* () {
        return reply.serialize({ ...(yield* compareSteps(deps.store, baseId, headId)), reference });
      });
    return sendJson(reply, body);
  });

  app.get('/api/trend', {
    schema: {
      summary: "One series per metric: each checkpoint's latest completed run, by step then time, with value, n, 95% interval (ci), tags and the baseline flag; only the `window` most recent training runs (checkpoints sharing a run= tag) plus the flagged baseline, long series decimated to their extremes",
      querystring: Type.Object({
        metric: Type.Array(Type.String({ minLength: 1 }), { minItems: 1 }),
        tag: Type.Optional(Type.Array(Type.String({ pattern: '^[^=]+=.*$' }))),
        window: Type.Optional(Type.Integer({
          minimum: 0, default: TREND_WINDOW,
          description: `how many training runs (checkpoints sharing a run= tag; those without one form one) to include, the most recent by their newest completed run; 0 = all. Default ${TREND_WINDOW}. The flagged baseline and the base checkpoints of those included are always returned`,
        })),
        maxPoints: Type.Optional(Type.Integer({
          minimum: 0, default: TREND_MAX_POINTS,
          description: `points per series above which every series is decimated (0 = never). Default ${TREND_MAX_POINTS}. Decimation keeps, per bucket of steps, each metric's lowest and highest point, each training run's first and last point, and the baseline, the same checkpoints in every series`,
        })),
      }, { additionalProperties: false }),
      response: { 200: TrendBody, 400: ErrorBody },
    },
  }, async (req, reply) => {
    const tags = parseTags(req.query.tag ?? [], 'querystring/tag', 'INVALID_INPUT');
    const window = req.query.window ?? TREND_WINDOW;
    const maxPoints = req.query.maxPoints ?? TREND_MAX_POINTS;
    const body = await deps.readCache.get(`trend:${JSON.stringify([req.query.metric, tags, window, maxPoints])}`, () => deps.store.versions.allRuns(),
      () => reply.serialize(trendWindow(deps.store, req.query.metric, { tags, window, maxPoints })));
    return sendJson(reply, body);
  });
};
