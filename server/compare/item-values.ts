import { type Category } from '../scoring/category.js';
import { taggedInTrain } from '../evalsets/in-train.js';
import type { EvalItem } from '../evalsets/types.js';
import type { ItemMeans } from '../scoring/metric-registry.js';
import { mean } from '../scoring/metrics.js';
import { itemPassed } from '../scoring/pass.js';
import type { Store } from '../store/open.js';
import { runSteps } from './steps.js';
import { likelihoodValues } from '../store/results.js';

/** One item of a run, reduced to what a comparison reads (samples averaged; score null when every sample errored). */
export interface ItemValue extends ItemMeans {
  item: EvalItem;
  /**
   * The answer shown as evidence: for a keyword item that failed, its first failing sample's
   * (so the answer shown agrees with the verdict); else the first answered sample's, else the first's.
   */
  answer: string | null;
  /** Which sample `answer` is. */
  sample: number | null;
  /** Keyword items: passed as pass.ts defines it (every answered sample passed); null when none was answered. */
  passed: boolean | null;
  errored: boolean;
}

export const itemKey = (set: string, id: string) => `${set}\u0000${id}`;

/** An item's SliCK category against the base model, or null when it has none (see scoring/category.ts). */
export type CategoryOf = (item: EvalItem) => Category | null;

/**
 * Every item of a run with its per-item values (the mean over its answered samples).
 * `categoryOf` gives each item its category; without it no item is categorized.
 */
export function itemValues(store: Store, runId: number, categoryOf?: CategoryOf): Map<string, ItemValue> {
  return runSteps(itemValueSteps(store, runId, categoryOf));
}

/** itemValues in steps: it yields between its reads of the run's results and of its items. */
export function* itemValueSteps(store: Store, runId: number, categoryOf?: CategoryOf): Generator<void, Map<string, ItemValue>, void> {
  const judged = new Map(store.judge.judgments(runId).filter((j) => j.score !== null).map((j) => [`${j.set}\u0000${j.itemId}\u0000${j.sample}`, j.score!]));
  const bySample = new Map<string, ReturnType<Store['results']['list']>>();
  for (const r of store.results.list(runId)) {
    const k = itemKey(r.set, r.itemId);
    bySample.set(k, [...(bySample.get(k) ?? []), r]);
  }
  yield;
  const out = new Map<string, ItemValue>();
  const items = store.runs.items(runId);
  yield;
  // As in summarize: inTrain is known only when the run's items use the tag at all.
  const anyInTrain = items.some((i) => taggedInTrain(i.tags));
  for (const item of items) {
    const rows = bySample.get(itemKey(item.set, item.id)) ?? [];
    const ok = rows.filter((r) => r.error === null);
    const comps = new Map<string, number[]>();
    for (const r of ok) {
      for (const [name, s] of Object.entries((r.scores ?? {}) as Record<string, { value?: unknown }>)) {
        if (item.kind === 'blog' && typeof s?.value === 'number') comps.set(name, [...(comps.get(name) ?? []), s.value]);
      }
      // Only blog answers' judgments are blog_judge (refusal answers are judged too, pass or fail).
      const j = item.kind === 'blog' ? judged.get(`${r.set}\u0000${r.itemId}\u0000${r.sample}`) : undefined;
      if (j !== undefined) comps.set('blog_judge', [...(comps.get('blog_judge') ?? []), j]);
    }
    // Decided from the item, not the stored flag: results stored before the rule have
    // hallucinated=false for items without a forbidden list.
    const withForbidden = item.kind === 'keyword' && item.forbidden.length > 0;
    // Measured once per item, on sample 0, after the run.
    const measured = item.kind === 'keyword' ? ok.map((r) => likelihoodValues(r.scores ?? {})).find((l) => l.likelihood !== undefined) : undefined;
    const evidence = ok.find((r) => r.passed === false) ?? ok[0] ?? rows[0];
    out.set(itemKey(item.set, item.id), {
      item,
      set: item.set,
      kind: item.kind,
      score: mean(ok.flatMap((r) => (r.score === null ? [] : [r.score]))),
      hallucinated: withForbidden ? mean(ok.flatMap((r) => (r.hallucinated === null ? [] : [r.hallucinated ? 1 : 0]))) : null,
      withForbidden,
      components: Object.fromEntries([...comps].map(([k, v]) => [k, mean(v)!])),
      category: categoryOf?.(item) ?? null,
      inTrain: anyInTrain ? taggedInTrain(item.tags) : null,
      ...(measured?.likelihood !== undefined ? { likelihood: measured.likelihood, candidates: measured.candidates ?? null } : {}),
      answer: evidence?.answer ?? null,
      sample: evidence?.sample ?? null,
      passed: itemPassed(ok.map((r) => r.passed)),
      errored: rows.some((r) => r.error !== null),
    });
  }
  return out;
}

/** How two runs' items matched up. */
export interface ItemPairing {
  /** Items in both runs with the same content hash, in the head run's order. */
  pairs: Array<{ base: ItemValue; head: ItemValue }>;
  items: { compared: number; changedContent: number; onlyInBase: number; onlyInHead: number };
  warnings: string[];
}

/** The item without its likelihood metrics: measured on other candidates than its partner's. */
const withoutLikelihood = (v: ItemValue): ItemValue => {
  const { likelihood: _l, candidates: _c, ...rest } = v;
  return rest;
};

/**
 * Pairs two runs' items by set, id and content hash. An item whose content changed between the
 * runs (an edited eval set) or that only one run has is counted and warned about, never compared.
 */
export function pairItems(base: Map<string, ItemValue>, head: Map<string, ItemValue>): ItemPairing {
  const items = { compared: 0, changedContent: 0, onlyInBase: 0, onlyInHead: 0 };
  const pairs: ItemPairing['pairs'] = [];
  let changedCandidates = 0;
  for (const [k, h] of head) {
    const b = base.get(k);
    if (b === undefined) { items.onlyInHead++; continue; }
    if (b.item.hash !== h.item.hash) { items.changedContent++; continue; }
    items.compared++;
    // answer and wrong_answers are not content (the hash): an edit to them leaves the item
    // comparable, but its likelihood metrics were measured on other sentences.
    if (b.likelihood !== undefined && h.likelihood !== undefined && b.candidates !== h.candidates) {
      changedCandidates++;
      pairs.push({ base: withoutLikelihood(b), head: withoutLikelihood(h) });
      continue;
    }
    pairs.push({ base: b, head: h });
  }
  for (const k of base.keys()) if (!head.has(k)) items.onlyInBase++;
  const warnings: string[] = [];
  if (items.changedContent > 0) warnings.push(`${items.changedContent} items changed content between the runs (eval set edited); compared on the ${items.compared} unchanged items`);
  if (changedCandidates > 0) warnings.push(`${changedCandidates} items' likelihood candidates (answer, wrong_answers) changed between the runs: their likelihood metrics are not compared`);
  if (items.onlyInBase + items.onlyInHead > 0) warnings.push(`${items.onlyInBase} items only in the baseline and ${items.onlyInHead} only in the head run are not compared`);
  return { pairs, items, warnings };
}
