/**
 * Removes credentials from text an endpoint or a library produced (error bodies, messages),
 * before it is stored, served or logged. Endpoints echo keys back: "Incorrect API key provided:
 * sk-proj-****abcd", "invalid token: Bearer sk-…", a URL with user:password in it.
 */

import { MIN_ENCODED_SECRET, REDACTED, redactSecretForms, secretPattern } from './secret-forms.js';

export { REDACTED };

/** Secrets shorter than this are not matched as substrings (they would blank ordinary words). */
const MIN_SECRET = 4;
/** A fragment of a known secret at least this long (a key cut short by a server) is removed. */
const MIN_FRAGMENT = MIN_ENCODED_SECRET;
/** Longest error text kept (after redaction). */
export const MAX_ERROR_CHARS = 500;
/** Error texts are cut to this before the patterns run, so a huge body costs little. */
const PRE_CUT = 8000;

const TOKENISH = /[A-Za-z0-9\-_.~+/=*•…]{4,}/g;
const MASK = /[*•…]+|\.{3,}/;
const PATTERNS: Array<[RegExp, string]> = [
  // Authorization schemes, whatever their case.
  [/\b(Bearer)(\s+)(?!\[redacted\])[^\s"',;)}\]]+/gi, `$1$2${REDACTED}`],
  [/\b(Basic)(\s+)[A-Za-z0-9+/=]{8,}/gi, `$1$2${REDACTED}`],
  // key=value and "key": "value" forms of common credential fields and headers.
  [/\b(x-api-key|api[_-]?key|access[_-]?token|auth[_-]?token|authorization|password|secret)(["']?\s*[:=]\s*["']?)(?!\[redacted\])[^\s"'&,;)}\]]+/gi, `$1$2${REDACTED}`],
  // OpenAI- and Anthropic-style keys, masked or not, even when they are not ours.
  [/\b(?:sk|rk|pk)-[A-Za-z0-9_\-*•…]{16,}/g, REDACTED],
  // user:password@ in URLs.
  [/(\/\/)[^/\s@:]+:[^/\s@]+@/g, `$1${REDACTED}@`],
];

/** True when `token` is a masked or shortened form of `secret` (a known prefix and/or suffix around a mask, or a long fragment). */
function revealsSecret(token: string, secret: string): boolean {
  const mask = MASK.exec(token);
  if (mask !== null) {
    const head = token.slice(0, mask.index);
    const tail = token.slice(mask.index + mask[0].length).replace(/^[*•….]+/, '');
    return head.length + tail.length >= MIN_SECRET && secret.startsWith(head) && secret.endsWith(tail) && head.length < secret.length;
  }
  return token.length >= MIN_FRAGMENT && secret.includes(token);
}

/**
 * Replaces every known secret value in any of its forms (any letter case, percent-encoded,
 * base64, hex: see secret-forms.ts), its fragments of 8+ characters and masked forms like
 * `sk-proj-****abcd`, every `Bearer <token>`, credential fields, key-shaped strings and URL
 * passwords with `[redacted]`.
 */
export function redactSecrets(text: string, secrets: readonly (string | null | undefined)[] = []): string {
  const known = [...new Set(secrets.filter((s): s is string => typeof s === 'string' && s.length >= MIN_SECRET))];
  let out = text;
  const pattern = secretPattern(known, MIN_SECRET);
  if (pattern !== null) {
    out = out.replace(pattern, REDACTED);
    out = out.replace(TOKENISH, (t) => {
      // A sentence's full stop is not part of the key.
      const core = t.replace(/\.+$/, '');
      return known.some((s) => revealsSecret(core, s)) ? REDACTED + t.slice(core.length) : t;
    });
  }
  for (const [re, to] of PATTERNS) out = out.replace(re, to);
  return out;
}

/**
 * Removes known secret values only, in every form secret-forms.ts lists (answers: the text is
 * the model's, patterns would change it).
 */
export function redactKnownSecrets(text: string, secrets: readonly (string | null | undefined)[]): string {
  return redactSecretForms(text, secrets, MIN_FRAGMENT);
}

/** An error text fit to store and show: one line, redacted, at most 500 characters. */
export function safeErrorText(text: string, secrets: readonly (string | null | undefined)[] = [], max = MAX_ERROR_CHARS): string {
  const oneLine = text.slice(0, PRE_CUT).replace(/\s+/g, ' ').trim();
  const clean = redactSecrets(oneLine, secrets);
  return clean.length > max ? `${clean.slice(0, max - 1)}…` : clean;
}
