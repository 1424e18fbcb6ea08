import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { testApp, type TestApp } from '../helpers/server.js';
import { syntheticRun } from '../helpers/synthetic.js';

const GROUPS = ['g0', 'g1', 'g2', 'g3', 'g4', 'g5'];
const PER_GROUP = 40;
const METRICS = ['bio_accuracy', 'hallucination_rate'];

/**
 * 241 checkpoints: a flagged baseline `base` (no run= tag, evaluated first, so the oldest group),
 * then six training runs of 40 saves each, interleaved by step; finally g2's step-0 checkpoint is
 * evaluated again, which makes g2 the most recent training run (then g5, whose saves came last).
 */
function seed(t: TestApp): void {
  syntheticRun(t.store, { checkpoint: 'base', step: 0, outcomes: [true, false, true, false, true, false] });
  t.store.checkpoints.update('base', { baseline: true });
  for (let s = 0; s < PER_GROUP; s++) {
    GROUPS.forEach((g, gi) => {
      // Scores vary with step and group, so buckets have distinct extremes.
      const outcomes = Array.from({ length: 6 }, (_, i) => ((s * 7 + gi * 3 + i * 5) % 11) < 6);
      syntheticRun(t.store, { checkpoint: `${g}-${s}`, step: (s + 1) * 100, outcomes, register: { tags: { run: g, mix: gi % 2 === 0 ? 'a' : 'b' } } });
    });
  }
  syntheticRun(t.store, { checkpoint: 'g2-0', outcomes: [true, true, true, true, true, true] });
}

interface TrendJson {
  series: Array<{ metric: string; points: Array<{ checkpoint: string; runId: number; step: number | null; value: number | null; baseline: boolean }> }>;
  window: { group: string; trainingRuns: number; shown: number; checkpoints: number; returned: number; decimated: boolean };
  tags: Record<string, string[]>;
  baseline: string | null;
  checkpointsTotal: number;
}

async function trend(t: TestApp, q: string, headers: Record<string, string> = {}): Promise<TrendJson> {
  const r = await t.app.inject({ method: 'GET', url: `/api/trend?${METRICS.map((m) => `metric=${m}`).join('&')}&${q}`, headers });
  expect(r.statusCode, r.body).toBe(200);
  return r.json() as TrendJson;
}

/** From the store, apart from the trend code: the training runs ordered by their newest completed run, newest first. */
function groupsByRecency(t: TestApp): Array<string | null> {
  const newest = new Map<string | null, number>();
  for (const c of t.store.checkpoints.list()) {
    const g = c.tags.run ?? null;
    const runs = t.store.runs.list({ checkpointId: c.id, status: 'completed' });
    for (const r of runs) newest.set(g, Math.max(newest.get(g) ?? 0, r.id));
  }
  return [...newest].sort((a, b) => b[1] - a[1]).map(([g]) => g);
}

describe('GET /api/trend at a few hundred checkpoints', () => {
  it('window=N returns exactly the checkpoints of the N most recent training runs, plus the baseline', async () => {
    const t = await testApp();
    seed(t);
    const order = groupsByRecency(t);
    expect(order.slice(0, 2)).toEqual(['g2', 'g5']);
    for (const n of [1, 2, 3]) {
      const body = await trend(t, `window=${n}&maxPoints=0`);
      const shown = new Set(order.slice(0, n));
      const expected = t.store.checkpoints.list().filter((c) => shown.has(c.tags.run ?? null) || c.isBaseline).map((c) => c.name).sort();
      for (const s of body.series) expect(s.points.map((p) => p.checkpoint).sort(), `window=${n} ${s.metric}`).toEqual(expected);
      expect(body.window).toEqual({ group: 'run', trainingRuns: GROUPS.length + 1, shown: n, checkpoints: 1 + GROUPS.length * PER_GROUP, returned: expected.length, decimated: false });
    }
    // The re-evaluated checkpoint is charted by its newest run.
    const g2 = (await trend(t, 'window=1&maxPoints=0')).series[0]!.points.find((p) => p.checkpoint === 'g2-0')!;
    expect(g2.runId).toBe(t.store.runs.list({ checkpointId: t.store.checkpoints.get('g2-0').id, status: 'completed' }).map((r) => r.id).sort((a, b) => b - a)[0]);
  });

  it('window=0 returns every checkpoint; the default window is the ten most recent; the page\'s fields come with it', async () => {
    const t = await testApp();
    seed(t);
    const all = await trend(t, 'window=0&maxPoints=0');
    expect(all.series[0]!.points).toHaveLength(t.store.checkpoints.list().length);
    expect(all.checkpointsTotal).toBe(t.store.checkpoints.list().length);
    expect(all.baseline).toBe('base');
    expect(all.tags).toEqual({ mix: ['a', 'b'], run: [...GROUPS] });
    // Seven training runs, fewer than the default window: every point, as before the window existed.
    const byDefault = await trend(t, 'maxPoints=0');
    expect(byDefault.series[0]!.points.map((p) => p.checkpoint)).toEqual(all.series[0]!.points.map((p) => p.checkpoint));
    expect(byDefault.window.shown).toBe(7);
  });

  it("decimation keeps each training run's first and last save, every metric's extremes and the baseline, the same checkpoints in every series", async () => {
    const t = await testApp();
    seed(t);
    const full = await trend(t, 'window=0&maxPoints=0');
    const body = await trend(t, 'window=0&maxPoints=60');
    expect(body.window.decimated).toBe(true);
    expect(body.window.returned).toBeLessThan(full.window.returned);
    const names = body.series[0]!.points.map((p) => p.checkpoint);
    expect(names).toHaveLength(body.window.returned);
    for (const s of body.series) expect(s.points.map((p) => p.checkpoint), s.metric).toEqual(names);
    expect(names).toContain('base');
    for (const g of GROUPS) {
      expect(names, g).toContain(`${g}-0`);
      expect(names, g).toContain(`${g}-${PER_GROUP - 1}`);
    }
    // Each metric's lowest and highest value over all points is still among the returned ones.
    for (const s of full.series) {
      const values = s.points.flatMap((p) => (p.value === null ? [] : [p.value]));
      if (s.metric === 'bio_accuracy') expect(new Set(values).size).toBeGreaterThan(2);
      if (values.length === 0) continue;
      const kept = body.series.find((x) => x.metric === s.metric)!.points.map((p) => p.value);
      expect(kept, s.metric).toContain(Math.min(...values));
      expect(kept, s.metric).toContain(Math.max(...values));
    }
    // Step order is kept.
    const steps = body.series[0]!.points.map((p) => p.step!);
    expect(steps).toEqual([...steps].sort((a, b) => a - b));
  });
});

describe('GET /api/checkpoints pages by cursor', () => {
  it('returns every checkpoint exactly once across pages, in the order of one full list', async () => {
    const t = await testApp();
    seed(t);
    const expected = t.store.checkpoints.list().map((c) => c.name);
    const seen: string[] = [];
    let cursor: number | null = null;
    let pages = 0;
    do {
      const r = await t.app.inject({ method: 'GET', url: `/api/checkpoints?limit=37${cursor === null ? '' : `&cursor=${cursor}`}` });
      expect(r.statusCode, r.body).toBe(200);
      const body = r.json() as { checkpoints: Array<{ name: string }>; nextCursor: number | null };
      seen.push(...body.checkpoints.map((c) => c.name));
      cursor = body.nextCursor;
      pages++;
    } while (cursor !== null && pages < 100);
    expect(pages).toBe(Math.ceil(expected.length / 37));
    expect(seen).toEqual(expected);
    // Without limit: one page holds them all.
    const whole = (await t.app.inject({ method: 'GET', url: '/api/checkpoints' })).json() as { checkpoints: unknown[]; nextCursor: number | null };
    expect(whole.checkpoints).toHaveLength(expected.length);
    expect(whole.nextCursor).toBeNull();
    expect((await t.app.inject({ method: 'GET', url: '/api/checkpoints?cursor=99999' })).statusCode).toBe(400);
  });
});

describe('compressed API JSON', () => {
  it('negotiates brotli, else gzip, and the decoded body is the same bytes', async () => {
    const t = await testApp();
    seed(t);
    const url = `/api/trend?metric=bio_accuracy&window=0&maxPoints=0`;
    const plain = await t.app.inject({ method: 'GET', url });
    expect(plain.headers['content-encoding']).toBeUndefined();
    const br = await t.app.inject({ method: 'GET', url, headers: { 'accept-encoding': 'gzip, deflate, br' } });
    expect(br.headers['content-encoding']).toBe('br');
    expect(br.rawPayload.length).toBeLessThan(plain.rawPayload.length / 4);
    expect(brotliDecompressSync(br.rawPayload).toString('utf8')).toBe(plain.body);
    const gz = await t.app.inject({ method: 'GET', url, headers: { 'accept-encoding': 'gzip' } });
    expect(gz.headers['content-encoding']).toBe('gzip');
    expect(gunzipSync(gz.rawPayload).toString('utf8')).toBe(plain.body);
    // Small answers stay as they are.
    const small = await t.app.inject({ method: 'GET', url: '/api/checkpoints/base', headers: { 'accept-encoding': 'br' } });
    expect(small.headers['content-encoding']).toBeUndefined();
  });

  it('compresses after redaction: a secret stored in a row is still redacted in a brotli answer', async () => {
    const TOKEN = 'tg-token-0123456789abcdef';
    const t = await testApp({ token: TOKEN });
    seed(t);
    // A row an older version stored with the token in it (the API refuses such a tag today).
    t.store.db.prepare("UPDATE checkpoints SET tags = json_set(tags, '$.note', ?) WHERE name = 'g1-3'").run(`leaked ${TOKEN}`);
    const headers = { authorization: `Bearer ${TOKEN}`, 'accept-encoding': 'br' };
    const r = await t.app.inject({ method: 'GET', url: '/api/checkpoints', headers });
    expect(r.headers['content-encoding']).toBe('br');
    const text = brotliDecompressSync(r.rawPayload).toString('utf8');
    expect(text).toContain('leaked [redacted]');
    expect(text).not.toContain(TOKEN);
    const cached = await t.app.inject({ method: 'GET', url: '/api/trend?metric=bio_accuracy&window=0', headers });
    expect(cached.headers['content-encoding']).toBe('br');
    const trendText = brotliDecompressSync(cached.rawPayload).toString('utf8');
    expect(trendText).toContain('leaked [redacted]');
    expect(trendText).not.toContain(TOKEN);
  });
});
