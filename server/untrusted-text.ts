/*
 * Text that comes from outside the tool (a model's answer, an endpoint's reported model name
 * or error body, a checkpoint's name, model or tags sent to the API) made inert for a terminal
 * and bounded in size. An answer may carry escape sequences that recolour, clear the screen,
 * write the clipboard (OSC 52), draw hyperlinks or retitle the window; a misbehaving server may
 * send megabytes where one word was expected.
 *
 * Such characters are escaped, not dropped, so a reader sees that something was there: each is
 * printed as its JSON escape (ESC as \u001b, NUL as \u0000, C1 CSI as \u009b), which is plain
 * ASCII and is what `--json` shows for the same text.
 */

// C0 controls except tab and newline, DEL, C1 controls, the bidirectional marks, embeddings,
// overrides and isolates that make printed text read differently from what it is, and lone
// surrogates (not text at all; a stream would turn them into U+FFFD without a trace).
const UNPRINTABLE =
  /[\u0000-\u0008\u000B-\u001F\u007F-\u009F\u061C\u200E\u200F\u202A-\u202E\u2066-\u2069]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

const escaped = (c: string) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`;

/**
 * Untrusted text with every control character shown as its escape (`\u001b`); tabs and
 * newlines are kept (a CRLF becomes a newline). Idempotent, and lossless inside JSON text: a
 * raw U+009B in a JSON string becomes the escape `\u009b`, which parses back to it.
 */
export function printable(text: string): string {
  return text.replace(/\r\n/g, '\n').replace(UNPRINTABLE, escaped);
}

/**
 * Untrusted text as one printable line: whitespace runs (newlines, tabs) become one space and
 * the text is cut after `max` characters (… marks a cut; escapes do not count towards `max`).
 */
export function oneLine(text: string, max: number): string {
  const line = text.replace(/\s+/g, ' ').trim();
  if (line.length <= max) return printable(line);
  // Never cut between the two halves of a surrogate pair: half an emoji is a lone surrogate.
  const cut = /[\uD800-\uDBFF]/.test(line.charAt(max - 1)) ? max - 1 : max;
  return `${printable(line.slice(0, cut))}…`;
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/**
 * The text with each lone surrogate replaced by U+FFFD (String.prototype.toWellFormed).
 * A model's JSON may carry "\ud800"; SQLite would store it as bytes that are not UTF-8.
 */
export function wellFormed(text: string): string {
  return text.replace(LONE_SURROGATE, '\uFFFD');
}

/** Whether a parsed JSON value holds a lone surrogate in any string or key. */
export function hasLoneSurrogate(value: unknown): boolean {
  if (typeof value === 'string') return new RegExp(LONE_SURROGATE.source).test(value);
  if (Array.isArray(value)) return value.some(hasLoneSurrogate);
  if (value !== null && typeof value === 'object') return Object.entries(value).some(([k, v]) => hasLoneSurrogate(k) || hasLoneSurrogate(v));
  return false;
}
