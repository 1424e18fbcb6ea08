import { MIN_ENCODED_SECRET, REDACTED, secretPattern } from './secret-forms.js';

/** JSON escapes that can spell a key's characters without them appearing in the raw text. */
const JSON_ESCAPE = /\\u[0-9a-fA-F]{4}|\\\//;

/** A parsed JSON value with every form of the secrets removed from its strings and keys; `changed` says whether any was. */
function redactValue(v: unknown, re: RegExp, changed: { any: boolean }): unknown {
  if (typeof v === 'string') {
    if (v.search(re) < 0) return v;
    changed.any = true;
    return v.replace(re, REDACTED);
  }
  if (Array.isArray(v)) return v.map((x) => redactValue(x, re, changed));
  if (v !== null && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) out[redactValue(k, re, changed) as string] = redactValue(x, re, changed);
    return out;
  }
  return v;
}

/**
 * What an endpoint sent, with every form of the secrets it was sent (any case, percent-encoded,
 * base64, hex: secret-forms.ts) replaced by `[redacted]`, before any reader sees it: the answer,
 * reasoning, reported model and system_fingerprint, a model list's ids, a version route, an error
 * body. A JSON body that spells a key with escapes (`\u0073k-…`) is redacted value by value, so
 * the escape does not hide it. The body is returned as it came when nothing matched.
 */
export function redactBody(body: Buffer, secrets: readonly (string | null | undefined)[]): Buffer {
  const re = secretPattern(secrets, MIN_ENCODED_SECRET);
  if (re === null || body.length === 0) return body;
  const text = body.toString('utf8');
  const escaped = JSON_ESCAPE.test(text);
  if (!escaped) return text.search(re) < 0 ? body : Buffer.from(text.replace(re, REDACTED), 'utf8');
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return text.search(re) < 0 ? body : Buffer.from(text.replace(re, REDACTED), 'utf8');
  }
  const changed = { any: false };
  const clean = redactValue(parsed, re, changed);
  return changed.any ? Buffer.from(JSON.stringify(clean), 'utf8') : body;
}
