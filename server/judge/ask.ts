import { canonicalJson, sha256 } from '../evalsets/hash.js';
import type { JsonClient, JsonPrompt } from '../http/ask-json.js';
import { repairMessage, VerdictError } from './rubric.js';

/** Cache key of a verdict: judge, rubric version, mode and every input the judge was shown. */
export function verdictKey(judge: string, rubric: string, mode: string, inputs: Record<string, string>): string {
  return sha256(canonicalJson({ judge, rubric, mode, inputs }));
}

/** One line for a failed judge call; never contains a credential. */
export function judgeErrorMessage(e: unknown): string {
  const err = e as { status?: number; message?: string; name?: string };
  const text = (err.message ?? String(e)).replace(/\s+/g, ' ').slice(0, 300);
  return typeof err.status === 'number' ? `judge HTTP ${err.status}: ${text}` : `judge ${err.name === 'VerdictError' ? '' : 'request failed: '}${text}`;
}

/**
 * Asks the judge and validates the reply with `parse`. An unparsable reply gets exactly one
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
