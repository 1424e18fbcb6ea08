import { currentSummary } from '../runner/execute-run.js';
import type { Store } from '../store/open.js';
import type { ResultRecord, Run } from '../store/types.js';

export interface Flip {
  set: string;
  id: string;
  prompt: string;
  from: 'pass' | 'fail';
  to: 'pass' | 'fail';
  base: { answer: string | null; score: number | null };
  head: { answer: string | null; score: number | null };
}

export interface Comparison {
  base: { runId: number; checkpoint: string; step: number | null; status: string };
  head: { runId: number; checkpoint: string; step: number | null; status: string };
  metrics: Record<string, { base: number | null; head: number | null; delta: number | null }>;
  items: { compared: number; changedContent: number; onlyInBase: number; onlyInHead: number };
  flips: Flip[];
  warnings: string[];
}

const key = (set: string, id: string) => `${set}\u0000${id}`;

/** An item passes when every one of its answered samples passed; null when it has none. */
function passes(rows: ResultRecord[]): boolean | null {
  const answered = rows.filter((r) => r.error === null && r.passed !== null);
  return answered.length === 0 ? null : answered.every((r) => r.passed === true);
}

function byItem(rows: ResultRecord[]): Map<string, ResultRecord[]> {
  const m = new Map<string, ResultRecord[]>();
  for (const r of rows) m.set(key(r.set, r.itemId), [...(m.get(key(r.set, r.itemId)) ?? []), r]);
  return m;
}

/**
 * Compares two runs: every metric's base, head and delta, and the keyword items that flipped
 * between pass and fail, with both answers. Items are matched by set, id and content hash: an
 * item whose content changed between the runs is counted and warned about, never compared.
 */
export function compareRuns(store: Store, baseId: number, headId: number): Comparison {
  const base = store.runs.get(baseId);
  const head = store.runs.get(headId);
  const bs = currentSummary(store, base);
  const hs = currentSummary(store, head);
  const metrics: Comparison['metrics'] = {};
  for (const m of new Set([...Object.keys(bs.metrics), ...Object.keys(hs.metrics)])) {
    const b = bs.metrics[m] ?? null;
    const h = hs.metrics[m] ?? null;
    metrics[m] = { base: b, head: h, delta: b === null || h === null ? null : h - b };
  }

  const baseItems = new Map(store.runs.items(baseId).map((i) => [key(i.set, i.id), i]));
  const headItems = new Map(store.runs.items(headId).map((i) => [key(i.set, i.id), i]));
  const baseRows = byItem(store.results.list(baseId));
  const headRows = byItem(store.results.list(headId));
  const items = { compared: 0, changedContent: 0, onlyInBase: 0, onlyInHead: 0 };
  const flips: Flip[] = [];
  for (const [k, hi] of headItems) {
    const bi = baseItems.get(k);
    if (bi === undefined) { items.onlyInHead++; continue; }
    if (bi.hash !== hi.hash) { items.changedContent++; continue; }
    items.compared++;
    const bRows = baseRows.get(k) ?? [];
    const hRows = headRows.get(k) ?? [];
    const bp = passes(bRows);
    const hp = passes(hRows);
    if (bp === null || hp === null || bp === hp) continue;
    flips.push({
      set: hi.set, id: hi.id, prompt: hi.prompt, from: bp ? 'pass' : 'fail', to: hp ? 'pass' : 'fail',
      base: { answer: bRows[0]?.answer ?? null, score: bRows[0]?.score ?? null },
      head: { answer: hRows[0]?.answer ?? null, score: hRows[0]?.score ?? null },
    });
  }
  for (const k of baseItems.keys()) if (!headItems.has(k)) items.onlyInBase++;

  const warnings: string[] = [];
  if (items.changedContent > 0) warnings.push(`${items.changedContent} items changed content between the runs and are not compared`);
  if (items.onlyInBase + items.onlyInHead > 0) warnings.push(`${items.onlyInBase} items only in the base run, ${items.onlyInHead} only in the head run`);
  const describe = (r: Run) => ({ runId: r.id, checkpoint: r.checkpoint, step: r.step, status: r.status });
  flips.sort((a, b) => (a.from === b.from ? 0 : a.from === 'pass' ? -1 : 1)); // regressions first
  return { base: describe(base), head: describe(head), metrics, items, flips, warnings };
}
