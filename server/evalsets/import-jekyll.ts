import { readdirSync, statSync } from 'node:fs';
import { basename, extname, join, relative, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { TunegateError } from '../errors.js';
import { dominantScript } from '../text/language.js';
import { seededRandom, shuffled } from '../stats/random.js';
import { InvalidUtf8Error, readUtf8File } from './read-utf8.js';

export interface JekyllOptions {
  holdout?: number;
  /** Keep posts dated on or after this day (YYYY-MM-DD). */
  since?: string;
  seed?: number;
  lang?: 'zh' | 'en';
  /** Posts whose cleaned body is shorter are skipped (a stub is no reference). */
  minChars?: number;
}

export interface Post {
  source: string;
  title: string;
  date: string | null;
  lang: 'zh' | 'en';
  body: string;
}

/** A blog item as import-jekyll writes it. */
export interface JekyllItem {
  id: string;
  title: string;
  reference: string;
  tags: string[];
  meta: { source: string; date: string | null; lang: 'zh' | 'en' };
}

export interface ImportResult {
  items: JekyllItem[];
  skipped: Array<{ source: string; reason: string }>;
  considered: number;
}

const POST_EXT = new Set(['.md', '.markdown', '.mdown', '.mkd']);
const JEKYLL_NAME = /^(\d{4}-\d{2}-\d{2})-(.+)$/;

function markdownFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    if (name.startsWith('.')) continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...markdownFiles(path));
    else if (POST_EXT.has(extname(name).toLowerCase())) out.push(path);
  }
  return out;
}

/** Splits YAML (`---`) or TOML (`+++`, Hugo) front matter from the body. */
function splitFrontMatter(text: string): { meta: Record<string, unknown>; body: string } | null {
  const t = text.replace(/^\uFEFF/, '');
  const m = /^(---|\+\+\+)[ \t]*\r?\n([\s\S]*?)\r?\n\1[ \t]*(?:\r?\n|$)/.exec(t);
  if (m === null) return null;
  const body = t.slice(m[0].length);
  if (m[1] === '---') {
    const meta = parseYaml(m[2]!) as unknown;
    return { meta: meta !== null && typeof meta === 'object' ? (meta as Record<string, unknown>) : {}, body };
  }
  // Hugo TOML: only flat `key = value` lines are needed here (title, date, lang, draft).
  const meta: Record<string, unknown> = {};
  for (const line of m[2]!.split(/\r?\n/)) {
    const kv = /^\s*([A-Za-z_][\w-]*)\s*=\s*(.+?)\s*$/.exec(line);
    if (kv === null) continue;
    const raw = kv[2]!;
    meta[kv[1]!] = /^["'].*["']$/.test(raw) ? raw.slice(1, -1) : raw === 'true' ? true : raw === 'false' ? false : raw;
  }
  return { meta, body };
}

/** Removes what is not prose the model should reproduce: Liquid tags and output, HTML comments. */
export function cleanBody(body: string): string {
  return body
    .replace(/<!--[\s\S]*?-->/g, '')
    .replace(/\{%-?\s*comment\s*-?%\}[\s\S]*?\{%-?\s*endcomment\s*-?%\}/g, '')
    .replace(/\{%-?[\s\S]*?-?%\}/g, '')
    .replace(/\{\{-?[\s\S]*?-?\}\}/g, '')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}

function dateOf(meta: Record<string, unknown>, file: string): string | null {
  const d = meta.date;
  if (d instanceof Date && !Number.isNaN(d.getTime())) return d.toISOString().slice(0, 10);
  if (typeof d === 'string' && /^\d{4}-\d{2}-\d{2}/.test(d)) return d.slice(0, 10);
  return JEKYLL_NAME.exec(basename(file, extname(file)))?.[1] ?? null;
}

function slugOf(file: string): string {
  const stem = basename(file, extname(file));
  const base = stem === 'index' ? basename(join(file, '..')) : stem;
  return (JEKYLL_NAME.exec(base)?.[2] ?? base).toLowerCase().replace(/[^\p{L}\p{N}]+/gu, '-').replace(/^-|-$/g, '') || 'post';
}

/**
 * Reads a Jekyll/Hugo folder of Markdown posts with front matter and returns blog items for
 * the held-out set, plus what was skipped and why. Sampling is seeded and made over posts in a
 * fixed order (date, then path), so the same folder and seed give the same hold-out.
 */
export function importJekyll(dir: string, cwd: string, opts: JekyllOptions = {}): ImportResult {
  const abs = resolve(cwd, dir);
  let files: string[];
  try {
    if (!statSync(abs).isDirectory()) throw new Error('not a folder');
    files = markdownFiles(abs);
  } catch (e) {
    throw new TunegateError('USAGE', `${dir}: cannot read posts (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  if (opts.since !== undefined && !/^\d{4}-\d{2}-\d{2}$/.test(opts.since)) {
    throw new TunegateError('USAGE', `--since must be a date YYYY-MM-DD, got "${opts.since}"`);
  }
  const minChars = opts.minChars ?? 200;
  const skipped: ImportResult['skipped'] = [];
  const posts: Post[] = [];
  for (const file of files) {
    const source = relative(cwd, file) || file;
    let split: ReturnType<typeof splitFrontMatter>;
    try {
      split = splitFrontMatter(readUtf8File(file, source));
    } catch (e) {
      // A post in another encoding is listed like any unusable post, with the line to fix.
      if (e instanceof InvalidUtf8Error) { skipped.push({ source, reason: `invalid UTF-8 on line ${e.line} (byte 0x${e.byte.toString(16).toUpperCase().padStart(2, '0')} at column ${e.column})` }); continue; }
      skipped.push({ source, reason: `front matter does not parse (${(e as Error).message.split('\n')[0]})` });
      continue;
    }
    if (split === null) { skipped.push({ source, reason: 'no front matter' }); continue; }
    const { meta } = split;
    const title = typeof meta.title === 'string' ? meta.title.trim() : '';
    if (title === '') { skipped.push({ source, reason: 'no title in front matter' }); continue; }
    if (meta.draft === true || meta.published === false) { skipped.push({ source, reason: 'draft or unpublished' }); continue; }
    const body = cleanBody(split.body);
    if (Array.from(body).length < minChars) { skipped.push({ source, reason: `body shorter than ${minChars} characters` }); continue; }
    const date = dateOf(meta, file);
    if (opts.since !== undefined && (date === null || date < opts.since)) {
      skipped.push({ source, reason: date === null ? `no date (needed for --since)` : `dated ${date}, before --since ${opts.since}` });
      continue;
    }
    const declared = typeof meta.lang === 'string' ? meta.lang : typeof meta.language === 'string' ? meta.language : undefined;
    const lang: 'zh' | 'en' = declared !== undefined ? (declared.toLowerCase().startsWith('zh') ? 'zh' : 'en') : dominantScript(body) === 'zh' ? 'zh' : 'en';
    if (opts.lang !== undefined && lang !== opts.lang) { skipped.push({ source, reason: `language ${lang}, not --lang ${opts.lang}` }); continue; }
    posts.push({ source, title, date, lang, body });
  }

  posts.sort((a, b) => (a.date ?? '').localeCompare(b.date ?? '') || a.source.localeCompare(b.source));
  const chosen = opts.holdout === undefined ? posts : shuffled(posts, seededRandom(opts.seed ?? 0)).slice(0, opts.holdout);
  const ids = new Set<string>();
  const items = chosen.map((p): JekyllItem => {
    let id = slugOf(p.source);
    for (let k = 2; ids.has(id); k++) id = `${slugOf(p.source)}-${k}`;
    ids.add(id);
    return { id, title: p.title, reference: p.body, tags: ['blog', p.lang], meta: { source: p.source, date: p.date, lang: p.lang } };
  });
  return { items, skipped, considered: files.length };
}
