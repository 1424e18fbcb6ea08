import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { openStore } from '../../server/store/open.js';
import { tempDir } from '../helpers/tmp.js';
import { freshStore, evalSet } from '../helpers/run.js';
import { createRun, DEFAULT_PARAMS } from '../../server/runner/create-run.js';
import { readdirSync, readFileSync } from 'node:fs';
import { currentSummary } from '../../server/runs/summary.js';
import { wilsonInterval } from '../../server/stats/interval.js';
import { syntheticRun } from '../helpers/synthetic.js';

const MIGRATIONS_DIR = join(process.cwd(), 'server/store/migrations');
const MIGRATIONS = readdirSync(MIGRATIONS_DIR).filter((f) => f.endsWith('.sql')).sort();

describe('store', () => {
  it('creates the folder and schema, uses WAL, and keeps data across reopen', () => {
    const path = join(tempDir(), 'nested', 'dir', 'x.db');
    const s1 = openStore(path);
    expect(s1.db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(s1.db.pragma('user_version', { simple: true })).toBe(MIGRATIONS.length);
    s1.checkpoints.add({ name: 'c', baseUrl: 'http://127.0.0.1:1/v1', model: 'm', step: 5, tags: { mix: 'v1' } });
    s1.close();
    const s2 = openStore(path);
    expect(s2.checkpoints.get('c')).toMatchObject({ name: 'c', step: 5, api: 'chat', tags: { mix: 'v1' }, apiKeyEnv: null });
    s2.close();
  });

  it('upgrades a database written at schema 1 without losing its rows', () => {
    const path = join(tempDir(), 'old.db');
    const old = new Database(path);
    old.exec(readFileSync(join(MIGRATIONS_DIR, MIGRATIONS[0]!), 'utf8'));
    old.pragma('user_version = 1');
    old.prepare("INSERT INTO checkpoints (name, base_url, model, tags, created_at) VALUES ('old', 'http://h/v1', 'm', '{}', '2026-01-01')").run();
    old.close();
    const s = openStore(path);
    expect(s.db.pragma('user_version', { simple: true })).toBe(MIGRATIONS.length);
    expect(s.checkpoints.get('old')).toMatchObject({ name: 'old', judge: null });
    expect(s.judge.judgments(1)).toEqual([]);
    s.close();
  });

  it('numbers results per run in the order stored, never reusing a number; an upgrade numbers those already stored', () => {
    const path = join(tempDir(), 'v3.db');
    const old = new Database(path);
    for (const f of MIGRATIONS.slice(0, 3)) old.exec(readFileSync(join(MIGRATIONS_DIR, f), 'utf8'));
    old.pragma('user_version = 3');
    old.prepare("INSERT INTO checkpoints (name, base_url, model, tags, created_at) VALUES ('c', 'http://h/v1', 'm', '{}', '2026-01-01')").run();
    const addRun = old.prepare("INSERT INTO runs (checkpoint_id, status, params, provenance, created_at) VALUES (1, 'interrupted', '{}', '{}', '2026-01-01')");
    const addResult = old.prepare("INSERT INTO results (run_id, set_name, item_id, sample, prompt, error, attempts, created_at) VALUES (?, 'bio', ?, 0, 'q', ?, 1, '2026-01-01')");
    addRun.run();
    addRun.run();
    for (const [run, item, error] of [[1, 'a', null], [2, 'x', null], [1, 'b', 'HTTP 500'], [1, 'c', null]] as const) addResult.run(run, item, error);
    old.close();

    const s = openStore(path);
    try {
      expect([...s.results.since(1, 0)].map((r) => `${r.seq}:${r.itemId}`)).toEqual(['1:a', '2:b', '3:c']);
      expect([...s.results.since(2, 0)].map((r) => `${r.seq}:${r.itemId}`)).toEqual(['1:x']);
      expect(s.results.lastSeq(1)).toBe(3);
      // b errored and is dropped for a retry: its number is not given again.
      expect(s.results.deleteErrored(1)).toBe(1);
      const r = { runId: 1, set: 'bio', itemId: 'b', sample: 0, prompt: 'q', answer: 'k', reasoning: null, scores: null, score: 1, hallucinated: false, passed: true, error: null, attempts: 1, latencyMs: 1, promptTokens: 1, completionTokens: 1, finishReason: 'stop' };
      expect(s.results.insert(r)).toBe(true);
      expect(s.results.insert(r)).toBe(false); // a duplicate takes no number
      expect(s.results.insert({ ...r, itemId: 'd' })).toBe(true);
      expect([...s.results.since(1, 2)].map((x) => `${x.seq}:${x.itemId}`)).toEqual(['3:c', '4:b', '5:d']);
      expect(s.results.lastSeq(1)).toBe(5);
    } finally {
      s.close();
    }
  });

  it('refuses a duplicate checkpoint name and names what is missing', () => {
    const { store: s } = freshStore('x.db');
    s.checkpoints.add({ name: 'c', baseUrl: 'http://h/v1', model: 'm' });
    expect(() => s.checkpoints.add({ name: 'c', baseUrl: 'http://h/v1', model: 'm' })).toThrow('checkpoint "c" already exists');
    expect(() => s.checkpoints.get('nope')).toThrow('no checkpoint named "nope" (known: c)');
    s.close();
  });

  it('stores a result once per item and sample, whatever is written twice', () => {
    const { store: s } = freshStore('x.db');
    const c = s.checkpoints.add({ name: 'c', baseUrl: 'http://h/v1', model: 'm' });
    const runId = createRun(s, c, [evalSet('bio', { id: 'a', prompt: 'q', keywords: ['k'] })], DEFAULT_PARAMS);
    const r = {
      runId, set: 'bio', itemId: 'a', sample: 0, prompt: 'q', answer: 'k', reasoning: null, scores: {}, score: 1,
      hallucinated: false, passed: true, error: null, attempts: 1, latencyMs: 1, promptTokens: 1, completionTokens: 1, finishReason: 'stop',
    };
    expect(s.results.insert(r)).toBe(true);
    expect(s.results.insert({ ...r, answer: 'second' })).toBe(false);
    expect(s.results.list(runId).map((x) => x.answer)).toEqual(['k']);
    expect(s.runs.items(runId)[0]).toMatchObject({ id: 'a', set: 'bio', kind: 'keyword', keywords: ['k'] });
    expect(s.runs.get(runId).provenance.evalsets[0]).toMatchObject({ name: 'bio', items: 1, hash: expect.stringMatching(/^[0-9a-f]{64}$/) });
    s.close();
  });

  it('explains a file that is not a database, and one from a newer tunegate', () => {
    const dir = tempDir();
    const junk = join(dir, 'junk.db');
    writeFileSync(junk, 'this is not sqlite, just text that is long enough to look like a header............');
    expect(() => openStore(junk)).toThrow(/junk\.db/);
    const newer = join(dir, 'newer.db');
    const db = new Database(newer);
    db.pragma('user_version = 99');
    db.close();
    expect(() => openStore(newer)).toThrow(/schema is version 99, newer than this tunegate knows/);
  });
});

describe('summaries stored before intervals existed', () => {
  it('are summarized again once, with n and intervals, and stored', () => {
    const { store } = freshStore('old.db');
    const id = syntheticRun(store, { checkpoint: 'c', outcomes: [true, false, true, true] });
    const { stats: _stats, ...legacy } = store.runs.get(id).summary!;
    store.db.prepare('UPDATE runs SET summary = ? WHERE id = ?').run(JSON.stringify({ ...legacy, sets: { bio: { ...legacy.sets.bio, stats: undefined } } }), id);
    expect(store.runs.get(id).summary!.stats).toBeUndefined();
    const s = currentSummary(store, store.runs.get(id));
    expect(s.stats.bio_accuracy).toEqual({ n: 4, ci: wilsonInterval(3, 4), method: 'wilson' });
    expect(store.runs.get(id).summary!.stats.bio_accuracy).toEqual(s.stats.bio_accuracy);
    store.close();
  });
});
