import { describe, expect, it } from 'vitest';
import { cli } from '../helpers/cli.js';
import { testApp } from '../helpers/server.js';
import { outcomesWith, syntheticRun } from '../helpers/synthetic.js';
import { seededRandom } from '../../server/stats/random.js';

/** A CLI flag, as `--metrics` or `--allow-mismatch`: an API caller must never be told to pass one. */
const FLAG = /(^|[\s(])--[a-z]/;

async function runs() {
  const t = await testApp();
  const outcomes = outcomesWith(40, 30, seededRandom(3));
  const base = syntheticRun(t.store, { checkpoint: 'base', step: 1, outcomes });
  const head = syntheticRun(t.store, { checkpoint: 'head', step: 2, outcomes });
  const warm = syntheticRun(t.store, { checkpoint: 'warm', step: 3, outcomes, params: { temperature: 0.7 } });
  return { ...t, base, head, warm };
}

describe('option errors name the option as each edge spells it', () => {
  it('the API names the HTTP field (querystring.metrics, querystring.allowMismatch=true, …), never a --flag', async () => {
    const { app, base, head, warm } = await runs();
    const cases: Array<[string, number, string]> = [
      [`/api/gate?run=${head}&baseline=${base}&metrics=vibes`, 400, 'querystring.metrics'],
      // A first build (no reference) checks its options all the same.
      [`/api/gate?run=${base}&metrics=bio_accuracy,vibes`, 400, 'querystring.metrics'],
      [`/api/gate?run=${head}&baseline=${base}&tolerance=bio_accuracy=x`, 400, 'querystring.tolerance'],
      [`/api/gate?run=${warm}&baseline=${base}`, 409, 'querystring.allowMismatch=true'],
      [`/api/plan?run=${head}&detect=2`, 400, 'querystring.detect'],
      [`/api/plan?run=${head}&power=1`, 400, 'querystring.power'],
    ];
    for (const [url, status, field] of cases) {
      const r = await app.inject({ method: 'GET', url });
      expect(r.statusCode, url).toBe(status);
      expect(r.json().error, url).toContain(field);
      expect(r.json().error, url).not.toMatch(FLAG);
    }
  });

  it('the CLI names the flag (--metrics, --tolerance, --allow-mismatch, --detect)', async () => {
    const { dir, dbPath, base, head, warm } = await runs();
    const cases: Array<[string[], string]> = [
      [['gate', '--run', String(head), '--baseline', String(base), '--metrics', 'vibes'], '--metrics: unknown metric "vibes"'],
      [['gate', '--run', String(base), '--metrics', 'vibes'], '--metrics: unknown metric "vibes"'],
      [['gate', '--run', String(head), '--baseline', String(base), '--tolerance', 'bio_accuracy=x'], '--tolerance must be METRIC=ABS'],
      [['gate', '--run', String(warm), '--baseline', String(base)], 'pass --allow-mismatch to gate anyway'],
      [['plan', '--run', String(head), '--detect', '2'], '--detect must be'],
    ];
    for (const [argv, text] of cases) {
      const r = await cli([...argv, '--db', dbPath], { cwd: dir });
      expect(r.code, argv.join(' ')).toBe(2);
      expect(r.stderr, argv.join(' ')).toContain(text);
      expect(r.stderr, argv.join(' ')).not.toContain('querystring');
      expect(r.stderr, argv.join(' ')).not.toContain('API');
    }
  });

  it('alpha has one bound for the CLI and the API (gate and advise): above 0, at most 0.5', async () => {
    const { app, dir, dbPath, base, head } = await runs();
    for (const [alpha, ok] of [['0.0000001', true], ['0.5', true], ['0', false], ['0.6', false]] as const) {
      const api = await app.inject({ method: 'GET', url: `/api/gate?run=${head}&baseline=${base}&alpha=${alpha}` });
      expect(api.statusCode, alpha).toBe(ok ? 200 : 400);
      const r = await cli(['gate', '--db', dbPath, '--run', String(head), '--baseline', String(base), '--alpha', alpha], { cwd: dir });
      expect(r.code, `${alpha}: ${r.stderr}`).toBe(ok ? 0 : 2);
      if (!ok) expect(r.stderr).toContain('--alpha must be a number > 0 and ≤ 0.5');
      const advice = await cli(['advise', '--db', dbPath, '--tag', 'run=x', '--alpha', alpha], { cwd: dir });
      // Past the bound check, advise finds no checkpoint tagged run=x.
      expect(advice.stderr, alpha).toContain(ok ? 'no checkpoint is tagged run=x' : '--alpha must be');
    }
  });
});
