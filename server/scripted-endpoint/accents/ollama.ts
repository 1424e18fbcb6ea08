import { json, nowSeconds, seqId, table, type Accent } from './accent.js';

/** Ollama (openai/openai.go, middleware/openai.go, server/routes.go). */
export const ollama: Accent = {
  name: 'ollama',
  headers: {},
  defaultVersion: '0.12.6',
  // FromChatRequest / FromCompleteRequest: max_tokens → num_predict (no max_completion_tokens field).
  maxTokenFields: { chat: ['max_tokens'], completions: ['max_tokens'] },
  defaultMaxTokens: { chat: null, completions: null },
  error(status, message) {
    const type = status === 400 ? 'invalid_request_error' : status === 404 ? 'not_found_error' : 'api_error';
    return json(status, { error: { message, type, param: null, code: null } });
  },
  badRequest: (message) => ollama.error(400, message),
  get: table({
    '/': () => ({ status: 200, text: 'Ollama is running', contentType: 'text/plain; charset=utf-8' }),
    '/api/version': (s) => json(200, { version: s.version }),
    '/v1/models': (s) => json(200, {
      object: 'list',
      data: s.models.map((id) => ({ id, object: 'model', created: nowSeconds(), owned_by: ollamaNamespace(id) })),
    }),
    '/api/tags': (s) => json(200, { models: s.models.map((name) => ({ name, model: name, modified_at: new Date().toISOString(), size: 0, digest: '' })) }),
  }),
  // gin's default 404 (routes.go registers no NoRoute handler).
  routeNotFound: () => ({ status: 404, text: '404 page not found', contentType: 'text/plain' }),
  // getExistingName: a name without a tag is the `latest` tag.
  serves: (requested, served) => served.includes(requested) || (!requested.includes(':') && served.includes(`${requested}:latest`)),
  unknownModel: (requested) => ollama.error(404, `model '${requested}' not found`),
  checkContext(promptTokens, _requested, contextLength) {
    // llama_server.go completionPrompt: a prompt of num_ctx - 1 tokens or more is cut to
    // num_keep (4, +1 for BOS) plus the tail, freeing about half the context; context shift
    // then keeps generating, so the answer is never cut.
    if (promptTokens <= contextLength - 1) return { kind: 'fits' };
    const nKeep = Math.min(4 + 1, contextLength - 1);
    return { kind: 'truncate-prompt', keptTokens: contextLength - Math.max(Math.floor((contextLength - nKeep) / 2), 1) };
  },
  responseModel: (_api, requested, served) => (served.includes(requested) ? requested : served.includes(`${requested}:latest`) ? `${requested}:latest` : requested),
  responseId: seqId,
  systemFingerprint: () => 'fp_ollama',
  placeReasoning: (content, reasoning) => ({ content, fields: reasoning ? { reasoning } : {} }),
  echo: 'ignored',
  logprobs: undefined, // ToCompletion never sets the choice's logprobs (omitempty)
};

/** model.ParseName(...).Namespace: `library` unless the name has a `namespace/` part. */
function ollamaNamespace(name: string): string {
  const parts = name.split(':')[0]!.split('/');
  return parts.length >= 2 ? parts[parts.length - 2]! : 'library';
}
