import { setHash } from './hash.js';
import { hasLoneSurrogate } from '../untrusted-text.js';
import { ItemError, parseItem } from './parse-item.js';
import type { EvalItem, EvalSet } from './types.js';

export interface ParseResult {
  set: EvalSet;
  /** Each error already reads `path:line: message`. */
  errors: string[];
}

/**
 * Parses the text of one JSONL eval set. Blank lines and lines starting with `//` are skipped.
 * Every problem is collected (not just the first) so one fix-up pass covers the whole file.
 */
export function parseEvalSetText(text: string, path: string, name: string): ParseResult {
  const errors: string[] = [];
  const warnings: string[] = [];
  const items: EvalItem[] = [];
  const firstLine = new Map<string, number>();
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);

  lines.forEach((raw, index) => {
    const line = index + 1;
    const trimmed = raw.trim();
    if (trimmed === '' || trimmed.startsWith('//')) return;
    let value: unknown;
    try {
      value = JSON.parse(trimmed);
    } catch (e) {
      errors.push(`${path}:${line}: invalid JSON (${(e as Error).message})`);
      return;
    }
    // The file is UTF-8 (load.ts checks), but a JSON escape such as "\ud800" is half a character.
    if (hasLoneSurrogate(value)) {
      errors.push(`${path}:${line}: a \\uD800–\\uDFFF escape without its other half (a lone surrogate) is not text`);
      return;
    }
    try {
      const parsed = parseItem(value, name, line);
      for (const w of parsed.warnings) warnings.push(`${path}:${line}: ${w}`);
      const seen = firstLine.get(parsed.item.id);
      if (seen !== undefined) {
        errors.push(`${path}:${line}: "id" "${parsed.item.id}" is already used on line ${seen}`);
        return;
      }
      firstLine.set(parsed.item.id, line);
      items.push(parsed.item);
    } catch (e) {
      if (!(e instanceof ItemError)) throw e;
      errors.push(`${path}:${line}: ${e.message}`);
    }
  });

  if (items.length === 0 && errors.length === 0) {
    errors.push(`${path}: no items (every line is blank or a // comment)`);
  }
  return { set: { name, path, hash: setHash(items), items, warnings }, errors };
}
