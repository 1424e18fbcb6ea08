import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { AppDeps } from './deps.js';
import { IN_TRAIN_TAG } from '../evalsets/in-train.js';
import { metricDefinitions } from '../gate/report-data.js';
import { METRIC_GROUPS, METRIC_SETS, type MetricSetName } from '../scoring/metric-registry.js';

const MetricItems = Type.Object({
  kind: Type.Union([Type.Literal('keyword'), Type.Literal('blog'), Type.Null()], { description: 'item kind; null: any' }),
  family: Type.Union([Type.String(), Type.Null()], { description: 'set family: a set-name prefix ending at a separator (bio counts bio, bio-extra, bio_v2, bio.zh; not biology); null: every set' }),
  set: Type.Union([Type.String(), Type.Null()], { description: 'exactly this set (set:NAME); null: any' }),
  withForbidden: Type.Boolean({ description: 'only keyword items that have a forbidden list' }),
  // The categories spelled out (tsc checks them against CATEGORIES through the handler's return type).
  category: Type.Union([Type.Literal('HighlyKnown'), Type.Literal('MaybeKnown'), Type.Literal('WeaklyKnown'), Type.Literal('Unknown'), Type.Null()], { description: 'only items of this SliCK category against the base model (Gekhman et al. 2024); an uncategorized item never counts; null: any' }),
  inTrain: Type.Union([Type.Boolean(), Type.Null()], { description: `only items tagged ${IN_TRAIN_TAG} (true) or not (false), in runs where some item is tagged; null: any` }),
  value: Type.Union([Type.Literal('score'), Type.Literal('hallucinated'), Type.Literal('component'), Type.Literal('likelihood')], { description: "what is read of each item: its score, the share of its samples with a forbidden hit, the blog component named by the metric, or the item's likelihood metric of that name (knowledge_margin, knowledge_rank, answer_logprob)" }),
}, { description: 'which items the metric counts (its denominator) and what it reads of each' });

export const Metric = Type.Object({
  name: Type.String(),
  label: Type.String(),
  description: Type.String(),
  direction: Type.Union([Type.Literal('higher'), Type.Literal('lower'), Type.Null()]),
  range: Type.Union([Type.Tuple([Type.Number(), Type.Number()]), Type.Null()]),
  proportion: Type.Boolean(),
  geometric: Type.Boolean(),
  items: MetricItems,
  group: Type.String({ description: 'the id of the group the dashboard\'s metric picker lists it under (one of groups)' }),
});

/** One named group of metrics (METRIC_GROUPS), in the order the page lists them. */
export const MetricGroup = Type.Object({
  id: Type.String(),
  label: Type.String(),
  description: Type.String(),
});

const names = (description: string) => Type.Array(Type.String(), { description });
/** The registry's named sets (METRIC_SETS), each described for API readers. */
const MetricSets = Type.Object({
  gated: names('gated when no metrics are asked for'),
  forgetting: names('gated as well when the compared items have knowledge categories (the forgetting alarm)'),
  gatedWhenMeasured: names('gated as well when both runs measured them'),
  charted: names("charted against step when none are picked (the page's trend view)"),
  tradeoff: names("the trade-off scatter's default axes, y then x"),
  shown: names('always listed by tunegate show'),
  compared: names("the compare view's before/after bars"),
  comparedBlog: names('the blog metrics whose components the compare view shows beside each post'),
  demo: names("the columns of tunegate demo's table"),
  categories: names("each SliCK category's accuracy"),
  inTrain: names('train and held-out accuracy'),
  likelihood: names('measured after the run from prompt log-probabilities'),
  blog: names('every blog metric'),
}, { description: 'named sets of metric names: which the gate tests by default, which the page charts and which show, compare and the demo list' });

/** The metric registry, plus `set:NAME` for every eval set a stored run used: the dashboard's metric picker. */
export const metricRoutes: FastifyPluginAsyncTypebox<AppDeps> = async (app, deps) => {
  app.get('/api/metrics', {
    schema: {
      summary: 'Every metric a run reports (name, label, meaning, which way is better, range, which items it counts), set:NAME for each eval set in the database, what "pass" means for an item, and what a set\'s consistency means',
      response: {
        200: Type.Object({
          metrics: Type.Array(Metric),
          pass: Type.String({ description: 'the one definition of an item passing (compare transitions, the run view, stored results)' }),
          consistency: Type.String({ description: "the one definition of a set's consistency over fact groups (sets.NAME.consistency in run bodies)" }),
          sets: MetricSets,
          groups: Type.Array(MetricGroup, { description: "the metric picker's named groups, in order; each metric's group is one of their ids" }),
        }),
      },
    },
  }, async () => ({
    ...metricDefinitions(deps.store),
    // Copies: the schema's type has mutable arrays; the registry's are frozen in type.
    sets: Object.fromEntries(Object.entries(METRIC_SETS).map(([k, v]) => [k, [...v]])) as Record<MetricSetName, string[]>,
    groups: METRIC_GROUPS.map((g) => ({ ...g })),
  }));
};
