import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadEvalSets } from '../../server/evalsets/load.js';
import { cli } from '../helpers/cli.js';
import { testApp } from '../helpers/server.js';
import { answeredRun, rightAnswer } from '../helpers/synthetic.js';

const SHIPPED = loadEvalSets(['bio.jsonl', 'refusal.jsonl', 'known.jsonl', 'blog.jsonl'], join(import.meta.dirname, '../../evalsets'));

async function pair() {
  const t = await testApp();
  answeredRun(t.store, { checkpoint: 'base', step: 1 }, SHIPPED, rightAnswer);
  const head = answeredRun(t.store, { checkpoint: 'head', step: 2, register: { base: 'base' } }, SHIPPED, rightAnswer);
  return { ...t, head };
}

describe('tunegate plan', () => {
  it('prints per metric what the set detects now and the items it would take, and the same as JSON and GET /api/plan', async () => {
    const { app, dir, dbPath, head } = await pair();
    const text = await cli(['plan', '--db', dbPath, '--run', String(head)], { cwd: dir });
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toMatch(/paired with run 1 of base \(the head's base checkpoint\)/);
    expect(text.stdout).toMatch(/^bio_accuracy\s+14\s+0\.\d{3}\s+\d+ \(\+\d+\)/m);
    expect(text.stdout).toMatch(/^blog_quality\s+6\s+no drop\s/m);
    expect(text.stdout).toMatch(/tunegate evalset generate --facts FACTS/);
    const json = await cli(['plan', '--db', dbPath, '--run', String(head), '--json', '--detect', '0.2', '--power', '0.9'], { cwd: dir });
    expect(json.code, json.stderr).toBe(0);
    const p = json.json();
    expect(p).toMatchObject({ runId: head, detect: 0.2, power: 0.9, noise: { kind: 'paired' } });
    const api = await app.inject({ method: 'GET', url: `/api/plan?run=${head}&detect=0.2&power=0.9` });
    expect(api.statusCode).toBe(200);
    // Seeded: the API and the CLI give the same plan.
    expect(api.json()).toEqual(p);
  });

  it('bad --detect, --power or --run: exit 2 naming the flag', async () => {
    const { dir, dbPath, head } = await pair();
    for (const [args, flagName] of [[['--detect', '0'], '--detect'], [['--detect', '1.5'], '--detect'], [['--power', '1'], '--power'], [['--power', '0'], '--power'], [['--power', 'x'], '--power']] as const) {
      const r = await cli(['plan', '--db', dbPath, '--run', String(head), ...args], { cwd: dir });
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr).toContain(flagName);
    }
    expect((await cli(['plan', '--db', dbPath, '--detect', '1'], { cwd: dir })).stderr).toMatch(/--run/);
    expect((await cli(['plan', '--db', dbPath, '--run', '99'], { cwd: dir })).code).toBe(2);
  });
});
