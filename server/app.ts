import fastifyCompress from '@fastify/compress';
import fastifyStatic from '@fastify/static';
import { constants as zlibConstants } from 'node:zlib';
import fastifySwagger from '@fastify/swagger';
import fastifySwaggerUi from '@fastify/swagger-ui';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Ajv, type Options as AjvOptions } from 'ajv';
import addFormats from 'ajv-formats';
import Fastify, { type FastifyError, type FastifyInstance } from 'fastify';
import { CHECKPOINT_NAME_MAX } from './checkpoint-name.js';
import { ERROR_CODES, TunegateError } from './errors.js';
import { serializeError } from './log-serializers.js';
import { packagePath } from './paths.js';
import { PAGE_URLS } from './shared/page-urls.js';
import { registerRequestGuards } from './request-guards.js';
import { redactSecretForms } from './http/secret-forms.js';
import { registerRequestLimits } from './request-limits.js';
import { checkpointRoutes } from './routes/checkpoints.js';
import { CSP, DOCS_CSP, servedSecrets, type AppDeps, type RouteDeps } from './routes/deps.js';
import { ReadCache } from './routes/read-cache.js';
import { compareRoutes } from './routes/compare.js';
import { evalsetRoutes } from './routes/evalsets.js';
import { gateRoutes } from './routes/gate.js';
import { planRoutes } from './routes/plan.js';
import { healthRoutes } from './routes/health.js';
import { metricRoutes } from './routes/metrics.js';
import { runRoutes } from './routes/runs.js';
import { categorizeRoutes } from './routes/categorize.js';
import { adviseRoutes } from './routes/advise.js';
import { damagedError } from './store/integrity.js';
import { toolVersion } from './version.js';

/** A validation error as one line naming the field (Ajv's own text omits unknown fields' names). */
function validationMessage(e: FastifyError): string {
  const v = e.validation?.[0];
  if (v === undefined) return e.message;
  const where = `${e.validationContext ?? 'body'}${v.instancePath}`;
  const params = v.params as Record<string, unknown>;
  if (v.keyword === 'additionalProperties') return `${where}: unknown field "${String(params.additionalProperty)}"`;
  if (v.keyword === 'required') return `${where}: "${String(params.missingProperty)}" is required`;
  // A refused object key (propertyNames): name the key and say the rule the schema describes.
  const key = (v as { propertyName?: string }).propertyName ?? (v.keyword === 'propertyNames' ? String(params.propertyName) : undefined);
  if (key !== undefined) {
    const rule = (v as { parentSchema?: { description?: string } }).parentSchema?.description;
    return `${where}: key "${key}" is not allowed${rule !== undefined ? `: ${rule}` : ''}`;
  }
  return `${where} ${v.message ?? 'is invalid'}`;
}

/**
 * Two validators: query strings and path parameters arrive as text, so they are coerced
 * ("limit=5" → 5, one value → array); JSON bodies are not, so a wrong type is a 400 naming the
 * field instead of a silent conversion. Neither removes unknown fields: they are rejected.
 */
function validatorCompiler() {
  const make = (coerceTypes: AjvOptions['coerceTypes']) => {
    // verbose: an error carries its schema, whose description words a refused key's rule.
    const ajv = new Ajv({ coerceTypes, removeAdditional: false, useDefaults: true, allErrors: false, strict: false, verbose: true });
    addFormats.default(ajv);
    return ajv;
  };
  const strict = make(false);
  const coercing = make('array');
  return ({ schema, httpPart }: { schema: object; httpPart?: string }) => (httpPart === 'body' ? strict : coercing).compile(schema);
}

/**
 * The built page (web/dist: index.html, app.js, app.css, precompressed copies) and its URLs. A
 * path under /api/ that no route answers is a JSON 404, never the page.
 */
async function pageRoutes(app: FastifyInstance): Promise<void> {
  const root = packagePath('web', 'dist');
  await app.register(fastifyStatic, { root, prefix: '/', index: false, preCompressed: true });
  // Each of the dashboard's URLs answers the page, whose router picks the view (reload works on every one).
  for (const url of Object.values(PAGE_URLS)) {
    app.get(url, { schema: { hide: true } }, (_req, reply) => reply.type('text/html; charset=utf-8').sendFile('index.html', root));
  }
  app.setNotFoundHandler((req, reply) => reply.code(404).send({ error: `no route ${req.method} ${req.url.split('?')[0]}`, code: 'NOT_FOUND' }));
}

/**
 * API JSON compressed for a team server across a network: brotli at quality 4 (fast, still about
 * a tenth of the JSON), else gzip, above 1 KB. Its hook is added to every route registered after
 * it and runs after the app's own onSend hooks, so bytes are redacted before they are compressed.
 * It leaves alone what already has a content-encoding (the page's precompressed .br/.gz files)
 * and the event stream (hijacked, and text/event-stream is not compressible to it: an event must
 * arrive when it is written). Request bodies are never decompressed (bodyLimit stays a real limit).
 */
async function registerCompression(app: FastifyInstance): Promise<void> {
  await app.register(fastifyCompress, {
    encodings: ['br', 'gzip'],
    threshold: 1024,
    brotliOptions: { params: { [zlibConstants.BROTLI_PARAM_QUALITY]: 4 } },
    customTypes: /^application\/json|^text\/(?!event-stream)/u,
    globalDecompression: false,
  });
}

/**
 * Builds the app (routes, schemas, docs, auth, headers) without listening, so tests use the
 * real thing through `inject` or a port. All state is in `store`; the queue executes runs.
 */
export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  // Logged errors are redacted like stored ones: the token and every key the server may send.
  const secrets = servedSecrets(deps);
  const app = Fastify({
    logger: deps.logger === true
      ? { level: 'info', ...(deps.logStream !== undefined ? { stream: deps.logStream } : {}), serializers: { err: (e: unknown) => serializeError(e, secrets) } }
      : false,
    bodyLimit: 1024 * 1024,
    // Every valid checkpoint name fits in a path parameter (UTF-16 units: up to 2 per character).
    routerOptions: { maxParamLength: CHECKPOINT_NAME_MAX * 2 },
  }).withTypeProvider<TypeBoxTypeProvider>();
  app.setValidatorCompiler(validatorCompiler());
  registerRequestGuards(app, { token: deps.token, host: deps.host, allowedHosts: deps.allowedHosts, protectReads: deps.protectReads });
  if (deps.requestLimits !== undefined) await registerRequestLimits(app, deps.requestLimits);

  app.setErrorHandler((e: FastifyError, req, reply) => {
    // SQLite found the file damaged: say so (and /api/health from now on), not "internal error".
    const damaged = damagedError(deps.store.integrity, deps.store.path, e);
    if (damaged !== undefined) {
      req.log.error({ err: damaged }, 'database damaged');
      return reply.code(ERROR_CODES.DATABASE_DAMAGED.http).send({ error: damaged.message, code: damaged.code });
    }
    if (e instanceof TunegateError) {
      return reply.code(ERROR_CODES[e.code].http).send({ error: e.message, code: e.code, details: e.details });
    }
    if (e.validation !== undefined) return reply.code(400).send({ error: validationMessage(e), code: 'VALIDATION' });
    const status = e.statusCode ?? 500;
    if (status < 500) return reply.code(status).send({ error: e.message, code: e.code });
    req.log.error(e);
    return reply.code(500).send({ error: 'internal error; see the server log', code: 'INTERNAL' });
  });

  app.addHook('onSend', async (req, reply, payload) => {
    // A second layer behind the transport's (http/transport.ts): a row stored by an older version
    // may hold a key an endpoint echoed; no answer of this server carries one of its secrets.
    if (typeof payload === 'string') payload = redactSecretForms(payload, secrets);
    // Cached reads are sent as the bytes computed once (routes/read-cache.ts): the same check.
    else if (Buffer.isBuffer(payload) && secrets.length > 0) {
      const text = payload.toString('utf8');
      const clean = redactSecretForms(text, secrets);
      if (clean !== text) payload = Buffer.from(clean, 'utf8');
    }
    reply.header('x-content-type-options', 'nosniff');
    reply.header('referrer-policy', 'no-referrer');
    if (!req.url.startsWith('/api/docs')) {
      reply.header('content-security-policy', CSP);
      reply.header('x-frame-options', 'DENY');
    }
    return payload;
  });
  await registerCompression(app);

  await app.register(fastifySwagger, {
    openapi: {
      info: { title: 'tunegate API', version: toolVersion(), description: 'Register checkpoints, queue evaluation runs, follow them and read their scores.' },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
    },
  });
  await app.register(fastifySwaggerUi, { routePrefix: '/api/docs', staticCSP: DOCS_CSP });

  const routeDeps: RouteDeps = { ...deps, readCache: deps.readCache ?? new ReadCache() };
  await app.register(healthRoutes, routeDeps);
  await app.register(checkpointRoutes, routeDeps);
  await app.register(runRoutes, routeDeps);
  await app.register(categorizeRoutes, routeDeps);
  await app.register(compareRoutes, routeDeps);
  await app.register(gateRoutes, routeDeps);
  await app.register(planRoutes, routeDeps);
  await app.register(adviseRoutes, routeDeps);
  await app.register(evalsetRoutes, routeDeps);
  await app.register(metricRoutes, routeDeps);
  await app.register(pageRoutes);
  return app;
}
