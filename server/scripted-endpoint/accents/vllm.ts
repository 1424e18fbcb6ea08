import { exact, fastapiNotFound, json, nowSeconds, pythonErrorType, seqId, table, type Accent } from './accent.js';

/**
 * vLLM (vllm/entrypoints/openai/…): nested ErrorResponse {message, type, param, code:int};
 * 404 NotFoundError for a model it does not serve; 400 from the renderer's token-length check.
 */
export const vllm: Accent = {
  name: 'vllm',
  headers: {},
  defaultVersion: '0.11.0',
  // chat_completion/protocol.py build_tok_params: max_completion_tokens, else max_tokens, else 0.
  // completion/protocol.py: max_tokens, default 16.
  maxTokenFields: { chat: ['max_completion_tokens', 'max_tokens'], completions: ['max_tokens'] },
  defaultMaxTokens: { chat: null, completions: 16 },
  error: (status, message) => json(status, { error: { message, type: pythonErrorType(status), param: null, code: status } }),
  badRequest: (message) => vllm.error(400, message),
  get: table({
    '/v1/models': (s) => json(200, {
      object: 'list',
      data: s.models.map((id) => ({
        id, object: 'model', created: nowSeconds(), owned_by: 'vllm', root: id, parent: null, max_model_len: s.contextLength,
        permission: [{
          id: `modelperm-${id}`, object: 'model_permission', created: nowSeconds(), allow_create_engine: false, allow_sampling: true,
          allow_logprobs: true, allow_search_indices: false, allow_view: true, allow_fine_tuning: false, organization: '*', group: null, is_blocking: false,
        }],
      })),
    }),
    '/version': (s) => json(200, { version: s.version }),
    '/health': () => ({ status: 200, text: '' }),
  }),
  routeNotFound: fastapiNotFound,
  serves: exact,
  unknownModel: (requested) => (requested === ''
    ? null // check_model: an empty name is the base model
    : json(404, { error: { message: `The model \`${requested}\` does not exist.`, type: 'NotFoundError', param: 'model', code: 404 } })),
  checkContext(promptTokens, { tokens: requestedMax, field }, contextLength) {
    const out = requestedMax ?? 0;
    const param = field ?? 'max_tokens';
    if (out > contextLength) {
      return { kind: 'reject', reply: json(400, { error: { message: `${param}=${out} cannot be greater than max_model_len=${contextLength}. Please request fewer output tokens.`, type: 'BadRequestError', param, code: 400 } }) };
    }
    const maxInput = contextLength - out;
    if (promptTokens <= maxInput) return { kind: 'fits' };
    // The renderer tokenizes with truncation at max_input + 1, so it can only say "at least".
    const seen = maxInput + 1;
    const message = `This model's maximum context length is ${contextLength} tokens. However, you requested ${out} output tokens and your prompt contains at least ${seen} input tokens, for a total of at least ${seen + out} tokens. Please reduce the length of the input prompt or the number of requested output tokens. (parameter=input_tokens, value=${seen})`;
    return { kind: 'reject', reply: json(400, { error: { message, type: 'BadRequestError', param: 'input_tokens', code: 400 } }) };
  },
  responseModel: (_api, requested, served) => requested || (served[0] ?? ''),
  responseId: seqId,
  systemFingerprint: () => null,
  // ChatMessage.reasoning (vLLM-specific); older releases named it reasoning_content. Pydantic dumps None as null.
  placeReasoning: (content, reasoning, { vllmLegacyReasoning }) => ({ content, fields: { [vllmLegacyReasoning ? 'reasoning_content' : 'reasoning']: reasoning ?? null } }),
  echo: 'legacy-logprobs',
  logprobs: null,
  chatPromptLogprobs: true,
  // entrypoints/serve/lora/api_router.py: the routes exist only with VLLM_ALLOW_RUNTIME_LORA_UPDATING
  // (else FastAPI's 404); serving_models.py answers success as plain text, errors as ErrorResponse.
  lora: {
    load: '/v1/load_lora_adapter',
    unload: '/v1/unload_lora_adapter',
    disabled: fastapiNotFound,
    loaded: (name) => ({ status: 200, text: `Success: LoRA adapter '${name}' added successfully.`, contentType: 'text/plain; charset=utf-8' }),
    unloaded: (name) => ({ status: 200, text: `Success: LoRA adapter '${name}' removed successfully.`, contentType: 'text/plain; charset=utf-8' }),
    failed: (why, name) => {
      const [status, type, message] = why === 'missing' ? [400, 'InvalidUserInput', "Both 'lora_name' and 'lora_path' must be provided."]
        : why === 'already' ? [400, 'InvalidUserInput', `The lora adapter '${name}' has already been loaded.`]
          : why === 'unknown' ? [404, 'NotFoundError', `The lora adapter '${name}' cannot be found.`]
            : [404, 'NotFoundError', `No adapter found for ${name}`];
      return json(status, { error: { message, type, param: null, code: status } });
    },
  },
};
