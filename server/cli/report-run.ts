import { EXIT } from '../errors.js';
import { judgeStoredRun } from '../judge/judge-stored-run.js';
import { pairwiseSummaries } from '../judge/pairwise.js';
import { executeRun, summarizeRun } from '../runner/execute-run.js';
import { measurePerplexity } from '../runner/perplexity.js';
import type { Store } from '../store/open.js';
import type { JudgeSettings } from '../store/types.js';
import { runJson, runText, type JudgeExtras } from './format.js';
import { println, type Io } from './io.js';
import { createProgressReporter } from './progress.js';

/**
 * Executes a stored run with progress on stderr, prints the result (text or `--json`) on stdout
 * and returns the exit code: 0, 3 when items errored, 130 when interrupted. Shared by `run`,
 * `resume` and `demo` so all three behave alike.
 */
export interface ReportOptions {
  json: boolean;
  retryErrors?: boolean;
  quiet?: boolean;
  /** Judge the run's blog answers once it completes (and compare with a baseline run). */
  judge?: { settings: JudgeSettings; pairwiseBaseline?: number; concurrency?: number } | null;
}

export async function executeAndReport(store: Store, runId: number, io: Io, opts: ReportOptions): Promise<number> {
  const run = store.runs.get(runId);
  if (opts.quiet !== true) {
    const e = run.provenance.endpoint;
    println(
      io.stderr,
      `run ${run.id}: checkpoint ${run.checkpoint}, ${run.provenance.evalsets.map((s) => `${s.name} (${s.items})`).join(', ')}` +
        `${run.params.samples > 1 ? ` × ${run.params.samples} samples` : ''} → ${e.model} at ${e.baseUrl} (${e.api}), concurrency ${run.params.concurrency}`,
    );
  }
  const progress = createProgressReporter(io.stderr);
  const result = await executeRun({
    store,
    runId,
    env: io.env,
    ...(io.signal !== undefined ? { signal: io.signal } : {}),
    retryErrors: opts.retryErrors === true,
    onProgress: opts.quiet === true ? undefined : (p) => progress.update(p),
  });
  progress.finish();

  let summary = result.summary;
  if (result.run.params.perplexity === true && result.status === 'completed') {
    const ppl = await measurePerplexity(store, runId, io.env, { concurrency: result.run.params.concurrency, timeoutMs: result.run.params.timeoutMs });
    if (opts.quiet !== true) {
      println(io.stderr, ppl.skipped === null ? `perplexity measured for ${ppl.measured} blog references` : `perplexity skipped: ${ppl.skipped}`);
    }
    summary = summarizeRun(store, runId);
    store.runs.setSummary(runId, summary);
  }
  const extras: JudgeExtras = {};
  if (opts.judge !== undefined && opts.judge !== null && result.status === 'completed') {
    if (opts.quiet !== true) println(io.stderr, `judging blog answers with ${opts.judge.settings.spec}…`);
    const outcome = await judgeStoredRun({
      store, runId, env: io.env, settings: opts.judge.settings,
      ...(opts.judge.pairwiseBaseline !== undefined ? { pairwiseBaseline: opts.judge.pairwiseBaseline } : {}),
      ...(opts.judge.concurrency !== undefined ? { concurrency: opts.judge.concurrency } : {}),
    });
    summary = summarizeRun(store, runId);
    extras.judge = outcome.report;
    extras.pairwise = pairwiseSummaries(store, runId);
  }
  const finished = store.runs.get(runId);
  if (opts.json) println(io.stdout, JSON.stringify(runJson(finished, summary, extras)));
  else println(io.stdout, runText(finished, summary, extras));

  if (result.status === 'interrupted') {
    const c = summary.counts;
    println(io.stderr, `interrupted: ${c.results} results stored, ${c.missing} items not yet run; finish with: tunegate resume ${runId}`);
    return EXIT.INTERRUPTED;
  }
  if (summary.counts.errors > 0) {
    println(io.stderr, `${summary.counts.errors} results errored after retries; see: tunegate show ${runId} --items`);
    return EXIT.ITEMS_ERRORED;
  }
  return EXIT.OK;
}
