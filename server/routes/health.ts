import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { AppDeps } from './deps.js';
import { ERROR_CODES } from '../errors.js';
import { toolVersion } from '../version.js';

const Health = Type.Object({ ok: Type.Boolean(), version: Type.String(), error: Type.Optional(Type.String()) });

export const healthRoutes: FastifyPluginAsyncTypebox<AppDeps> = async (app, deps) => {
  app.get('/api/health', {
    schema: {
      summary: 'Liveness and version; 503 {ok: false, error} once the database file has been found damaged',
      response: { 200: Health, 503: Health },
    },
  }, async (_req, reply) => {
    const damaged = deps.store.integrity.damaged;
    if (damaged !== null) return reply.code(ERROR_CODES.DATABASE_DAMAGED.http).send({ ok: false, version: toolVersion(), error: damaged });
    return { ok: true, version: toolVersion() };
  });
};
