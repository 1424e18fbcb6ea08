import { DEFAULT_EVALSETS_DIR } from '../../config.js';
import { TunegateError } from '../../errors.js';
import { evalSetSummary, loadEvalSets, resolveEvalsetPaths } from '../../evalsets/load.js';
import { importJekyll } from '../../evalsets/import-jekyll.js';
import { importSft } from '../../evalsets/import-sft.js';
import { assertWritable, writeJsonl } from '../../evalsets/write-jsonl.js';
import { evalsetGenerate } from './evalset-generate.js';
import { expectPositionals, flag, int, parseArgs, str, type Values } from '../args.js';
import { table } from '../format.js';
import { println, type Io } from '../io.js';

async function validate(argv: readonly string[], io: Io): Promise<number> {
  const p = parseArgs(argv, { json: { type: 'boolean' } }, 'evalset validate');
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

function requireOut(values: Values, command: string): string {
  const out = str(values, 'out');
  if (out === undefined) throw new TunegateError('USAGE', `${command} needs --out PATH (e.g. --out evalsets/blog-mine.jsonl)`);
  return out;
}

async function importJekyllCmd(argv: readonly string[], io: Io): Promise<number> {
  const p = parseArgs(argv, {
    out: { type: 'string' }, holdout: { type: 'string' }, since: { type: 'string' }, seed: { type: 'string' },
    lang: { type: 'string' }, 'min-chars': { type: 'string' }, force: { type: 'boolean' },
  }, 'evalset import-jekyll');
  expectPositionals(p, 1, 'evalset import-jekyll');
  const dir = p.positionals[0];
  if (dir === undefined) throw new TunegateError('USAGE', 'evalset import-jekyll needs the posts folder (e.g. _posts)');
  const out = requireOut(p.values, 'evalset import-jekyll');
  const lang = str(p.values, 'lang');
  if (lang !== undefined && lang !== 'zh' && lang !== 'en') throw new TunegateError('USAGE', `--lang must be "zh" or "en", got "${lang}"`);
  const holdout = int(p.values, 'holdout', 1);
  const seed = int(p.values, 'seed', 0) ?? 0;
  const r = importJekyll(dir, io.cwd, {
    ...(holdout !== undefined ? { holdout } : {}),
    ...(str(p.values, 'since') !== undefined ? { since: str(p.values, 'since')! } : {}),
    ...(lang !== undefined ? { lang } : {}),
    ...(int(p.values, 'min-chars', 0) !== undefined ? { minChars: int(p.values, 'min-chars', 0)! } : {}),
    seed,
  });
  for (const s of r.skipped) println(io.stdout, `skipped ${s.source}: ${s.reason}`);
  if (r.items.length === 0) throw new TunegateError('INVALID_INPUT', `${dir}: no usable posts among ${r.considered} Markdown files`);
  writeJsonl(out, io.cwd, r.items, flag(p.values, 'force'), [
    `Held-out blog posts imported from ${dir} by tunegate evalset import-jekyll (seed ${seed}).`,
    'Do not train on these posts: meta.source names each file.',
  ]);
  println(io.stdout, `wrote ${r.items.length} blog items to ${out}` +
    (holdout !== undefined ? ` (held out ${r.items.length} of ${r.considered - r.skipped.length} usable posts, seed ${seed})` : '') +
    `; ${r.skipped.length} skipped`);
  return 0;
}

async function importSftCmd(argv: readonly string[], io: Io): Promise<number> {
  const p = parseArgs(argv, {
    out: { type: 'string' }, holdout: { type: 'string' }, seed: { type: 'string' }, rest: { type: 'string' }, force: { type: 'boolean' },
  }, 'evalset import-sft');
  expectPositionals(p, 1, 'evalset import-sft');
  const file = p.positionals[0];
  if (file === undefined) throw new TunegateError('USAGE', 'evalset import-sft needs the fine-tuning JSONL file');
  const out = requireOut(p.values, 'evalset import-sft');
  const holdout = int(p.values, 'holdout', 1);
  const seed = int(p.values, 'seed', 0) ?? 0;
  const r = importSft(file, io.cwd, { ...(holdout !== undefined ? { holdout } : {}), seed });
  for (const s of r.skipped) println(io.stdout, `skipped ${file}:${s.line}: ${s.reason}`);
  if (r.heldOut.length === 0) throw new TunegateError('INVALID_INPUT', `${file}: no valid {"messages": […]} lines`);
  const force = flag(p.values, 'force');
  const restPath = str(p.values, 'rest');
  // Both targets are checked first, so a refused --rest never leaves --out half-done.
  assertWritable(out, io.cwd, force);
  if (restPath !== undefined) assertWritable(restPath, io.cwd, force);
  writeJsonl(out, io.cwd, r.heldOut, force);
  if (restPath !== undefined) writeJsonl(restPath, io.cwd, r.rest, force);
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
  if (sub === 'generate') return evalsetGenerate(rest, io);
  throw new TunegateError('USAGE', `unknown evalset command "${sub ?? ''}": use validate, import-jekyll, import-sft or generate`);
}
