import { seededRandom, shuffled } from '../stats/random.js';
import { ItemError, parseItem } from './parse-item.js';
import { readInputFile } from './read-utf8.js';

export interface SftImport {
  /** The held-out lines, as they were in the file. */
  heldOut: object[];
  /** The line of each held-out pair in the file. */
  heldOutLines: number[];
  /** Every other valid line: what to train on so the held-out lines stay unseen. */
  rest: object[];
  skipped: Array<{ line: number; reason: string }>;
}

/**
 * Samples held-out pairs from an OpenAI chat fine-tuning JSONL file. Each line must be a valid
 * `{"messages": […]}` item (the last assistant message is the reference); invalid lines are
 * skipped with the reason. The sample is seeded and taken in file order, so it is repeatable.
 */
export function importSft(file: string, cwd: string, opts: { holdout?: number; seed?: number }): SftImport {
  const text = readInputFile(file, cwd);
  const valid: object[] = [];
  const validLines: number[] = [];
  const skipped: SftImport['skipped'] = [];
  text.replace(/^\uFEFF/, '').split(/\r?\n/).forEach((raw, i) => {
    const line = i + 1;
    if (raw.trim() === '') return;
    try {
      const value = JSON.parse(raw) as unknown;
      if (value === null || typeof value !== 'object' || !('messages' in value)) throw new ItemError('no "messages" field');
      parseItem(value, 'sft', line);
      valid.push(value);
      validLines.push(line);
    } catch (e) {
      skipped.push({ line, reason: e instanceof SyntaxError ? 'invalid JSON' : (e as Error).message });
    }
  });
  const order = shuffled(valid.map((_, i) => i), seededRandom(opts.seed ?? 0));
  const picked = new Set(opts.holdout === undefined ? order : order.slice(0, opts.holdout));
  return {
    heldOut: valid.filter((_, i) => picked.has(i)),
    heldOutLines: validLines.filter((_, i) => picked.has(i)),
    rest: valid.filter((_, i) => !picked.has(i)),
    skipped,
  };
}
