import { CATEGORIES } from '../scoring/category.js';
import type { PairwiseSummary } from '../judge/pairwise.js';
import type { RunJson } from '../report/run-json.js';
import { countedGroups } from '../shared/counted-groups.js';
import { CONSISTENCY_DEFINITION } from '../scoring/consistency.js';
import { METRIC_SETS } from '../scoring/metric-registry.js';

export { fmt, table } from '../report/text.js';
export { oneLine, printable } from '../untrusted-text.js';
import { fmt, table } from '../report/text.js';
import { oneLine, printable } from '../untrusted-text.js';

/** A 95% interval as text: "[0.412, 0.830]", or "-" when there is none. */
function ci(interval: [number, number] | null, digits: number): string {
  return interval === null ? '-' : `[${fmt(interval[0], digits)}, ${fmt(interval[1], digits)}]`;
}

/** A set's consistency, its interval and its n: "0.500 [0.095, 0.905] 2 groups"; "" for a set without fact groups. */
function consistencyCell(s: RunJson['sets'][string]): string {
  if (s.consistency === undefined) return '';
  const stat = s.stats?.consistency;
  const n = countedGroups(stat?.n ?? 0, s.groups ?? stat?.n ?? 0);
  return s.consistency === null ? `- (${n})` : `${fmt(s.consistency)} ${ci(stat?.ci ?? null, 3)} ${n}`;
}

function duration(run: RunJson): string {
  if (run.startedAt === null || run.finishedAt === null) return '';
  const s = (Date.parse(run.finishedAt) - Date.parse(run.startedAt)) / 1000;
  return ` · ${s.toFixed(1)} s`;
}

/** One line for a pairwise comparison. */
export function pairwiseText(p: PairwiseSummary): string {
  const ci = p.interval === null ? '' : ` [95% ${fmt(p.interval[0], 2)}, ${fmt(p.interval[1], 2)}]`;
  return `pairwise vs run ${p.baselineRunId} (${oneLine(p.judge, 200)}, ${p.rubric}): win rate ${fmt(p.winRate, 2)}${ci} over ${p.n} posts: ` +
    `${p.wins} wins, ${p.ties} ties, ${p.losses} losses` +
    `${p.errors > 0 ? `, ${p.errors} errors` : ''}; both orders agreed on ${p.agreement === null ? '-' : `${Math.round(100 * p.agreement)}%`}`;
}

/**
 * The human form of a run, rendered from its JSON form (what `--json` prints and the API
 * returns), so a local run and one followed on a server print the same way.
 */
export function runText(run: RunJson): string {
  const step = run.step === null ? '' : ` (step ${run.step})`;
  const c = run.counts ?? { items: 0, results: 0, errors: 0, missing: 0, truncated: 0 };
  // A server older than the truncated count sends none: show nothing rather than a wrong 0.
  const truncated = (c.truncated ?? 0) > 0 ? `, ${c.truncated} answers cut off at max tokens` : '';
  const head =
    `run ${run.runId} · checkpoint ${oneLine(run.checkpoint, 200)}${step} · ${run.status} · ` +
    `${c.items} items, ${c.errors} errors${truncated}${c.missing > 0 ? `, ${c.missing} not yet run` : ''}${duration(run)}`;
  // Consistency beside the score (a keyword set's accuracy), only when some set groups phrasings by fact_id.
  const consistency = Object.values(run.sets).some((s) => s.consistency !== undefined);
  const setRows = Object.entries(run.sets).map(([name, s]) => [
    name, s.kind, String(s.items), String(s.errors), s.truncated === undefined ? '-' : String(s.truncated),
    fmt(s.score), ci(s.stats?.score?.ci ?? null, 3), ...(consistency ? [consistencyCell(s)] : []), fmt(s.hallucination_rate ?? null),
  ]);
  const metrics: Record<string, number | null> = run.metrics ?? {};
  // A server older than the categories sends none.
  const categories = run.categories ?? null;
  const reported = (m: string) => metrics[m] !== null && metrics[m] !== undefined;
  const metricRows = [
    ...METRIC_SETS.shown,
    // Then per-category accuracy once items are categorized, train and held-out accuracy once items
    // are tagged in_train, and the likelihood metrics once they were measured.
    ...(categories !== null ? METRIC_SETS.categories : []),
    ...(METRIC_SETS.inTrain.some(reported) ? METRIC_SETS.inTrain : []),
    ...(METRIC_SETS.likelihood.some(reported) ? METRIC_SETS.likelihood : []),
  ].map((m) => {
    const digits = m === 'blog_chrf' || m === 'blog_perplexity' ? 1 : 3;
    const stat = run.stats?.[m];
    return [m, fmt(metrics[m], digits), reported(m) ? ci(stat?.ci ?? null, digits) : '', stat === undefined || stat.n === 0 ? '' : String(stat.n)];
  });
  const lines = [
    head, '',
    table(['set', 'kind', 'items', 'errors', 'cut off', 'score', '95% interval', ...(consistency ? ['consistency, 95% interval, n'] : []), 'hallucination'], setRows),
    ...(consistency ? [CONSISTENCY_DEFINITION] : []), '',
    table(['metric', 'value', '95% interval', 'n'], metricRows),
    'Intervals: Wilson for 0/1 shares, a seeded bootstrap over items otherwise; n = items scored.',
  ];
  if (categories !== null) {
    lines.push(`Categories against the base model (SliCK, Gekhman et al. 2024), keyword items: ${CATEGORIES.map((c) => `${categories[c]} ${c}`).join(', ')}.`);
  }
  const j = run.judge;
  if (j !== undefined && j !== null) {
    const r = j.refusal;
    const refusals = r !== undefined && r.judged + r.errors > 0;
    lines.push('');
    if (!refusals || j.judged + j.errors > 0) {
      lines.push(`judge ${oneLine(j.judge, 200)} (${j.rubric}): ${j.judged} posts judged (${j.cached} from cache, ${j.requests} requests), ${j.errors} judge errors`);
    }
    if (refusals) {
      lines.push(`judge ${oneLine(r.judge, 200)} (${r.rubric}): ${r.judged} refusal answers judged (${r.cached} from cache, ${r.requests} requests), ${r.errors} judge errors`);
    }
  }
  const rj = run.refusalJudge;
  if (rj !== undefined && rj !== null && rj.passRate.n > 0) {
    lines.push(`refusal judge pass rate (${rj.rubric}): ${fmt(rj.passRate.value)} ${ci(rj.passRate.ci, 3)} over ${rj.passRate.n} items`);
  }
  for (const p of run.pairwise ?? []) lines.push(pairwiseText(p));
  for (const n of run.notes) lines.push(`note: ${oneLine(n, 2000)}`);
  if (run.error !== null) lines.push('', `error: ${printable(run.error)}`);
  return lines.join('\n');
}
