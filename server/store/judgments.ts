import type { Database } from 'better-sqlite3';
import { storedJson, storedText } from './stored-text.js';

export interface JudgmentRecord {
  runId: number;
  set: string;
  itemId: string;
  sample: number;
  judge: string;
  rubric: string;
  score: number | null;
  verdict: Record<string, unknown> | null;
  error: string | null;
  cached: boolean;
}

export interface PairwiseRecord {
  runId: number;
  baselineRunId: number;
  set: string;
  itemId: string;
  judge: string;
  rubric: string;
  /** Verdicts as asked with the head run's post shown first, and with the baseline's first. */
  headFirst: Record<string, unknown> | null;
  baseFirst: Record<string, unknown> | null;
  /** The head run's score for the item: 1 win, 0.5 tie, 0 loss, averaged over both orders. */
  score: number | null;
  error: string | null;
}

// A judge's verdict is model output: stored as valid UTF-8 (see stored-text.ts).
const json = storedJson;
const parse = (v: string | null) => (v === null ? null : (JSON.parse(v) as Record<string, unknown>));

const judgmentOf = (r: Record<string, unknown>): JudgmentRecord => ({
  runId: r.run_id as number,
  set: r.set_name as string,
  itemId: r.item_id as string,
  sample: r.sample as number,
  judge: r.judge as string,
  rubric: r.rubric as string,
  score: r.score as number | null,
  verdict: parse(r.verdict as string | null),
  error: r.error as string | null,
  cached: r.cached === 1,
});

export type JudgeRepo = ReturnType<typeof createJudgeRepo>;

/** The judge's cache, its per-answer judgments and pairwise comparisons. */
export function createJudgeRepo(db: Database) {
  const cacheGet = db.prepare<[string], { verdict: string }>('SELECT verdict FROM judge_cache WHERE key = ?');
  const cachePut = db.prepare('INSERT OR REPLACE INTO judge_cache (key, judge, rubric, verdict, created_at) VALUES (?, ?, ?, ?, ?)');
  const putJudgment = db.prepare(
    `INSERT OR REPLACE INTO judgments (run_id, set_name, item_id, sample, judge, rubric, score, verdict, error, cached, created_at)
     VALUES (@runId, @set, @itemId, @sample, @judge, @rubric, @score, @verdict, @error, @cached, @createdAt)`,
  );
  const judgmentsOf = db.prepare<[number], Record<string, unknown>>('SELECT * FROM judgments WHERE run_id = ?');
  const rubricsOf = db.prepare<[number], { rubric: string }>('SELECT DISTINCT rubric FROM judgments WHERE run_id = ? ORDER BY rubric');
  const withPassedOf = db.prepare<[number, string], Record<string, unknown>>(
    `SELECT j.*, r.passed FROM judgments j
     JOIN results r USING (run_id, set_name, item_id, sample)
     JOIN run_items i USING (run_id, set_name, item_id)
     WHERE j.run_id = ? AND j.rubric = ? ORDER BY i.position, j.sample`,
  );
  const putPairwise = db.prepare(
    `INSERT OR REPLACE INTO pairwise (run_id, baseline_run_id, set_name, item_id, judge, rubric, head_first, base_first, score, error, created_at)
     VALUES (@runId, @baselineRunId, @set, @itemId, @judge, @rubric, @headFirst, @baseFirst, @score, @error, @createdAt)`,
  );
  const pairwiseOf = db.prepare<[number], Record<string, unknown>>('SELECT * FROM pairwise WHERE run_id = ? ORDER BY baseline_run_id, set_name, item_id');

  return {
    /** A cached verdict for this exact input, if the judge has seen it. */
    cached(key: string): Record<string, unknown> | undefined {
      const r = cacheGet.get(key);
      return r === undefined ? undefined : (JSON.parse(r.verdict) as Record<string, unknown>);
    },

    cache(key: string, judge: string, rubric: string, verdict: object): void {
      cachePut.run(key, judge, rubric, json(verdict), new Date().toISOString());
    },

    /** Stores (or replaces) the judgment of one answer. */
    putJudgment(j: JudgmentRecord): void {
      putJudgment.run({ ...j, verdict: json(j.verdict), error: storedText(j.error), cached: j.cached ? 1 : 0, createdAt: new Date().toISOString() });
    },

    /** The rubric versions the run's answers were judged with (none when it was never judged). */
    rubrics(runId: number): string[] {
      return rubricsOf.all(runId).map((r) => r.rubric);
    },

    judgments(runId: number): JudgmentRecord[] {
      return judgmentsOf.all(runId).map(judgmentOf);
    },

    /** A run's judgments by one rubric, each with its result's keyword verdict, in run order. */
    judgmentsWithKeywordVerdict(runId: number, rubric: string): Array<JudgmentRecord & { keywordPassed: boolean | null }> {
      return withPassedOf.all(runId, rubric).map((r) => ({ ...judgmentOf(r), keywordPassed: r.passed === null ? null : r.passed === 1 }));
    },

    putPairwise(p: PairwiseRecord): void {
      putPairwise.run({ ...p, headFirst: json(p.headFirst), baseFirst: json(p.baseFirst), error: storedText(p.error), createdAt: new Date().toISOString() });
    },

    pairwise(runId: number): PairwiseRecord[] {
      return pairwiseOf.all(runId).map((r) => ({
        runId: r.run_id as number,
        baselineRunId: r.baseline_run_id as number,
        set: r.set_name as string,
        itemId: r.item_id as string,
        judge: r.judge as string,
        rubric: r.rubric as string,
        headFirst: parse(r.head_first as string | null),
        baseFirst: parse(r.base_first as string | null),
        score: r.score as number | null,
        error: r.error as string | null,
      }));
    },
  };
}
