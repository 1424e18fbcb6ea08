import { LIKELIHOOD_METRICS } from '../scoring/likelihood.js';
import type { Database } from 'better-sqlite3';
import type { ResultRow } from '../scoring/metrics.js';
import { storedJson, storedText } from './stored-text.js';
import { writeTransaction } from './write-lock.js';
import type { ResultRecord } from './types.js';

interface Row {
  run_id: number;
  set_name: string;
  item_id: string;
  sample: number;
  prompt: string;
  answer: string | null;
  reasoning: string | null;
  scores: string | null;
  score: number | null;
  hallucinated: number | null;
  passed: number | null;
  error: string | null;
  attempts: number;
  latency_ms: number | null;
  prompt_tokens: number | null;
  completion_tokens: number | null;
  finish_reason: string | null;
  created_at: string;
}

const bool = (v: number | null) => (v === null ? null : v === 1);
const int = (v: boolean | null) => (v === null ? null : v ? 1 : 0);

function fromRow(r: Row): ResultRecord {
  return {
    runId: r.run_id,
    set: r.set_name,
    itemId: r.item_id,
    sample: r.sample,
    prompt: r.prompt,
    answer: r.answer,
    reasoning: r.reasoning,
    scores: r.scores === null ? null : (JSON.parse(r.scores) as Record<string, unknown>),
    score: r.score,
    hallucinated: bool(r.hallucinated),
    passed: bool(r.passed),
    error: r.error,
    attempts: r.attempts,
    latencyMs: r.latency_ms,
    promptTokens: r.prompt_tokens,
    completionTokens: r.completion_tokens,
    finishReason: r.finish_reason,
    createdAt: r.created_at,
  };
}

/** `{name: {value, …}}` → `{name: value}`. */
function componentValues(scoresJson: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(JSON.parse(scoresJson) as Record<string, { value?: unknown }>)) {
    if (typeof v?.value === 'number') out[k] = v.value;
  }
  return out;
}

/** A keyword result's likelihood metrics and the hash of the candidates they were measured on (none when not measured). */
export function likelihoodValues(scoresJson: string | Record<string, unknown>): { likelihood?: Record<string, number>; candidates?: string } {
  const scores = (typeof scoresJson === 'string' ? JSON.parse(scoresJson) : scoresJson) as Record<string, { value?: unknown; candidates?: unknown } | undefined>;
  const likelihood: Record<string, number> = {};
  let candidates: string | undefined;
  for (const name of LIKELIHOOD_METRICS) {
    const s = scores[name];
    if (typeof s?.value !== 'number') continue;
    likelihood[name] = s.value;
    if (typeof s.candidates === 'string') candidates = s.candidates;
  }
  return Object.keys(likelihood).length === 0 ? {} : { likelihood, ...(candidates !== undefined ? { candidates } : {}) };
}

/** Key of one item × sample inside a run. */
export function resultKey(set: string, itemId: string, sample: number): string {
  return `${set}\u0000${itemId}\u0000${sample}`;
}

/** One stored result as a stream reports it, with its sequence number. */
export interface ResultEvent {
  seq: number;
  set: string;
  itemId: string;
  sample: number;
  error: string | null;
  score: number | null;
}

export interface ResultPage {
  set?: string;
  /** pass / fail: keyword items that passed or failed (blog items have no pass/fail); error: errored results. */
  outcome?: 'pass' | 'fail' | 'error';
  /** A folded search term (shared/text-search.ts searchTerm): only results whose prompt or answer contains it. */
  search?: string;
  limit?: number;
  offset?: number;
}

const OUTCOME_SQL = { pass: 'AND results.passed = 1', fail: 'AND results.passed = 0', error: 'AND results.error IS NOT NULL' } as const;

// search_fold is registered by openStore (store/open.ts); the term is bound, never part of the SQL.
const SEARCH_SQL = 'AND (instr(search_fold(results.prompt), @search) > 0 OR instr(search_fold(results.answer), @search) > 0)';

function pageWhere(page: ResultPage): string {
  return `${page.set !== undefined ? 'AND results.set_name = @set' : ''} ${page.outcome !== undefined ? OUTCOME_SQL[page.outcome] : ''} ${page.search ? SEARCH_SQL : ''}`;
}

export type ResultRepo = ReturnType<typeof createResultRepo>;

/** Per-item results. Each is written alone, as it completes, so a killed run loses none. */
export function createResultRepo(db: Database) {
  const insert = db.prepare(
    `INSERT INTO results (run_id, set_name, item_id, sample, prompt, answer, reasoning, scores, score, hallucinated,
                          passed, error, attempts, latency_ms, prompt_tokens, completion_tokens, finish_reason, created_at, seq)
     VALUES (@runId, @set, @itemId, @sample, @prompt, @answer, @reasoning, @scores, @score, @hallucinated,
             @passed, @error, @attempts, @latencyMs, @promptTokens, @completionTokens, @finishReason, @createdAt,
             (SELECT last_seq + 1 FROM runs WHERE id = @runId))
     ON CONFLICT (run_id, set_name, item_id, sample) DO NOTHING`,
  );
  const bumpSeq = db.prepare('UPDATE runs SET last_seq = last_seq + 1 WHERE id = ?');
  // The result and its run's counter move together, so a sequence number is never given twice.
  const insertNumbered = writeTransaction(db, (row: Record<string, unknown>, runId: number): boolean => {
    if (insert.run(row).changes !== 1) return false;
    bumpSeq.run(runId);
    return true;
  });
  const since = db.prepare<[number, number], { seq: number; set_name: string; item_id: string; sample: number; error: string | null; score: number | null }>(
    'SELECT seq, set_name, item_id, sample, error, score FROM results WHERE run_id = ? AND seq > ? ORDER BY seq',
  );
  const lastSeq = db.prepare<[number], { last_seq: number }>('SELECT last_seq FROM runs WHERE id = ?');
  const keys = db.prepare<[number], { set_name: string; item_id: string; sample: number }>(
    'SELECT set_name, item_id, sample FROM results WHERE run_id = ?',
  );
  const scoring = db.prepare<[number], { set_name: string; item_id: string; kind: string | null; score: number | null; hallucinated: number | null; passed: number | null; error: string | null; scores: string | null; judge_score: number | null; finish_reason: string | null; thought_only: number }>(
    `SELECT r.set_name, r.item_id, i.kind, r.score, r.hallucinated, r.passed, r.error, r.scores, j.score AS judge_score, r.finish_reason,
            (r.error IS NULL AND r.reasoning IS NOT NULL AND TRIM(COALESCE(r.answer, '')) = '') AS thought_only
     FROM results r
     LEFT JOIN run_items i USING (run_id, set_name, item_id)
     LEFT JOIN judgments j USING (run_id, set_name, item_id, sample)
     WHERE r.run_id = ?`,
  );
  const counts = db.prepare<[number], { results: number; errors: number }>(
    'SELECT COUNT(*) AS results, COUNT(error) AS errors FROM results WHERE run_id = ?',
  );
  const chunkAfter = db.prepare<{ runId: number; position: number; sample: number; limit: number }, Row & { item_position: number }>(
    `SELECT results.*, run_items.position AS item_position FROM results
     JOIN run_items ON run_items.run_id = results.run_id AND run_items.set_name = results.set_name AND run_items.item_id = results.item_id
     WHERE results.run_id = @runId AND (run_items.position, results.sample) > (@position, @sample)
     ORDER BY run_items.position, results.sample LIMIT @limit`);
  const deleteErrored = db.prepare('DELETE FROM results WHERE run_id = ? AND error IS NOT NULL');
  const deleteOne = db.prepare('DELETE FROM results WHERE run_id = ? AND set_name = ? AND item_id = ? AND sample = ?');
  const addScore = db.prepare(
    `UPDATE results SET scores = json_set(COALESCE(scores, '{}'), '$.' || @name, json(@score))
     WHERE run_id = @runId AND set_name = @set AND item_id = @itemId AND sample = @sample`,
  );

  return {
    /**
     * Stores one result; returns false if that item × sample was already stored (never duplicated).
     * Model output is stored as valid UTF-8 (a lone surrogate becomes U+FFFD).
     */
    insert(r: Omit<ResultRecord, 'createdAt'>): boolean {
      return insertNumbered({
        ...r,
        prompt: storedText(r.prompt),
        answer: storedText(r.answer),
        reasoning: storedText(r.reasoning),
        error: storedText(r.error),
        finishReason: storedText(r.finishReason),
        scores: storedJson(r.scores),
        hallucinated: int(r.hallucinated),
        passed: int(r.passed),
        createdAt: new Date().toISOString(),
      }, r.runId);
    },

    /**
     * Results stored after sequence number `seq`, in the order they were stored (what a stream
     * missed). Read lazily: a caller that stops early (its client stopped reading) reads no more.
     * Nothing else may use this connection until the iteration ends.
     */
    *since(runId: number, seq: number): Generator<ResultEvent> {
      for (const r of since.iterate(runId, seq)) yield { seq: r.seq, set: r.set_name, itemId: r.item_id, sample: r.sample, error: r.error, score: r.score };
    },

    /** The run's latest sequence number (0 before its first result). */
    lastSeq(runId: number): number {
      return lastSeq.get(runId)?.last_seq ?? 0;
    },

    /** Keys (see resultKey) of every stored result of the run. */
    doneKeys(runId: number): Set<string> {
      return new Set(keys.all(runId).map((k) => resultKey(k.set_name, k.item_id, k.sample)));
    },

    /** The columns metrics need, for every result of the run (pass flags, blog components from `scores`, the judge's score, the finish reason). */
    scoringRows(runId: number): ResultRow[] {
      return scoring.all(runId).map((r) => {
        const row: ResultRow = {
          set: r.set_name, itemId: r.item_id, score: r.score, hallucinated: bool(r.hallucinated), passed: bool(r.passed), error: r.error, finishReason: r.finish_reason,
        };
        if (r.thought_only === 1) row.thoughtOnly = true;
        // Blog items only: a keyword item's judgment is the refusal judge's, not blog_judge.
        if (r.kind === 'blog' && r.scores !== null) {
          row.components = componentValues(r.scores);
          if (r.judge_score !== null) row.components.blog_judge = r.judge_score;
        }
        if (r.kind === 'keyword' && r.scores !== null) Object.assign(row, likelihoodValues(r.scores));
        return row;
      });
    },

    counts(runId: number): { results: number; errors: number } {
      return counts.get(runId)!;
    },

    /** How many results match the page's filters (for paging). */
    count(runId: number, page: ResultPage = {}): number {
      const sql = `SELECT COUNT(*) AS n FROM results WHERE results.run_id = @runId ${pageWhere(page)}`;
      return (db.prepare(sql).get({ runId, set: page.set, search: page.search }) as { n: number }).n;
    },

    /** Results in run order (item snapshot order, then sample). Filters are fixed SQL; values are bound. */
    list(runId: number, page: ResultPage = {}): ResultRecord[] {
      const sql = `SELECT results.* FROM results
                   JOIN run_items ON run_items.run_id = results.run_id AND run_items.set_name = results.set_name
                                  AND run_items.item_id = results.item_id
                   WHERE results.run_id = @runId ${pageWhere(page)}
                   ORDER BY run_items.position, results.sample LIMIT @limit OFFSET @offset`;
      const rows = db.prepare(sql).all({ runId, set: page.set, search: page.search, limit: page.limit ?? -1, offset: page.offset ?? 0 }) as Row[];
      return rows.map(fromRow);
    },

    /**
     * Up to `limit` results in run order (as `list`) after the one at `after` (its item's position
     * and sample; null: from the start). Keyset paging: a caller streaming a whole run reads it in
     * chunks, leaving the connection free between them (an open iterator would keep it busy while
     * a slow client reads, and the runner could not store a result meanwhile).
     */
    chunkAfter(runId: number, after: { position: number; sample: number } | null, limit: number): Array<{ position: number; record: ResultRecord }> {
      const out: Array<{ position: number; record: ResultRecord }> = [];
      for (const r of chunkAfter.iterate({ runId, position: after?.position ?? -1, sample: after?.sample ?? -1, limit })) {
        const { item_position: position, ...row } = r;
        out.push({ position, record: fromRow(row) });
      }
      return out;
    },

    /** Adds (or replaces) one named score on a stored result, e.g. a perplexity measured later. */
    addScore(key: { runId: number; set: string; itemId: string; sample: number }, name: string, score: object): void {
      if (!/^[a-z_]+$/.test(name)) throw new Error(`invalid score name ${name}`);
      addScore.run({ ...key, name, score: storedJson(score) });
    },

    /** Removes one result (an item the runner gave up on only because the endpoint died: a resume sends it again). */
    delete(runId: number, set: string, itemId: string, sample: number): void {
      deleteOne.run(runId, set, itemId, sample);
    },

    /** Drops errored results so a resume retries them. Returns how many were dropped. */
    deleteErrored(runId: number): number {
      return deleteErrored.run(runId).changes;
    },
  };
}
