import Anthropic from '@anthropic-ai/sdk';
import { anthropicSettings, endpointLimits, readSecret, type Env } from '../config.js';
import { createHttpFetch, redirectMessage, ResponseTooLargeError } from './transport.js';
import { createOpenAIClient } from './openai-client.js';
import { redactKnownSecrets, safeErrorText } from './redact.js';

/**
 * Asking a model for JSON: the judge's verdicts and the eval-set generator's items both come this
 * way, through our transport, with every error redacted and every reply free of the key.
 */

/** Which model answers, and where (parsed from `anthropic:MODEL` or `openai:MODEL@BASE_URL` by judge/spec.ts). */
export type ModelSpec =
  | { provider: 'anthropic'; model: string; id: string }
  | { provider: 'openai'; model: string; baseUrl: string; apiKeyEnv: string | null; id: string };

/** What the model is asked: a system and a user message, and the JSON schema its reply must follow. */
export interface JsonPrompt {
  system: string;
  user: string;
  /** JSON schema of the expected reply, for models that support structured output. */
  schema: Record<string, unknown>;
}

export interface JsonClient {
  id: string;
  /**
   * Sends a prompt and returns the judge's text. `retry` carries the judge's unusable earlier
   * reply and the repair message, for the one retry on unparsable output.
   */
  complete(prompt: JsonPrompt, retry?: { reply: string; repair: string }): Promise<string>;
  close(): void;
}

export interface JsonClientOptions {
  timeoutMs: number;
  /** Transport-level retries by the SDK (429, 5xx, timeouts, dropped connections). */
  maxRetries: number;
  /** The reply's token budget (default 600: a verdict). */
  maxTokens?: number;
  /**
   * Ask an OpenAI-compatible model for the prompt's JSON schema as `response_format` (vLLM,
   * SGLang, llama.cpp, Ollama and LM Studio take it); a server that refuses it with 400 is asked
   * without it from then on. Anthropic models are always asked for it.
   */
  openaiSchema?: boolean;
}

const MAX_TOKENS = 600;

type Turn = { role: 'user' | 'assistant'; content: string };

function turns(prompt: JsonPrompt, retry?: { reply: string; repair: string }): Turn[] {
  const out: Turn[] = [{ role: 'user', content: prompt.user }];
  if (retry !== undefined) out.push({ role: 'assistant', content: retry.reply }, { role: 'user', content: retry.repair });
  return out;
}

/** A failed judge request, its message already redacted and short (what judgeErrorMessage stores). */
export class JsonRequestError extends Error {
  constructor(message: string, readonly status: number | undefined) {
    super(message);
    this.name = 'JsonRequestError';
  }
}

/** A judge error as it may be stored: redirects and oversize bodies said plainly, the key never. */
function judgeFailure(e: unknown, secrets: readonly string[]): JsonRequestError {
  const err = e as { status?: unknown; headers?: Headers; message?: string; cause?: unknown };
  const status = typeof err.status === 'number' ? err.status : undefined;
  const tooLarge = e instanceof ResponseTooLargeError ? e : err.cause instanceof ResponseTooLargeError ? err.cause : undefined;
  const text = (status !== undefined ? redirectMessage(status, err.headers) : null)
    ?? tooLarge?.message
    ?? (err.message ?? String(e));
  return new JsonRequestError(safeErrorText(text, secrets), status);
}

/** The judge client with every error redacted and every reply free of the key. */
function guarded(client: JsonClient, secrets: readonly string[]): JsonClient {
  return {
    id: client.id,
    close: () => client.close(),
    async complete(prompt, retry) {
      try {
        return redactKnownSecrets(await client.complete(prompt, retry), secrets);
      } catch (e) {
        throw judgeFailure(e, secrets);
      }
    },
  };
}

/**
 * A client for the judge model. Anthropic through @anthropic-ai/sdk (key and base URL from
 * ANTHROPIC_API_KEY / ANTHROPIC_BASE_URL, passed explicitly), anything OpenAI-compatible
 * through the same client the runner uses, at temperature 0 so verdicts are repeatable (the
 * current Anthropic API takes no temperature).
 */
export function createJsonClient(spec: ModelSpec, env: Env, opts: JsonClientOptions): JsonClient {
  const { maxResponseBytes } = endpointLimits(env);
  if (spec.provider === 'anthropic') {
    const { apiKey, baseURL } = anthropicSettings(env);
    // Our transport, not the SDK's fetch: it never follows a redirect, which would carry x-api-key along.
    const transport = createHttpFetch({ maxSockets: 16, maxResponseBytes, secrets: [apiKey] });
    const client = new Anthropic({ apiKey, authToken: null, baseURL, maxRetries: opts.maxRetries, timeout: opts.timeoutMs, fetch: transport.fetch });
    // Structured output (a JSON schema) where the model supports it; a model that refuses it
    // with 400 is asked with the prompt alone from then on (the verdict is validated either way).
    let structured = true;
    const ask = (prompt: JsonPrompt, retry?: { reply: string; repair: string }) =>
      client.messages.create({
        model: spec.model,
        max_tokens: opts.maxTokens ?? MAX_TOKENS,
        system: prompt.system,
        messages: turns(prompt, retry),
        ...(structured ? { output_config: { format: { type: 'json_schema' as const, schema: prompt.schema } } } : {}),
      });
    return guarded({
      id: spec.id,
      async complete(prompt, retry) {
        let msg;
        try {
          msg = await ask(prompt, retry);
        } catch (e) {
          if (!(structured && e instanceof Anthropic.BadRequestError)) throw e;
          structured = false;
          msg = await ask(prompt, retry);
        }
        return msg.content.map((b) => (b.type === 'text' ? b.text : '')).join('');
      },
      close: () => transport.destroy(),
    }, [apiKey]);
  }
  const apiKey = readSecret(spec.apiKeyEnv, env, { field: 'judge', urls: [spec.baseUrl] });
  const { client, close } = createOpenAIClient(spec.baseUrl, {
    apiKey,
    timeoutMs: opts.timeoutMs,
    maxRetries: opts.maxRetries,
    maxResponseBytes,
  });
  let structured = opts.openaiSchema === true;
  const ask = (prompt: JsonPrompt, retry?: { reply: string; repair: string }) =>
    client.chat.completions.create({
      model: spec.model,
      max_tokens: opts.maxTokens ?? MAX_TOKENS,
      temperature: 0,
      messages: [{ role: 'system', content: prompt.system }, ...turns(prompt, retry)],
      ...(structured ? { response_format: { type: 'json_schema' as const, json_schema: { name: 'reply', schema: prompt.schema } } } : {}),
    });
  return guarded({
    id: spec.id,
    async complete(prompt, retry) {
      let r;
      try {
        r = await ask(prompt, retry);
      } catch (e) {
        if (!(structured && (e as { status?: unknown }).status === 400)) throw e;
        structured = false;
        r = await ask(prompt, retry);
      }
      const content = (r as { choices?: Array<{ message?: { content?: unknown } }> }).choices?.[0]?.message?.content;
      return typeof content === 'string' ? content : '';
    },
    close,
  }, apiKey === undefined ? [] : [apiKey]);
}

/** A reply that is not the JSON asked for: its message says what was wrong, for the one retry. */
export class VerdictError extends Error {}

/** The JSON object in a reply: tolerates code fences and text around it. */
export function jsonObject(text: string): Record<string, unknown> {
  const start = text.indexOf('{');
  const end = text.lastIndexOf('}');
  if (start < 0 || end <= start) throw new VerdictError('no JSON object in the reply');
  let value: unknown;
  try {
    value = JSON.parse(text.slice(start, end + 1));
  } catch (e) {
    throw new VerdictError(`the JSON does not parse (${(e as Error).message})`);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new VerdictError('the reply is not a JSON object');
  return value as Record<string, unknown>;
}

/** The follow-up sent once when a reply does not parse. */
export function repairMessage(error: string): string {
  return `Your reply could not be used: ${error}. Reply again with the JSON object only, exactly in the format asked.`;
}

/**
 * Asks the model and validates the reply with `parse`. An unparsable reply gets exactly one
 * retry, in the same conversation, told what was wrong; a second bad reply throws VerdictError.
 * Transport errors (5xx, 429, timeouts) were already retried by the SDK and are thrown as is.
 */
export async function askValidated<T>(client: JsonClient, prompt: JsonPrompt, parse: (text: string) => T): Promise<T> {
  const first = await client.complete(prompt);
  try {
    return parse(first);
  } catch (e) {
    if (!(e instanceof VerdictError)) throw e;
    const second = await client.complete(prompt, { reply: first, repair: repairMessage(e.message) });
    try {
      return parse(second);
    } catch (e2) {
      throw new VerdictError(`unparsable verdict after one retry: ${(e2 as Error).message}`);
    }
  }
}
