/*
 * What a tag key and value may be: one rule for the API schema, the CLI and the page's register
 * form (which checks a key as it is typed). Imports nothing, so the page's bundle takes it as it is.
 */

/** The longest tag key and value, in characters: one limit for the API schema, the CLI and the page. */
export const TAG_KEY_MAX = 100;
export const TAG_VALUE_MAX = 500;

/**
 * Keys that name JavaScript object machinery. Assigned into a plain object, `__proto__` vanished
 * (it sets the prototype) and `constructor` read Object's own, so such a tag was dropped or
 * matched differently without a word. Refusing them everywhere a tag enters is simpler to keep
 * correct than storing them as ordinary keys through every object, spread and JSON parser.
 */
export const RESERVED_TAG_KEYS: readonly string[] = ['__proto__', 'constructor', 'prototype'];

/** What a tag key must be, worded for an error message. */
export const TAG_KEY_RULE = `a tag key is 1–${TAG_KEY_MAX} characters without "=", and not ${RESERVED_TAG_KEYS.join(', ')}`;

/** The same rule as a JSON-schema pattern for the API's `tags` object keys. */
export const TAG_KEY_PATTERN = `^(?!(?:${RESERVED_TAG_KEYS.join('|')})$)[^=]{1,${TAG_KEY_MAX}}$`;

/** Why `key` cannot be a tag key, or null when it can. */
export function tagKeyProblem(key: string): string | null {
  const length = [...key].length;
  if (length === 0 || length > TAG_KEY_MAX || key.includes('=') || RESERVED_TAG_KEYS.includes(key)) {
    return `tag key "${key.length > 60 ? `${key.slice(0, 60)}…` : key}" is not allowed: ${TAG_KEY_RULE}`;
  }
  return null;
}
