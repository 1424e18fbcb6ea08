import OpenAI from 'openai';
import { openAIErrorBody } from './error-body.js';
import { createHttpFetch } from './transport.js';

export interface OpenAIClientOptions {
  apiKey?: string | undefined;
  timeoutMs: number;
  /** Retries done by the SDK itself; the runner keeps 0 and retries on its own. */
  maxRetries?: number;
  maxSockets?: number;
  /** Largest response body read (default 8 MiB). */
  maxResponseBytes?: number;
}

/**
 * An openai SDK client for any OpenAI-compatible endpoint, on our node:http transport.
 * Credentials and org headers are passed explicitly so nothing is picked up from OPENAI_*
 * variables (a user's OpenAI key must never be sent to a local server); without a key, no
 * Authorization header is sent at all. Redirects are never followed (see createHttpFetch).
 */
export function createOpenAIClient(baseUrl: string, opts: OpenAIClientOptions): { client: OpenAI; close(): void } {
  // Every server's error shape is rewritten to OpenAI's, the one the SDK keeps (error-body.ts).
  const transport = createHttpFetch({
    // The key is taken out of whatever the endpoint sends back, before the SDK reads it.
    maxSockets: opts.maxSockets ?? 64, errorBody: openAIErrorBody, secrets: [opts.apiKey],
    ...(opts.maxResponseBytes !== undefined ? { maxResponseBytes: opts.maxResponseBytes } : {}),
  });
  const client = new OpenAI({
    baseURL: baseUrl,
    apiKey: opts.apiKey ?? 'no-key',
    organization: null,
    project: null,
    maxRetries: opts.maxRetries ?? 0,
    timeout: opts.timeoutMs,
    fetch: transport.fetch,
    ...(opts.apiKey === undefined ? { defaultHeaders: { Authorization: null } } : {}),
  });
  return { client, close: () => transport.destroy() };
}
