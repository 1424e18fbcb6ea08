import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { AppDeps } from './deps.js';
import { checkKeyEnvsAllowed } from '../config.js';
import { TunegateError, wordOptions } from '../errors.js';
import { bodyPathWording, queryParamWording } from './option-fields.js';
import { refuseUrlCredentials } from '../http/url-credentials.js';
import { judgeKeyUse, judgeSpecUrl } from '../judge/spec.js';
import { checkBeforeQueueing, planRun } from '../queue/submit-run.js';
import { createRun } from '../runner/create-run.js';
import type { Checkpoint as CheckpointRecord } from '../store/types.js';
import { writeTransaction } from '../store/write-lock.js';
import { defaultLoraName } from '../checkpoint-name.js';
import { Checkpoint, ErrorBody, NameParams, NewCheckpointBody, PatchCheckpointBody } from './schemas.js';

/** A checkpoint as the API shows it (the key variable's name only, never a key). */
export function checkpointBody(c: CheckpointRecord) {
  const { id: _id, ...rest } = c;
  return rest;
}

const errors = { 400: ErrorBody, 404: ErrorBody, 409: ErrorBody };

/** GET /api/checkpoints's page size by default: every checkpoint of most teams in one page. */
const CHECKPOINT_PAGE = 1000;
const CHECKPOINT_PAGE_MAX = 5000;

export const checkpointRoutes: FastifyPluginAsyncTypebox<AppDeps> = async (app, deps) => {
  const { store, queue } = deps;

  app.post('/api/checkpoints', {
    schema: {
      summary: 'Register a checkpoint (with autoRun, queue a run at once: the training-loop hook)',
      body: NewCheckpointBody,
      response: { 201: Type.Intersect([Checkpoint, Type.Object({ run: Type.Optional(Type.Object({ id: Type.Integer(), status: Type.String(), warnings: Type.Array(Type.String()) })) })]), ...errors },
    },
    // Before schema validation, so a pasted key gets a message that says what to do instead.
    preValidation: async (req) => {
      const body = req.body as Record<string, unknown> | undefined;
      if (body !== null && typeof body === 'object' && 'apiKey' in body) {
        throw new TunegateError('INVALID_INPUT', 'body/apiKey: keys are never sent to tunegate; pass apiKeyEnv, the name of the environment variable that holds the key on the server');
      }
    },
  }, async (req, reply) => {
    const b = req.body;
    // A password in a URL would be stored and served: refused before anything else is looked at.
    refuseUrlCredentials([
      ['body/baseUrl', b.baseUrl, 'apiKeyEnv'],
      ...(b.baseUrls ?? []).map((u, i) => [`body/baseUrls/${i}`, u, 'apiKeyEnv'] as const),
      ['body/judge/spec', judgeSpecUrl(b.judge?.spec), 'judge.keyEnv'],
    ]);
    const baseUrls = b.baseUrls ?? [b.baseUrl!];
    // First: a key variable the server may not read, or may not send where this body says, is
    // refused whatever else the body says.
    checkKeyEnvsAllowed(deps.env, [
      ['body/apiKeyEnv', b.apiKeyEnv, { field: b.baseUrls !== undefined ? 'body/baseUrls' : 'body/baseUrl', urls: baseUrls }],
      judgeKeyUse(b.judge, deps.env, 'body/judge'),
    ]);
    const lora = b.lora === undefined ? null : { path: b.lora.path, name: b.lora.name ?? defaultLoraName(b.name) };
    if (b.model === undefined && lora === null) throw new TunegateError('INVALID_INPUT', 'body/model: required (or lora, for an adapter)');
    if (b.model !== undefined && lora !== null && b.model !== lora.name) throw new TunegateError('INVALID_INPUT', 'body/model: an adapter is asked for by its name: leave model out, or set lora.name');
    const wanted = {
      name: b.name, baseUrl: b.baseUrl ?? baseUrls[0]!, ...(baseUrls.length > 1 ? { baseUrls } : {}), model: lora?.name ?? b.model!, lora, step: b.step ?? null, api: b.api ?? 'chat',
      promptTemplate: b.promptTemplate ?? null, apiKeyEnv: b.apiKeyEnv ?? null, tags: b.tags ?? {},
      judge: b.judge === undefined || b.judge === null ? null : { spec: b.judge.spec, keyEnv: b.judge.keyEnv ?? null },
      base: b.base ?? null,
    };
    const request = { ...(b.evalsets !== undefined ? { evalsets: b.evalsets } : {}), ...(b.modelCheck === false ? { modelCheck: false } : {}) };
    // autoRun: the request is checked, then the endpoint asked, before anything is stored. A
    // taken name is refused first: a new URL must not hear from us for a request that fails anyway.
    if (store.checkpoints.find(b.name) !== undefined) throw new TunegateError('CONFLICT', `checkpoint "${b.name}" already exists`);
    const plan = b.autoRun === true ? planRun(deps.env, deps.evalsetsDir, wanted, request) : undefined;
    // Every registration asks the endpoint (a wrong model or a URL missing /v1 is refused; one not up yet is fine).
    const warnings = await wordOptions(bodyPathWording, () => checkBeforeQueueing(deps.env, { ...wanted, baseUrls }, (plan?.params.modelCheck ?? b.modelCheck) !== false));
    // One transaction: a run request that is refused leaves no half-registered checkpoint.
    const { checkpoint, runId } = writeTransaction(store.db, () => {
      const c = store.checkpoints.add(wanted);
      return { checkpoint: c, runId: plan !== undefined ? createRun(store, c, plan.sets, plan.params, 'queued') : undefined };
    })();
    if (runId !== undefined) queue.pump();
    return reply.code(201).send({ ...checkpointBody(checkpoint), ...(runId !== undefined ? { run: { id: runId, status: 'queued', warnings } } : {}) });
  });

  app.get('/api/checkpoints', {
    schema: {
      summary: `Checkpoints, ordered by step then registration; ${CHECKPOINT_PAGE} per page unless limit says otherwise (all of them for most teams), the next page with cursor = nextCursor`,
      querystring: Type.Object({
        limit: Type.Optional(Type.Integer({ minimum: 1, maximum: CHECKPOINT_PAGE_MAX, default: CHECKPOINT_PAGE, description: `checkpoints per page (default ${CHECKPOINT_PAGE})` })),
        cursor: Type.Optional(Type.Integer({ minimum: 1, description: "the previous page's nextCursor (the id of its last checkpoint)" })),
      }, { additionalProperties: false }),
      response: {
        200: Type.Object({
          checkpoints: Type.Array(Checkpoint),
          nextCursor: Type.Union([Type.Integer(), Type.Null()], { description: 'pass as cursor for the next page; null on the last page' }),
        }),
        ...errors,
      },
    },
  }, async (req) => {
    const limit = req.query.limit ?? CHECKPOINT_PAGE;
    const cursor = req.query.cursor;
    if (cursor !== undefined && store.checkpoints.getById(cursor) === undefined) {
      throw new TunegateError('INVALID_INPUT', `querystring/cursor: no checkpoint has id ${cursor} (it was deleted?); list again without cursor`);
    }
    const rows = store.checkpoints.page(limit + 1, cursor);
    const page = rows.slice(0, limit);
    return { checkpoints: page.map(checkpointBody), nextCursor: rows.length > limit ? page.at(-1)!.id : null };
  });

  app.get('/api/checkpoints/:name', {
    schema: { summary: 'One checkpoint', params: NameParams, response: { 200: Checkpoint, ...errors } },
  }, async (req) => checkpointBody(store.checkpoints.get(req.params.name)));

  app.patch('/api/checkpoints/:name', {
    schema: {
      summary: 'Change endpoint, model, step, tags, base or the baseline flag (its runs stay); a new endpoint or model is checked like a registration',
      params: NameParams, body: PatchCheckpointBody, response: { 200: Checkpoint, ...errors },
    },
  }, async (req) => {
    const { baseUrl, baseUrls: urls, model, modelCheck, ...rest } = req.body;
    const c = store.checkpoints.get(req.params.name);
    if (baseUrl !== undefined && urls !== undefined && urls[0] !== baseUrl) throw new TunegateError('INVALID_INPUT', 'body/baseUrls: the first base URL must be baseUrl');
    refuseUrlCredentials([
      ['body/baseUrl', baseUrl, 'apiKeyEnv'],
      ...(urls ?? []).map((u, i) => [`body/baseUrls/${i}`, u, 'apiKeyEnv'] as const),
    ]);
    const baseUrls = urls ?? (baseUrl !== undefined ? [baseUrl] : undefined);
    if (baseUrls !== undefined || model !== undefined) {
      // The key bindings and the model check of the endpoint it will have, before anything changes.
      await wordOptions(bodyPathWording, () => checkBeforeQueueing(deps.env, { name: c.name, baseUrls: baseUrls ?? c.baseUrls, model: model ?? c.model, apiKeyEnv: c.apiKeyEnv, lora: c.lora }, modelCheck !== false));
    }
    return checkpointBody(store.checkpoints.update(c.name, { ...rest, ...(baseUrls !== undefined ? { baseUrls } : {}), ...(model !== undefined ? { model } : {}) }));
  });

  app.delete('/api/checkpoints/:name', {
    schema: {
      summary: 'Delete a checkpoint (409 while it has runs, unless force=true)',
      params: NameParams,
      querystring: Type.Object({ force: Type.Optional(Type.Boolean()) }, { additionalProperties: false }),
      response: { 204: Type.Null(), ...errors },
    },
  }, async (req, reply) => {
    wordOptions(queryParamWording, () => store.checkpoints.delete(req.params.name, req.query.force === true));
    return reply.code(204).send(null);
  });
};
