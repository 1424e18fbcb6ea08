import { existsSync, readdirSync, statSync } from 'node:fs';
import { basename, extname, join, resolve } from 'node:path';
import { TunegateError } from '../errors.js';
import { parseEvalSetText } from './parse-file.js';
import { InvalidUtf8Error, readUtf8File } from './read-utf8.js';
import type { EvalSet } from './types.js';

/** What a listing says of an eval set (CLI `evalset validate --json`, GET /api/evalsets). */
export interface EvalSetSummary {
  name: string;
  hash: string;
  items: number;
  keyword: number;
  blog: number;
  warnings: string[];
}

export function evalSetSummary(s: EvalSet): EvalSetSummary {
  return {
    name: s.name,
    hash: s.hash,
    items: s.items.length,
    keyword: s.items.filter((i) => i.kind === 'keyword').length,
    blog: s.items.filter((i) => i.kind === 'blog').length,
    warnings: s.warnings,
  };
}

/** The eval-set name of a file: its base name without the extension. */
export function setNameOf(path: string): string {
  return basename(path, extname(path));
}

function jsonlFilesIn(dir: string): string[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.jsonl'))
    .sort()
    .map((f) => join(dir, f));
}

/**
 * Turns what the user typed into eval-set files. Each argument may be a file, a folder (all its
 * `*.jsonl`), or a bare set name looked up in the eval-set folder (`bio` → `evalsets/bio.jsonl`).
 * No arguments means every `*.jsonl` in the eval-set folder. Paths are resolved against `cwd`
 * but reported as the user wrote them.
 */
export function resolveEvalsetPaths(args: readonly string[], cwd: string, defaultDir: string): string[] {
  const dirAbs = resolve(cwd, defaultDir);
  if (args.length === 0) {
    if (!existsSync(dirAbs) || !statSync(dirAbs).isDirectory()) {
      throw new TunegateError('USAGE', `no eval sets given and the folder ${defaultDir}/ does not exist; pass --evalsets PATH`);
    }
    const files = jsonlFilesIn(dirAbs).map((f) => join(defaultDir, basename(f)));
    if (files.length === 0) throw new TunegateError('USAGE', `no *.jsonl eval sets in ${defaultDir}/`);
    return files;
  }
  const out: string[] = [];
  for (const arg of args) {
    const abs = resolve(cwd, arg);
    if (existsSync(abs)) {
      if (statSync(abs).isDirectory()) {
        const files = jsonlFilesIn(abs).map((f) => join(arg, basename(f)));
        if (files.length === 0) throw new TunegateError('USAGE', `no *.jsonl eval sets in ${arg}`);
        out.push(...files);
      } else {
        out.push(arg);
      }
      continue;
    }
    const byName = join(defaultDir, `${arg}.jsonl`);
    if (!arg.includes('/') && !arg.endsWith('.jsonl') && existsSync(resolve(cwd, byName))) {
      out.push(byName);
      continue;
    }
    const available = existsSync(dirAbs) ? jsonlFilesIn(dirAbs).map((f) => setNameOf(f)) : [];
    throw new TunegateError(
      'USAGE',
      `eval set "${arg}" not found: no such file or folder, and no ${byName}` +
        (available.length > 0 ? ` (available: ${available.join(', ')})` : ''),
    );
  }
  return [...new Set(out)];
}

/**
 * Reads, parses and validates eval-set files. All problems in all files are reported together
 * in one TunegateError (exit 2) before anything is sent to a model. A file that is not UTF-8
 * is a problem naming its line, never text with U+FFFD in it.
 */
export function loadEvalSets(paths: readonly string[], cwd: string): EvalSet[] {
  const errors: string[] = [];
  const sets: EvalSet[] = [];
  const byName = new Map<string, string>();
  for (const path of paths) {
    let text: string;
    try {
      text = readUtf8File(resolve(cwd, path), path);
    } catch (e) {
      if (e instanceof InvalidUtf8Error) {
        errors.push(e.message);
        continue;
      }
      errors.push(`${path}: cannot read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
      continue;
    }
    const name = setNameOf(path);
    const other = byName.get(name);
    if (other !== undefined) {
      errors.push(`${path}: eval set name "${name}" is also the name of ${other}; set names must be unique in a run`);
      continue;
    }
    byName.set(name, path);
    const result = parseEvalSetText(text, path, name);
    errors.push(...result.errors);
    sets.push(result.set);
  }
  if (errors.length > 0) {
    const summary = errors.length === 1 ? errors[0]! : `${errors.length} problems in eval sets; the first: ${errors[0]}`;
    throw new TunegateError('INVALID_EVALSET', summary, errors);
  }
  return sets;
}
