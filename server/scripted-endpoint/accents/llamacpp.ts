import { exact, json, nowSeconds, seqId, table, type Accent, type ServerState, type WireReply } from './accent.js';

/**
 * llama.cpp's llama-server (tools/server/…): {"error":{code, message, type}}; the model name is
 * never checked; a prompt that fills the slot is refused, a long answer stops at the context.
 */
export const llamacpp: Accent = {
  name: 'llamacpp',
  headers: { Server: 'llama.cpp' },
  defaultVersion: 'b6700-0000000',
  // params_from_json_cmpl: n_predict, else max_tokens.
  maxTokenFields: { chat: ['n_predict', 'max_tokens'], completions: ['n_predict', 'max_tokens'] },
  defaultMaxTokens: { chat: null, completions: null },
  error(status, message) {
    const types: Record<number, string> = {
      400: 'invalid_request_error', 401: 'authentication_error', 403: 'permission_error', 404: 'not_found_error',
      500: 'server_error', 501: 'not_supported_error', 503: 'unavailable_error',
    };
    return json(status, { error: { code: status, message, type: types[status] ?? 'server_error' } });
  },
  badRequest: (message) => llamacpp.error(400, message),
  get: table({
    '/v1/models': (s) => llamacppModels(s),
    '/models': (s) => llamacppModels(s),
    '/props': (s) => json(200, {
      default_generation_settings: { n_ctx: s.contextLength, params: { n_predict: -1, temperature: 0.8, top_k: 40, top_p: 0.95 } },
      total_slots: 1,
      model_alias: s.models[0] ?? '',
      model_path: `/models/${s.models[0] ?? 'model'}.gguf`,
      modalities: { vision: false, audio: false },
      chat_template: '',
      bos_token: '<s>',
      eos_token: '</s>',
      build_info: s.version,
    }),
    '/health': () => json(200, { status: 'ok' }),
    '/v1/health': () => json(200, { status: 'ok' }),
  }),
  routeNotFound: () => json(404, { error: { message: 'File Not Found', type: 'not_found_error', code: 404 } }),
  serves: exact,
  unknownModel: () => null,
  checkContext(promptTokens, _requested, contextLength) {
    if (promptTokens >= contextLength) {
      return {
        kind: 'reject',
        reply: json(400, { error: {
          code: 400, message: `request (${promptTokens} tokens) exceeds the available context size (${contextLength} tokens), try increasing it`,
          type: 'exceed_context_size_error', n_prompt_tokens: promptTokens, n_ctx: contextLength,
        } }),
      };
    }
    // Context shift is off by default: generation stops once prompt + generated + 1 reach n_ctx.
    return { kind: 'stop-at', maxCompletionTokens: Math.max(1, contextLength - promptTokens - 1) };
  },
  // oaicompat_model = the request's `model`, else the loaded model's name.
  responseModel: (_api, requested, served) => requested || (served[0] ?? ''),
  responseId: seqId,
  systemFingerprint: (version) => version, // system_fingerprint = build_info
  placeReasoning: (content, reasoning) => ({ content, fields: reasoning ? { reasoning_content: reasoning } : {} }),
  echo: 'reject',
  // oaicompat_completion_params_parse throws std::runtime_error, which ex_wrapper turns into a 500.
  echoRefusal: json(500, { error: { code: 500, message: 'Only no echo is supported', type: 'server_error' } }),
  logprobs: null,
};

function llamacppModels(s: ServerState): WireReply {
  const name = s.models[0] ?? 'model';
  return json(200, {
    models: [{
      name, model: name, modified_at: '', size: '', digest: '', type: 'model', description: '', tags: [''], capabilities: ['completion'], parameters: '',
      details: { parent_model: '', format: 'gguf', family: '', families: [''], parameter_size: '', quantization_level: '' },
    }],
    object: 'list',
    data: [{
      id: name, aliases: [], tags: [], object: 'model', created: nowSeconds(), owned_by: 'llamacpp',
      // Placeholder model facts except n_ctx (the served context) and n_ctx_train (at least that).
      meta: { vocab_type: 2, n_vocab: 32000, n_ctx: s.contextLength, n_ctx_train: s.contextLength, n_embd: 4096, n_params: 7_000_000_000, size: 4_000_000_000, ftype: 'Q4_K_M' },
    }],
  });
}
