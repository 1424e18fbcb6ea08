import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { RouteDeps } from '../app.js';
import { TunegateError } from '../errors.js';
import { gateHead } from '../gate/gate-head.js';
import { resolveHead } from '../runs/select.js';
import { parseTolerances } from '../gate/tolerance.js';
import { requireMetric } from '../scoring/metric-registry.js';
import { sendJson } from './read-cache.js';
import { ErrorBody, RunId } from './schemas.js';

export const gateRoutes: FastifyPluginAsyncTypebox<RouteDeps> = async (app, deps) => {
  app.get('/api/gate', {
    schema: {
      summary: 'The regression gate: compare a run with a baseline item by item (same JSON as `tunegate gate --json`; `reference` says which baseline was used and why)',
      querystring: Type.Object({
        run: Type.Optional(RunId),
        checkpoint: Type.Optional(Type.String()),
        baseline: Type.Optional(Type.String({ description: 'RUN_ID, a checkpoint name, "previous" or "baseline"; absent: the default reference (the flagged baseline, else the head\'s base checkpoint, else the first checkpoint of its run= tag), and verdict "no-baseline" when none has a completed run' })),
        requireBaseline: Type.Optional(Type.Boolean({ description: 'no reference is a 404 instead of verdict "no-baseline": for pipelines that must never pass ungated' })),
        tolerance: Type.Optional(Type.Array(Type.String(), { description: 'METRIC=ABS with ABS a number ≥ 0, repeatable; default=ABS for every metric not named (a malformed value is a 400)' })),
        alpha: Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: 0.5 })),
        noSignificance: Type.Optional(Type.Boolean()),
        allowMismatch: Type.Optional(Type.Boolean({ description: 'gate runs measured differently (scorer versions, temperature, max tokens, samples, prompt template, system prompts, judge rubric) instead of a 409' })),
        maxErrors: Type.Optional(Type.Integer({ minimum: 0 })),
        metrics: Type.Optional(Type.Array(Type.String({ minLength: 1 }))),
      }, { additionalProperties: false }),
      response: { 200: Type.Object({}, { additionalProperties: true }), 400: ErrorBody, 404: ErrorBody, 409: ErrorBody },
    },
  }, async (req, reply) => {
    const q = req.query;
    if (q.run !== undefined && q.checkpoint !== undefined) throw new TunegateError('USAGE', 'querystring: pass run or checkpoint, not both');
    const head = resolveHead(deps.store, { ...(q.run !== undefined ? { run: q.run } : {}), ...(q.checkpoint !== undefined ? { checkpoint: q.checkpoint } : {}) });
    const tolerance = parseTolerances(q.tolerance ?? [], 'querystring.tolerance');
    const metrics = q.metrics?.flatMap((m) => m.split(',')).filter((m) => m !== '');
    for (const m of metrics ?? []) requireMetric(m, 'querystring.metrics');
    const options = {
      ...(q.baseline !== undefined ? { baseline: q.baseline } : {}),
      requireBaseline: q.requireBaseline === true,
      tolerance,
      ...(metrics !== undefined ? { metrics } : {}),
      ...(q.alpha !== undefined ? { alpha: q.alpha } : {}),
      ...(q.maxErrors !== undefined ? { maxErrors: q.maxErrors } : {}),
      noSignificance: q.noSignificance === true,
      allowMismatch: q.allowMismatch === true,
    };
    // The reference and the forgetting alarm read other checkpoints' runs: any run's change counts.
    const body = await deps.readCache.get(`gate:${head.id}:${JSON.stringify(options)}`, () => deps.store.versions.allRuns(),
      () => reply.serialize(gateHead(deps.store, head, options)));
    return sendJson(reply, body);
  });
};
