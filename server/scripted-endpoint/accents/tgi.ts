import { exact, json, noReasoningField, table, type Accent } from './accent.js';

/** Hugging Face TGI (router/src/server.rs, lib.rs, validation.rs). */
const TGI_DEFAULT_GENERATION_LENGTH = 1024; // validation.rs DEFAULT_GENERATION_LENGTH
export const tgi: Accent = {
  name: 'tgi',
  headers: {},
  defaultVersion: '3.3.6',
  // ChatRequest.max_tokens has serde alias max_completion_tokens; CompletionRequest has max_tokens only.
  maxTokenFields: { chat: ['max_tokens', 'max_completion_tokens'], completions: ['max_tokens'] },
  defaultMaxTokens: { chat: null, completions: null },
  error(status, message) {
    const types: Record<number, string> = { 422: 'validation', 424: 'generation', 429: 'overloaded', 500: 'incomplete_generation', 503: 'healthcheck' };
    return json(status, { error: message, error_type: types[status] ?? 'generation' });
  },
  badRequest: (message) => tgi.error(422, message), // axum's Json extractor rejects with 422
  get: table({
    '/info': (s) => json(200, {
      model_id: s.models[0] ?? 'model', model_sha: null, model_pipeline_tag: 'text-generation',
      max_concurrent_requests: 128, max_best_of: 2, max_stop_sequences: 4,
      max_input_tokens: s.contextLength - 1, max_total_tokens: s.contextLength,
      validation_workers: 2, max_client_batch_size: 4, router: 'text-generation-router', version: s.version, sha: null, docker_label: null,
    }),
    '/v1/models': (s) => json(200, { object: 'list', data: [{ id: s.models[0] ?? 'model', object: 'model', created: 0, owned_by: s.models[0] ?? 'model' }] }),
    '/health': () => ({ status: 200, text: '' }),
  }),
  routeNotFound: () => ({ status: 404, text: '' }), // axum's default: empty body
  serves: exact,
  unknownModel: () => null, // the name becomes adapter_id; an unknown adapter falls back to the base model
  checkContext(promptTokens, { tokens: requestedMax }, contextLength) {
    const maxInput = contextLength - 1;
    // validate_input checks the first chunk of at most 1024 new tokens, not the whole budget.
    const chunk = Math.min(requestedMax ?? Math.max(contextLength - promptTokens, 0), TGI_DEFAULT_GENERATION_LENGTH);
    if (promptTokens + chunk > contextLength) {
      return { kind: 'reject', reply: tgi.error(422, `Input validation error: \`inputs\` tokens + \`max_new_tokens\` must be <= ${contextLength}. Given: ${promptTokens} \`inputs\` tokens and ${chunk} \`max_new_tokens\``) };
    }
    if (promptTokens > maxInput) {
      return { kind: 'reject', reply: tgi.error(422, `Input validation error: \`inputs\` must have less than ${maxInput} tokens. Given: ${promptTokens}`) };
    }
    return { kind: 'fits' };
  },
  // chat: the request's model unless "tgi" or none; completions: always the served model_id.
  responseModel: (api, requested, served) => (api === 'chat' && requested !== '' && requested !== 'tgi' ? requested : (served[0] ?? requested)),
  responseId: () => '', // ChatCompletion::new and CompletionFinal set id ""
  systemFingerprint: (version) => `${version}-native`, // {version}-{docker_label or "native"}
  // TextMessage is {role, content}: there is no reasoning field, the model's <think> stays inline.
  placeReasoning: (content, reasoning) => (reasoning === undefined ? noReasoningField(content) : { content: `<think>${reasoning}</think>${content}`, fields: {} }),
  echo: 'ignored',
  logprobs: null, // CompletionComplete.logprobs is always None
};
