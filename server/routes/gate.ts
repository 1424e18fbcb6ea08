import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { RouteDeps } from '../app.js';
import { TunegateError } from '../errors.js';
import { gate } from '../gate/decide.js';
import { resolveBaseline, resolveHead } from '../gate/resolve.js';
import { parseTolerances } from '../gate/tolerance.js';
import { sendJson } from './read-cache.js';
import { ErrorBody, RunId } from './schemas.js';

export const gateRoutes: FastifyPluginAsyncTypebox<RouteDeps> = async (app, deps) => {
  app.get('/api/gate', {
    schema: {
      summary: 'The regression gate: compare a run with a baseline item by item (same JSON as `tunegate gate --json`)',
      querystring: Type.Object({
        run: Type.Optional(RunId),
        checkpoint: Type.Optional(Type.String()),
        baseline: Type.Optional(Type.String({ description: 'RUN_ID, a checkpoint name, "previous" or "baseline"' })),
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
    const baseline = resolveBaseline(deps.store, head, q.baseline);
    const tolerance = parseTolerances(q.tolerance ?? [], 'querystring.tolerance');
    const options = {
      tolerance,
      ...(q.metrics !== undefined ? { metrics: q.metrics.flatMap((m) => m.split(',')).filter((m) => m !== '') } : {}),
      ...(q.alpha !== undefined ? { alpha: q.alpha } : {}),
      ...(q.maxErrors !== undefined ? { maxErrors: q.maxErrors } : {}),
      noSignificance: q.noSignificance === true,
      allowMismatch: q.allowMismatch === true,
    };
    // The gate also reads the base checkpoint's latest run (forgetting): any run's change counts.
    const body = await deps.readCache.get(`gate:${head.id}:${baseline.id}:${JSON.stringify(options)}`, () => deps.store.versions.allRuns(),
      () => reply.serialize(gate(deps.store, head.id, baseline.id, options)));
    return sendJson(reply, body);
  });
};
