import type { BlogItem } from '../evalsets/types.js';
import { runPool } from '../runner/pool.js';
import type { Store } from '../store/open.js';
import { askValidated, judgeErrorMessage, verdictKey } from './ask.js';
import type { JudgeClient } from './judge-client.js';
import { absolutePrompt, CRITERIA, parseVerdict, RUBRIC_VERSION, type Verdict } from './rubric.js';

export interface JudgeReport {
  judge: string;
  rubric: string;
  /** Answers that now have a judge score. */
  judged: number;
  /** …of which came from the cache (no request). */
  cached: number;
  /** Answers whose judging failed (stored as the item's judge error). */
  errors: number;
  /** Judge requests sent (retries by the SDK not counted). */
  requests: number;
}

/**
 * Scores every answered blog result of a run with the judge's rubric. Answers already judged by
 * this judge and rubric are skipped; verdicts are looked up in the cache before any request; an
 * empty answer gets the lowest score without asking. A failure is stored as that answer's judge
 * error and never stops the others.
 */
export async function judgeAnswers(store: Store, runId: number, client: JudgeClient, opts: { concurrency: number }): Promise<JudgeReport> {
  const items = new Map(store.runs.items(runId).filter((i): i is BlogItem => i.kind === 'blog').map((i) => [`${i.set}\u0000${i.id}`, i]));
  const done = new Set(
    store.judge.judgments(runId)
      .filter((j) => j.judge === client.id && j.rubric === RUBRIC_VERSION && j.error === null)
      .map((j) => `${j.set}\u0000${j.itemId}\u0000${j.sample}`),
  );
  const todo = store.results.list(runId).filter((r) =>
    r.error === null && items.has(`${r.set}\u0000${r.itemId}`) && !done.has(`${r.set}\u0000${r.itemId}\u0000${r.sample}`));
  const report: JudgeReport = { judge: client.id, rubric: RUBRIC_VERSION, judged: done.size, cached: 0, errors: 0, requests: 0 };

  await runPool(todo, opts.concurrency, async (r) => {
    const item = items.get(`${r.set}\u0000${r.itemId}`)!;
    const answer = r.answer ?? '';
    const base = { runId, set: r.set, itemId: r.itemId, sample: r.sample, judge: client.id, rubric: RUBRIC_VERSION };
    const key = verdictKey(client.id, RUBRIC_VERSION, 'absolute', { title: item.title, reference: item.reference, answer });
    let verdict = store.judge.cached(key) as Verdict | undefined;
    const cached = verdict !== undefined;
    if (verdict === undefined && answer.trim() === '') {
      verdict = { criteria: Object.fromEntries(CRITERIA.map((c) => [c, 1])) as Verdict['criteria'], score: 0, rationale: 'empty answer (not sent to the judge)' };
    }
    if (verdict === undefined) {
      try {
        report.requests++;
        verdict = await askValidated(client, absolutePrompt(item.title, item.reference, answer), parseVerdict);
        store.judge.cache(key, client.id, RUBRIC_VERSION, verdict);
      } catch (e) {
        store.judge.putJudgment({ ...base, score: null, verdict: null, error: judgeErrorMessage(e), cached: false });
        report.errors++;
        return;
      }
    }
    store.judge.putJudgment({ ...base, score: verdict.score, verdict: { criteria: verdict.criteria, rationale: verdict.rationale }, error: null, cached });
    report.judged++;
    if (cached) report.cached++;
  });
  return report;
}
