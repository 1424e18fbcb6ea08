import { TunegateError, type ErrorCode } from './errors.js';
import { splitKeyValue } from './key-value.js';

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

/** Splits KEY=VALUE at the first "=" and checks both; an error names `field` (`--tag`, `querystring/tag`). */
export function parseTag(raw: string, field: string, code: ErrorCode): { key: string; value: string } {
  const { key, value } = splitKeyValue(raw);
  if (key === '' || value === undefined) throw new TunegateError(code, `${field} must be KEY=VALUE, got "${raw}"`);
  const problem = tagKeyProblem(key);
  if (problem !== null) throw new TunegateError(code, `${field}: ${problem}`);
  if ([...value].length > TAG_VALUE_MAX) throw new TunegateError(code, `${field}: the value of tag "${key}" is longer than ${TAG_VALUE_MAX} characters`);
  return { key, value };
}

/** Tags from KEY=VALUE strings (repeated flags or query parameters); a key given twice is an error. */
export function parseTags(raw: readonly string[], field: string, code: ErrorCode): Record<string, string> {
  const tags: Record<string, string> = {};
  for (const t of raw) {
    const { key, value } = parseTag(t, field, code);
    if (Object.hasOwn(tags, key)) throw new TunegateError(code, `${field}: tag "${key}" is given twice`);
    tags[key] = value;
  }
  return tags;
}

/** Whether `tags` carries every wanted tag (own keys only, so no key reads Object's machinery). */
export function hasTags(tags: Record<string, string>, wanted: Record<string, string>): boolean {
  return Object.entries(wanted).every(([k, v]) => Object.hasOwn(tags, k) && tags[k] === v);
}
