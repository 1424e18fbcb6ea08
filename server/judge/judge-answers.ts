import type { EvalItem } from '../evalsets/types.js';
import { runPool } from '../http/pool.js';
import type { Store } from '../store/open.js';
import { judgeErrorMessage, verdictKey } from './ask.js';
import { askValidated, type JsonClient } from '../http/ask-json.js';
import type { AnswerRubric } from './rubric.js';

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
 * Judges every answered result of a run whose item the rubric judges. Answers already judged by
 * this judge and rubric are skipped; verdicts are looked up in the cache before any request; an
 * empty answer gets the rubric's empty verdict without asking. A failure is stored as that
 * answer's judge error and never stops the others.
 */
export async function judgeAnswers<I extends EvalItem, V>(
  store: Store, runId: number, client: JsonClient, rubric: AnswerRubric<I, V>, opts: { concurrency: number },
): Promise<JudgeReport> {
  const items = new Map(store.runs.items(runId).filter(rubric.judges).map((i) => [`${i.set}\u0000${i.id}`, i]));
  const done = new Set(
    store.judge.judgments(runId)
      .filter((j) => j.judge === client.id && j.rubric === rubric.version && j.error === null && items.has(`${j.set}\u0000${j.itemId}`))
      .map((j) => `${j.set}\u0000${j.itemId}\u0000${j.sample}`),
  );
  const todo = store.results.list(runId).filter((r) =>
    r.error === null && items.has(`${r.set}\u0000${r.itemId}`) && !done.has(`${r.set}\u0000${r.itemId}\u0000${r.sample}`));
  const report: JudgeReport = { judge: client.id, rubric: rubric.version, judged: done.size, cached: 0, errors: 0, requests: 0 };

  await runPool(todo, opts.concurrency, async (r) => {
    const item = items.get(`${r.set}\u0000${r.itemId}`)!;
    const answer = r.answer ?? '';
    const base = { runId, set: r.set, itemId: r.itemId, sample: r.sample, judge: client.id, rubric: rubric.version };
    const key = verdictKey(client.id, rubric.version, 'absolute', { ...rubric.inputs(item), answer });
    let verdict = store.judge.cached(key) as V | undefined;
    const cached = verdict !== undefined;
    if (verdict === undefined && answer.trim() === '') verdict = rubric.empty;
    if (verdict === undefined) {
      try {
        report.requests++;
        verdict = await askValidated(client, rubric.prompt(item, answer), rubric.parse);
        store.judge.cache(key, client.id, rubric.version, verdict as object);
      } catch (e) {
        store.judge.putJudgment({ ...base, score: null, verdict: null, error: judgeErrorMessage(e), cached: false });
        report.errors++;
        return;
      }
    }
    store.judge.putJudgment({ ...base, score: rubric.score(verdict), verdict: rubric.stored(verdict), error: null, cached });
    report.judged++;
    if (cached) report.cached++;
  });
  return report;
}
