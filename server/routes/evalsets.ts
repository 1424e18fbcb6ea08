import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { AppDeps } from './deps.js';
import { TunegateError } from '../errors.js';
import { evalSetSummary, loadEvalSets } from '../evalsets/load.js';
import { offeredEvalsets } from '../queue/submit-run.js';

export const EvalSetListing = Type.Object({
  name: Type.String(),
  hash: Type.Optional(Type.String()),
  items: Type.Optional(Type.Integer()),
  keyword: Type.Optional(Type.Integer()),
  blog: Type.Optional(Type.Integer()),
  warnings: Type.Optional(Type.Array(Type.String())),
  error: Type.Optional(Type.String({ description: 'why the file cannot be used (a run naming it is refused)' })),
});

/** The eval sets the server offers by name: what the register form lists. */
export const evalsetRoutes: FastifyPluginAsyncTypebox<AppDeps> = async (app, deps) => {
  app.get('/api/evalsets', {
    schema: {
      summary: "The eval sets this server offers by name, with item counts by kind and content hashes (an invalid file is listed with its error)",
      response: { 200: Type.Object({ evalsets: Type.Array(EvalSetListing) }) },
    },
  }, async () => ({
    evalsets: offeredEvalsets(deps.evalsetsDir).map((name) => {
      try {
        // Relative to the folder, so a message names the file (bio.jsonl:7: …), never the server's paths.
        const [set] = loadEvalSets([`${name}.jsonl`], deps.evalsetsDir);
        return evalSetSummary(set!);
      } catch (e) {
        return { name, error: e instanceof TunegateError ? e.message : 'cannot be read' };
      }
    }),
  }));
};
