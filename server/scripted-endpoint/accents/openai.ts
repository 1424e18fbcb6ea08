import { exact, json, seqId, type Accent } from './accent.js';

/** Today's scripted endpoint: an OpenAI look-alike (the default; unchanged for existing callers). */
export const openai: Accent = {
  name: 'openai',
  headers: {},
  defaultVersion: '',
  maxTokenFields: { chat: ['max_completion_tokens', 'max_tokens'], completions: ['max_tokens'] },
  defaultMaxTokens: { chat: null, completions: 16 },
  // Exactly the bodies the endpoint sent before accents existed.
  error: (status, message) => json(status, { error: { message, type: 'server_error' } }),
  badRequest: (message) => json(400, { error: { message, type: 'invalid_request_error' } }),
  get: (path, s) => (/\/models$/.test(path) ? json(200, { object: 'list', data: s.models.map((id) => ({ id, object: 'model', owned_by: 'tunegate-scripted' })) }) : undefined),
  routeNotFound: (method, path) => json(404, { error: { message: `no route ${method} ${path}`, type: 'not_found' } }),
  serves: exact,
  unknownModel: () => null,
  checkContext(promptTokens, { tokens: requestedMax }, contextLength) {
    // OpenAI's wording (third-party captures; the service's source is not public).
    if (requestedMax === null && promptTokens <= contextLength) return { kind: 'fits' };
    if (requestedMax !== null && promptTokens + requestedMax <= contextLength) return { kind: 'fits' };
    const message = requestedMax === null
      ? `This model's maximum context length is ${contextLength} tokens. However, your messages resulted in ${promptTokens} tokens. Please reduce the length of the messages.`
      : `This model's maximum context length is ${contextLength} tokens. However, you requested ${promptTokens + requestedMax} tokens (${promptTokens} in the messages, ${requestedMax} in the completion). Please reduce the length of the messages or completion.`;
    return { kind: 'reject', reply: json(400, { error: { message, type: 'invalid_request_error', param: 'messages', code: 'context_length_exceeded' } }) };
  },
  responseModel: (_api, requested) => requested,
  responseId: seqId,
  systemFingerprint: () => null,
  placeReasoning: (content, reasoning) => ({ content, fields: reasoning === undefined ? {} : { reasoning_content: reasoning } }),
  echo: 'ignored',
  logprobs: null,
};
