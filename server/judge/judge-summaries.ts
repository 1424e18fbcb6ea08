import type { Store } from '../store/open.js';
import { pairwiseSummaries, type PairwiseSummary } from './pairwise.js';
import { refusalJudgeSummary, type RefusalJudgeSummary } from './refusal-agreement.js';

/** What judging stored for a run, as its JSON reports it: pairwise comparisons and the refusal judge's agreement with the keywords. */
export function judgeSummaries(store: Store, runId: number): { pairwise: PairwiseSummary[]; refusalJudge: RefusalJudgeSummary | null } {
  return { pairwise: pairwiseSummaries(store, runId), refusalJudge: refusalJudgeSummary(store, runId) };
}
