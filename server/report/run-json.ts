import type { JudgeRunReport } from '../judge/judge-stored-run.js';
import type { PairwiseSummary } from '../judge/pairwise.js';
import type { Category } from '../scoring/category.js';
import type { RefusalJudgeSummary } from '../judge/refusal-agreement.js';
import type { EvalItem } from '../evalsets/types.js';
import { keywordMarks, type KeywordMarks } from '../scoring/keyword.js';
import type { RunSummary } from '../scoring/metrics.js';
import type { Score } from '../scoring/types.js';
import type { JudgmentRecord } from '../store/judgments.js';
import type { ResultRecord, Run } from '../store/types.js';

/*
 * The JSON shapes of runs and results: the contract of the CLI's --json output and of the
 * API. Both adapters call these, so the two can never drift apart.
 */

/** What judging added to a run, for the run's JSON and text. */
export interface JudgeExtras {
  /** What the judging just done did (run --judge, judge): blog and refusal rubrics' counts. */
  judge?: JudgeRunReport | null;
  pairwise?: PairwiseSummary[];
  /** The refusal judge's stored verdicts set against the keyword verdicts; null when none. */
  refusalJudge?: RefusalJudgeSummary | null;
}

/** The JSON form of a run: the contract of `--json` and of the API's run objects. */
export interface RunJson {
  runId: number;
  /** eval: an evaluation; categorize: a categorization of a base checkpoint's knowledge (its metrics are over k-shot draws). */
  kind: Run['kind'];
  checkpoint: string;
  step: number | null;
  status: string;
  metrics: RunSummary['metrics'] | null;
  /** Each metric's n and 95% interval. */
  stats: RunSummary['stats'];
  sets: RunSummary['sets'];
  counts: RunSummary['counts'] | null;
  /** Keyword items of each SliCK category against the base model; null when none is categorized (or there is no summary). */
  categories: RunSummary['categories'];
  /** The checkpoint whose knowledge categories the items are read against; null when none apply. */
  categoryBase: string | null;
  params: Run['params'];
  provenance: Run['provenance'];
  error: string | null;
  notes: string[];
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  judge?: JudgeRunReport | null;
  pairwise?: PairwiseSummary[];
  refusalJudge?: RefusalJudgeSummary | null;
  items?: ItemJson[];
}

/**
 * The base checkpoint a summary's categories came from: the name in its `categorizedBy` key
 * (`BASE:RUN,RUN…@MS`, see categoriesKey). What follows the name has no ':', so the last one ends it,
 * even when the name itself contains ':'.
 */
export function categoryBaseOf(summary: Pick<RunSummary, 'categorizedBy'> | null): string | null {
  const key = summary?.categorizedBy ?? null;
  if (key === null) return null;
  const at = key.lastIndexOf(':');
  return at <= 0 ? null : key.slice(0, at);
}

/** The JSON form of a run, shared by run, resume, runs, show and the API. */
export function runJson(run: Run, summary: RunSummary | null, extras: JudgeExtras = {}): RunJson {
  return {
    ...(extras.judge !== undefined ? { judge: extras.judge } : {}),
    ...(extras.pairwise !== undefined ? { pairwise: extras.pairwise } : {}),
    ...(extras.refusalJudge !== undefined ? { refusalJudge: extras.refusalJudge } : {}),
    runId: run.id,
    kind: run.kind,
    checkpoint: run.checkpoint,
    step: run.step,
    status: run.status,
    metrics: summary?.metrics ?? null,
    stats: summary?.stats ?? {},
    sets: summary?.sets ?? {},
    counts: summary?.counts ?? null,
    categories: summary?.categories ?? null,
    categoryBase: categoryBaseOf(summary),
    params: run.params,
    provenance: run.provenance,
    error: run.error,
    notes: run.notes,
    createdAt: run.createdAt,
    startedAt: run.startedAt,
    finishedAt: run.finishedAt,
  };
}

/** One result as `show --items --json` and GET /api/runs/:id/results report it. */
export interface ItemJson {
  id: string;
  set: string;
  sample: number;
  kind: EvalItem['kind'] | null;
  tags: string[];
  prompt: string;
  /** Blog items: the held-out reference post. */
  reference?: string;
  answer: string | null;
  /** Keyword items with an answer: which keywords it hit (and with which alternative), which forbidden strings it contains. */
  marks?: KeywordMarks;
  /** The item's SliCK category against the run's base (by content hash); null when it has none. Present in the API's results. */
  category?: Category | null;
  reasoning: string | null;
  score: number | null;
  passed: boolean | null;
  hallucinated: boolean | null;
  scores: Record<string, number>;
  explanations: Record<string, string>;
  latencyMs: number | null;
  usage: { promptTokens: number | null; completionTokens: number | null };
  finishReason: string | null;
  attempts: number;
  error: string | null;
  judge?: Record<string, unknown>;
}

/**
 * One result as `show --items` and the API report it; keyword answers carry their keyword marks,
 * and their knowledge category when the caller looked it up (`category`: null for none).
 */
export function itemJson(r: ResultRecord, item: EvalItem | undefined, judgment?: JudgmentRecord, category?: Category | null): ItemJson {
  const scores = (r.scores ?? {}) as Record<string, Score>;
  return {
    id: r.itemId,
    set: r.set,
    sample: r.sample,
    kind: item?.kind ?? null,
    tags: item?.tags ?? [],
    prompt: item?.prompt ?? r.prompt,
    ...(item?.kind === 'blog' ? { reference: item.reference } : {}),
    answer: r.answer,
    ...(item?.kind === 'keyword' && r.answer !== null ? { marks: keywordMarks(item, r.answer) } : {}),
    ...(category !== undefined ? { category } : {}),
    reasoning: r.reasoning,
    score: r.score,
    passed: r.passed,
    hallucinated: r.hallucinated,
    scores: Object.fromEntries(Object.entries(scores).map(([k, s]) => [k, s.value])),
    explanations: Object.fromEntries(Object.entries(scores).map(([k, s]) => [k, s.explanation])),
    latencyMs: r.latencyMs === null ? null : Math.round(r.latencyMs),
    usage: { promptTokens: r.promptTokens, completionTokens: r.completionTokens },
    finishReason: r.finishReason,
    attempts: r.attempts,
    error: r.error,
    ...(judgment !== undefined
      ? { judge: { judge: judgment.judge, rubric: judgment.rubric, score: judgment.score, ...(judgment.verdict ?? {}), error: judgment.error, cached: judgment.cached } }
      : {}),
  };
}

