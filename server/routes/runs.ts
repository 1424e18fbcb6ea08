import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { RouteDeps } from './deps.js';
import { checkKeyEnvsAllowed } from '../config.js';
import { refuseUrlCredentials } from '../http/url-credentials.js';
import { checkpointKeyUse } from '../queue/submit-run.js';
import { judgeKeyUse, judgeSpecUrl } from '../judge/spec.js';
import { runJson } from '../report/run-json.js';
import { resultJsonOf } from './result-json.js';
import { streamResultsJsonl } from './results-jsonl.js';
import { currentSummary } from '../runs/summary.js';
import { TunegateError } from '../errors.js';
import { judgeSummaries } from '../judge/judge-summaries.js';
import { submitRun } from '../queue/submit-run.js';
import type { Store } from '../store/open.js';
import type { ResultPage } from '../store/results.js';
import type { RunKind, RunStatus } from '../store/types.js';
import type { Category } from '../scoring/category.js';
import { runsMark, sendJson } from './read-cache.js';
import { CSP, servedSecrets } from './deps.js';
import { redactSecretForms } from '../http/secret-forms.js';
import { runStreams } from './run-events.js';
import { searchTerm } from '../shared/text-search.js';
import { CategoryName, ErrorBody, NewRunBody, Nullable, Run, RunId, RunParams } from './schemas.js';

const Status = Type.Union(['queued', 'running', 'completed', 'interrupted', 'failed', 'cancelled'].map((s) => Type.Literal(s)));
const errors = { 400: ErrorBody, 404: ErrorBody, 409: ErrorBody };

/** A run with its live progress and pairwise comparisons. */
export function runBody(store: Store, id: number) {
  const run = store.runs.get(id);
  const summary = currentSummary(store, run);
  return {
    ...runJson(run, summary, judgeSummaries(store, id)),
    progress: { done: summary.counts.results, total: summary.counts.items * run.params.samples, errors: summary.counts.errors },
  };
}

/** A page of runs, newest first (GET /api/runs). */
function runList(store: Store, q: { checkpoint?: string; q?: string; status?: RunStatus; kind?: RunKind | 'any'; limit?: number; cursor?: number }) {
  const limit = q.limit ?? 50;
  const search = searchTerm(q.q ?? '');
  const checkpointId = q.checkpoint === undefined ? undefined : store.checkpoints.get(q.checkpoint).id;
  const runs = store.runs.list({
    ...(checkpointId !== undefined ? { checkpointId } : {}), ...(q.status !== undefined ? { status: q.status } : {}),
    ...(q.kind !== undefined ? { kind: q.kind } : {}), ...(search !== '' ? { search } : {}),
    ...(q.cursor !== undefined ? { before: q.cursor } : {}), limit: limit + 1,
  });
  const page = runs.slice(0, limit);
  return { runs: page.map((r) => runBody(store, r.id)), nextCursor: runs.length > limit ? page.at(-1)!.id : null };
}

/** One page of a run's results, optionally only the keyword items of one knowledge category. */
function resultsPage(store: Store, id: number, page: ResultPage & { limit: number; offset: number }, category: Category | undefined) {
  const { json, itemOf, categoryOf } = resultJsonOf(store, store.runs.get(id));
  if (category === undefined) {
    return { results: store.results.list(id, page).map(json), total: store.results.count(id, page), limit: page.limit, offset: page.offset };
  }
  // Categories are per item content, not stored with results: filter the run's results, then page.
  const { limit, offset, ...filter } = page;
  const matching = store.results.list(id, filter).filter((r) => {
    const item = itemOf(r);
    return item !== undefined && categoryOf(item) === category;
  });
  return { results: matching.slice(offset, offset + limit).map(json), total: matching.length, limit, offset };
}

export const runRoutes: FastifyPluginAsyncTypebox<RouteDeps> = async (app, deps) => {
  const { store, queue } = deps;

  app.post('/api/runs', {
    schema: {
      summary: 'Queue a run of a registered checkpoint (400 MODEL_NOT_SERVED when the endpoint lists its models and the checkpoint\'s is not one of them)',
      body: NewRunBody,
      response: { 202: Type.Object({ id: Type.Integer(), status: Type.String(), warnings: Type.Array(Type.String(), { description: 'e.g. the endpoint lists no models, so the model name was not verified' }) }), ...errors },
    },
  }, async (req, reply) => {
    const { checkpoint: name, judge, ...rest } = req.body;
    refuseUrlCredentials([['body/judge/spec', judgeSpecUrl(judge?.spec), 'judge.keyEnv']]);
    const overrides = { ...rest, ...(judge !== undefined ? { judge: judge === null ? null : { spec: judge.spec, keyEnv: judge.keyEnv ?? null } } : {}) };
    const checkpoint = store.checkpoints.find(name);
    if (checkpoint === undefined) throw new TunegateError('INVALID_INPUT', `body/checkpoint: no checkpoint named "${name}"`);
    // A checkpoint registered elsewhere (the CLI) may name any variable and URL: the server still
    // reads only allowed ones, and sends a bound one only under its prefixes.
    checkKeyEnvsAllowed(deps.env, [checkpointKeyUse(checkpoint), judgeKeyUse(judge === undefined ? checkpoint.judge : judge, deps.env, 'body/judge')]);
    const { id, warnings } = await submitRun(store, deps.env, deps.evalsetsDir, checkpoint, overrides);
    queue.pump();
    return reply.code(202).send({ id, status: 'queued', warnings });
  });

  app.get('/api/runs', {
    schema: {
      summary: 'Runs, newest first; page with cursor = the last id seen',
      querystring: Type.Object({
        checkpoint: Type.Optional(Type.String()), status: Type.Optional(Status),
        q: Type.Optional(Type.String({ maxLength: 200, description: 'only runs whose checkpoint name contains this text (case-insensitive, as the answer search compares), or whose id it is' })),
        kind: Type.Optional(Type.Union([Type.Literal('eval'), Type.Literal('categorize'), Type.Literal('any')], { description: 'eval (default): evaluations; categorize: categorizations (tunegate categorize); any: both' })),
        limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 50 })), cursor: Type.Optional(RunId),
      }, { additionalProperties: false }),
      response: { 200: Type.Object({ runs: Type.Array(Run), nextCursor: Type.Union([Type.Integer(), Type.Null()]) }), ...errors },
    },
  }, async (req, reply) => {
    const q = req.query;
    const body = await deps.readCache.get(`runs:${JSON.stringify([q.checkpoint, q.q, q.status, q.kind, q.limit, q.cursor])}`, () => store.versions.allRuns(),
      () => reply.serialize(runList(store, q)));
    return sendJson(reply, body);
  });

  app.get('/api/runs/:id', {
    schema: { summary: 'A run: status, progress, metrics, provenance', params: RunParams, response: { 200: Run, ...errors } },
  }, async (req, reply) => {
    const id = req.params.id;
    const body = await deps.readCache.get(`run:${id}`, () => runsMark(store, [id]), () => reply.serialize(runBody(store, id)));
    return sendJson(reply, body);
  });

  app.get('/api/runs/:id/results', {
    schema: {
      summary: "A run's results, paged (outcome: pass/fail for keyword items, error for errored results; category: keyword items of that knowledge category against the run's base; q: a text search over prompt and answer)",
      params: RunParams,
      querystring: Type.Object({
        set: Type.Optional(Type.String()), outcome: Type.Optional(Type.Union([Type.Literal('pass'), Type.Literal('fail'), Type.Literal('error')])),
        category: Type.Optional(CategoryName),
        q: Type.Optional(Type.String({ maxLength: 200, description: 'only results whose prompt or answer contains this text (case-insensitive, each character compared after Unicode NFKC); total counts the matches' })),
        limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 100 })), offset: Type.Optional(Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER, default: 0 })),
      }, { additionalProperties: false }),
      response: {
        200: Type.Object({
          results: Type.Array(Type.Object({
            category: Type.Optional(Nullable(CategoryName)),
          }, { additionalProperties: true, description: "one answer (see ItemJson); category: the item's SliCK category against the run's base checkpoint, by content hash (null: none)" })),
          total: Type.Integer(), limit: Type.Integer(), offset: Type.Integer(),
        }),
        ...errors,
      },
    },
  }, async (req, reply) => {
    const id = req.params.id;
    const q = req.query;
    const search = searchTerm(q.q ?? '');
    const page = {
      ...(q.set !== undefined ? { set: q.set } : {}), ...(q.outcome !== undefined ? { outcome: q.outcome } : {}), ...(search !== '' ? { search } : {}),
      limit: q.limit ?? 100, offset: q.offset ?? 0,
    };
    const body = await deps.readCache.get(`results:${id}:${JSON.stringify([page, q.category ?? null])}`, () => runsMark(store, [id]),
      () => reply.serialize(resultsPage(store, id, page, q.category)));
    return sendJson(reply, body);
  });

  const secrets = servedSecrets(deps);
  app.get('/api/runs/:id/results.jsonl', {
    schema: {
      summary: "Every stored result of a run as JSON Lines, streamed (a download): one object per line, the same objects and order as GET /api/runs/:id/results; a running run sends what is stored so far",
      params: RunParams,
      produces: ['application/x-ndjson'],
      response: { 200: Type.String({ description: 'one ItemJson (with category) per line, UTF-8, newline-terminated' }), ...errors },
    },
  }, async (req, reply) => {
    const id = req.params.id;
    const body = streamResultsJsonl(store, id, (text) => redactSecretForms(text, secrets));
    return reply
      // x-ndjson: the type jq, pandas (lines=True), DuckDB and HTTP clients know for one JSON value per line.
      .type('application/x-ndjson; charset=utf-8')
      .header('content-disposition', `attachment; filename="run-${id}-results.jsonl"`)
      // A stream is sent as is (the 200 schema documents its lines; Fastify serializes no stream).
      .send(body as unknown as string);
  });
  const streams = runStreams(app, {
    ...deps.eventStreams, store, queue, runBody: (id) => runBody(store, id), redact: (text) => redactSecretForms(text, secrets),
    headers: { 'x-content-type-options': 'nosniff', 'content-security-policy': CSP },
  });
  app.get('/api/runs/:id/events', {
    schema: { summary: 'Server-Sent Events: progress, item (one per stored result), finished; each with id: for Last-Event-ID', params: RunParams },
  }, async (req, reply) => {
    store.runs.get(req.params.id);
    streams.follow(req, reply, req.params.id);
  });

  app.post('/api/runs/:id/cancel', {
    schema: { summary: 'Cancel a queued or running run (stored results are kept)', params: RunParams, response: { 202: Type.Object({ id: Type.Integer(), status: Type.String() }), ...errors } },
  }, async (req, reply) => {
    queue.cancel(req.params.id);
    return reply.code(202).send({ id: req.params.id, status: store.runs.get(req.params.id).status });
  });

  app.post('/api/runs/:id/resume', {
    schema: {
      summary: 'Queue a stopped run again: only items without a stored result are sent (a failed run with every item stored just ends completed; 409 when a completed run has nothing left)',
      params: RunParams,
      body: Type.Optional(Type.Object({ retryErrors: Type.Optional(Type.Boolean()) }, { additionalProperties: false })),
      response: { 202: Type.Object({ id: Type.Integer(), status: Type.String() }), ...errors },
    },
  }, async (req, reply) => {
    const run = store.runs.get(req.params.id);
    const checkpoint = store.checkpoints.getById(run.checkpointId);
    checkKeyEnvsAllowed(deps.env, [...(checkpoint === undefined ? [] : [checkpointKeyUse(checkpoint)]), judgeKeyUse(run.params.judge, deps.env, `run ${run.id}: its judge`)]);
    queue.resume(req.params.id, req.body?.retryErrors === true);
    return reply.code(202).send({ id: req.params.id, status: 'queued' });
  });
};
