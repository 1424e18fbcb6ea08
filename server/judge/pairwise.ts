import { TunegateError } from '../errors.js';
import type { BlogItem } from '../evalsets/types.js';
import { runPool } from '../http/pool.js';
import { bootstrapInterval } from '../stats/interval.js';
import type { Store } from '../store/open.js';
import type { ResultRecord } from '../store/types.js';
import { judgeErrorMessage, verdictKey } from './ask.js';
import { askValidated, type JsonClient } from '../http/ask-json.js';
import { pairwisePrompt, parseWinner, RUBRIC_VERSION, type Winner } from './rubric.js';

export interface PairwiseSummary {
  baselineRunId: number;
  judge: string;
  rubric: string;
  /** Items compared (blog items in both runs with the same content, both answered). */
  n: number;
  /** Mean of the head run's item scores (win 1, tie 0.5, loss 0, averaged over both orders). */
  winRate: number | null;
  /** 95% bootstrap interval of the win rate over items (expanded percentile, seeded; null below 2 items). */
  interval: [number, number] | null;
  wins: number;
  ties: number;
  losses: number;
  errors: number;
  /** Share of items where both orders picked the same post: low means the judge follows position. */
  agreement: number | null;
}

type Asked = { winner: Winner; reason: string };

/** The head's score from one ordering: `headIs` is the letter the head's post had. */
function headScore(v: Asked, headIs: 'A' | 'B'): number {
  return v.winner === 'tie' ? 0.5 : v.winner === headIs ? 1 : 0;
}

/**
 * Compares a run's blog answers with a baseline run's for the same titles, asking the judge
 * twice per item, once with each post first, so position bias cancels. Only items present in
 * both runs with the same content hash are compared; with several samples, sample 0 is used.
 */
export async function comparePairwise(
  store: Store, runId: number, baselineRunId: number, client: JsonClient, opts: { concurrency: number },
): Promise<PairwiseSummary> {
  if (baselineRunId === runId) throw new TunegateError('USAGE', '--judge-pairwise needs another run than the one judged');
  store.runs.get(baselineRunId);
  const blogOf = (id: number) => new Map(store.runs.items(id).filter((i): i is BlogItem => i.kind === 'blog').map((i) => [`${i.set}\u0000${i.id}`, i]));
  const answersOf = (id: number) => new Map(store.results.list(id).filter((r) => r.sample === 0 && r.error === null).map((r) => [`${r.set}\u0000${r.itemId}`, r]));
  const headItems = blogOf(runId);
  const baseItems = blogOf(baselineRunId);
  const head = answersOf(runId);
  const base = answersOf(baselineRunId);
  const common: Array<{ item: BlogItem; h: ResultRecord; b: ResultRecord }> = [];
  for (const [k, item] of headItems) {
    const other = baseItems.get(k);
    const h = head.get(k);
    const b = base.get(k);
    if (other?.hash === item.hash && h !== undefined && b !== undefined) common.push({ item, h, b });
  }

  await runPool(common, opts.concurrency, async ({ item, h, b }) => {
    const ask = async (a: string, bb: string): Promise<Asked> => {
      const key = verdictKey(client.id, RUBRIC_VERSION, 'pairwise', { title: item.title, reference: item.reference, a, b: bb });
      const hit = store.judge.cached(key) as Asked | undefined;
      if (hit !== undefined) return hit;
      const v = await askValidated(client, pairwisePrompt(item.title, item.reference, a, bb), parseWinner);
      store.judge.cache(key, client.id, RUBRIC_VERSION, v);
      return v;
    };
    const settle = (p: Promise<Asked>) => p.then((v) => ({ v, error: null }), (e: unknown) => ({ v: null, error: judgeErrorMessage(e) }));
    const [hf, bf] = await Promise.all([settle(ask(h.answer ?? '', b.answer ?? '')), settle(ask(b.answer ?? '', h.answer ?? ''))]);
    const scores = [hf.v === null ? null : headScore(hf.v, 'A'), bf.v === null ? null : headScore(bf.v, 'B')].filter((s): s is number => s !== null);
    store.judge.putPairwise({
      runId, baselineRunId, set: item.set, itemId: item.id, judge: client.id, rubric: RUBRIC_VERSION,
      headFirst: hf.v, baseFirst: bf.v,
      score: scores.length === 0 ? null : scores.reduce((s, x) => s + x, 0) / scores.length,
      error: [hf.error, bf.error].filter((e) => e !== null).join('; ') || null,
    });
  });
  return pairwiseSummaries(store, runId).find((p) => p.baselineRunId === baselineRunId && p.judge === client.id)!;
}

/** Every pairwise comparison stored for a run, summarized per baseline and judge. */
export function pairwiseSummaries(store: Store, runId: number): PairwiseSummary[] {
  const groups = new Map<string, ReturnType<Store['judge']['pairwise']>>();
  for (const p of store.judge.pairwise(runId)) {
    const k = `${p.baselineRunId}\u0000${p.judge}\u0000${p.rubric}`;
    groups.set(k, [...(groups.get(k) ?? []), p]);
  }
  return [...groups.values()].map((rows) => {
    const scored = rows.filter((r) => r.score !== null).map((r) => r.score!);
    const both = rows.filter((r) => r.headFirst !== null && r.baseFirst !== null);
    const agree = both.filter((r) => headScore(r.headFirst as Asked, 'A') === headScore(r.baseFirst as Asked, 'B')).length;
    return {
      baselineRunId: rows[0]!.baselineRunId,
      judge: rows[0]!.judge,
      rubric: rows[0]!.rubric,
      n: scored.length,
      winRate: scored.length === 0 ? null : scored.reduce((s, x) => s + x, 0) / scored.length,
      interval: bootstrapInterval(scored),
      wins: scored.filter((s) => s > 0.5).length,
      ties: scored.filter((s) => s === 0.5).length,
      losses: scored.filter((s) => s < 0.5).length,
      errors: rows.filter((r) => r.score === null).length,
      agreement: both.length === 0 ? null : agree / both.length,
    };
  });
}
