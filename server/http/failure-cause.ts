/**
 * Why a request can never succeed, read from the server's status and message. Such failures are
 * not retried, and a run reports each cause once ("23 items exceed the context of 4096 tokens")
 * instead of one identical line per item.
 */
export type CauseKind = 'context' | 'model' | 'auth' | 'invalid';

export interface FailureCause {
  kind: CauseKind;
  status: number;
  /** The served context in tokens, when the message says it (context overflows only). */
  contextLength: number | null;
}

// Each server words a context overflow its own way (docs/servers.md): vLLM "maximum context
// length is 4096 tokens", SGLang "longer than the model's context length (4096 tokens)", TGI
// "`inputs` tokens + `max_new_tokens` must be <= 4096" or "`inputs` must have less than 3000 tokens", llama.cpp "exceeds the available context
// size", LM Studio "context length of only 4096 tokens", OpenAI code context_length_exceeded.
const CONTEXT = /context[ _](length|window|size)|maximum context|`inputs` tokens \+ `max_new_tokens`|`inputs` must have less than|max_total_tokens|max_model_len|too many tokens|prompt is too long|input is too long|n_ctx/i;
const CONTEXT_NUMBER = [
  /context length (?:is |of (?:only )?)?\(?(\d{2,8})\s*tokens?/i,
  /maximum context length (?:is )?(\d{2,8})/i,
  /context (?:size|window) (?:is |of )?\(?(\d{2,8})/i,
  /must be <=\s*(\d{2,8})/i,
  /must have less than\s*(\d{2,8})\s*tokens/i,
  /max_model_len[^0-9]{0,20}(\d{2,8})/i,
  /n_ctx[^0-9]{0,20}(\d{2,8})/i,
];
const MODEL = /model.{0,200}(not found|does not exist|not exist|unknown|not loaded|no such|not available|is not served)|(not found|unknown|invalid).{0,20}model|model_not_found/i;

/** The cause of an HTTP failure that retrying cannot fix, or null (retryable, or not an HTTP error). */
export function causeOf(status: number, message: string, code: string | null = null): FailureCause | null {
  if (status < 400 || status >= 500 || status === 408 || status === 409 || status === 429) return null;
  const text = `${code ?? ''} ${message}`;
  if (status === 401 || status === 403) return { kind: 'auth', status, contextLength: null };
  if (CONTEXT.test(text) || code === 'context_length_exceeded') {
    for (const re of CONTEXT_NUMBER) {
      const m = re.exec(message);
      if (m !== null) return { kind: 'context', status, contextLength: Number(m[1]) };
    }
    return { kind: 'context', status, contextLength: null };
  }
  if (MODEL.test(text)) return { kind: 'model', status, contextLength: null };
  return { kind: 'invalid', status, contextLength: null };
}

const STORED = /^HTTP (\d{3}): ([\s\S]*)$/;

/** The cause of a stored error text ("HTTP 400: …", as retry.ts writes it), or null. */
export function storedCause(error: string): FailureCause | null {
  const m = STORED.exec(error);
  return m === null ? null : causeOf(Number(m[1]), m[2]!);
}

/** One line per cause for a run's notes: how many results, what it means, what to do. */
export function describeCause(cause: FailureCause, count: number, example: string, model: string): string {
  const items = `${count} ${count === 1 ? 'item' : 'items'}`;
  const said = `the server said (HTTP ${cause.status}): ${example}`;
  switch (cause.kind) {
    case 'context':
      return `${items} ${count === 1 ? 'exceeds' : 'exceed'} the context${cause.contextLength !== null ? ` of ${cause.contextLength} tokens` : ' the server serves'} ` +
        `(prompt + max tokens), not retried; lower max tokens (maxTokens) or serve a longer context. ${said}`;
    case 'model':
      return `${items}: the server does not serve model "${model}", not retried; check the checkpoint's model name against GET /v1/models. ${said}`;
    case 'auth':
      return `${items}: the endpoint refused the request's credentials, not retried; check the checkpoint's key variable (apiKeyEnv). ${said}`;
    case 'invalid':
      return `${items}: the server rejected the request as invalid, not retried. ${said}`;
  }
}
