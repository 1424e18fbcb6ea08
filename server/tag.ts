import { TunegateError, type ErrorCode } from './errors.js';
import { tagKeyProblem, TAG_VALUE_MAX } from './shared/tag-rule.js';
import { splitKeyValue } from './key-value.js';

// The rule itself is shared with the page's form (shared/tag-rule.ts); the schemas read it through here.
export { RESERVED_TAG_KEYS, TAG_KEY_MAX, TAG_KEY_PATTERN, TAG_KEY_RULE, TAG_VALUE_MAX, tagKeyProblem } from './shared/tag-rule.js';

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
