import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { AppDeps } from '../app.js';
import { compareRuns, resolvePair } from '../compare/compare-runs.js';
import { trend } from '../compare/trend.js';
import { TunegateError } from '../errors.js';
import { ErrorBody, RunId } from './schemas.js';

export const compareRoutes: FastifyPluginAsyncTypebox<AppDeps> = async (app, deps) => {
  app.get('/api/compare', {
    schema: {
      summary: 'Compare two runs: metrics with intervals, per-set transitions (stayed right, learned, forgotten, stayed wrong), the keyword items that changed outcome with both answers and keyword marks, and both posts of every blog item. Without base and head: the latest completed run against the default baseline (the flagged baseline checkpoint, else the previous step)',
      querystring: Type.Object({ base: Type.Optional(RunId), head: Type.Optional(RunId) }, { additionalProperties: false }),
      response: { 200: Type.Object({}, { additionalProperties: true }), 400: ErrorBody, 404: ErrorBody },
    },
  }, async (req) => {
    const { base, head } = resolvePair(deps.store, req.query);
    return compareRuns(deps.store, base.id, head.id);
  });

  app.get('/api/trend', {
    schema: {
      summary: "One series per metric: each checkpoint's latest completed run, by step then time, with value, n, 95% interval (ci), tags and the baseline flag",
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
