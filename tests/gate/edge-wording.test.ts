import { describe, expect, it } from 'vitest';
import { cli } from '../helpers/cli.js';
import { testApp } from '../helpers/server.js';
import { outcomesWith, syntheticRun } from '../helpers/synthetic.js';
import { seededRandom } from '../../server/stats/random.js';

/** A CLI flag, as `--run` or `--max-errors`: an API caller must never be told to pass one. */
const FLAG = /(^|[\s(])--[a-z]/;

/** A base, a head with two errored items, and a head measured differently (temperature). */
async function runs() {
  const t = await testApp();
  const outcomes = outcomesWith(40, 30, seededRandom(5));
  const base = syntheticRun(t.store, { checkpoint: 'base', step: 1, outcomes });
  const errored = syntheticRun(t.store, { checkpoint: 'head', step: 2, outcomes, errored: [0, 1] });
  const warm = syntheticRun(t.store, { checkpoint: 'warm', step: 3, outcomes, params: { temperature: 0.7 } });
  return { ...t, base, errored, warm };
}

describe("the gate's messages name options as each edge spells them", () => {
  it('the API: no completed run to gate names querystring.run and querystring.checkpoint', async () => {
    const { app } = await testApp();
    const r = await app.inject({ method: 'GET', url: '/api/gate' });
    expect(r.statusCode).toBe(404);
    expect(r.json().error).toBe('no completed run to gate; pass querystring.run=RUN_ID or querystring.checkpoint=NAME');
  });

  it('the CLI: no completed run to gate names --run and --checkpoint, as it always has', async () => {
    const { dir, dbPath } = await testApp();
    const r = await cli(['gate', '--db', dbPath], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('no completed run to gate; pass --run RUN_ID or --checkpoint NAME');
  });

  it("the API's warnings name its fields (querystring.maxErrors, querystring.allowMismatch), never a --flag", async () => {
    const { app, base, errored, warm } = await runs();
    const untrusted = await app.inject({ method: 'GET', url: `/api/gate?run=${errored}&baseline=${base}` });
    expect(untrusted.statusCode).toBe(200);
    expect(untrusted.json().warnings).toContain('the head run has 2 errored items (more than querystring.maxErrors=0): it cannot be trusted');
    const mismatched = await app.inject({ method: 'GET', url: `/api/gate?run=${warm}&baseline=${base}&allowMismatch=true` });
    expect(mismatched.statusCode).toBe(200);
    const warnings: string[] = [...untrusted.json().warnings, ...mismatched.json().warnings];
    expect(warnings.some((w) => w.startsWith('measured differently (querystring.allowMismatch): '))).toBe(true);
    for (const w of warnings) expect(w).not.toMatch(FLAG);
  });

  it("the CLI's warnings name its flags (--max-errors N, --allow-mismatch)", async () => {
    const { dir, dbPath, base, errored, warm } = await runs();
    const untrusted = await cli(['gate', '--db', dbPath, '--run', String(errored), '--baseline', String(base)], { cwd: dir });
    expect(untrusted.code).toBe(3);
    expect(untrusted.stdout).toContain('the head run has 2 errored items (more than --max-errors 0): it cannot be trusted');
    const mismatched = await cli(['gate', '--db', dbPath, '--run', String(warm), '--baseline', String(base), '--allow-mismatch', '--json'], { cwd: dir });
    expect(mismatched.code, mismatched.stderr).toBe(0);
    expect(mismatched.json().warnings.join('\n')).toContain('measured differently (--allow-mismatch): ');
  });

  it('a first build: the CLI says --require-baseline, and no longer the API field', async () => {
    const { dir, dbPath, store } = await testApp();
    syntheticRun(store, { checkpoint: 'first', step: 1, outcomes: outcomesWith(10, 5, seededRandom(1)) });
    const r = await cli(['gate', '--db', dbPath], { cwd: dir });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('pass --require-baseline to fail instead.');
    expect(r.stdout).not.toContain('requireBaseline');
  });

  it('baseline previous on a checkpoint without a step: the API names querystring.baseline, the CLI --baseline', async () => {
    const { app, dir, dbPath, store } = await testApp();
    const head = syntheticRun(store, { checkpoint: 'stepless', outcomes: outcomesWith(10, 5, seededRandom(2)) });
    const api = await app.inject({ method: 'GET', url: `/api/gate?run=${head}&baseline=previous` });
    expect(api.statusCode).toBe(400);
    expect(api.json().error).toBe('the previous step needs a step on checkpoint "stepless": give that checkpoint its step, or pass another querystring.baseline');
    const r = await cli(['gate', '--db', dbPath, '--run', String(head), '--baseline', 'previous'], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('give that checkpoint its step, or pass another --baseline');
  });
});
