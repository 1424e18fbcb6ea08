import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { AppDeps } from './deps.js';
import { CATEGORIES } from '../scoring/category.js';
import { CategorizeOptions } from '../categorize/categorize-options.js';
import { planCategorize } from '../categorize/plan-categorize.js';
import { inFields } from './option-fields.js';
import { checkKeyEnvsAllowed } from '../config.js';
import { TunegateError } from '../errors.js';
import { checkBeforeQueueing, checkpointKeyUse, loadOfferedSets, requireServerKey } from '../queue/submit-run.js';
import { createRun } from '../runner/create-run.js';
import { ErrorBody, Name } from './schemas.js';

const CategorizeBody = Type.Object({
  base: Name,
  evalsets: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 200 }), { minItems: 1, description: 'eval-set names offered by the server; blog items are skipped' })),
  ...CategorizeOptions.properties,
}, { additionalProperties: false });

const Counts = Type.Object(Object.fromEntries(CATEGORIES.map((c) => [c, Type.Integer()])));

export const categorizeRoutes: FastifyPluginAsyncTypebox<AppDeps> = async (app, deps) => {
  const { store, queue } = deps;

  app.post('/api/categorize', {
    schema: {
      summary: 'Queue a categorization of the eval items against a base checkpoint (SliCK: HighlyKnown, MaybeKnown, WeaklyKnown, Unknown), as `tunegate categorize`',
      body: CategorizeBody,
      response: { 202: Type.Object({ id: Type.Integer(), status: Type.String(), warnings: Type.Array(Type.String()) }), 400: ErrorBody, 409: ErrorBody },
    },
  }, async (req, reply) => {
    const { base: name, evalsets, ...settings } = req.body;
    const base = store.checkpoints.find(name);
    if (base === undefined) throw new TunegateError('INVALID_INPUT', `body/base: no checkpoint named "${name}"`);
    checkKeyEnvsAllowed(deps.env, [checkpointKeyUse(base)]);
    requireServerKey(deps.env, base);
    const plan = inFields('body', () => planCategorize(store, base, loadOfferedSets(deps.evalsetsDir, evalsets), settings));
    const warnings = await checkBeforeQueueing(deps.env, base, plan.params.modelCheck !== false);
    const id = createRun(store, base, plan.sets, plan.params, 'queued', 'categorize');
    for (const n of plan.notes) store.runs.addNote(id, n);
    queue.pump();
    return reply.code(202).send({ id, status: 'queued', warnings: [...warnings, ...plan.notes] });
  });

  app.get('/api/categories', {
    schema: {
      summary: "A base checkpoint's stored categories: counts, and each item's category with its evidence",
      querystring: Type.Object({ base: Name }, { additionalProperties: false }),
      response: {
        200: Type.Object({
          base: Type.String(),
          counts: Counts,
          items: Type.Array(Type.Object({
            set: Type.String(), itemId: Type.String(), itemHash: Type.String(), category: Type.String(),
            greedy: Type.Object({ correct: Type.Integer(), total: Type.Integer() }),
            sampled: Type.Object({ correct: Type.Integer(), total: Type.Integer() }),
            runId: Type.Integer(), createdAt: Type.String(),
          })),
        }),
        404: ErrorBody,
      },
    },
  }, async (req) => {
    const base = store.checkpoints.get(req.query.base);
    const items = store.categories.ofBase(base.id);
    const counts = Object.fromEntries(CATEGORIES.map((c) => [c, items.filter((i) => i.category === c).length]));
    return { base: base.name, counts, items: items.map(({ baseCheckpointId: _b, ...rest }) => rest) };
  });
};
