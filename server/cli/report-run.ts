import { EXIT } from '../errors.js';
import type { ProbeResult } from '../runner/serving-probe.js';
import { judgeSummaries } from '../judge/judge-summaries.js';
import { executeRun } from '../runner/execute-run.js';
import { summarizeRun } from '../runs/summary.js';
import { runPostSteps, type PostRunPhase } from '../pipeline/post-run.js';
import type { Progress } from '../runner/run-progress.js';
import type { Store } from '../store/open.js';
import { oneLine, runText } from './format.js';
import { runJson, type JudgeExtras } from '../report/run-json.js';
import { println, type Io } from './io.js';
import { createRunProgressReporter } from './progress.js';

export interface ReportOptions {
  json: boolean;
  retryErrors?: boolean;
  quiet?: boolean;
  /** With a judge in the run's params: also compare its blog answers with this run's. */
  pairwiseBaseline?: number;
  judgeConcurrency?: number;
  /** Print nothing on stdout (the caller prints the run inside a larger object). */
  silent?: boolean;
  /** How long this process's claim on the run lasts without renewal (--lease). */
  leaseMs?: number;
  /** The endpoint's answers to the checks made before the run (checkEndpoint). */
  probed?: ProbeResult;
}

/**
 * Executes a stored run with progress on stderr, prints the result (text or `--json`) on stdout
 * and returns the exit code: 0, 3 when items errored, 130 when interrupted or cancelled. Shared by `run`,
 * `resume` and `demo` so all three behave alike.
 */
export async function executeAndReport(store: Store, runId: number, io: Io, opts: ReportOptions): Promise<number> {
  const run = store.runs.get(runId);
  if (opts.quiet !== true) {
    const e = run.provenance.endpoint;
    println(
      io.stderr,
      `run ${run.id}: checkpoint ${oneLine(run.checkpoint, 200)}, ${run.provenance.evalsets.map((s) => `${oneLine(s.name, 200)} (${s.items})`).join(', ')}` +
        `${run.params.samples > 1 ? ` × ${run.params.samples} samples` : ''} → ${oneLine(e.model, 200)} at ${oneLine(e.baseUrl, 200)} (${e.api}), concurrency ${run.params.concurrency}`,
    );
  }
  const progress = createRunProgressReporter(io.stderr);
  const result = await executeRun({
    store,
    runId,
    env: io.env,
    ...(io.signal !== undefined ? { signal: io.signal } : {}),
    retryErrors: opts.retryErrors === true,
    ...(opts.leaseMs !== undefined ? { leaseMs: opts.leaseMs } : {}),
    ...(opts.probed !== undefined ? { probed: opts.probed } : {}),
    onProgress: opts.quiet === true ? undefined : (p) => progress.update(p),
  });
  progress.finish();

  const extras: JudgeExtras = {};
  const likelihood = result.run.kind === 'eval' && result.run.params.likelihood !== false;
  if (result.status === 'completed' && (result.run.params.perplexity === true || likelihood || (result.run.params.judge ?? null) !== null)) {
    if (opts.quiet !== true && (result.run.params.judge ?? null) !== null) println(io.stderr, `judging blog and refusal answers with ${oneLine(result.run.params.judge!.spec, 200)}…`);
    const post = await runPostSteps(store, runId, io.env, {
      // Each step's requests on a line of its own, after the items'.
      ...(opts.quiet !== true ? { onProgress: (phase: PostRunPhase, p: Progress) => progress.update({ ...p, phase, phaseProgress: p }) } : {}),
      ...(opts.pairwiseBaseline !== undefined ? { pairwiseBaseline: opts.pairwiseBaseline } : {}),
      ...(opts.judgeConcurrency !== undefined ? { judgeConcurrency: opts.judgeConcurrency } : {}),
    });
    progress.finish();
    const l = post.likelihood;
    if (opts.quiet !== true && l !== null && l.requests > 0) {
      println(io.stderr, l.skipped === null ? `likelihood metrics measured for ${l.measured} items (${l.requests} requests)` : `likelihood metrics skipped: ${oneLine(l.skipped, 400)}`);
    }
    if (opts.quiet !== true && post.perplexity !== null) {
      const p = post.perplexity;
      println(io.stderr, p.skipped === null ? `perplexity measured for ${p.measured} blog references` : `perplexity skipped: ${oneLine(p.skipped, 400)}`);
    }
    if (post.judge !== null) {
      Object.assign(extras, { judge: post.judge.report, ...judgeSummaries(store, runId) });
    }
  }
  const summary = summarizeRun(store, runId);
  const finished = store.runs.get(runId);
  const out = runJson(finished, summary, extras);
  // A categorization's numbers are over k-shot draws, not the checkpoint's scores: its outcome is its categories.
  const text = () => (finished.kind === 'categorize'
    ? [`categorization run ${finished.id} of ${oneLine(finished.checkpoint, 200)}: ${finished.status}`, ...finished.notes.map((n) => `note: ${oneLine(n, 1000)}`)].join('\n')
    : runText(out));
  if (opts.silent !== true) println(io.stdout, opts.json ? JSON.stringify(out) : text());

  if (result.status === 'interrupted' || result.status === 'cancelled') {
    const c = summary.counts;
    const how = result.status === 'cancelled' ? 'cancelled (from another process, e.g. POST /api/runs/:id/cancel)' : 'interrupted';
    println(io.stderr, `${how}: ${c.results} results stored, ${c.missing} items not yet run; finish with: tunegate resume ${runId}`);
    return EXIT.INTERRUPTED;
  }
  if (summary.counts.errors > 0) {
    println(io.stderr, `${summary.counts.errors} results errored after retries; see: tunegate show ${runId} --items`);
    return EXIT.ITEMS_ERRORED;
  }
  return EXIT.OK;
}
