import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { RouteDeps } from './deps.js';
import { checkPlanOption, DEFAULT_DETECT, DEFAULT_POWER, MAX_PLAN_ITEMS, plan } from '../gate/plan.js';
import { inFields } from './option-fields.js';
import { MAX_SAMPLES } from '../stats/samples-power.js';
import { sendJson } from './read-cache.js';
import { ErrorBody, Nullable, RunId } from './schemas.js';

const MetricPlan = Type.Object({
  metric: Type.String(),
  n: Type.Integer(),
  binary: Type.Boolean({ description: 'every per-item value is 0 or 1' }),
  level: Type.Number({ description: "the level the metric is tested at when it fails alone: alpha/m, Holm's first step" }),
  tolerance: Type.Number(),
  minDetectableDrop: Nullable(Type.Number({ description: 'the smallest drop detected with probability `power` now; null: none is' })),
  itemsNeeded: Type.Union([Type.Integer(), Type.Literal('already'), Type.Null()], { description: `items that detect \`detect\` with probability \`power\`; "already": this set does; null: more than ${MAX_PLAN_ITEMS}` }),
  remedy: Type.Object({
    kind: Type.Union([Type.Literal('questions'), Type.Literal('items'), Type.Literal('none')]),
    command: Nullable(Type.String()),
    why: Type.String(),
  }),
  samples: Type.Object({
    kind: Type.Union([Type.Literal('already'), Type.Literal('found'), Type.Literal('none'), Type.Literal('unknown')], { description: 'found: `needed` samples detect it; none: no number does (the spread between items limits); unknown: this run cannot tell (see why)' }),
    now: Type.Integer({ description: 'samples per item in the run' }),
    needed: Type.Union([Type.Integer(), Type.Literal('already'), Type.Null()], { description: `samples per item that detect \`detect\` with probability \`power\`, by simulating the gate on the run's per-item sample spread; "already": this set does; null: none up to ${MAX_SAMPLES} does, or it cannot be computed (one sample per item, greedy answers, likelihoods: see why)` }),
    command: Nullable(Type.String({ description: 'the run that gets them (tunegate run CKPT --samples K --temperature T); the reference must be re-run alike' })),
    why: Type.String(),
  }),
});

export const PlanBody = Type.Object({
  runId: RunId,
  detect: Type.Number(),
  power: Type.Number(),
  alpha: Type.Number(),
  noise: Type.Object({ kind: Type.Union([Type.Literal('paired'), Type.Literal('run-only')]), reference: Type.String() }),
  trials: Type.Integer({ description: 'simulated gates per point' }),
  metrics: Type.Array(MetricPlan),
});

export const planRoutes: FastifyPluginAsyncTypebox<RouteDeps> = async (app, deps) => {
  app.get('/api/plan', {
    schema: {
      summary: "What the gate can see of a run's eval sets and the items it would take to see more, by simulating the gate's own test (same JSON as `tunegate plan --json`)",
      querystring: Type.Object({
        run: RunId,
        detect: Type.Optional(Type.Number({ description: `the drop to detect, above 0 and at most 1 (default ${DEFAULT_DETECT}); out of range: 400` })),
        power: Type.Optional(Type.Number({ description: `detection probability, strictly between 0 and 1 (default ${DEFAULT_POWER}); out of range: 400` })),
      }, { additionalProperties: false }),
      response: { 200: PlanBody, 400: ErrorBody, 404: ErrorBody },
    },
  }, async (req, reply) => {
    const q = req.query;
    const detect = inFields('querystring', () => checkPlanOption('detect', q.detect ?? DEFAULT_DETECT));
    const power = inFields('querystring', () => checkPlanOption('power', q.power ?? DEFAULT_POWER));
    const head = deps.store.runs.get(q.run);
    // The default reference reads other checkpoints' runs: any run's change counts.
    const body = await deps.readCache.get(`plan:${head.id}:${detect}:${power}`, () => deps.store.versions.allRuns(),
      () => inFields('querystring', () => reply.serialize(plan(deps.store, head, { detect, power }))));
    return sendJson(reply, body);
  });
};
