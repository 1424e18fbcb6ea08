import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { AppDeps } from '../app.js';
import { compareRuns } from '../compare/compare-runs.js';
import { trend } from '../compare/trend.js';
import { TunegateError } from '../errors.js';
import { ErrorBody, RunId } from './schemas.js';

export const compareRoutes: FastifyPluginAsyncTypebox<AppDeps> = async (app, deps) => {
  app.get('/api/compare', {
    schema: {
      summary: 'Compare two runs: metric deltas and the items that flipped between pass and fail',
      querystring: Type.Object({ base: RunId, head: RunId }, { additionalProperties: false }),
      response: { 200: Type.Object({}, { additionalProperties: true }), 400: ErrorBody, 404: ErrorBody },
    },
  }, async (req) => compareRuns(deps.store, req.query.base, req.query.head));

  app.get('/api/trend', {
    schema: {
      summary: "One series per metric: each checkpoint's latest completed run, by step then time",
      querystring: Type.Object({
        metric: Type.Array(Type.String({ minLength: 1 }), { minItems: 1 }),
        tag: Type.Optional(Type.Array(Type.String({ pattern: '^[^=]+=.*$' }))),
      }, { additionalProperties: false }),
      response: { 200: Type.Object({ series: Type.Array(Type.Object({}, { additionalProperties: true })) }), 400: ErrorBody },
    },
  }, async (req) => {
    const tags: Record<string, string> = {};
    for (const t of req.query.tag ?? []) {
      const eq = t.indexOf('=');
      if (eq <= 0) throw new TunegateError('INVALID_INPUT', `querystring/tag must be k=v, got "${t}"`);
      tags[t.slice(0, eq)] = t.slice(eq + 1);
    }
    return { series: trend(deps.store, req.query.metric, tags) };
  });
};
