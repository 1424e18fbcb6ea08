import { afterEach, describe, expect, it } from 'vitest';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { parseEvalSetText } from '../../server/evalsets/parse-file.js';
import { createRun, DEFAULT_PARAMS } from '../../server/runner/create-run.js';
import { defaultHead, latestCompleted, resolveHead } from '../../server/runs/select.js';
import { resolvePair } from '../../server/compare/compare-runs.js';
import { summarizeRun } from '../../server/runs/summary.js';
import { openStore, type Store } from '../../server/store/open.js';
import type { RunKind, RunStatus } from '../../server/store/types.js';
import { syntheticRun } from '../helpers/synthetic.js';
import { tempDir } from '../helpers/tmp.js';

let dirs: string[] = [];
afterEach(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
  dirs = [];
});

function fresh(): Store {
  const dir = tempDir();
  dirs.push(dir);
  return openStore(join(dir, 'db.sqlite'));
}

/** A run of `checkpoint` (registered by an earlier syntheticRun) that ends with `status`. */
function otherRun(store: Store, checkpoint: string, kind: RunKind, status: RunStatus): number {
  const set = parseEvalSetText(JSON.stringify({ id: 'q0', prompt: 'question 0', keywords: ['yes'] }), 'bio.jsonl', 'bio').set;
  const id = createRun(store, store.checkpoints.get(checkpoint), [set], DEFAULT_PARAMS, 'running', kind);
  store.runs.finish(id, status, summarizeRun(store, id));
  return id;
}

describe('latestCompleted: the one definition of "the latest completed run"', () => {
  it('is the newest completed evaluation: a later categorization or failed run is passed over', () => {
    const store = fresh();
    syntheticRun(store, { checkpoint: 'a', outcomes: [true] });
    const b1 = syntheticRun(store, { checkpoint: 'b', outcomes: [true] });
    const a2 = syntheticRun(store, { checkpoint: 'a', outcomes: [false] });
    otherRun(store, 'a', 'categorize', 'completed');
    otherRun(store, 'a', 'eval', 'failed');
    otherRun(store, 'b', 'categorize', 'completed');
    expect(latestCompleted(store, store.checkpoints.get('a'))?.id).toBe(a2);
    expect(latestCompleted(store, store.checkpoints.get('b'))?.id).toBe(b1);
    expect(latestCompleted(store, 'any checkpoint')?.id).toBe(a2);
    expect(resolveHead(store, {}).id).toBe(a2);
    expect(resolveHead(store, { checkpoint: 'b' }).id).toBe(b1);
    // Every checkpoint's, oldest first (the order the trend chart breaks its ties in).
    expect(latestCompleted(store, 'each checkpoint').map((r) => r.id)).toEqual([b1, a2]);
    store.close();
  });

  it('is nothing for a checkpoint with only a categorization, and none at all in an empty store', () => {
    const store = fresh();
    expect(latestCompleted(store, 'any checkpoint')).toBeUndefined();
    expect(latestCompleted(store, 'each checkpoint')).toEqual([]);
    syntheticRun(store, { checkpoint: 'b', outcomes: [true] });
    syntheticRun(store, { checkpoint: 'base', outcomes: [true] });
    const base = store.checkpoints.get('base');
    // Only a categorization of c: c has no completed evaluation.
    store.checkpoints.add({ name: 'c', baseUrl: 'http://127.0.0.1:9/v1', model: 'c', step: null });
    otherRun(store, 'c', 'categorize', 'completed');
    expect(latestCompleted(store, store.checkpoints.get('c'))).toBeUndefined();
    expect(latestCompleted(store, 'each checkpoint').map((r) => r.checkpoint)).toEqual(['b', 'base']);
    expect(latestCompleted(store, base)?.checkpointId).toBe(base.id);
    store.close();
  });
});

describe('defaultHead: the one default head of gate, /api/gate and /compare', () => {
  it('is the latest completed run of the highest-step checkpoint, not the newest run by time; checkpoints without a step come last', () => {
    const store = fresh();
    const noStep = syntheticRun(store, { checkpoint: 'adhoc', outcomes: [true] });
    syntheticRun(store, { checkpoint: 's100', step: 100, outcomes: [true] });
    const s300 = syntheticRun(store, { checkpoint: 's300', step: 300, outcomes: [true] });
    const s300b = syntheticRun(store, { checkpoint: 's300', outcomes: [false] });
    // Re-running an older step afterwards, and a checkpoint without a step, do not move the head.
    syntheticRun(store, { checkpoint: 's100', outcomes: [false] });
    syntheticRun(store, { checkpoint: 'adhoc', outcomes: [false] });
    otherRun(store, 's300', 'eval', 'failed');
    expect(latestCompleted(store, 'any checkpoint')?.checkpoint).toBe('adhoc'); // the old rule's head
    expect(defaultHead(store)?.id).toBe(s300b);
    expect(resolveHead(store, {}).id).toBe(s300b);
    expect(s300b).toBeGreaterThan(s300);
    // Without stepped checkpoints: the newest run, as before.
    const only = fresh();
    syntheticRun(only, { checkpoint: 'x', outcomes: [true] });
    const y = syntheticRun(only, { checkpoint: 'y', outcomes: [true] });
    expect(defaultHead(only)?.id).toBe(y);
    expect(noStep).toBeGreaterThan(0);
    store.close();
    only.close();
  });

  it("compare's default pair: the default head against its reference; when that head has none, the next checkpoint down by step instead of nothing", () => {
    const store = fresh();
    const a = syntheticRun(store, { checkpoint: 'a', step: 100, outcomes: [true] });
    const b = syntheticRun(store, { checkpoint: 'b', step: 200, outcomes: [true] });
    const c = syntheticRun(store, { checkpoint: 'c', step: 300, outcomes: [true] });
    // No baseline, base or run= tag: no reference anywhere, yet three runs exist.
    let pair = resolvePair(store, {});
    expect([pair.head.id, pair.base.id, pair.reference.kind]).toEqual([c, b, 'previous']);
    // A flagged baseline: the default reference.
    store.checkpoints.update('a', { baseline: true });
    pair = resolvePair(store, {});
    expect([pair.head.id, pair.base.id, pair.reference.kind]).toEqual([c, a, 'baseline']);
    // The newest step is the baseline itself: the next one down against it.
    store.checkpoints.update('c', { baseline: true });
    pair = resolvePair(store, {});
    expect([pair.head.id, pair.base.id, pair.reference.kind]).toEqual([b, c, 'baseline']);
    store.close();
  });
});
