import { wellFormed } from '../untrusted-text.js';

/*
 * SQLite keeps TEXT as UTF-8, and better-sqlite3 writes a JS string's lone surrogate (a model's
 * JSON may carry "\ud800") as the bytes ED A0 80, which are not UTF-8: other readers of the
 * database fail or guess. Text from outside is stored with each lone surrogate as U+FFFD.
 */

/** Untrusted text as stored: lone surrogates replaced by U+FFFD. */
export function storedText<T extends string | null | undefined>(text: T): T {
  return (typeof text === 'string' ? wellFormed(text) : text) as T;
}

// JSON.stringify writes a lone surrogate as a lowercase escape (\ud800) and a valid pair as the
// character itself, so an escape in D800–DFFF that is not itself escaped (\\ud800 is a backslash
// and text) is a lone surrogate, in a value or in a key.
const ESCAPED_LONE_SURROGATE = /(?<!\\)((?:\\\\)*)\\ud[89a-f][0-9a-f]{2}/g;

/** A value as stored JSON (null stays null): every string in it well-formed. */
export function storedJson(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  return JSON.stringify(value).replace(ESCAPED_LONE_SURROGATE, '$1\uFFFD');
}
