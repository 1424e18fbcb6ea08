import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { RouteDeps } from './deps.js';
import { TunegateError } from '../errors.js';
import { gateHead } from '../gate/gate-head.js';
import { resolveHead } from '../runs/select.js';
import { gateOptions, GateOptionsSchema } from '../gate/options.js';
import { fieldWording, inFields } from './option-fields.js';
import { sendJson } from './read-cache.js';
import { ErrorBody, RunId } from './schemas.js';

export const gateRoutes: FastifyPluginAsyncTypebox<RouteDeps> = async (app, deps) => {
  app.get('/api/gate', {
    schema: {
      summary: 'The regression gate: compare a run with a baseline item by item (same JSON as `tunegate gate --json`; `reference` says which baseline was used and why)',
      querystring: Type.Object({
        run: Type.Optional(RunId),
        checkpoint: Type.Optional(Type.String()),
        ...GateOptionsSchema.properties,
      }, { additionalProperties: false }),
      response: { 200: Type.Object({}, { additionalProperties: true }), 400: ErrorBody, 404: ErrorBody, 409: ErrorBody },
    },
  }, async (req, reply) => {
    const { run, checkpoint, ...request } = req.query;
    if (run !== undefined && checkpoint !== undefined) throw new TunegateError('USAGE', 'querystring: pass run or checkpoint, not both');
    const head = inFields('querystring', () => resolveHead(deps.store, { ...(run !== undefined ? { run } : {}), ...(checkpoint !== undefined ? { checkpoint } : {}) }));
    const options = inFields('querystring', () => gateOptions(request));
    // The reference and the forgetting alarm read other checkpoints' runs: any run's change counts.
    const body = await deps.readCache.get(`gate:${head.id}:${JSON.stringify(options)}`, () => deps.store.versions.allRuns(),
      () => inFields('querystring', () => reply.serialize(gateHead(deps.store, head, { ...options, optionName: fieldWording('querystring') }))));
    return sendJson(reply, body);
  });
};
