import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { TunegateError } from '../../server/errors.js';
import { executeRun } from '../../server/runner/execute-run.js';
import { REPORTED_MAX_LENGTH, REPORTED_MAX_VALUES } from '../../server/runner/reported-endpoint.js';
import { SCORER_VERSIONS } from '../../server/scoring/types.js';
import type { Store } from '../../server/store/open.js';
import { gitRevisionAt } from '../../server/version.js';
import { cli } from '../helpers/cli.js';
import { echo, endpoint } from '../helpers/endpoint.js';
import { C0_CONTROL } from '../helpers/hostile.js';
import { evalSet, FAST_BACKOFF, keywordItems, setupRun } from '../helpers/run.js';
import { tempDir } from '../helpers/tmp.js';

const gitHead = (() => {
  try {
    return execFileSync('git', ['rev-parse', 'HEAD'], { cwd: process.cwd(), encoding: 'utf8' }).trim();
  } catch {
    return null;
  }
})();

/** Sets one recorded scorer version, as a run stored by an older tunegate would have it. */
const recordScorer = (store: Store, runId: number, name: string, version: string) =>
  store.db.prepare(`UPDATE runs SET provenance = json_set(provenance, '$.scorers.' || ?, ?) WHERE id = ?`).run(name, version, runId);

/** A run killed after some answers: the last result is gone and it is left interrupted. */
function killAfterSome(store: Store, runId: number): void {
  store.db.prepare(`DELETE FROM results WHERE run_id = ? AND item_id = (SELECT MAX(item_id) FROM results WHERE run_id = ?)`).run(runId, runId);
  store.db.prepare(`UPDATE runs SET status = 'interrupted' WHERE id = ?`).run(runId);
}

describe("what the endpoint reports about itself", () => {
  it('records the distinct model and system_fingerprint values, cleaned and capped; show prints them', async () => {
    const e = await endpoint((req) => {
      const n = Number(req.userText.replace('question q', ''));
      if (n === 1) return { ...echo(req), model: 'served-\u001b[31mby-proxy\u0007', systemFingerprint: 'fp_b' };
      if (n === 2) return { ...echo(req), systemFingerprint: 'x'.repeat(5000) };
      if (n >= 10) return { ...echo(req), systemFingerprint: `fp_many_${n}` };
      return echo(req);
    }, { systemFingerprint: 'fp_a' });
    const { store, runId, dbPath } = setupRun(e.url, [evalSet('bio', ...keywordItems(30))], { concurrency: 1 });
    await executeRun({ store, runId, env: {} });
    const reported = store.runs.get(runId).provenance.reported!;
    expect(reported.models).toEqual(['test-model', 'served-\\u001b[31mby-proxy\\u0007']); // kept escaped, visible
    expect(reported.systemFingerprints).toHaveLength(REPORTED_MAX_VALUES);
    expect(reported.systemFingerprints.slice(0, 4)).toEqual(['fp_a', 'fp_b', `${'x'.repeat(REPORTED_MAX_LENGTH)}…`, 'fp_many_10']);

    const shown = await cli(['show', String(runId), '--db', dbPath], { cwd: process.cwd() });
    expect(shown.stdout).toContain('endpoint reported: model test-model, served-\\u001b[31mby-proxy\\u0007; system_fingerprint fp_a, fp_b, xxx');
    expect(shown.stdout).toMatch(/^scorers: keyword v2, forbidden v1, chrf v1, blog v1$/m);
    expect(shown.stdout).not.toMatch(C0_CONTROL);
    expect((await cli(['show', String(runId), '--json', '--db', dbPath], { cwd: process.cwd() })).json().provenance.reported).toEqual(reported);
  });

  it('keeps what a run recorded before when a resume hears something new', async () => {
    let fingerprint = 'fp_old';
    const e = await endpoint((req) => ({ ...echo(req), systemFingerprint: fingerprint }));
    const { store, runId } = setupRun(e.url, [evalSet('bio', ...keywordItems(3))]);
    await executeRun({ store, runId, env: {} });
    killAfterSome(store, runId);
    fingerprint = 'fp_new';
    await executeRun({ store, runId, env: {} });
    expect(store.runs.get(runId).provenance.reported).toEqual({ models: ['test-model'], systemFingerprints: ['fp_old', 'fp_new'] });
  });

  it('records no fingerprint when the endpoint sends none', async () => {
    const e = await endpoint(echo);
    const { store, runId } = setupRun(e.url, [evalSet('bio', ...keywordItems(2))]);
    await executeRun({ store, runId, env: {} });
    expect(store.runs.get(runId).provenance.reported).toEqual({ models: ['test-model'], systemFingerprints: [] });
  });
});

describe("the tool's git revision", () => {
  it.skipIf(gitHead === null)('is recorded in every run: the commit of this checkout', async () => {
    const e = await endpoint(echo);
    const { store, runId } = setupRun(e.url, [evalSet('bio', ...keywordItems(1))]);
    expect(store.runs.get(runId).provenance.revision).toBe(gitHead);
  });

  it('is read from the git files: loose refs, packed refs, a detached HEAD, a worktree; null outside a checkout', () => {
    const sha = (c: string) => c.repeat(40);
    const repo = (files: Record<string, string>) => {
      const root = tempDir();
      for (const [p, text] of Object.entries(files)) {
        mkdirSync(join(root, p, '..'), { recursive: true });
        writeFileSync(join(root, p), text);
      }
      return root;
    };
    expect(gitRevisionAt(repo({ '.git/HEAD': 'ref: refs/heads/main\n', '.git/refs/heads/main': `${sha('a')}\n` }))).toBe(sha('a'));
    expect(gitRevisionAt(repo({ '.git/HEAD': 'ref: refs/heads/main\n', '.git/packed-refs': `# pack-refs with: peeled\n${sha('b')} refs/heads/other\n${sha('c')} refs/heads/main\n` }))).toBe(sha('c'));
    expect(gitRevisionAt(repo({ '.git/HEAD': `${sha('d')}\n` }))).toBe(sha('d'));
    // A worktree: .git is a file naming its git dir, whose commondir holds the shared refs.
    const main = repo({ '.git/refs/heads/feature': `${sha('e')}\n`, '.git/worktrees/wt/HEAD': 'ref: refs/heads/feature\n', '.git/worktrees/wt/commondir': '../..\n' });
    const wt = repo({ '.git': `gitdir: ${join(main, '.git/worktrees/wt')}\n` });
    expect(gitRevisionAt(wt)).toBe(sha('e'));
    expect(gitRevisionAt(repo({ 'package.json': '{}' }))).toBeNull();
    expect(gitRevisionAt(repo({ '.git/HEAD': 'ref: refs/heads/missing\n' }))).toBeNull();
    expect(gitRevisionAt(repo({ '.git/HEAD': 'ref: ../../etc/passwd\n' }))).toBeNull();
  });
});

describe('a resume after an upgrade that changed a scorer', () => {
  it('is refused before anything is sent or deleted; the CLI exits 2 with what to do', async () => {
    const e = await endpoint((req) => (req.userText === 'question q2' ? { status: 400 } : echo(req)));
    const { store, runId, dbPath } = setupRun(e.url, [evalSet('bio', ...keywordItems(4))]);
    await executeRun({ store, runId, env: {}, backoff: FAST_BACKOFF });
    killAfterSome(store, runId);
    recordScorer(store, runId, 'keyword', '0');
    const sent = e.requests.length;
    const before = store.results.list(runId);

    const refused = executeRun({ store, runId, env: {}, retryErrors: true });
    await expect(refused).rejects.toThrow(TunegateError);
    await expect(refused).rejects.toMatchObject({
      code: 'PROVENANCE_MISMATCH',
      message: `run ${runId} was scored with keyword v0; this tunegate scores keyword v2: its results cannot be mixed — start a new run (tunegate run ckpt)`,
    });
    expect(e.requests.length).toBe(sent);
    expect(store.results.list(runId)).toEqual(before); // the errored result was not dropped
    expect(store.runs.get(runId).status).toBe('interrupted');

    const r = await cli(['resume', String(runId), '--db', dbPath], { cwd: process.cwd() });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('was scored with keyword v0; this tunegate scores keyword v2');
    expect(e.requests.length).toBe(sent);
  });

  it('names a scorer the run lacks that now exists', async () => {
    const e = await endpoint(echo);
    const { store, runId } = setupRun(e.url, [evalSet('bio', ...keywordItems(3))]);
    await executeRun({ store, runId, env: {} });
    killAfterSome(store, runId);
    store.db.prepare(`UPDATE runs SET provenance = json_remove(provenance, '$.scorers.chrf') WHERE id = ?`).run(runId);
    await expect(executeRun({ store, runId, env: {} })).rejects.toThrow(/was scored with no chrf scorer; this tunegate scores chrf v1/);
  });

  it('is not refused when nothing is left to send, and a run with no answer yet takes the current versions', async () => {
    const e = await endpoint(echo);
    const done = setupRun(e.url, [evalSet('bio', ...keywordItems(2))]);
    await executeRun({ store: done.store, runId: done.runId, env: {} });
    recordScorer(done.store, done.runId, 'keyword', '0');
    const again = await executeRun({ store: done.store, runId: done.runId, env: {} });
    expect(again.requests).toBe(0);
    expect(done.store.runs.get(done.runId).provenance.scorers.keyword).toBe('0'); // left as it was

    const fresh = setupRun(e.url, [evalSet('bio', ...keywordItems(2))]);
    recordScorer(fresh.store, fresh.runId, 'keyword', '0');
    const r = await executeRun({ store: fresh.store, runId: fresh.runId, env: {} });
    expect(r.status).toBe('completed');
    expect(fresh.store.runs.get(fresh.runId).provenance.scorers).toEqual(SCORER_VERSIONS);
  });
});
