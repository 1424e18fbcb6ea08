import type { EvalItem } from '../evalsets/types.js';
import type { Api } from '../store/types.js';
import { chatMessages, completionPrompt } from './prompt.js';
import { createOpenAIClient } from './openai-client.js';
import { UnparsableResponseError } from './retry.js';

export interface Endpoint {
  baseUrl: string;
  model: string;
  api: Api;
  promptTemplate: string | null;
}

export interface GenerateRequest {
  item: EvalItem;
  maxTokens: number;
  temperature: number;
  seed: number | null;
}

/** One completion, before reasoning is split off and scoring happens. */
export interface Generation {
  content: string;
  /** A separate reasoning field (`reasoning_content` in vLLM/DeepSeek, `reasoning` in Ollama). */
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

  async function generate(req: GenerateRequest): Promise<Generation> {
    const common = {
      model: endpoint.model,
      max_tokens: req.maxTokens,
      temperature: req.temperature,
      ...(req.seed !== null ? { seed: req.seed } : {}),
    };
    if (endpoint.api === 'completions') {
      const body = await client.completions.create(
        { ...common, prompt: completionPrompt(req.item, endpoint.promptTemplate) },
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
    const body = await client.chat.completions.create({ ...common, messages: chatMessages(req.item) });
    const choice = firstChoice(body);
    const message = choice.message as Record<string, unknown> | undefined;
    if (message === undefined || message === null || typeof message !== 'object') {
      throw new UnparsableResponseError('choice has no message');
    }
    const reasoning = message.reasoning_content ?? message.reasoning;
    return {
      content: typeof message.content === 'string' ? message.content : '',
      reasoningField: typeof reasoning === 'string' ? reasoning : null,
      finishReason: typeof choice.finish_reason === 'string' ? choice.finish_reason : null,
      ...usageOf((body as { usage?: Usage }).usage),
      ...servedBy(body),
    };
  }

  return {
    generate,
    close,
    promptFor(item) {
      return endpoint.api === 'completions'
        ? completionPrompt(item, endpoint.promptTemplate)
        : JSON.stringify(chatMessages(item));
    },
  };
}
