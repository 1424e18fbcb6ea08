import { exact, json, seqId, table, type Accent } from './accent.js';

/** LM Studio (lmstudio.ai docs and observed responses; closed source). */
export const lmstudio: Accent = {
  name: 'lmstudio',
  headers: {},
  defaultVersion: '',
  maxTokenFields: { chat: ['max_tokens'], completions: ['max_tokens'] },
  defaultMaxTokens: { chat: null, completions: null },
  // Its plain errors are a bare string ({"error": "No models loaded. …"}).
  error: (status, message) => json(status, { error: message }),
  badRequest: (message) => lmstudio.error(400, message),
  get: table({
    '/v1/models': (s) => json(200, { data: s.models.map((id) => ({ id, object: 'model', owned_by: 'organization_owner' })), object: 'list' }),
    '/api/v0/models': (s) => json(200, {
      object: 'list',
      data: s.models.map((id) => ({
        id, object: 'model', type: 'llm', publisher: 'lmstudio-community', arch: 'llama', compatibility_type: 'gguf', quantization: 'Q4_K_M',
        state: 'loaded', max_context_length: s.contextLength,
      })),
    }),
  }),
  // It answers a path it does not serve with 200 and an error body.
  routeNotFound: (method, path) => json(200, { error: `Unexpected endpoint or method. (${method} ${path})` }),
  serves: exact,
  unknownModel: (requested, served) => json(400, { error: {
    message: `Invalid model identifier "${requested}". Please specify a valid downloaded model (e.g., ${served.slice(0, 3).join(', ')}).`,
    type: 'invalid_request_error', param: 'model', code: 'model_not_found',
  } }),
  checkContext(promptTokens, _requested, contextLength) {
    if (promptTokens <= contextLength) return { kind: 'fits' };
    return {
      kind: 'reject',
      reply: lmstudio.error(400, `Trying to keep the first ${promptTokens} tokens when context the overflows. However, the model is loaded with context length of only ${contextLength} tokens, which is not enough. Try to load the model with a larger context length, or provide a shorter input.`),
    };
  },
  responseModel: (_api, requested, served) => (served.includes(requested) ? requested : (served[0] ?? requested)),
  responseId: seqId,
  systemFingerprint: () => null,
  placeReasoning: (content, reasoning) => ({ content, fields: reasoning ? { reasoning_content: reasoning } : {} }),
  echo: 'ignored',
  logprobs: null,
};
