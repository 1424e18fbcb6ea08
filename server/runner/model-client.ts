import type { EvalItem } from '../evalsets/types.js';
import type { Api } from '../store/types.js';
import { chatMessages, completionPrompt, requestPrompt, type GenerateRequest } from '../runs/prompt.js';
import { createOpenAIClient } from '../http/openai-client.js';
import { APIError } from 'openai';
import { UnparsableResponseError } from '../http/retry.js';

export interface Endpoint {
  baseUrl: string;
  model: string;
  api: Api;
  promptTemplate: string | null;
}

/** One completion, before reasoning is split off and scoring happens. */
export interface Generation {
  content: string;
  /** A separate reasoning field: `reasoning` (vLLM ≥ 0.10, Ollama), `reasoning_content` (llama.cpp, SGLang, LM Studio, older vLLM). */
  reasoningField: string | null;
  finishReason: string | null;
  promptTokens: number | null;
  completionTokens: number | null;
  /** The response's `model`: what the endpoint says served the request (raw, untrusted). */
  model: string | null;
  /** The response's `system_fingerprint` (raw, untrusted); null when the endpoint sends none. */
  systemFingerprint: string | null;
}

export interface ModelClient {
  generate(req: GenerateRequest): Promise<Generation>;
  /** The exact prompt sent for an item: JSON chat messages, or the rendered completion prompt. */
  promptFor(item: EvalItem): string;
  /** Closes every socket: requests in flight fail at once (used to abort a run, and after it). */
  close(): void;
  /** Extra body fields the server refused, so they were dropped (a run notes them). */
  refusedExtras(): string[];
}

type Usage = { prompt_tokens?: number; completion_tokens?: number } | null | undefined;

function usageOf(u: Usage): { promptTokens: number | null; completionTokens: number | null } {
  return { promptTokens: u?.prompt_tokens ?? null, completionTokens: u?.completion_tokens ?? null };
}

/** What the response body says about the server: its `model` and `system_fingerprint`. */
function servedBy(body: unknown): { model: string | null; systemFingerprint: string | null } {
  const b = body as { model?: unknown; system_fingerprint?: unknown };
  return {
    model: typeof b.model === 'string' ? b.model : null,
    systemFingerprint: typeof b.system_fingerprint === 'string' ? b.system_fingerprint : null,
  };
}

/** The names servers give a message's reasoning (docs/servers.md); the first non-empty one wins. */
export const REASONING_FIELDS = ['reasoning_content', 'reasoning', 'thinking'] as const;

function reasoningOf(message: Record<string, unknown>): string | null {
  for (const f of REASONING_FIELDS) {
    const v = message[f];
    if (typeof v === 'string' && v !== '') return v;
  }
  return null;
}

/** OpenAI's 400 for `max_tokens` on a reasoning model: "Use 'max_completion_tokens' instead." */
function asksForCompletionTokens(e: unknown): boolean {
  if (!(e instanceof APIError) || e.status !== 400) return false;
  const message = (e.error as { message?: unknown } | undefined)?.message;
  return typeof message === 'string' && /max_tokens/.test(message) && /max_completion_tokens/.test(message);
}

/** A 400 that names a field it does not accept ("Unrecognized request argument supplied: top_k"). */
function refusesField(e: unknown, field: string): boolean {
  if (!(e instanceof APIError) || (e.status !== 400 && e.status !== 422)) return false;
  const message = (e.error as { message?: unknown } | undefined)?.message;
  return typeof message === 'string' && message.includes(field);
}

function firstChoice(body: unknown): Record<string, unknown> {
  // The SDK returns the raw text when a server answers 200 without a JSON content type.
  if (body === null || typeof body !== 'object') {
    throw new UnparsableResponseError(typeof body === 'string' ? `not JSON: ${body.slice(0, 80)}` : 'empty body');
  }
  const choices = (body as { choices?: unknown }).choices;
  if (!Array.isArray(choices) || choices.length === 0 || choices[0] === null || typeof choices[0] !== 'object') {
    throw new UnparsableResponseError('no choices');
  }
  return choices[0] as Record<string, unknown>;
}

/**
 * A client for one OpenAI-compatible endpoint. The SDK's own retries are off: the runner
 * retries, so every attempt is counted and Retry-After is honoured the same way for all servers.
 */
export function createModelClient(
  endpoint: Endpoint,
  opts: { apiKey?: string | undefined; timeoutMs: number; maxSockets?: number; maxResponseBytes?: number },
): ModelClient {
  const { client, close } = createOpenAIClient(endpoint.baseUrl, {
    apiKey: opts.apiKey, timeoutMs: opts.timeoutMs, maxSockets: opts.maxSockets ?? 64,
    ...(opts.maxResponseBytes !== undefined ? { maxResponseBytes: opts.maxResponseBytes } : {}),
  });

  // Every server reads `max_tokens`; OpenAI's reasoning models refuse it and read only
  // `max_completion_tokens`. The first refusal that says so switches the client for good.
  let limitField: 'max_tokens' | 'max_completion_tokens' = 'max_tokens';
  // Extra fields (top_k) a server refused with a 400 that names them: not sent again.
  const refused = new Set<string>();

  async function generate(req: GenerateRequest): Promise<Generation> {
    for (;;) {
      const sentLimit = limitField;
      // The extra fields this attempt sends: a refusal naming one is retried without it, even
      // when a concurrent request already learned the same.
      const sentExtras = Object.keys(req.extraBody ?? {}).filter((k) => !refused.has(k));
      try {
        return await send(req);
      } catch (e) {
        if (sentLimit === 'max_tokens' && endpoint.api === 'chat' && asksForCompletionTokens(e)) {
          limitField = 'max_completion_tokens';
          continue;
        }
        const named = sentExtras.filter((k) => refusesField(e, k));
        if (named.length > 0) {
          for (const k of named) refused.add(k);
          continue;
        }
        throw e;
      }
    }
  }

  async function send(req: GenerateRequest): Promise<Generation> {
    const extra = Object.fromEntries(Object.entries(req.extraBody ?? {}).filter(([k]) => !refused.has(k)));
    const common = {
      ...extra,
      model: endpoint.model,
      // Always explicit: Ollama samples at 1.0 when temperature is missing, others at their own default.
      temperature: req.temperature,
      ...(req.seed !== null ? { seed: req.seed } : {}),
    };
    if (endpoint.api === 'completions') {
      const body = await client.completions.create(
        { ...common, max_tokens: req.maxTokens, prompt: req.prompt ?? completionPrompt(req.item, endpoint.promptTemplate) },
      );
      const choice = firstChoice(body);
      if (typeof choice.text !== 'string') throw new UnparsableResponseError('choice has no text');
      return {
        content: choice.text,
        reasoningField: null,
        finishReason: typeof choice.finish_reason === 'string' ? choice.finish_reason : null,
        ...usageOf((body as { usage?: Usage }).usage),
        ...servedBy(body),
      };
    }
    const body = await client.chat.completions.create({ ...common, [limitField]: req.maxTokens, messages: req.messages ?? chatMessages(req.item) });
    const choice = firstChoice(body);
    const message = choice.message as Record<string, unknown> | undefined;
    if (message === undefined || message === null || typeof message !== 'object') {
      throw new UnparsableResponseError('choice has no message');
    }
    return {
      content: typeof message.content === 'string' ? message.content : '',
      reasoningField: reasoningOf(message),
      finishReason: typeof choice.finish_reason === 'string' ? choice.finish_reason : null,
      ...usageOf((body as { usage?: Usage }).usage),
      ...servedBy(body),
    };
  }

  return {
    generate,
    close,
    promptFor: (item) => requestPrompt(endpoint, { item }),
    refusedExtras: () => [...refused],
  };
}

const REFUSED_MARK = 'the endpoint refused ';

/** The note for extra fields a server refused (top_k): the sampled answers used its own default. */
export function refusedExtrasNote(fields: readonly string[]): string {
  return `${REFUSED_MARK}${fields.join(', ')} (HTTP 400 naming it): sent without it from then on, so sampling used the server's own default`;
}

export const isRefusedExtrasNote = (note: string): boolean => note.startsWith(REFUSED_MARK);
