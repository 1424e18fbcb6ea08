import Anthropic from '@anthropic-ai/sdk';
import { anthropicSettings, endpointLimits, readSecret, type Env } from '../config.js';
import { createHttpFetch, redirectMessage, ResponseTooLargeError } from '../http/transport.js';
import { createOpenAIClient } from '../http/openai-client.js';
import { redactKnownSecrets, safeErrorText } from '../http/redact.js';
import type { Prompt } from './rubric.js';
import type { JudgeSpec } from './spec.js';

export interface JudgeClient {
  id: string;
  /**
   * Sends a prompt and returns the judge's text. `retry` carries the judge's unusable earlier
   * reply and the repair message, for the one retry on unparsable output.
   */
  complete(prompt: Prompt, retry?: { reply: string; repair: string }): Promise<string>;
  close(): void;
}

export interface JudgeClientOptions {
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

function turns(prompt: Prompt, retry?: { reply: string; repair: string }): Turn[] {
  const out: Turn[] = [{ role: 'user', content: prompt.user }];
  if (retry !== undefined) out.push({ role: 'assistant', content: retry.reply }, { role: 'user', content: retry.repair });
  return out;
}

/** A failed judge request, its message already redacted and short (what judgeErrorMessage stores). */
export class JudgeRequestError extends Error {
  constructor(message: string, readonly status: number | undefined) {
    super(message);
    this.name = 'JudgeRequestError';
  }
}

/** A judge error as it may be stored: redirects and oversize bodies said plainly, the key never. */
function judgeFailure(e: unknown, secrets: readonly string[]): JudgeRequestError {
  const err = e as { status?: unknown; headers?: Headers; message?: string; cause?: unknown };
  const status = typeof err.status === 'number' ? err.status : undefined;
  const tooLarge = e instanceof ResponseTooLargeError ? e : err.cause instanceof ResponseTooLargeError ? err.cause : undefined;
  const text = (status !== undefined ? redirectMessage(status, err.headers) : null)
    ?? tooLarge?.message
    ?? (err.message ?? String(e));
  return new JudgeRequestError(safeErrorText(text, secrets), status);
}

/** The judge client with every error redacted and every reply free of the key. */
function guarded(client: JudgeClient, secrets: readonly string[]): JudgeClient {
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
export function createJudgeClient(spec: JudgeSpec, env: Env, opts: JudgeClientOptions): JudgeClient {
  const { maxResponseBytes } = endpointLimits(env);
  if (spec.provider === 'anthropic') {
    const { apiKey, baseURL } = anthropicSettings(env);
    // Our transport, not the SDK's fetch: it never follows a redirect, which would carry x-api-key along.
    const transport = createHttpFetch({ maxSockets: 16, maxResponseBytes, secrets: [apiKey] });
    const client = new Anthropic({ apiKey, authToken: null, baseURL, maxRetries: opts.maxRetries, timeout: opts.timeoutMs, fetch: transport.fetch });
    // Structured output (a JSON schema) where the model supports it; a model that refuses it
    // with 400 is asked with the prompt alone from then on (the verdict is validated either way).
    let structured = true;
    const ask = (prompt: Prompt, retry?: { reply: string; repair: string }) =>
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
  const ask = (prompt: Prompt, retry?: { reply: string; repair: string }) =>
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
