import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { RouteDeps } from './deps.js';
import { advise } from '../gate/advise.js';
import { AdviseOptionsSchema } from '../gate/options.js';
import { parseTag } from '../tag.js';
import { sendJson } from './read-cache.js';
import { Advice, ErrorBody } from './schemas.js';

/** `GET /api/advise?tag=KEY=VALUE`: the early-stopping advice of `tunegate advise --json` (gate/advise.ts). */
export const adviseRoutes: FastifyPluginAsyncTypebox<RouteDeps> = async (app, deps) => {
  app.get('/api/advise', {
    schema: {
      summary: 'Early-stopping advice across the checkpoints of one training run (tagged KEY=VALUE): the step with the best held-out accuracy among those whose HighlyKnown and MaybeKnown accuracy did not fall significantly below the base\'s, with every checkpoint\'s numbers and tests (as `tunegate advise --json`). 404 when no checkpoint carries the tag or none has a completed run; 400 when no knowledge categories apply',
      querystring: Type.Object({
        tag: Type.String({ pattern: '^[^=]+=.*$', description: 'KEY=VALUE naming the checkpoints of one training run, e.g. run=bio-v2' }),
        ...AdviseOptionsSchema.properties,
      }, { additionalProperties: false }),
      response: { 200: Advice, 400: ErrorBody, 404: ErrorBody },
    },
  }, async (req, reply) => {
    // The same KEY=VALUE rule as the CLI's --tag and the stored tags' keys.
    const tag = parseTag(req.query.tag, 'querystring/tag', 'INVALID_INPUT');
    const options = req.query.alpha !== undefined ? { alpha: req.query.alpha } : {};
    const body = await deps.readCache.get(`advise:${JSON.stringify([tag, options])}`, () => deps.store.versions.allRuns(),
      () => reply.serialize(advise(deps.store, tag, options)));
    return sendJson(reply, body);
  });
};
