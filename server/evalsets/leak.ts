/*
 * Training/eval leakage: which lines of a fine-tuning file contain an eval item's question or
 * held-out reference. A held-out post that is also in the training data makes blog quality
 * measure recall, not writing; a question the model trained on measures nothing held out.
 *
 * Texts are compared as tokens: NFKC and case folded (foldForMatch), each CJK character (Han,
 * kana, Hangul) one token, each run of other letters, digits and marks one token, punctuation
 * and whitespace dropped. So "Don't  PANIC!" and "don t panic" are the same three tokens, and a
 * Chinese span is counted in characters.
 *
 * The rule, for an eval text of T tokens and n = the n-gram length:
 * - T ≥ n: it leaks into a training line that shares any n consecutive tokens with it. The
 *   shared span reported is the longest run of tokens the two have in common around the shared
 *   n-grams (extended greedily both ways). Each n-gram is indexed at its first place in the
 *   eval text only, so when an eval text repeats a phrase the reported span (and its token count)
 *   can be shorter than the longest shared run: a lower bound. Whether the item leaks is exact.
 * - 0 < T < n (a short question or title): it leaks only into a training line one of whose
 *   messages is the same token sequence. A title is never "found" inside every post that
 *   happens to contain its words, but a question copied into training (up to case,
 *   punctuation and whitespace) is.
 *
 * Cost: the eval texts' n-grams are indexed once; each training token costs one vocabulary
 * lookup, one step of a rolling hash and one bit test, so the pass is linear in the size of the
 * training file (bench/leak.ts). Training tokens that occur in no eval text break every n-gram
 * they are in, which skips most of an unrelated post cheaply.
 */
import { foldForMatch } from '../text/normalize.js';
import type { EvalItem } from './types.js';

/** One text of a training line: a message's content, a prompt, a completion or a text. */
export interface TrainingText {
  /** Where in the line: `messages[2]`, `prompt`, `completion` or `text`. */
  label: string;
  text: string;
}

/** The texts of one line of a training file. */
export interface TrainingLine {
  /** 1-based line in the training file. */
  line: number;
  texts: TrainingText[];
}

/** A training line that an eval text leaks into. */
export interface TrainingMatch {
  line: number;
  /** The text of the line that holds the shared span (see TrainingText.label). */
  message: string;
  /** The shared span as the eval item writes it (or its tokens, where that cannot be located). */
  span: string;
  /** Tokens in the shared span. */
  tokens: number;
}

/** An eval item's text found in training lines. */
export interface Leak {
  set: string;
  id: string;
  /** The item's line in its eval-set file. */
  line: number;
  field: 'prompt' | 'reference';
  /** Longest span first, then by line. */
  training: TrainingMatch[];
}

/** The n-gram length check-leak uses unless told otherwise: eight words, or eight CJK characters. */
export const DEFAULT_NGRAM = 8;

export interface LeakOptions {
  /** n-gram length in tokens (≥ 2). */
  ngram: number;
}

const CJK_CLASS = '\\p{Script=Han}\\p{Script=Hiragana}\\p{Script=Katakana}\\p{Script=Hangul}\\u30FC';
const TOKEN = new RegExp(`[${CJK_CLASS}]|(?:(?![${CJK_CLASS}])[\\p{L}\\p{N}\\p{M}])+`, 'gu');
const IS_CJK = new RegExp(`^[${CJK_CLASS}]$`, 'u');

/** The tokens of a text for the leakage check (see the top of this file). */
export function leakTokens(text: string): string[] {
  return foldForMatch(text).match(TOKEN) ?? [];
}

/** Tokens as readable text: words separated by a space, CJK characters run together. */
export function joinTokens(tokens: readonly string[]): string {
  let out = '';
  tokens.forEach((t, i) => {
    if (i > 0 && !IS_CJK.test(t) && !IS_CJK.test(tokens[i - 1]!)) out += ' ';
    out += t;
  });
  return out;
}

/**
 * Where each token of `text` starts and ends in the original text, or null when folding the
 * text character by character does not give what folding it whole gives (a composition across
 * characters, a final sigma): then the caller shows the tokens instead.
 */
function tokenOffsets(text: string): { starts: number[]; ends: number[] } | null {
  let folded = '';
  const origin: number[] = [];
  const originEnd: number[] = [];
  let at = 0;
  for (const ch of text) {
    const f = foldForMatch(ch);
    for (let k = 0; k < f.length; k++) {
      origin.push(at);
      originEnd.push(at + ch.length);
    }
    folded += f;
    at += ch.length;
  }
  if (folded !== foldForMatch(text)) return null;
  const starts: number[] = [];
  const ends: number[] = [];
  for (const m of folded.matchAll(TOKEN)) {
    starts.push(origin[m.index]!);
    ends.push(originEnd[m.index + m[0].length - 1]!);
  }
  return { starts, ends };
}

interface EvalText {
  item: number;
  field: Leak['field'];
  text: string;
  ids: number[];
}

interface Found {
  message: string;
  tokens: number;
  /** Token range in the eval text. */
  from: number;
  to: number;
}

/*
 * n-grams are found by a rolling polynomial hash of token ids (mod 2^32, so Math.imul is exact):
 * one multiply-add per token, whatever n is. A bit set of the eval n-grams' hashes answers most
 * training windows (those shared with no eval text) without a Map lookup. Collisions only cost a
 * comparison: every hit is verified token by token.
 */
const BASE = 0x01000193;
const FILTER_BITS = 24;

function mix(h: number): number {
  h = Math.imul(h ^ (h >>> 16), 0x45d9f3b);
  return h ^ (h >>> 16);
}

/** BASE^n mod 2^32: what the token leaving a window of n contributed. */
function basePower(n: number): number {
  let p = 1;
  for (let k = 0; k < n; k++) p = Math.imul(p, BASE);
  return p;
}

/** The hash of each window of n ids (index = the window's first token). */
function windowHashes(ids: readonly number[], n: number, out: Int32Array, bn: number): void {
  let h = 0;
  for (let q = 0; q < ids.length; q++) {
    h = (Math.imul(h, BASE) + ids[q]!) | 0;
    if (q >= n) h = (h - Math.imul(ids[q - n]!, bn)) | 0;
    if (q >= n - 1) out[q - n + 1] = mix(h);
  }
}

function sameWindow(a: readonly number[], p: number, b: readonly number[], q: number, n: number): boolean {
  for (let k = 0; k < n; k++) if (a[p + k] !== b[q + k]) return false;
  return true;
}

/**
 * Every eval item whose prompt (any item) or reference (blog items) leaks into a training line,
 * with each such line and the longest span they share (rule at the top of this file). Items come
 * back in their order, prompt before reference; an item that leaks nowhere is not listed.
 */
export function findLeaks(items: readonly EvalItem[], training: Iterable<TrainingLine>, opts: LeakOptions): Leak[] {
  const n = opts.ngram;
  if (!Number.isInteger(n) || n < 2) throw new RangeError(`ngram must be a whole number ≥ 2, got ${n}`);

  // Token ids: 1… for tokens of eval texts; a training token not among them is 0.
  const vocab = new Map<string, number>();
  const idOf = (t: string) => {
    let id = vocab.get(t);
    if (id === undefined) vocab.set(t, (id = vocab.size + 1));
    return id;
  };
  const texts: EvalText[] = [];
  items.forEach((item, i) => {
    const fields: Array<[Leak['field'], string]> = [['prompt', item.prompt]];
    if (item.kind === 'blog') fields.push(['reference', item.reference]);
    for (const [field, text] of fields) {
      const ids = leakTokens(text).map(idOf);
      if (ids.length > 0) texts.push({ item: i, field, text, ids });
    }
  });

  // n-gram hash → [text, position, text, position, …]: each distinct n-gram once per text (its
  // first occurrence), so a text that repeats a phrase does not multiply the work on a hit.
  const bn = basePower(n);
  const grams = new Map<number, number[]>();
  const filter = new Int32Array(1 << (FILTER_BITS - 5));
  const mask = (1 << FILTER_BITS) - 1;
  // Short texts by their whole token sequence.
  const wholes = new Map<string, number[]>();
  texts.forEach((t, ti) => {
    if (t.ids.length < n) {
      const key = t.ids.join(',');
      const list = wholes.get(key);
      if (list === undefined) wholes.set(key, [ti]);
      else list.push(ti);
      return;
    }
    const hashes = new Int32Array(t.ids.length - n + 1);
    windowHashes(t.ids, n, hashes, bn);
    hashes.forEach((h, p) => {
      const list = grams.get(h);
      if (list === undefined) {
        grams.set(h, [ti, p]);
        filter[(h & mask) >>> 5]! |= 1 << (h & 31);
        return;
      }
      for (let k = 0; k < list.length; k += 2) if (list[k] === ti && sameWindow(t.ids, list[k + 1]!, t.ids, p, n)) return;
      list.push(ti, p);
    });
  });

  const found = new Map<number, Array<Found & { line: number }>>();
  let hashes = new Int32Array(4096);
  for (const { line, texts: parts } of training) {
    // The longest span per eval text over the line's texts.
    const best = new Map<number, Found>();
    const keep = (ti: number, f: Found) => {
      const b = best.get(ti);
      if (b === undefined || f.tokens > b.tokens) best.set(ti, f);
    };
    for (const part of parts) {
      const tokens = leakTokens(part.text);
      const ids = tokens.map((tok) => vocab.get(tok) ?? 0);
      if (ids.length === 0) continue;
      if (ids.length < n) {
        if (ids.includes(0)) continue;
        for (const ti of wholes.get(ids.join(',')) ?? []) keep(ti, { message: part.label, tokens: ids.length, from: 0, to: ids.length });
        continue;
      }
      // Per eval text: the diagonals (eval position − training position) already extended, and
      // where on the training side each extension ended, so a run is extended once.
      const covered = new Map<number, Map<number, number>>();
      if (hashes.length < ids.length) hashes = new Int32Array(ids.length * 2);
      windowHashes(ids, n, hashes, bn);
      let lastUnknown = -1;
      for (let q = 0; q < ids.length; q++) {
        if (ids[q] === 0) lastUnknown = q;
        const s = q - n + 1;
        if (s < 0 || lastUnknown >= s) continue;
        const hash = hashes[s]!;
        if ((filter[(hash & mask) >>> 5]! & (1 << (hash & 31))) === 0) continue;
        const hits = grams.get(hash);
        if (hits === undefined) continue;
        for (let h = 0; h < hits.length; h += 2) {
          const ti = hits[h]!;
          const p = hits[h + 1]!;
          const e = texts[ti]!.ids;
          const b = best.get(ti);
          if (b !== undefined && b.tokens === e.length) continue; // all of it is shared already
          if (!sameWindow(e, p, ids, s, n)) continue;
          let diagonals = covered.get(ti);
          if (diagonals === undefined) covered.set(ti, (diagonals = new Map()));
          if ((diagonals.get(p - s) ?? -1) >= s + n) continue;
          let from = p;
          let qFrom = s;
          while (from > 0 && qFrom > 0 && e[from - 1] === ids[qFrom - 1]) { from--; qFrom--; }
          let to = p + n;
          let qTo = s + n;
          while (to < e.length && qTo < ids.length && e[to] === ids[qTo]) { to++; qTo++; }
          diagonals.set(p - s, qTo);
          keep(ti, { message: part.label, tokens: to - from, from, to });
        }
      }
    }
    for (const [ti, f] of best) {
      const list = found.get(ti);
      if (list === undefined) found.set(ti, [{ ...f, line }]);
      else list.push({ ...f, line });
    }
  }

  const leaks: Leak[] = [];
  texts.forEach((t, ti) => {
    const list = found.get(ti);
    if (list === undefined) return;
    const offsets = tokenOffsets(t.text);
    const tokens = offsets === null ? leakTokens(t.text) : [];
    const item = items[t.item]!;
    leaks.push({
      set: item.set,
      id: item.id,
      line: item.line,
      field: t.field,
      training: list
        .sort((a, b) => b.tokens - a.tokens || a.line - b.line)
        .map((f) => ({
          line: f.line,
          message: f.message,
          span: offsets !== null ? t.text.slice(offsets.starts[f.from], offsets.ends[f.to - 1]) : joinTokens(tokens.slice(f.from, f.to)),
          tokens: f.tokens,
        })),
    });
  });
  return leaks;
}
