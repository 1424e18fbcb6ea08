import { anthropicSettings, readSecret, type Env } from '../config.js';
import { summarizeRun } from '../runs/summary.js';
import type { Store } from '../store/open.js';
import type { JudgeSettings } from '../store/types.js';
import { judgeAnswers, type JudgeReport } from './judge-answers.js';
import { createJsonClient } from '../http/ask-json.js';
import { comparePairwise, type PairwiseSummary } from './pairwise.js';
import { AGREEMENT_NOTE_PREFIX, agreementNote, refusalJudgeSummary } from './refusal-agreement.js';
import { REFUSAL_RUBRIC } from './refusal-rubric.js';
import { BLOG_RUBRIC } from './rubric.js';
import { parseJudgeSpec } from './spec.js';

export interface JudgeOptions {
  store: Store;
  runId: number;
  env: Env;
  settings: JudgeSettings;
  /** Also compare the run's blog answers with this run's, both orders. */
  pairwiseBaseline?: number;
  concurrency?: number;
  timeoutMs?: number;
  /** SDK retries per judge request (429, 5xx, timeouts). */
  maxRetries?: number;
}

/**
 * Checks judge settings before any request is sent: the spec parses and its key is in the
 * environment. Throws the same errors (exit 2) a run would hit later.
 */
export function checkJudgeReady(settings: JudgeSettings, env: Env): void {
  const spec = parseJudgeSpec(settings.spec, settings.keyEnv);
  if (spec.provider === 'anthropic') anthropicSettings(env);
  else readSecret(spec.apiKeyEnv, env, { field: 'judge', urls: [spec.baseUrl] }, '--judge-key-env');
}

/** What one judging did: the blog rubric's report, with the refusal rubric's beside it. */
export type JudgeRunReport = JudgeReport & { refusal: JudgeReport };

export interface JudgeOutcome {
  report: JudgeRunReport;
  pairwise: PairwiseSummary | null;
}

/**
 * Judges a stored run: absolute rubric scores for its blog answers (blog_judge), a pass or fail
 * for its refusal answers (refusal-v1, stored beside the keyword verdict, with a run note on how
 * often the two agree) and, when asked, a pairwise comparison with a baseline run. The run's
 * stored summary is refreshed so blog_judge appears in every report of it. Shared by
 * `tunegate run --judge`, `tunegate judge` and the server's queue.
 */
export async function judgeStoredRun(opts: JudgeOptions): Promise<JudgeOutcome> {
  const spec = parseJudgeSpec(opts.settings.spec, opts.settings.keyEnv);
  const client = createJsonClient(spec, opts.env, { timeoutMs: opts.timeoutMs ?? 60_000, maxRetries: opts.maxRetries ?? 2 });
  const concurrency = opts.concurrency ?? 4;
  try {
    const blog = await judgeAnswers(opts.store, opts.runId, client, BLOG_RUBRIC, { concurrency });
    const refusal = await judgeAnswers(opts.store, opts.runId, client, REFUSAL_RUBRIC, { concurrency });
    const note = agreementNote(refusalJudgeSummary(opts.store, opts.runId), opts.runId);
    // A recomputed note stays one note.
    opts.store.runs.replaceNotes(opts.runId, (n) => n.startsWith(AGREEMENT_NOTE_PREFIX), note === null ? [] : [note]);
    const pairwise = opts.pairwiseBaseline === undefined
      ? null
      : await comparePairwise(opts.store, opts.runId, opts.pairwiseBaseline, client, { concurrency });
    const run = opts.store.runs.get(opts.runId);
    if (run.status !== 'running') opts.store.runs.setSummary(opts.runId, summarizeRun(opts.store, opts.runId));
    return { report: { ...blog, refusal }, pairwise };
  } finally {
    client.close();
  }
}
