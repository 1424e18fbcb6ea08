import { exact, fastapiNotFound, json, nowSeconds, pythonErrorType, seqId, table, type Accent, type ServerState, type WireReply } from './accent.js';

/** SGLang (python/sglang/srt/entrypoints/openai/…, managers/tokenizer_manager.py). */
export const sglang: Accent = {
  name: 'sglang',
  headers: {},
  defaultVersion: '0.5.3',
  // protocol.py: `max_completion_tokens or max_tokens`; completions max_tokens defaults to 16.
  maxTokenFields: { chat: ['max_completion_tokens', 'max_tokens'], completions: ['max_tokens'] },
  defaultMaxTokens: { chat: null, completions: 16 },
  // serving_base.create_error_response: flat, not nested under "error".
  error: (status, message) => json(status, { object: 'error', message, type: pythonErrorType(status), param: null, code: status }),
  badRequest: (message) => sglang.error(400, message),
  get: table({
    '/v1/models': (s) => json(200, {
      object: 'list',
      data: s.models.map((id) => ({ id, object: 'model', created: nowSeconds(), owned_by: 'sglang', root: id, parent: null, max_model_len: s.contextLength })),
    }),
    '/model_info': (s) => sglangModelInfo(s),
    '/get_model_info': (s) => sglangModelInfo(s),
    '/server_info': (s) => sglangServerInfo(s),
    '/get_server_info': (s) => sglangServerInfo(s),
    '/health': () => ({ status: 200, text: '' }),
    '/': () => ({ status: 200, text: 'SGLang is running', contentType: 'text/plain; charset=utf-8' }),
  }),
  routeNotFound: fastapiNotFound,
  serves: exact,
  unknownModel: () => null, // _validate_request never looks at the model name
  checkContext(promptTokens, { tokens: requestedMax }, contextLength) {
    if (promptTokens >= contextLength) {
      return { kind: 'reject', reply: sglang.error(400, `The input (${promptTokens} tokens) is longer than the model's context length (${contextLength} tokens).`) };
    }
    if (requestedMax !== null && requestedMax + promptTokens >= contextLength) {
      const total = requestedMax + promptTokens;
      return {
        kind: 'reject',
        reply: sglang.error(400, `Requested token count exceeds the model's maximum context length of ${contextLength} tokens. You requested a total of ${total} tokens: ${promptTokens} tokens from the input messages and ${requestedMax} tokens for the completion. Please reduce the number of tokens in the input messages or the completion to fit within the limit.`),
      };
    }
    return { kind: 'fits' };
  },
  responseModel: (_api, requested) => requested, // model=request.model
  responseId: seqId,
  systemFingerprint: () => null,
  placeReasoning: (content, reasoning) => ({ content, fields: { reasoning_content: reasoning || null } }),
  echo: 'legacy-logprobs-no-offsets',
  logprobs: null,
  // entrypoints/http_server.py and managers/tokenizer_manager.py: {success, error_message,
  // loaded_adapters}, 400 when not successful; without --enable-lora every load is refused.
  lora: {
    load: '/load_lora_adapter',
    unload: '/unload_lora_adapter',
    disabled: () => json(400, { success: false, error_message: 'LoRA is not enabled. Please set `--enable-lora` to enable LoRA.', loaded_adapters: null }),
    loaded: (_name, adapters) => json(200, { success: true, error_message: null, loaded_adapters: Object.fromEntries(adapters) }),
    unloaded: (_name, adapters) => json(200, { success: true, error_message: null, loaded_adapters: Object.fromEntries(adapters) }),
    failed: (why, name) => json(400, {
      success: false,
      error_message: why === 'already' ? `The LoRA adapter ${name} is already loaded.` : why === 'unknown' ? `LoRA adapter ${name} is not loaded.` : why === 'missing' ? 'lora_name and lora_path are required' : `Failed to load LoRA adapter ${name}`,
      loaded_adapters: null,
    }),
  },
};

function sglangModelInfo(s: ServerState): WireReply {
  const path = s.models[0] ?? 'model';
  return json(200, { model_path: path, tokenizer_path: path, is_generation: true, preferred_sampling_params: null, weight_version: 'default', has_image_understanding: false, has_audio_understanding: false });
}

/** The real route dumps all of ServerArgs; these are the fields a harness reads. */
function sglangServerInfo(s: ServerState): WireReply {
  const path = s.models[0] ?? 'model';
  return json(200, { model_path: path, served_model_name: path, context_length: s.contextLength, allow_auto_truncate: false, reasoning_parser: null, version: s.version });
}
