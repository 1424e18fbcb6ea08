import { canonicalJson, sha256 } from '../evalsets/hash.js';

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
