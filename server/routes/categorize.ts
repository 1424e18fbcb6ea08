import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { AppDeps } from '../app.js';
import { CATEGORIES } from '../scoring/category.js';
import { CATEGORIZE_LIMITS, planCategorize } from '../categorize/plan-categorize.js';
import { checkKeyEnvsAllowed } from '../config.js';
import { TunegateError } from '../errors.js';
import { checkBeforeQueueing, checkpointKeyUse, loadOfferedSets, requireServerKey } from '../queue/submit-run.js';
import { createRun, PARAM_BOUNDS } from '../runner/create-run.js';
import { boundedSchema, ErrorBody, Name } from './schemas.js';

const CategorizeBody = Type.Object({
  base: Name,
  evalsets: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 200 }), { minItems: 1, description: 'eval-set names offered by the server; blog items are skipped' })),
  prompts: Type.Optional(Type.Integer({ minimum: 1, maximum: CATEGORIZE_LIMITS.prompts, description: 'k-shot prompts per item (default 10; fast: 4)' })),
  shots: Type.Optional(Type.Integer({ minimum: 0, maximum: CATEGORIZE_LIMITS.shots, description: 'exemplars per prompt (default 4)' })),
  samples: Type.Optional(Type.Integer({ minimum: 0, maximum: CATEGORIZE_LIMITS.samples, description: 'sampled answers per prompt (default 16; fast: 4)' })),
  temperature: Type.Optional(boundedSchema(PARAM_BOUNDS.temperature, { description: 'temperature of the sampled answers (default 0.5)' })),
  topK: Type.Optional(Type.Integer({ minimum: 1, maximum: CATEGORIZE_LIMITS.topK, description: 'top-k of the sampled answers (default 40), sent as the extra body field top_k' })),
  concurrency: Type.Optional(boundedSchema(PARAM_BOUNDS.concurrency)),
  seed: Type.Optional(Type.Integer({ minimum: 0, maximum: CATEGORIZE_LIMITS.seed })),
  maxTokens: Type.Optional(Type.Integer({ minimum: 1, maximum: CATEGORIZE_LIMITS.maxTokens, description: 'max tokens per answer (default 64; raise it for a reasoning base model)' })),
  fast: Type.Optional(Type.Boolean({ description: 'fewer prompts and samples (4 and 4) for a quick look' })),
  recategorize: Type.Optional(Type.Boolean({ description: 'replace categories already stored for these items (409 otherwise)' })),
  modelCheck: Type.Optional(Type.Boolean()),
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
    const plan = planCategorize(store, base, loadOfferedSets(deps.evalsetsDir, evalsets), settings);
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
