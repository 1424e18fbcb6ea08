import { createHash } from 'node:crypto';

/** JSON with object keys sorted at every level, so equal content always hashes equally. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

export function sha256(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

/**
 * The content hash of an eval set: independent of line order, comments, blank lines and key
 * order, but changed by any edit to an item's id, prompt, expected facts or reference.
 */
export function setHash(items: ReadonlyArray<{ id: string; hash: string }>): string {
  const lines = items.map((i) => `${i.id}\t${i.hash}`).sort();
  return sha256(lines.join('\n'));
}

/**
 * The hash of an item's likelihood candidates (answer and wrong answers, in order): recorded with
 * each likelihood score, so two runs' likelihood metrics pair only items scored on the same ones.
 * Null when the item has no answer.
 */
export function candidatesHash(item: { answer?: string; wrongAnswers?: readonly string[] }): string | null {
  if (item.answer === undefined) return null;
  return sha256(canonicalJson({ answer: item.answer, wrong_answers: item.wrongAnswers ?? [] })).slice(0, 16);
}
