import { checkpointKeyTarget } from '../../queue/submit-run.js';
import { CATEGORIES } from '../../scoring/category.js';
import { CATEGORIZE_OPTION_BOUNDS as B } from '../../categorize/categorize-options.js';
import { planCategorize } from '../../categorize/plan-categorize.js';
import { inFlags } from '../schema-options.js';
import { DEFAULT_EVALSETS_DIR, readSecret } from '../../config.js';
import { EXIT, TunegateError } from '../../errors.js';
import { loadEvalSets, resolveEvalsetPaths } from '../../evalsets/load.js';
import { createRun } from '../../runner/create-run.js';
import { executeRun } from '../../runner/execute-run.js';
import { checkEndpoint } from '../../runner/reachability.js';
import { bounded, expectPositionals, flag, list, parseArgs, str } from '../args.js';
import { leaseMsFrom, withStore } from '../context.js';
import { table } from '../format.js';
import { println, type Io } from '../io.js';
import { createProgressReporter } from '../progress.js';
import { CATEGORIZE_SPEC as SPEC } from '../specs/categorize.js';

/**
 * `tunegate categorize --base CHECKPOINT`: SliCK categories of every keyword item against the
 * base checkpoint (categorize/), as a run: stored as it goes, resumable with `tunegate resume`.
 */
export async function categorizeCommand(argv: readonly string[], io: Io): Promise<number> {
  const p = parseArgs(argv, SPEC, 'categorize');
  expectPositionals(p, 0, 'categorize');
  const v = p.values;
  const baseName = str(v, 'base');
  if (baseName === undefined) throw new TunegateError('USAGE', 'categorize needs --base CHECKPOINT: the base model the fine-tuned checkpoints were trained from');
  const request = {
    prompts: bounded(v, 'prompts', B.prompts),
    shots: bounded(v, 'shots', B.shots),
    samples: bounded(v, 'samples', B.samples),
    temperature: bounded(v, 'temperature', B.temperature),
    topK: bounded(v, 'top-k', B.topK),
    concurrency: bounded(v, 'concurrency', B.concurrency),
    seed: bounded(v, 'seed', B.seed),
    maxTokens: bounded(v, 'max-tokens', B.maxTokens),
    fast: flag(v, 'fast'),
    recategorize: flag(v, 'recategorize'),
    modelCheck: !flag(v, 'no-model-check'),
  };
  const sets = loadEvalSets(resolveEvalsetPaths(list(v, 'evalsets'), io.cwd, DEFAULT_EVALSETS_DIR), io.cwd);
  for (const s of sets) for (const w of s.warnings) println(io.stderr, `warning: ${w}`);
  const leaseMs = leaseMsFrom(v);
  return withStore(v, io, async (store) => {
    const base = store.checkpoints.get(baseName);
    const plan = inFlags(() => planCategorize(store, base, sets, request));
    const apiKey = readSecret(base.apiKeyEnv, io.env, checkpointKeyTarget(base));
    const probed = await checkEndpoint(base.baseUrls, base.model, { apiKey, check: request.modelCheck, requireReachable: true });
    for (const w of probed.warnings) println(io.stderr, `warning: ${w}`);
    const runId = createRun(store, base, plan.sets, plan.params, 'running', 'categorize');
    for (const n of plan.notes) {
      store.runs.addNote(runId, n);
      println(io.stderr, `warning: ${n}`);
    }
    const s = plan.params.categorize!;
    const items = plan.sets.reduce((n, set) => n + set.items.length, 0);
    println(io.stderr, `run ${runId}: categorizing ${items} keyword items against ${base.name}: ${s.prompts} prompts × (1 greedy + ${s.samples} sampled at T=${s.temperature}, top-k ${s.topK}), ${s.shots} shots = ${items * plan.params.samples} requests${s.fast ? ' (--fast)' : ''}`);
    const progress = createProgressReporter(io.stderr);
    const result = await executeRun({
      store, runId, env: io.env, probed, ...(io.signal !== undefined ? { signal: io.signal } : {}), ...(leaseMs !== undefined ? { leaseMs } : {}),
      onProgress: (x) => progress.update(x),
    });
    progress.finish();
    const counts = Object.fromEntries(CATEGORIES.map((c) => [c, 0])) as Record<string, number>;
    for (const r of store.categories.ofBase(base.id)) if (r.runId === runId) counts[r.category]!++;
    if (flag(v, 'json')) {
      println(io.stdout, JSON.stringify({ runId, base: base.name, status: result.status, settings: s, categories: counts, notes: store.runs.get(runId).notes }));
    } else {
      println(io.stdout, table(['category', 'items', 'meaning'], [
        ['HighlyKnown', String(counts.HighlyKnown), 'every greedy k-shot answer was right'],
        ['MaybeKnown', String(counts.MaybeKnown), 'some greedy answers were right'],
        ['WeaklyKnown', String(counts.WeaklyKnown), 'no greedy answer, some sampled answers were right'],
        ['Unknown', String(counts.Unknown), 'never right'],
      ]));
      for (const n of store.runs.get(runId).notes) println(io.stdout, `note: ${n}`);
    }
    if (result.status === 'interrupted' || result.status === 'cancelled') {
      println(io.stderr, `${result.status}: finish with: tunegate resume ${runId} (categories are stored when it completes)`);
      return EXIT.INTERRUPTED;
    }
    if (result.summary.counts.errors > 0) {
      println(io.stderr, `${result.summary.counts.errors} answers errored; an item is categorized from its answered draws. Retry them: tunegate resume ${runId} --retry-errors`);
      return EXIT.ITEMS_ERRORED;
    }
    return EXIT.OK;
  });
}
