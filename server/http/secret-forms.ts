/**
 * The forms in which a secret comes back from an endpoint. Servers and proxies echo what they
 * received: the key as sent, upper-cased, percent-encoded in a URL they quote, base64-encoded
 * inside a Basic or Bearer header they dump, or as hex. Matching all of them, in any letter case,
 * is what "the key is redacted" means everywhere (redact.ts, the transport, the API's output).
 */

/** What a removed secret is replaced with. */
export const REDACTED = '[redacted]';

/**
 * Shorter secrets are matched only as they are: encoded, they would be a few characters that
 * ordinary base64 or hex text contains by chance.
 */
export const MIN_ENCODED_SECRET = 8;

const B64_URL = (s: string) => s.replace(/\+/g, '-').replace(/\//g, '_');

/**
 * The base64 characters that encode only the secret's own bytes when it starts at byte offset
 * `align` (0, 1 or 2) of a longer encoded string: the stretch that is the same whatever comes
 * before or after (base64 of `Bearer KEY`, of `user:KEY`, of the key alone, padded or not).
 */
function base64Core(bytes: Buffer, align: number): string {
  const encoded = Buffer.concat([Buffer.alloc(align), bytes]).toString('base64');
  return encoded.slice(Math.ceil((align * 8) / 6), Math.floor(((align + bytes.length) * 8) / 6));
}

/**
 * Every form of `secret` worth matching, built once per secret: the secret itself; its
 * percent-encoding (encodeURIComponent's, and the stricter one that also encodes !'()*); its
 * JSON string escape; its hex; and its base64 at each of the three byte alignments, standard and
 * URL-safe. Letter case is left to the matcher (secretPattern matches case-insensitively, which
 * covers upper and lower case, lower-hex percent escapes and upper-case hex).
 */
export function secretForms(secret: string): string[] {
  const forms = new Set([secret]);
  if (secret.length >= MIN_ENCODED_SECRET) {
    const bytes = Buffer.from(secret, 'utf8');
    const percent = encodeURIComponent(secret);
    forms.add(percent);
    forms.add(percent.replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`));
    forms.add(JSON.stringify(secret).slice(1, -1));
    forms.add(bytes.toString('hex'));
    for (const align of [0, 1, 2]) {
      const core = base64Core(bytes, align);
      forms.add(core);
      forms.add(B64_URL(core));
    }
  }
  return [...forms].filter((f) => f.length > 0);
}

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Compiled patterns by their secrets: redaction runs per answer, the forms are built once. */
const compiled = new Map<string, RegExp | null>();
const MAX_COMPILED = 64;

/**
 * One global, case-insensitive pattern matching every form of every secret of at least `min`
 * characters (longest first), or null when there is none. Cached: callers pass the same few
 * secrets for every answer of a run.
 */
export function secretPattern(secrets: readonly (string | null | undefined)[], min: number): RegExp | null {
  const known = [...new Set(secrets.filter((s): s is string => typeof s === 'string' && s.length >= min))].sort();
  if (known.length === 0) return null;
  const cacheKey = `${min}\u0000${known.join('\u0000')}`;
  const hit = compiled.get(cacheKey);
  if (hit !== undefined) return hit;
  const forms = [...new Set(known.flatMap(secretForms))].sort((a, b) => b.length - a.length);
  const re = new RegExp(forms.map(escape).join('|'), 'gi');
  if (compiled.size >= MAX_COMPILED) compiled.clear();
  compiled.set(cacheKey, re);
  return re;
}

/** `text` with every form of every secret of at least `min` characters replaced by `[redacted]`. */
export function redactSecretForms(text: string, secrets: readonly (string | null | undefined)[], min = MIN_ENCODED_SECRET): string {
  const re = secretPattern(secrets, min);
  return re === null || text.search(re) < 0 ? text : text.replace(re, REDACTED);
}
