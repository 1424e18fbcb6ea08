import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { anthropicSettings, readSecret } from '../../config.js';
import { EXIT, TunegateError } from '../../errors.js';
import { readInputFile } from '../../evalsets/read-utf8.js';
import { assertDistinctPaths, assertWritable, writeJsonlFiles } from '../../evalsets/write-jsonl.js';
import type { BuiltSets } from '../../generate/build-items.js';
import { parseFacts } from '../../generate/facts.js';
import { generateFromFacts, type GenerateOutcome } from '../../generate/generate-from-facts.js';
import { LANGUAGES, PROMPT_VERSION, type Lang } from '../../generate/generator-prompt.js';
import { createJsonClient } from '../../http/ask-json.js';
import { parseJudgeSpec } from '../../judge/spec.js';
import { flag, int, parseArgs, expectPositionals, str } from '../args.js';
import { withStore } from '../context.js';
import { oneLine, printable } from '../format.js';
import { println, type Io } from '../io.js';
import { EVALSET_GENERATE_SPEC } from '../specs/evalset-generate.js';

/** The eval sets `generate` writes into --out-dir. */
export const GENERATED_SETS = { bio: 'bio-generated.jsonl', refusal: 'refusal-generated.jsonl' } as const;
const DEFAULT_TRAIN_OUT = 'data/bio-train.jsonl';
const DEFAULT_MAX_TOKENS = 4000;

function parseLangs(raw: string | undefined): Lang[] {
  if (raw === undefined) return ['zh', 'en'];
  const langs = raw.split(',').map((s) => s.trim()).filter((s) => s !== '');
  const bad = langs.filter((l) => !Object.hasOwn(LANGUAGES, l));
  if (langs.length === 0 || bad.length > 0) {
    throw new TunegateError('USAGE', `--langs: ${bad.length > 0 ? `unknown language "${bad[0]}"` : 'empty'}; use a comma-separated list of ${Object.keys(LANGUAGES).join(', ')}`);
  }
  return [...new Set(langs)] as Lang[];
}

function summary(out: GenerateOutcome, files: Record<string, string>, facts: number, written: boolean) {
  return {
    facts, asked: out.asked, cached: out.cached, written,
    files: Object.fromEntries(Object.entries(files).map(([k, path]) => [k, { path, lines: k === 'train' ? out.train.length : out[k as 'bio' | 'refusal'].length }])),
    rejected: out.rejected, failures: out.failures,
  };
}

/** A few lines of each output, for review before anything is written. */
function sample(built: BuiltSets): string[] {
  const take = <T>(rows: readonly T[], n: number) => rows.slice(0, n).map((r) => printable(JSON.stringify(r)));
  return [
    `# ${GENERATED_SETS.bio} (${built.bio.length} items), first 3:`, ...take(built.bio, 3),
    `# ${GENERATED_SETS.refusal} (${built.refusal.length} items), first 2:`, ...take(built.refusal, 2),
    `# training pairs (${built.train.length}), first 3:`, ...take(built.train, 3),
  ];
}

/**
 * `tunegate evalset generate`: facts → held-out eval sets and training pairs, disjoint by
 * construction. Every target is checked before the generator is asked (nothing is overwritten
 * without --force), and nothing is written when a fact failed (cached replies make the re-run free).
 */
export async function evalsetGenerate(argv: readonly string[], io: Io): Promise<number> {
  const p = parseArgs(argv, EVALSET_GENERATE_SPEC, 'evalset generate');
  expectPositionals(p, 0, 'evalset generate');
  const factsFile = str(p.values, 'facts');
  if (factsFile === undefined) throw new TunegateError('USAGE', 'evalset generate needs --facts FILE (a list of facts, one per line or bullet)');
  const generatorSpec = str(p.values, 'generator');
  if (generatorSpec === undefined) throw new TunegateError('USAGE', 'evalset generate needs --generator anthropic:MODEL or openai:MODEL@BASE_URL');
  const keyEnv = str(p.values, 'generator-key-env');
  const spec = parseJudgeSpec(generatorSpec, keyEnv ?? null, '--generator');
  if (keyEnv !== undefined && spec.provider === 'anthropic') {
    throw new TunegateError('USAGE', '--generator-key-env goes with --generator openai:MODEL@BASE_URL (anthropic reads ANTHROPIC_API_KEY)');
  }
  // Read now, so a missing key is said before anything is asked.
  if (spec.provider === 'anthropic') anthropicSettings(io.env);
  else readSecret(spec.apiKeyEnv, io.env, { field: '--generator', urls: [spec.baseUrl] }, '--generator-key-env');
  const langs = parseLangs(str(p.values, 'langs'));
  const counts = {
    questions: int(p.values, 'questions', 1, 20) ?? 2,
    paraphrases: int(p.values, 'paraphrases', 0, 20) ?? 3,
    falsePremises: int(p.values, 'false-premises', 0, 10) ?? 1,
  };
  const seed = int(p.values, 'seed', 0, 2 ** 32 - 1) ?? 0;
  const systemFile = str(p.values, 'system-prompt');
  const system = systemFile === undefined ? undefined : readInputFile(systemFile, io.cwd, '--system-prompt').replace(/^\uFEFF/, '').trim();
  if (system === '') throw new TunegateError('INVALID_INPUT', `--system-prompt ${systemFile}: the file is empty`);
  const facts = parseFacts(readInputFile(factsFile, io.cwd, '--facts'), factsFile);
  const outDir = str(p.values, 'out-dir') ?? 'evalsets';
  const trainOut = str(p.values, 'train-out') ?? DEFAULT_TRAIN_OUT;
  // An empty value is an unset shell variable, not a wish to write at the file system's root.
  if (outDir.trim() === '') throw new TunegateError('USAGE', '--out-dir is empty; give a directory (default evalsets)');
  if (trainOut.trim() === '') throw new TunegateError('USAGE', `--train-out is empty; give a file path (default ${DEFAULT_TRAIN_OUT})`);
  const files: Record<string, string> = {
    bio: join(outDir, GENERATED_SETS.bio),
    ...(counts.falsePremises > 0 ? { refusal: join(outDir, GENERATED_SETS.refusal) } : {}),
    train: trainOut,
  };
  assertDistinctPaths(io.cwd, [['--facts', factsFile], ['--system-prompt', systemFile]], [
    ['the bio eval set (--out-dir)', files.bio], ['the false-premise eval set (--out-dir)', files.refusal], ['--train-out', files.train],
  ]);
  // A folder of eval sets is loaded whole (run --evalsets DIR, and every evalsets/*.jsonl by default).
  if (dirname(resolve(io.cwd, trainOut)) === resolve(io.cwd, outDir) && trainOut.endsWith('.jsonl')) {
    throw new TunegateError('USAGE', `--train-out ${trainOut} is in the eval-set folder ${outDir} (--out-dir): it would be loaded as an eval set; write the training pairs elsewhere (default ${DEFAULT_TRAIN_OUT})`);
  }
  const dryRun = flag(p.values, 'dry-run');
  const force = flag(p.values, 'force');
  if (!dryRun) for (const f of Object.values(files)) assertWritable(f, io.cwd, force);

  const client = createJsonClient(spec, io.env, {
    timeoutMs: 180_000, maxRetries: 2, maxTokens: int(p.values, 'max-tokens', 256, 64_000) ?? DEFAULT_MAX_TOKENS, openaiSchema: true,
  });
  const out = await withStore(p.values, io, async (store) => {
    try {
      return await generateFromFacts({
        facts, langs, counts, seed, concurrency: int(p.values, 'concurrency', 1, 32) ?? 4, ...(system !== undefined ? { system } : {}),
        ...(io.signal !== undefined ? { signal: io.signal } : {}),
      }, client, store.generations);
    } finally {
      client.close();
    }
  });

  const json = flag(p.values, 'json');
  const err = (line: string) => println(io.stderr, line);
  if (out.interrupted) {
    err(`interrupted: nothing written; ${out.asked - out.failures.length} new replies are cached, so running again asks only the rest`);
    return EXIT.INTERRUPTED;
  }
  for (const f of out.failures) err(`error: ${factsFile}:${f.line} (fact ${f.factId}, ${f.lang}): ${oneLine(f.error, 300)}`);
  const failed = out.failures.length > 0 && !flag(p.values, 'skip-failed');
  const empty = out.bio.length === 0 && out.refusal.length === 0;
  const write = !dryRun && !failed && !empty;
  if (write) {
    const header = (what: string) => [
      `${what} generated by tunegate evalset generate from ${factsFile} (generator ${spec.id}, prompt ${PROMPT_VERSION}, seed ${seed}).`,
      `Held-out phrasings: no question here is in ${files.train}. Review before use; do not train on these lines.`,
    ];
    // All or none: a new held-out set beside an old training file would share questions with it.
    writeJsonlFiles([
      { path: files.bio!, rows: out.bio, header: header('Bio questions') },
      ...(files.refusal !== undefined ? [{ path: files.refusal, rows: out.refusal, header: header('False-premise questions') }] : []),
      // Pure JSONL (no comment lines): fine-tuning tools read it as it is.
      { path: files.train!, rows: out.train },
    ], io.cwd, force);
    const stale = join(outDir, GENERATED_SETS.refusal);
    if (files.refusal === undefined && existsSync(resolve(io.cwd, stale))) {
      err(`note: ${stale} is from an earlier run and was left as it is (--false-premises 0 writes none); it does not match ${files.train}: delete it, or leave it out of --evalsets`);
    }
  }
  if (json) println(io.stdout, JSON.stringify(summary(out, files, facts.facts.length, write)));
  else {
    if (dryRun && out.bio.length + out.refusal.length > 0) for (const l of sample(out)) println(io.stdout, l);
    for (const r of out.rejected) {
      println(io.stdout, `rejected ${r.factId} ${r.lang} ${oneLine(r.where, 120)}: ${oneLine(r.reason, 200)}`);
    }
    println(io.stdout, `${facts.facts.length} facts × ${langs.join(',')}: ${out.asked} asked of ${spec.id}, ${out.cached} cached` +
      `${out.failures.length > 0 ? `, ${out.failures.length} failed` : ''}; ${out.rejected.length} parts rejected (listed above)`);
    const verb = write ? 'wrote' : 'would write';
    if (write || (dryRun && !empty)) println(io.stdout, `${verb} ${out.bio.length} held-out bio items to ${files.bio}` +
      (files.refusal !== undefined ? `, ${out.refusal.length} false-premise items to ${files.refusal}` : '') +
      `, ${out.train.length} training pairs to ${files.train} (seed ${seed})`);
  }
  if (failed) {
    err(`nothing written: ${out.failures.length} of ${facts.facts.length * langs.length} (fact, language) requests failed; ` +
      'run again (replies that validated are cached) or pass --skip-failed to write the rest');
    return EXIT.ITEMS_ERRORED;
  }
  // Said after the report, so the rejections that explain it are there to read (text or --json).
  if (empty && out.failures.length > 0) {
    err(`nothing written: ${out.failures.length} of ${facts.facts.length * langs.length} (fact, language) requests failed ` +
      `and the others gave nothing usable (${out.rejected.length} parts rejected)`);
    return EXIT.ITEMS_ERRORED;
  }
  if (empty) {
    throw new TunegateError('INVALID_INPUT', `${factsFile}: nothing usable was generated (${out.rejected.length} parts rejected, ${json ? 'in "rejected"' : 'listed above'})`);
  }
  return EXIT.OK;
}
