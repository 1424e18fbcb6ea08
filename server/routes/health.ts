import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { toolVersion } from '../version.js';

export const healthRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get('/api/health', {
    schema: { summary: 'Liveness and version', response: { 200: Type.Object({ ok: Type.Boolean(), version: Type.String() }) } },
  }, async () => ({ ok: true, version: toolVersion() }));
};
