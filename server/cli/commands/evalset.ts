import { DEFAULT_EVALSETS_DIR } from '../../config.js';
import { TunegateError } from '../../errors.js';
import { loadEvalSets, resolveEvalsetPaths } from '../../evalsets/load.js';
import { flag, parseArgs } from '../args.js';
import { table } from '../format.js';
import { println, type Io } from '../io.js';

async function validate(argv: readonly string[], io: Io): Promise<number> {
  const p = parseArgs(argv, { json: { type: 'boolean' } }, 'evalset validate');
  const sets = loadEvalSets(resolveEvalsetPaths(p.positionals, io.cwd, DEFAULT_EVALSETS_DIR), io.cwd);
  const rows = sets.map((s) => ({
    name: s.name,
    path: s.path,
    hash: s.hash,
    items: s.items.length,
    keyword: s.items.filter((i) => i.kind === 'keyword').length,
    blog: s.items.filter((i) => i.kind === 'blog').length,
    warnings: s.warnings,
  }));
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

export async function evalsetCommand(argv: readonly string[], io: Io): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === 'validate') return validate(rest, io);
  throw new TunegateError('USAGE', `unknown evalset command "${sub ?? ''}": use \`evalset validate [PATH…]\``);
}
