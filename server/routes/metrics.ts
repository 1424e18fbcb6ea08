import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { AppDeps } from '../app.js';
import { metricDef, METRICS, SET_METRIC_PREFIX } from '../scoring/metric-registry.js';

const Metric = Type.Object({
  name: Type.String(),
  label: Type.String(),
  description: Type.String(),
  direction: Type.Union([Type.Literal('higher'), Type.Literal('lower'), Type.Null()]),
  range: Type.Union([Type.Tuple([Type.Number(), Type.Number()]), Type.Null()]),
  proportion: Type.Boolean(),
  geometric: Type.Boolean(),
});

/** The metric registry, plus `set:NAME` for every eval set a stored run used: the dashboard's metric picker. */
export const metricRoutes: FastifyPluginAsyncTypebox<AppDeps> = async (app, deps) => {
  app.get('/api/metrics', {
    schema: {
      summary: 'Every metric a run reports (name, label, meaning, which way is better, range), and set:NAME for each eval set in the database',
      response: { 200: Type.Object({ metrics: Type.Array(Metric) }) },
    },
  }, async () => ({
    metrics: [...METRICS, ...deps.store.runs.setNames().map((s) => metricDef(`${SET_METRIC_PREFIX}${s}`)!)],
  }));
};
