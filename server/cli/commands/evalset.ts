import { DEFAULT_EVALSETS_DIR } from '../../config.js';
import { EXIT, TunegateError } from '../../errors.js';
import { evalSetSummary, loadEvalSets, resolveEvalsetPaths, setNameOf } from '../../evalsets/load.js';
import { importJekyll } from '../../evalsets/import-jekyll.js';
import { importSft } from '../../evalsets/import-sft.js';
import { findLeaks, type Leak, DEFAULT_NGRAM } from '../../evalsets/leak.js';
import { parseItem } from '../../evalsets/parse-item.js';
import { readTrainingFile } from '../../evalsets/training-file.js';
import type { EvalItem } from '../../evalsets/types.js';
import { assertDistinctPaths, assertWritable, writeJsonl, writeJsonlFiles } from '../../evalsets/write-jsonl.js';
import { evalsetGenerate } from './evalset-generate.js';
import { expectPositionals, flag, int, list, parseArgs, str, type Values } from '../args.js';
import { oneLine, table } from '../format.js';
import { println, type Io } from '../io.js';
import { EVALSET_CHECK_LEAK_SPEC, EVALSET_IMPORT_JEKYLL_SPEC, EVALSET_IMPORT_SFT_SPEC, EVALSET_VALIDATE_SPEC } from '../specs/evalset.js';

async function validate(argv: readonly string[], io: Io): Promise<number> {
  const p = parseArgs(argv, EVALSET_VALIDATE_SPEC, 'evalset validate');
  const sets = loadEvalSets(resolveEvalsetPaths(p.positionals, io.cwd, DEFAULT_EVALSETS_DIR), io.cwd);
  const rows = sets.map((s) => ({ ...evalSetSummary(s), path: s.path }));
  if (flag(p.values, 'json')) {
    println(io.stdout, JSON.stringify(rows));
    return 0;
  }
  for (const s of sets) for (const w of s.warnings) println(io.stderr, `warning: ${w}`);
  println(io.stdout, table(['set', 'path', 'items', 'keyword', 'blog', 'hash'], rows.map((r) => [
    r.name, r.path, String(r.items), String(r.keyword), String(r.blog), r.hash.slice(0, 12),
  ])));
  println(io.stdout, `ok: ${rows.length} eval sets, ${rows.reduce((n, r) => n + r.items, 0)} items`);
  return 0;
}

/** Training lines listed per leaking text in the text output; --json lists all. */
const SHOWN_LINES = 5;
const SPAN_CHARS = 120;

/** "an 8-gram", "a 10-gram". */
const nGram = (n: number) => `${/^8/.test(String(n)) || n === 11 || n === 18 ? 'an' : 'a'} ${n}-gram`;

/** --train and --ngram of check-leak and the imports; --ngram alone is a mistake worth saying. */
function leakOptions(values: Values, command: string, required: boolean): { train: string; ngram: number } | null {
  const train = str(values, 'train');
  const ngram = int(values, 'ngram', 2);
  if (train === undefined) {
    if (required) throw new TunegateError('USAGE', `${command} needs --train FILE, the fine-tuning JSONL file (e.g. --train data/train.jsonl)`);
    if (ngram !== undefined) throw new TunegateError('USAGE', `--ngram applies to the leakage check: give --train FILE too`);
    return null;
  }
  return { train, ngram: ngram ?? DEFAULT_NGRAM };
}

/**
 * One block per leaking item: its name and place (`where`), then for each leaking field the
 * training lines with the span they share, longest first. Spans are untrusted text, cut short.
 */
function printLeaks(io: Io, leaks: readonly Leak[], train: string, where: (leak: Leak) => string): void {
  leaks.forEach((leak, i) => {
    const prev = leaks[i - 1];
    if (prev === undefined || prev.set !== leak.set || prev.id !== leak.id) {
      if (prev !== undefined) println(io.stdout);
      println(io.stdout, `${leak.set}:${leak.id} (${where(leak)})`);
    }
    for (const m of leak.training.slice(0, SHOWN_LINES)) {
      println(io.stdout, `  ${leak.field} in ${train}:${m.line} (${m.message}), ${m.tokens} tokens shared: "${oneLine(m.span, SPAN_CHARS)}"`);
    }
    const more = leak.training.length - SHOWN_LINES;
    if (more > 0) println(io.stdout, `  … and ${more} more training line${more === 1 ? '' : 's'} (--json lists every one)`);
  });
  if (leaks.length > 0) println(io.stdout);
}

const leakingItems = (leaks: readonly Leak[]) => new Set(leaks.map((l) => `${l.set}\u0000${l.id}`)).size;

async function checkLeak(argv: readonly string[], io: Io): Promise<number> {
  const p = parseArgs(argv, EVALSET_CHECK_LEAK_SPEC, 'evalset check-leak');
  expectPositionals(p, 0, 'evalset check-leak');
  const { train, ngram } = leakOptions(p.values, 'evalset check-leak', true)!;
  const sets = loadEvalSets(resolveEvalsetPaths(list(p.values, 'evalsets'), io.cwd, DEFAULT_EVALSETS_DIR), io.cwd);
  const lines = readTrainingFile(train, io.cwd);
  const items = sets.flatMap((s) => s.items);
  const leaks = findLeaks(items, lines, { ngram });
  const pathOf = new Map(sets.map((s) => [s.name, s.path]));
  if (flag(p.values, 'json')) {
    println(io.stdout, JSON.stringify({
      train, ngram, items: items.length,
      leaks: leaks.map((l) => ({ set: l.set, id: l.id, file: pathOf.get(l.set), line: l.line, field: l.field, training: l.training })),
    }));
    return leaks.length > 0 ? EXIT.LEAK : EXIT.OK;
  }
  if (leaks.length === 0) {
    println(io.stdout, `ok: no item of ${items.length} shares ${nGram(ngram)} with ${train}`);
    return EXIT.OK;
  }
  printLeaks(io, leaks, train, (l) => `${pathOf.get(l.set)}:${l.line}`);
  println(io.stdout, `${leakingItems(leaks)} of ${items.length} items leak into ${train} (ngram ${ngram})`);
  println(io.stdout, 'Their scores measure recall of the training data: remove those lines from the training file, or the items from the eval set.');
  return EXIT.LEAK;
}

/**
 * The imports' check, before anything is written: true when the held-out items are clean (says
 * so), false after printing the leaks and what to do (the caller exits 1 writing nothing).
 */
function heldOutClean(io: Io, opts: { train: string; ngram: number }, items: EvalItem[], where: (leak: Leak) => string, advice: string): boolean {
  const leaks = findLeaks(items, readTrainingFile(opts.train, io.cwd), { ngram: opts.ngram });
  if (leaks.length === 0) {
    println(io.stdout, `ok: no held-out item of ${items.length} shares ${nGram(opts.ngram)} with ${opts.train}`);
    return true;
  }
  printLeaks(io, leaks, opts.train, where);
  println(io.stdout, `${leakingItems(leaks)} of ${items.length} held-out items leak into ${opts.train} (ngram ${opts.ngram}); nothing was written.`);
  println(io.stdout, advice);
  return false;
}

function requireOut(values: Values, command: string): string {
  const out = str(values, 'out');
  if (out === undefined) throw new TunegateError('USAGE', `${command} needs --out PATH (e.g. --out evalsets/blog-mine.jsonl)`);
  return out;
}

async function importJekyllCmd(argv: readonly string[], io: Io): Promise<number> {
  const p = parseArgs(argv, EVALSET_IMPORT_JEKYLL_SPEC, 'evalset import-jekyll');
  expectPositionals(p, 1, 'evalset import-jekyll');
  const dir = p.positionals[0];
  if (dir === undefined) throw new TunegateError('USAGE', 'evalset import-jekyll needs the posts folder (e.g. _posts)');
  const out = requireOut(p.values, 'evalset import-jekyll');
  const lang = str(p.values, 'lang');
  if (lang !== undefined && lang !== 'zh' && lang !== 'en') throw new TunegateError('USAGE', `--lang must be "zh" or "en", got "${lang}"`);
  const holdout = int(p.values, 'holdout', 1);
  const seed = int(p.values, 'seed', 0) ?? 0;
  const leak = leakOptions(p.values, 'evalset import-jekyll', false);
  const r = importJekyll(dir, io.cwd, {
    ...(holdout !== undefined ? { holdout } : {}),
    ...(str(p.values, 'since') !== undefined ? { since: str(p.values, 'since')! } : {}),
    ...(lang !== undefined ? { lang } : {}),
    ...(int(p.values, 'min-chars', 0) !== undefined ? { minChars: int(p.values, 'min-chars', 0)! } : {}),
    seed,
  });
  for (const s of r.skipped) println(io.stdout, `skipped ${s.source}: ${s.reason}`);
  if (r.items.length === 0) throw new TunegateError('INVALID_INPUT', `${dir}: no usable posts among ${r.considered} Markdown files`);
  const force = flag(p.values, 'force');
  if (leak !== null) {
    assertWritable(out, io.cwd, force);
    const set = setNameOf(out);
    const sources = new Map(r.items.map((o) => [o.id, o.meta.source]));
    const items = r.items.map((o, i) => parseItem(o, set, i + 1).item);
    const advice = 'Remove these posts from the training file and import again, or hold out other posts (another --seed).';
    if (!heldOutClean(io, leak, items, (l) => sources.get(l.id)!, advice)) return EXIT.LEAK;
  }
  writeJsonl(out, io.cwd, r.items, force, [
    `Held-out blog posts imported from ${dir} by tunegate evalset import-jekyll (seed ${seed}).`,
    'Do not train on these posts: meta.source names each file.',
  ]);
  println(io.stdout, `wrote ${r.items.length} blog items to ${out}` +
    (holdout !== undefined ? ` (held out ${r.items.length} of ${r.considered - r.skipped.length} usable posts, seed ${seed})` : '') +
    `; ${r.skipped.length} skipped`);
  return 0;
}

async function importSftCmd(argv: readonly string[], io: Io): Promise<number> {
  const p = parseArgs(argv, EVALSET_IMPORT_SFT_SPEC, 'evalset import-sft');
  expectPositionals(p, 1, 'evalset import-sft');
  const file = p.positionals[0];
  if (file === undefined) throw new TunegateError('USAGE', 'evalset import-sft needs the fine-tuning JSONL file');
  const out = requireOut(p.values, 'evalset import-sft');
  const holdout = int(p.values, 'holdout', 1);
  const seed = int(p.values, 'seed', 0) ?? 0;
  const leak = leakOptions(p.values, 'evalset import-sft', false);
  const r = importSft(file, io.cwd, { ...(holdout !== undefined ? { holdout } : {}), seed });
  for (const s of r.skipped) println(io.stdout, `skipped ${file}:${s.line}: ${s.reason}`);
  if (r.heldOut.length === 0) throw new TunegateError('INVALID_INPUT', `${file}: no valid {"messages": […]} lines`);
  const force = flag(p.values, 'force');
  const restPath = str(p.values, 'rest');
  assertDistinctPaths(io.cwd, [['the input file', file], ['--train', leak?.train]], [['--out', out], ['--rest', restPath]]);
  // Both targets are checked first, so a refused --rest never leaves --out half-done.
  assertWritable(out, io.cwd, force);
  if (restPath !== undefined) assertWritable(restPath, io.cwd, force);
  if (leak !== null) {
    const set = setNameOf(out);
    const items = r.heldOut.map((o, i) => parseItem(o, set, r.heldOutLines[i]!).item);
    const advice = `Remove these lines from ${leak.train}, or train on a file without the held-out lines: --rest PATH writes one.`;
    if (!heldOutClean(io, leak, items, (l) => `${file}:${l.line}`, advice)) return EXIT.LEAK;
  }
  // All or none: a new held-out set beside an old --rest would share lines with it.
  writeJsonlFiles([{ path: out, rows: r.heldOut }, ...(restPath !== undefined ? [{ path: restPath, rows: r.rest }] : [])], io.cwd, force);
  println(io.stdout, `wrote ${r.heldOut.length} held-out pairs to ${out} (seed ${seed})` +
    (restPath !== undefined ? `, and the other ${r.rest.length} to ${restPath}: train on that file` : '') +
    `; ${r.skipped.length} lines skipped`);
  return 0;
}

export async function evalsetCommand(argv: readonly string[], io: Io): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === 'validate') return validate(rest, io);
  if (sub === 'import-jekyll') return importJekyllCmd(rest, io);
  if (sub === 'import-sft') return importSftCmd(rest, io);
  if (sub === 'check-leak') return checkLeak(rest, io);
  if (sub === 'generate') return evalsetGenerate(rest, io);
  throw new TunegateError('USAGE', `unknown evalset command "${sub ?? ''}": use validate, check-leak, generate, import-jekyll or import-sft`);
}
