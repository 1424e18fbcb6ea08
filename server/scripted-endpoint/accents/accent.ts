/**
 * What a server accent is: how a popular OpenAI-compatible server answers, as data and small pure
 * functions, so the scripted endpoint can speak with its accent: error bodies, the fields a reply's
 * reasoning goes in, what a too-long request gets, what an unknown model name gets, the GET routes
 * it serves and what /completions does with `echo` + `logprobs`. One file per server beside this
 * one holds its accent; every fact is read from the server's own source where the stored material
 * had it, and docs/servers.md names the file for each and says what could not be confirmed.
 * Nothing here touches a socket: scripted-endpoint.ts does.
 */

export const SERVER_ACCENTS = ['openai', 'vllm', 'llamacpp', 'ollama', 'tgi', 'sglang', 'lmstudio'] as const;
export type ServerAccent = (typeof SERVER_ACCENTS)[number];

/** The two generation APIs an accent shapes (Anthropic's /v1/messages stays as it is). */
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

export interface Accent {
  name: ServerAccent;
  /** Headers on every response (llama.cpp's `Server`). */
  headers: Record<string, string>;
  /** Reported by the version/info route when the caller sets no `version` (a placeholder). */
  defaultVersion: string;
  /** Request fields read as the completion budget, in precedence order; documented in docs/servers.md. */
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
   * when no budget was sent (and the accent has no default); `field` is the field it came from.
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
  /** Runtime LoRA adapter loading (vLLM, SGLang); absent: the routes are unknown to this server. */
  lora?: LoraAccent;
}

/** How a server loads LoRA adapters at runtime: its routes and its answers (scripted-endpoint/lora-routes.ts). */
export interface LoraAccent {
  load: string;
  unload: string;
  /** The answer when the server was started without runtime adapter loading. */
  disabled(): WireReply;
  loaded(name: string, adapters: ReadonlyMap<string, string>): WireReply;
  unloaded(name: string, adapters: ReadonlyMap<string, string>): WireReply;
  failed(why: 'missing' | 'already' | 'no-adapter' | 'unknown', name: string): WireReply;
}

/** A request's completion budget as a server reads it, and the field it read it from. */
export interface RequestedBudget {
  tokens: number | null;
  /** The field it came from; the accent's first field when defaulted; null when none. */
  field: string | null;
}

/** The completion budget a request asks for, read as this server reads it. */
export function requestedMaxTokens(accent: Accent, api: GenerationApi, body: Record<string, unknown>): RequestedBudget {
  const fields = accent.maxTokenFields[api];
  for (const field of fields) {
    const v = body[field];
    // A 0, a negative (llama.cpp's and LM Studio's -1: unlimited) or a null budget falls through.
    if (typeof v === 'number' && Number.isFinite(v) && v > 0) return { tokens: Math.floor(v), field };
  }
  const fallback = accent.defaultMaxTokens[api];
  return { tokens: fallback, field: fallback === null ? null : (fields[fields.length - 1] ?? null) };
}

// ---- pieces several accents share -----------------------------------------------------------

/** A JSON reply. */
export const json = (status: number, body: unknown): WireReply => ({ status, json: body });
/** GET routes from a table of path → reply. */
export const table = (routes: Record<string, (s: ServerState) => WireReply>) => (path: string, state: ServerState) => routes[path]?.(state);
/** The model name must be served exactly. */
export const exact = (requested: string, served: readonly string[]) => served.includes(requested);
/** Unix seconds, as `created` fields carry. */
export const nowSeconds = () => Math.floor(Date.now() / 1000);
/** OpenAI's id shape: chatcmpl-N / cmpl-N. */
export const seqId = (api: GenerationApi, seq: number) => `${api === 'chat' ? 'chatcmpl' : 'cmpl'}-${seq}`;

/** FastAPI's default for a route it lacks (vLLM and SGLang register no catch-all). */
export const fastapiNotFound = (): WireReply => json(404, { detail: 'Not Found' });

/** Python's http.HTTPStatus phrases for the statuses a script is likely to send. */
const PHRASES: Record<number, string> = {
  400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found', 408: 'Request Timeout', 413: 'Request Entity Too Large',
  422: 'Unprocessable Entity', 429: 'Too Many Requests', 500: 'Internal Server Error', 501: 'Not Implemented', 502: 'Bad Gateway',
  503: 'Service Unavailable', 504: 'Gateway Timeout',
};

/** vLLM's and SGLang's error type names: the create_error_response names, else the status phrase. */
export function pythonErrorType(status: number): string {
  const named: Record<number, string> = { 400: 'BadRequestError', 404: 'NotFoundError', 500: 'InternalServerError', 501: 'NotImplementedError' };
  return named[status] ?? PHRASES[status] ?? String(status);
}

/** A reply with no field for reasoning. */
export const noReasoningField = (content: string) => ({ content, fields: {} });
