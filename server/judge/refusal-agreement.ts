import { mean } from '../scoring/metrics.js';
import { meanInterval, type MetricInterval } from '../stats/interval.js';
import type { Store } from '../store/open.js';
import { agreement } from './agreement.js';
import { REFUSAL_RUBRIC_VERSION } from './refusal-rubric.js';

/** One answer where the keyword rule and the judge disagree. */
export interface RefusalDisagreement {
  set: string;
  itemId: string;
  sample: number;
  keywordPassed: boolean;
  judgePassed: boolean;
  /** The judge's reason (untrusted text: it may quote the model). */
  rationale: string;
}

/**
 * The refusal judge's verdicts on a run, set against the keyword verdicts stored beside them:
 * the run JSON's `refusalJudge` (show --json, GET /api/runs/:id, run and judge --json).
 */
export interface RefusalJudgeSummary {
  rubric: string;
  /** The judges whose verdicts these are (one, unless a run was partly re-judged by another). */
  judges: string[];
  /** Answers with both a judge verdict and a keyword verdict. */
  judged: number;
  /** Answers whose judging failed (stored as the judge error). */
  errors: number;
  agree: number;
  bothPass: number;
  bothFail: number;
  keywordPassJudgeFail: number;
  keywordFailJudgePass: number;
  /** agree / judged; null when nothing was judged. */
  agreement: number | null;
  /** Cohen's kappa; null when undefined (nothing judged, or both gave every answer the same verdict). */
  kappa: number | null;
  /** The judge's pass rate over refusal items (an item's samples averaged), with n items and a 95% interval. */
  passRate: { value: number | null } & MetricInterval;
  disagreements: RefusalDisagreement[];
}

/** The refusal judge's agreement with the keywords on a run; null when no refusal answer was judged. */
export function refusalJudgeSummary(store: Store, runId: number): RefusalJudgeSummary | null {
  const rows = store.judge.judgmentsWithKeywordVerdict(runId, REFUSAL_RUBRIC_VERSION);
  if (rows.length === 0) return null;
  const judged = rows.filter((r) => r.error === null && r.score !== null && r.keywordPassed !== null);
  const a = agreement(judged.map((r) => ({ keyword: r.keywordPassed!, judge: r.score === 1 })));
  const byItem = new Map<string, number[]>();
  for (const r of judged) {
    const k = `${r.set}\u0000${r.itemId}`;
    byItem.set(k, [...(byItem.get(k) ?? []), r.score!]);
  }
  const perItem = [...byItem.values()].map((v) => mean(v)!);
  return {
    rubric: REFUSAL_RUBRIC_VERSION,
    judges: [...new Set(rows.map((r) => r.judge))],
    judged: a.n,
    errors: rows.filter((r) => r.error !== null).length,
    agree: a.agree,
    bothPass: a.bothPass,
    bothFail: a.bothFail,
    keywordPassJudgeFail: a.keywordPassJudgeFail,
    keywordFailJudgePass: a.keywordFailJudgePass,
    agreement: a.rate,
    kappa: a.kappa,
    passRate: { value: mean(perItem), ...meanInterval(perItem, { proportion: true, range: [0, 1] }) },
    disagreements: judged
      .filter((r) => r.keywordPassed !== (r.score === 1))
      .map((r) => ({
        set: r.set, itemId: r.itemId, sample: r.sample, keywordPassed: r.keywordPassed!, judgePassed: r.score === 1,
        rationale: typeof r.verdict?.rationale === 'string' ? r.verdict.rationale : '',
      })),
  };
}

/** How every agreement note starts, so judging again replaces the note instead of adding one. */
export const AGREEMENT_NOTE_PREFIX = 'refusal judge (';

const count = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;

/**
 * The run note on the judge's agreement with the keywords, e.g. "refusal judge (refusal-v1)
 * agrees with keywords on 5 of 6 answers (kappa 0.67); 1 keyword pass judged a failure: see
 * tunegate show 12 --items --json". Null when there is nothing to say. Pure.
 */
export function agreementNote(s: RefusalJudgeSummary | null, runId: number): string | null {
  if (s === null) return null;
  const head = `${AGREEMENT_NOTE_PREFIX}${s.rubric})`;
  const errors = s.errors > 0 ? count(s.errors, 'answer not judged (judge error)', 'answers not judged (judge errors)') : '';
  if (s.judged === 0) return errors === '' ? null : `${head}: ${errors}`;
  const kappa = s.kappa === null ? 'kappa undefined: every verdict the same' : `kappa ${s.kappa.toFixed(2)}`;
  const parts = [`${head} agrees with keywords on ${s.agree} of ${s.judged} answers (${kappa})`];
  const differ = [
    ...(s.keywordPassJudgeFail > 0 ? [count(s.keywordPassJudgeFail, 'keyword pass judged a failure', 'keyword passes judged failures')] : []),
    ...(s.keywordFailJudgePass > 0 ? [count(s.keywordFailJudgePass, 'keyword failure judged a pass', 'keyword failures judged passes')] : []),
  ];
  if (differ.length > 0) parts.push(`${differ.join(', ')}: see tunegate show ${runId} --items --json`);
  if (errors !== '') parts.push(errors);
  return parts.join('; ');
}
