import { sha256 } from '../evalsets/hash.js';
import { TunegateError } from '../errors.js';

/** One fact of a facts file, with the id every question generated from it carries (`fact_id`). */
export interface Fact {
  id: string;
  text: string;
  /** 1-based line where the fact starts, for messages. */
  line: number;
}

/** What a facts file says: whom (or what) it is about, and the facts. */
export interface Facts {
  /** The person's or the domain's name (front matter `name`); null when not given. */
  name: string | null;
  /** Other names the questions may use (李智维, lzwjava), in the file's order. */
  aliases: string[];
  facts: Fact[];
}

// Markdown bullets and numbers (a space after them), and the list marks of Chinese text, which
// often has none: 1、 一、 （1） 1） · ・ ●. A mark left on a fact changes its id when the list is renumbered.
const BULLET = /^\s*(?:(?:[-*+]|\d{1,3}[.)])\s+|(?:[•·・●○◦▪■]|\d{1,3}[、．）]|[一二三四五六七八九十]{1,3}、|[（(]\d{1,3}[）)])\s*)/;
/** A Markdown thematic break (---, ***, _ _ _): a separator, not a fact. */
const RULE = /^ {0,3}([-*_])(?:[ \t]*\1){2,}[ \t]*$/;
const EXPLICIT_ID = /\s*\{#([A-Za-z0-9][A-Za-z0-9_.-]{0,63})\}\s*$/;
const FRONT_KEYS = new Set(['name', 'aliases']);

/** Whitespace collapsed and NFKC: the form a fact's derived id is computed from. */
function canonicalFact(text: string): string {
  return text.normalize('NFKC').replace(/\s+/g, ' ').trim();
}

/**
 * A fact's id: the explicit `{#id}` at the end of its line, else `f-` and 8 hex digits of its
 * text's hash. Derived ids survive reordering and edits to other facts; editing a fact's own
 * text gives it a new id (it is a new fact), which an explicit id avoids.
 */
export function factId(text: string): string {
  return `f-${sha256(canonicalFact(text)).slice(0, 8)}`;
}

/** `a, b` or `[a, b]`, quotes around items allowed. */
function inlineList(value: string): string[] {
  const inner = value.trim().replace(/^\[(.*)\]$/s, '$1');
  return inner.split(/[,，、]/).map((s) => s.trim().replace(/^(["'])(.*)\1$/, '$2').trim()).filter((s) => s !== '');
}

function parseFrontMatter(lines: string[], file: string): { name: string | null; aliases: string[]; end: number } {
  if (lines[0]?.trim() !== '---') return { name: null, aliases: [], end: 0 };
  const close = lines.findIndex((l, i) => i > 0 && l.trim() === '---');
  if (close < 0) throw new TunegateError('INVALID_INPUT', `${file}:1: front matter opened with --- is never closed with a --- line`);
  const names: string[] = [];
  const aliases: string[] = [];
  let listKey: string | null = null;
  for (let i = 1; i < close; i++) {
    const raw = lines[i]!;
    if (raw.trim() === '' || raw.trim().startsWith('#')) continue;
    const item = /^\s+-\s+(.*)$/.exec(raw);
    if (item !== null && listKey !== null) {
      (listKey === 'name' ? names : aliases).push(...inlineList(item[1]!));
      continue;
    }
    const m = /^([A-Za-z_][\w-]*)\s*:\s*(.*)$/.exec(raw);
    if (m === null) throw new TunegateError('INVALID_INPUT', `${file}:${i + 1}: front matter line must be "key: value" (name, aliases), got "${raw.trim().slice(0, 80)}"`);
    const key = m[1]!.toLowerCase();
    if (!FRONT_KEYS.has(key)) throw new TunegateError('INVALID_INPUT', `${file}:${i + 1}: unknown front matter field "${m[1]}" (known: name, aliases)`);
    listKey = key;
    (key === 'name' ? names : aliases).push(...inlineList(m[2]!));
  }
  // "name: Zhiwei Li, 李智维, lzwjava": the first is the name, the others are aliases.
  const all = [...new Set([...names, ...aliases])];
  return { name: all[0] ?? null, aliases: all.slice(1), end: close + 1 };
}

/**
 * Parses a facts file: optional front matter (`name`, `aliases`), then one fact per line or per
 * Markdown bullet (`-`, `*`, `1.`, or a Chinese list mark: `1、`, `·`); an indented line continues
 * the bullet above it. Headings (`#`), thematic breaks (`---`), HTML comments and blank lines are
 * not facts. Errors name the file and line.
 */
export function parseFacts(text: string, file: string): Facts {
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  const { name, aliases, end } = parseFrontMatter(lines, file);
  const facts: Array<{ text: string; line: number; explicit: string | null }> = [];
  let inComment = false;
  let open: { text: string; line: number; explicit: string | null } | null = null;
  for (let i = end; i < lines.length; i++) {
    const raw = lines[i]!;
    const trimmed = raw.trim();
    if (inComment || trimmed.startsWith('<!--')) {
      inComment = !trimmed.includes('-->');
      open = null;
      continue;
    }
    if (trimmed === '' || /^#{1,6}(\s|$)/.test(trimmed) || RULE.test(raw)) {
      open = null;
      continue;
    }
    if (open !== null && /^\s+/.test(raw) && !BULLET.test(raw)) {
      open.text = `${open.text} ${trimmed}`;
      continue;
    }
    open = { text: raw.replace(BULLET, '').trim(), line: i + 1, explicit: null };
    facts.push(open);
  }
  if (facts.length === 0) throw new TunegateError('INVALID_INPUT', `${file}: no facts (write one fact per line or per "- " bullet)`);
  const seenIds = new Map<string, number>();
  const seenText = new Map<string, number>();
  const out: Fact[] = facts.map((f) => {
    // Whitespace collapsed first: EXPLICIT_ID's leading \s* is quadratic on a long run of spaces.
    const text = f.text.replace(/\s+/g, ' ');
    const m = EXPLICIT_ID.exec(text);
    const body = (m === null ? text : text.slice(0, m.index)).trim();
    if (body === '') throw new TunegateError('INVALID_INPUT', `${file}:${f.line}: the fact is empty`);
    const canon = canonicalFact(body);
    const dupText = seenText.get(canon);
    if (dupText !== undefined) throw new TunegateError('INVALID_INPUT', `${file}:${f.line}: the same fact as line ${dupText}`);
    seenText.set(canon, f.line);
    const id = m !== null ? m[1]! : factId(body);
    const dupId = seenIds.get(id);
    if (dupId !== undefined) throw new TunegateError('INVALID_INPUT', `${file}:${f.line}: fact id "${id}" is already the id of line ${dupId}`);
    seenIds.set(id, f.line);
    return { id, text: canon, line: f.line };
  });
  return { name, aliases, facts: out };
}
