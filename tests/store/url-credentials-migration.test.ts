import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { openStore } from '../../server/store/open.js';
import { tempDir } from '../helpers/tmp.js';

const MIGRATIONS_DIR = join(process.cwd(), 'server/store/migrations');
const MIGRATIONS = readdirSync(MIGRATIONS_DIR).filter((f) => f.endsWith('.sql')).sort();
/** The schema before URL credentials were stripped (migration 009). */
const BEFORE = MIGRATIONS.filter((f) => Number.parseInt(f, 10) <= 8);

describe('a database that stored URLs with a user name or password', () => {
  it('is cleaned when it is opened: checkpoints, runs (params, provenance, notes, errors) and caches lose the credentials, and nothing else changes', () => {
    const path = join(tempDir(), 'old.db');
    const old = new Database(path);
    for (const f of BEFORE) old.exec(readFileSync(join(MIGRATIONS_DIR, f), 'utf8'));
    old.pragma(`user_version = ${BEFORE.length}`);
    const u = (host: string) => `http://alice:s3cret-pw@${host}/v1`;
    old.prepare("INSERT INTO checkpoints (name, base_url, base_urls, model, tags, judge, created_at) VALUES ('c', ?, ?, 'm@x', '{\"k\":\"v@w\"}', ?, '2026-01-01')")
      .run(u('h1'), JSON.stringify([u('h1'), 'http://bob@h2:8000/v1']), JSON.stringify({ spec: `openai:j@${u('judge')}`, keyEnv: null }));
    old.prepare("INSERT INTO checkpoints (name, base_url, model, tags, created_at) VALUES ('clean', 'http://h3/v1?a=b@c', 'm', '{}', '2026-01-01')").run();
    const params = { temperature: 0, judge: { spec: `openai:j@${u('judge')}`, keyEnv: null }, note: 'mail me at a@b.example' };
    const provenance = { endpoint: { baseUrl: u('h1'), model: 'm' }, serving: [{ baseUrl: 'http://alice:s3cret-pw@h1/v1' }] };
    old.prepare("INSERT INTO runs (checkpoint_id, status, params, provenance, error, notes, created_at) VALUES (1, 'failed', ?, ?, ?, ?, '2026-01-01')")
      .run(JSON.stringify(params), JSON.stringify(provenance), `cannot connect to ${u('h1')}`, JSON.stringify([`judge openai:j@${u('judge')} failed`]));
    old.prepare("INSERT INTO judge_cache (key, judge, rubric, verdict, created_at) VALUES ('k', ?, 'r', '{}', '2026-01-01')").run(`openai:j@${u('judge')}`);
    old.close();

    const s = openStore(path);
    try {
      const c = s.checkpoints.get('c');
      expect(c.baseUrl).toBe('http://h1/v1');
      expect(c.baseUrls).toEqual(['http://h1/v1', 'http://h2:8000/v1']);
      expect(c.judge).toEqual({ spec: 'openai:j@http://judge/v1', keyEnv: null });
      expect(c.model).toBe('m@x');
      expect(c.tags).toEqual({ k: 'v@w' });
      expect(s.checkpoints.get('clean').baseUrl).toBe('http://h3/v1?a=b@c');
      const run = s.runs.get(1);
      expect(run.params).toMatchObject({ judge: { spec: 'openai:j@http://judge/v1' }, note: 'mail me at a@b.example' });
      expect(run.provenance.endpoint.baseUrl).toBe('http://h1/v1');
      expect(run.error).toBe('cannot connect to http://h1/v1');
      expect(run.notes).toEqual(['judge openai:j@http://judge/v1 failed']);
      s.db.pragma('wal_checkpoint(TRUNCATE)');
    } finally {
      s.close();
    }
    const bytes = readFileSync(path);
    expect(bytes.includes('s3cret-pw')).toBe(false);
    expect(bytes.includes('bob@')).toBe(false);
  });
});
