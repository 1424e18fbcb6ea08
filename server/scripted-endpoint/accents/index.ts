/**
 * How each popular OpenAI-compatible server answers, as data and small pure functions, so the
 * scripted endpoint can speak with its accent: error bodies, the fields a reply's reasoning goes
 * in, what a too-long request gets, what an unknown model name gets, the GET routes it serves and
 * what /completions does with `echo` + `logprobs`. Every fact is read from the server's own
 * source where the stored material had it; docs/server-accents.md names the file for each and
 * says what could not be confirmed. Nothing here touches a socket: scripted-endpoint.ts does.
 */

export const SERVER_FLAVOURS = ['openai', 'vllm', 'llamacpp', 'ollama', 'tgi', 'sglang', 'lmstudio'] as const;
export type ServerFlavour = (typeof SERVER_FLAVOURS)[number];

/** The two generation APIs a flavour shapes (Anthropic's /v1/messages stays as it is). */
export type GenerationApi = 'chat' | 'completions';

/** An HTTP answer the plumbing writes as is: a JSON value, or raw text (`text`, possibly empty). */
export interface WireReply {
  status: number;
  json?: unknown;
  text?: string;
  /** For `text` replies; none when absent (TGI's empty 404 carries no content-type). */
  contentType?: string;
}

/** What the server knows about itself, for its GET routes. */
export interface ServerState {
  models: readonly string[];
  /** The served context in tokens (the endpoint's default when the caller set none). */
  contextLength: number;
  version: string;
}

/** The outcome of fitting a request into the context. */
export type ContextOutcome =
  | { kind: 'fits' }
  /** Refused before generating. */
  | { kind: 'reject'; reply: WireReply }
  /** Answered, but generation stops after this many tokens (finish_reason 'length'). */
  | { kind: 'stop-at'; maxCompletionTokens: number }
  /** Answered with the prompt silently cut to this many tokens. */
  | { kind: 'truncate-prompt'; keptTokens: number };

/** What /completions does with `echo: true` (+ `logprobs`). */
export type EchoBehaviour =
  /** Prompt echoed into `text`; legacy logprobs over prompt + generated tokens, offsets in code points. */
  | 'legacy-logprobs'
  /** The same, but every text_offset is -1 (SGLang: "Not supported yet"). */
  | 'legacy-logprobs-no-offsets'
  /** The request is refused with `echoRefusal`. */
  | 'reject'
  /** `echo` is not read: the choice's logprobs are `logprobs` below. */
  | 'ignored';

export interface Flavour {
  name: ServerFlavour;
  /** Headers on every response (llama.cpp's `Server`). */
  headers: Record<string, string>;
  /** Reported by the version/info route when the caller sets no `version` (a placeholder). */
  defaultVersion: string;
  /** Request fields read as the completion budget, in precedence order; documented in server-accents.md. */
  maxTokenFields: Record<GenerationApi, readonly string[]>;
  /** Budget assumed when none of those fields is sent (null: none; the server fills the context). */
  defaultMaxTokens: Record<GenerationApi, number | null>;
  /** An error body in this server's shape (scripted `{status}` replies, refusals). */
  error(status: number, message: string): WireReply;
  /** The answer to a body that is not JSON. */
  badRequest(message: string): WireReply;
  /** A GET this server answers, or undefined. `path` is the request path without the query. */
  get(path: string, state: ServerState): WireReply | undefined;
  /** Any other method or path. */
  routeNotFound(method: string, path: string): WireReply;
  /** Whether `requested` names one of the served models. */
  serves(requested: string, served: readonly string[]): boolean;
  /** The answer to a model it does not serve; null: it answers anyway (with the model it has). */
  unknownModel(requested: string, served: readonly string[]): WireReply | null;
  /**
   * Fit `promptTokens` + the requested budget into `contextLength`. `requested.tokens` is null
   * when no budget was sent (and the flavour has no default); `field` is the field it came from.
   */
  checkContext(promptTokens: number, requested: RequestedBudget, contextLength: number): ContextOutcome;
  /** The reply's `model` field. */
  responseModel(api: GenerationApi, requested: string, served: readonly string[]): string;
  /** The reply's `id`. */
  responseId(api: GenerationApi, seq: number): string;
  /** The `system_fingerprint` it sets itself (null: none). */
  systemFingerprint(version: string): string | null;
  /** Where a reply's reasoning goes: the message content and any extra message fields. */
  placeReasoning(content: string, reasoning: string | undefined, opts: { vllmLegacyReasoning: boolean }): { content: string; fields: Record<string, unknown> };
  echo: EchoBehaviour;
  /** The answer to `echo: true` when `echo` is 'reject'. */
  echoRefusal?: WireReply;
  /** A /completions choice's `logprobs` when not echoing: null (key present) or undefined (key absent). */
  logprobs: null | undefined;
  /**
   * /chat/completions answers `prompt_logprobs: N` with the top-level `prompt_logprobs` list over
   * the chat-templated prompt, and reads `add_generation_prompt` and `continue_final_message`
   * (vLLM's ChatCompletionRequest and serving_chat.py); elsewhere those fields are not read.
   */
  chatPromptLogprobs?: true;
}

// ---- deterministic tokens for logprobs ------------------------------------------------------

/**
 * A deterministic fake tokenizer: each word with the whitespace before it, cut into runs of at
 * most 4 code points. The tokens concatenate back to the text exactly, so tests can recompute a
 * perplexity from the same text independently.
 */
export function fakeTokens(text: string): string[] {
  const words = text.match(/\s*\S+|\s+/gu) ?? [];
  const tokens: string[] = [];
  for (const word of words) {
    const cps = Array.from(word);
    for (let i = 0; i < cps.length; i += 4) tokens.push(cps.slice(i, i + 4).join(''));
  }
  return tokens;
}

/** A deterministic, negative logprob per token: longer tokens are less likely. */
export function fakeLogprob(token: string): number {
  return -(1 + Array.from(token).length) / 4;
}

/**
 * The legacy completions logprobs object (vLLM's CompletionLogProbs) over the echoed prompt and the
 * generated text: the first prompt token has no logprob (null, and null top_logprobs), offsets
 * count code points as Python's len() does, or are all -1 (SGLang).
 */
export function legacyLogprobs(prompt: string, generated: string, offsets: 'code-points' | 'none', shift?: LogprobShift) {
  const tokens = [...fakeTokens(prompt), ...fakeTokens(generated)];
  // The candidate being scored is the prompt's end: every token covering some of it gets the shift.
  const shiftFrom = shift !== undefined && prompt.endsWith(shift.text) ? Array.from(prompt).length - Array.from(shift.text).length : Infinity;
  const promptLength = Array.from(prompt).length;
  const text_offset: number[] = [];
  const token_logprobs: Array<number | null> = [];
  const top_logprobs: Array<Record<string, number> | null> = [];
  let at = 0;
  tokens.forEach((token, i) => {
    const shifted = at + Array.from(token).length > shiftFrom && at < promptLength ? shift!.perToken : 0;
    const lp = i === 0 ? null : fakeLogprob(token) + shifted;
    text_offset.push(offsets === 'none' ? -1 : at);
    token_logprobs.push(lp);
    top_logprobs.push(lp === null ? null : { [token]: lp });
    at += Array.from(token).length;
  });
  return { text_offset, token_logprobs, tokens, top_logprobs };
}

/** A scripted checkpoint's preference for the candidate answer at the end of a scored prompt: added to each of its tokens' log-probability. */
export interface LogprobShift {
  text: string;
  perToken: number;
}

/** A fake token id: the same token always has the same id. */
export function fakeTokenId(token: string): number {
  let h = 2166136261;
  for (const ch of token) h = Math.imul(h ^ ch.codePointAt(0)!, 16777619) >>> 0;
  return h % 150000;
}

/**
 * vLLM's chat `prompt_logprobs` over a fake chat template: each message is a role token, its
 * content's fake tokens and an end token (none after a continued final message); the generation
 * prompt is the assistant role token. The first position is null, each other one maps the prompt
 * token's id to {logprob, rank, decoded_token}, as vLLM's Logprob serializes.
 */
export function chatPromptLogprobs(
  messages: ReadonlyArray<{ role: string; content: string }>, opts: { addGenerationPrompt: boolean; continueFinal: boolean }, shift?: LogprobShift,
) {
  const tokens: Array<{ token: string; shifted: boolean }> = [];
  messages.forEach((m, i) => {
    const continued = opts.continueFinal && i === messages.length - 1;
    tokens.push({ token: `<|${m.role}|>`, shifted: false });
    const scored = continued && shift !== undefined && m.content === shift.text;
    for (const t of fakeTokens(m.content)) tokens.push({ token: t, shifted: scored });
    if (!continued) tokens.push({ token: '<|end|>', shifted: false });
  });
  if (opts.addGenerationPrompt) tokens.push({ token: '<|assistant|>', shifted: false });
  return tokens.map(({ token, shifted }, i) => (i === 0 ? null : {
    [String(fakeTokenId(token))]: { logprob: fakeLogprob(token) + (shifted ? shift!.perToken : 0), rank: 1, decoded_token: token },
  }));
}

/** A request's completion budget as a server reads it, and the field it read it from. */
export interface RequestedBudget {
  tokens: number | null;
  /** The field it came from; the flavour's first field when defaulted; null when none. */
  field: string | null;
}

/** The completion budget a request asks for, read as this server reads it. */
export function requestedMaxTokens(flavour: Flavour, api: GenerationApi, body: Record<string, unknown>): RequestedBudget {
  const fields = flavour.maxTokenFields[api];
  for (const field of fields) {
    const v = body[field];
    // A 0, a negative (llama.cpp's and LM Studio's -1: unlimited) or a null budget falls through.
    if (typeof v === 'number' && Number.isFinite(v) && v > 0) return { tokens: Math.floor(v), field };
  }
  const fallback = flavour.defaultMaxTokens[api];
  return { tokens: fallback, field: fallback === null ? null : (fields[fields.length - 1] ?? null) };
}

// ---- shared pieces --------------------------------------------------------------------------

const json = (status: number, body: unknown): WireReply => ({ status, json: body });
const table = (routes: Record<string, (s: ServerState) => WireReply>) => (path: string, state: ServerState) => routes[path]?.(state);
const exact = (requested: string, served: readonly string[]) => served.includes(requested);
const nowSeconds = () => Math.floor(Date.now() / 1000);
const seqId = (api: GenerationApi, seq: number) => `${api === 'chat' ? 'chatcmpl' : 'cmpl'}-${seq}`;

/** FastAPI's default for a route it lacks (vLLM and SGLang register no catch-all). */
const fastapiNotFound = (): WireReply => json(404, { detail: 'Not Found' });

/** Python's http.HTTPStatus phrases for the statuses a script is likely to send. */
const PHRASES: Record<number, string> = {
  400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found', 408: 'Request Timeout', 413: 'Request Entity Too Large',
  422: 'Unprocessable Entity', 429: 'Too Many Requests', 500: 'Internal Server Error', 501: 'Not Implemented', 502: 'Bad Gateway',
  503: 'Service Unavailable', 504: 'Gateway Timeout',
};

/** vLLM's and SGLang's error type names: the create_error_response names, else the status phrase. */
function pythonErrorType(status: number): string {
  const named: Record<number, string> = { 400: 'BadRequestError', 404: 'NotFoundError', 500: 'InternalServerError', 501: 'NotImplementedError' };
  return named[status] ?? PHRASES[status] ?? String(status);
}

const noReasoningField = (content: string) => ({ content, fields: {} });

// ---- the servers ----------------------------------------------------------------------------

/** Today's scripted endpoint: an OpenAI look-alike (the default; unchanged for existing callers). */
const openai: Flavour = {
  name: 'openai',
  headers: {},
  defaultVersion: '',
  maxTokenFields: { chat: ['max_completion_tokens', 'max_tokens'], completions: ['max_tokens'] },
  defaultMaxTokens: { chat: null, completions: 16 },
  // Exactly the bodies the endpoint sent before flavours existed.
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

/**
 * vLLM (vllm/entrypoints/openai/…): nested ErrorResponse {message, type, param, code:int};
 * 404 NotFoundError for a model it does not serve; 400 from the renderer's token-length check.
 */
const vllm: Flavour = {
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
};

/**
 * llama.cpp's llama-server (tools/server/…): {"error":{code, message, type}}; the model name is
 * never checked; a prompt that fills the slot is refused, a long answer stops at the context.
 */
const llamacpp: Flavour = {
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

/** Ollama (openai/openai.go, middleware/openai.go, server/routes.go). */
const ollama: Flavour = {
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

/** Hugging Face TGI (router/src/server.rs, lib.rs, validation.rs). */
const TGI_DEFAULT_GENERATION_LENGTH = 1024; // validation.rs DEFAULT_GENERATION_LENGTH
const tgi: Flavour = {
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

/** SGLang (python/sglang/srt/entrypoints/openai/…, managers/tokenizer_manager.py). */
const sglang: Flavour = {
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

/** LM Studio (lmstudio.ai docs and observed responses; closed source). */
const lmstudio: Flavour = {
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

export const FLAVOURS: Record<ServerFlavour, Flavour> = { openai, vllm, llamacpp, ollama, tgi, sglang, lmstudio };
