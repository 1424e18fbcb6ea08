import { runCategories } from '../runs/categories.js';
import { TunegateError } from '../errors.js';
import { currentSummary } from '../runs/summary.js';
import type { Store } from '../store/open.js';
import { hasTags } from '../tag.js';
import { FORGETTING_METRICS, type MetricVerdict } from './decide.js';
import { gate } from './gate-head.js';
import { DEFAULT_ALPHA } from './options.js';
import { latestCompleted } from '../runs/select.js';

/** The Known categories whose accuracy must not fall significantly below the base's (the gate's forgetting alarm). */
export const KNOWN_METRICS = FORGETTING_METRICS;

export interface AdviceRow {
  checkpoint: string;
  step: number | null;
  runId: number;
  /** The held-out accuracy (heldoutMetric) with its n and interval. */
  heldout: { value: number | null; n: number; ci: [number, number] | null };
  /** The gate's verdict on each Known metric against the base run (Holm over the two). */
  known: MetricVerdict[];
  /**
   * ok: eligible; fell: a significant fall on a Known category; uncertain: it fell past the
   * tolerance but too few items to tell; not-comparable: no test could be made; base: the reference.
   */
  status: 'ok' | 'fell' | 'uncertain' | 'not-comparable' | 'base';
  /** Why it is not eligible, in words; null when it is. */
  excluded: string | null;
}

export interface Advice {
  tag: { key: string; value: string };
  base: { checkpoint: string; runId: number };
  /** heldout_accuracy when items are tagged in_train, else bio_accuracy. */
  heldoutMetric: 'heldout_accuracy' | 'bio_accuracy';
  alpha: number;
  rows: AdviceRow[];
  /** The advised checkpoint, or null when every one fell on Known items. */
  pick: { checkpoint: string; step: number | null; runId: number } | null;
  reason: string;
}

/**
 * Early stopping, as Gekhman et al. 2024 advise: across the checkpoints of one training run
 * (those tagged `key=value`), the step with the best held-out accuracy among those whose accuracy
 * on HighlyKnown and MaybeKnown items did not fall below the base model's: not significantly (the
 * gate's paired sign-flip test, Holm over the two metrics at alpha), and not past the tolerance
 * on a category with too few items for the test to ever call a fall. Checkpoints that cannot be compared are not eligible,
 * and the base itself is the reference, never the advice. Ties go to the earlier step: less
 * training, less forgetting. Each checkpoint's latest completed run is used.
 */
export function advise(store: Store, tag: { key: string; value: string }, opts: { alpha?: number } = {}): Advice {
  const alpha = opts.alpha ?? DEFAULT_ALPHA;
  const checkpoints = store.checkpoints.list().filter((c) => hasTags(c.tags, Object.fromEntries([[tag.key, tag.value]])));
  if (checkpoints.length === 0) throw new TunegateError('NOT_FOUND', `no checkpoint is tagged ${tag.key}=${tag.value}`);
  const runs = checkpoints.flatMap((c) => {
    const r = latestCompleted(store, c);
    return r === undefined ? [] : [{ c, r }];
  });
  if (runs.length === 0) throw new TunegateError('NOT_FOUND', `no checkpoint tagged ${tag.key}=${tag.value} has a completed run`);
  const cats = runCategories(store, runs[0]!.r);
  if (cats === null) {
    throw new TunegateError('INVALID_INPUT', `no knowledge categories apply to these checkpoints: categorize the base model first (tunegate categorize, or POST /api/categorize) and give each checkpoint that base model as its base`);
  }
  const baseCheckpoint = store.checkpoints.get(cats.base);
  const baseRun = latestCompleted(store, baseCheckpoint);
  if (baseRun === undefined) throw new TunegateError('NOT_FOUND', `the base checkpoint "${cats.base}" has no completed evaluation run to compare with: tunegate run ${cats.base}`);
  const summaries = runs.map(({ r }) => currentSummary(store, r));
  const heldoutMetric = summaries.some((s) => s.metrics.heldout_accuracy !== null && s.metrics.heldout_accuracy !== undefined) ? 'heldout_accuracy' : 'bio_accuracy';

  const baseCategories = currentSummary(store, baseRun).categories;
  const rows: AdviceRow[] = runs
    .map(({ c, r }, i) => {
      const s = summaries[i]!;
      const stat = s.stats[heldoutMetric];
      const row: AdviceRow = {
        checkpoint: c.name, step: c.step, runId: r.id,
        heldout: { value: (s.metrics as Record<string, number | null>)[heldoutMetric] ?? null, n: stat?.n ?? 0, ci: stat?.ci ?? null },
        known: [], status: 'ok', excluded: null,
      };
      if (r.id === baseRun.id) return { ...row, status: 'base' as const };
      let known: MetricVerdict[];
      try {
        known = gate(store, r.id, baseRun.id, { metrics: [...KNOWN_METRICS], alpha }).metrics;
      } catch (e) {
        return { ...row, status: 'not-comparable' as const, excluded: `not comparable with the base run ${baseRun.id}: ${(e as Error).message}` };
      }
      const show = (m: MetricVerdict) => `${m.metric} (${m.base?.toFixed(3)} → ${m.head?.toFixed(3)}, p=${m.p?.toPrecision(2)})`;
      const fell = known.filter((m) => m.verdict === 'regression');
      // With too few items of a category the test can never call a fall: a drop past the tolerance
      // there is not evidence of "no fall", so the checkpoint is not eligible.
      const unclear = known.filter((m) => m.verdict !== 'regression' && m.delta !== null && -m.delta > m.tolerance && m.minDetectableDrop === null);
      // A category the base has items of, with none compared, could not be tested at all.
      const untested = known.filter((m) => m.verdict === 'skipped' && (baseCategories?.[m.metric === 'acc_highly_known' ? 'HighlyKnown' : 'MaybeKnown'] ?? 0) > 0);
      if (fell.length > 0) return { ...row, known, status: 'fell' as const, excluded: `accuracy fell on ${fell.map(show).join(' and ')}` };
      if (unclear.length > 0) return { ...row, known, status: 'uncertain' as const, excluded: `accuracy dropped on ${unclear.map(show).join(' and ')}, with too few items for the test to tell a fall from noise` };
      if (untested.length > 0) return { ...row, known, status: 'not-comparable' as const, excluded: `no ${untested.map((m) => m.metric).join(' or ')} item could be compared with the base run` };
      return { ...row, known };
    })
    .sort((a, b) => (a.step ?? Infinity) - (b.step ?? Infinity));

  const eligible = rows.filter((r) => r.status === 'ok' && r.heldout.value !== null);
  let best: AdviceRow | null = null;
  for (const r of eligible) if (best === null || r.heldout.value! > best.heldout.value!) best = r;
  const compared = rows.filter((r) => r.status === 'ok' || r.status === 'fell' || r.status === 'uncertain');
  const reason = best !== null
    ? `highest ${heldoutMetric} (${best.heldout.value!.toFixed(3)}, n=${best.heldout.n}) among the ${eligible.length} checkpoints whose HighlyKnown and MaybeKnown accuracy did not fall below the base's (paired sign-flip test, Holm, alpha ${alpha}; a drop past the tolerance on a category too small to test also excludes)`
    : compared.length === 0
      ? `no checkpoint could be compared with the base run ${baseRun.id}: see why each is excluded`
      : 'every comparable checkpoint lost accuracy on Known items (or may have, with too few items to tell): stop earlier, or mix in less new knowledge';
  return {
    tag, base: { checkpoint: cats.base, runId: baseRun.id }, heldoutMetric, alpha, rows,
    pick: best === null ? null : { checkpoint: best.checkpoint, step: best.step, runId: best.runId }, reason,
  };
}
