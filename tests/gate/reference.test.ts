import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { XMLParser } from 'fast-xml-parser';
import { describe, expect, it } from 'vitest';
import { openStore } from '../../server/store/open.js';
import { cli } from '../helpers/cli.js';
import { echo, endpoint } from '../helpers/endpoint.js';
import { keywordItems } from '../helpers/run.js';
import { testApp } from '../helpers/server.js';
import { syntheticRun } from '../helpers/synthetic.js';
import { jsonl, tempDir, writeFiles } from '../helpers/tmp.js';

/** 40 items of which the first `lost` fail: each step below loses 4 more than the one before. */
const losing = (lost: number) => Array.from({ length: 40 }, (_, i) => i >= lost);

/** A training run tagged run=ft: steps 0 (nothing lost), 100, 200, 300 (4, 8, 12 items lost). */
function ratchet() {
  const dir = tempDir();
  const db = join(dir, 'gate.db');
  const store = openStore(db);
  const runs = [0, 1, 2, 3].map((k) => syntheticRun(store, { checkpoint: `ft-${k * 100}`, step: k * 100, outcomes: losing(4 * k), register: { tags: { run: 'ft' } } }));
  store.close();
  return { dir, db, runs };
}

const parseXml = (path: string) => new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '' }).parse(readFileSync(path, 'utf8'));

describe('the default reference is fixed, never the previous step', () => {
  it('three steps that each lose 4 of 40 items pass against previous one by one and fail against the default', async () => {
    const { dir, db, runs } = ratchet();
    const g = (...args: string[]) => cli(['gate', '--db', db, '--metrics', 'bio_accuracy', ...args], { cwd: dir });
    for (const k of [1, 2, 3]) {
      // 4 more of 40 items lost: p = 2^-4 = 0.0625, not beyond noise at alpha 0.05.
      const step = await g('--run', String(runs[k]), '--baseline', 'previous', '--json');
      expect(step.code, step.stderr).toBe(0);
      expect(step.json()).toMatchObject({ verdict: 'pass', baseline: { runId: runs[k - 1] }, reference: { kind: 'previous' } });
    }
    // The default reference is the first checkpoint of run=ft: 12 of 40 lost, p = 2^-12.
    const total = await g('--run', String(runs[3]), '--json');
    expect(total.code, total.stderr).toBe(1);
    expect(total.json()).toMatchObject({ verdict: 'regression', baseline: { runId: runs[0], checkpoint: 'ft-0' }, reference: { kind: 'run-tag', why: "the first checkpoint of the head's run=ft" } });
    const text = await g('--run', String(runs[3]), '--junit', 'g.xml', '--markdown', 'g.md');
    expect(text.stdout.split('\n')[1]).toBe(`reference: run ${runs[0]} (ft-0, step 0): the first checkpoint of the head's run=ft`);
    expect(readFileSync(join(dir, 'g.md'), 'utf8')).toContain(`Reference: \` run ${runs[0]} (ft-0): the first checkpoint of the head's run=ft \``);
    const props = [parseXml(join(dir, 'g.xml')).testsuites.testsuite.properties.property].flat();
    expect(props).toContainEqual({ name: 'reference', value: `run ${runs[0]} (ft-0, step 0): the first checkpoint of the head's run=ft` });
  });

  it('prefers the flagged baseline, then the head\'s base checkpoint, then the first of its run= tag; one definition for gate, /api/gate and /api/compare', async () => {
    const { app, store, dir, dbPath } = await testApp();
    const other = syntheticRun(store, { checkpoint: 'other', step: 5, outcomes: losing(0) });
    const pre = syntheticRun(store, { checkpoint: 'pre', step: null, outcomes: losing(0) });
    const first = syntheticRun(store, { checkpoint: 'ft-0', step: 0, outcomes: losing(0), register: { tags: { run: 'ft' }, base: 'pre' } });
    syntheticRun(store, { checkpoint: 'ft-100', step: 100, outcomes: losing(4), register: { tags: { run: 'ft' }, base: 'pre' } });
    const head = syntheticRun(store, { checkpoint: 'ft-200', step: 200, outcomes: losing(8), register: { tags: { run: 'ft' }, base: 'pre' } });
    const ref = async () => {
      const g = (await app.inject({ method: 'GET', url: `/api/gate?run=${head}&metrics=bio_accuracy` })).json();
      const c = (await app.inject({ method: 'GET', url: `/api/compare?head=${head}` })).json();
      const bare = (await app.inject({ method: 'GET', url: '/api/compare' })).json();
      const line = await cli(['gate', '--db', dbPath, '--run', String(head), '--metrics', 'bio_accuracy', '--json'], { cwd: dir });
      // The CLI, the gate's API and compare (with a head, and with no parameters) agree.
      expect(c.base.runId).toBe(g.baseline.runId);
      expect(c.reference).toEqual(g.reference);
      expect(line.json().baseline).toEqual(g.baseline);
      expect(line.json().reference).toEqual(g.reference);
      // Without parameters: the latest completed run (the head) against the same default.
      expect([bare.head.runId, bare.base.runId, bare.reference]).toEqual([head, g.baseline.runId, g.reference]);
      return { runId: g.baseline.runId as number, kind: g.reference.kind as string, why: g.reference.why as string };
    };
    // No flag: the head's base checkpoint (the model before fine-tuning), not ft-0 nor ft-100.
    expect(await ref()).toEqual({ runId: pre, kind: 'base', why: "the head's base checkpoint" });
    // A flagged baseline wins…
    await app.inject({ method: 'PATCH', url: '/api/checkpoints/other', payload: { baseline: true } });
    expect(await ref()).toMatchObject({ runId: other, kind: 'baseline' });
    // …unless it is the head's own checkpoint.
    await app.inject({ method: 'PATCH', url: '/api/checkpoints/other', payload: { baseline: false } });
    await app.inject({ method: 'PATCH', url: '/api/checkpoints/ft-200', payload: { baseline: true } });
    expect(await ref()).toMatchObject({ runId: pre, kind: 'base' });
    // A base without a completed run falls through to the first checkpoint of the run= tag.
    store.db.prepare("UPDATE runs SET status = 'failed' WHERE id = ?").run(pre);
    expect(await ref()).toEqual({ runId: first, kind: 'run-tag', why: "the first checkpoint of the head's run=ft" });
    // previous stays available on request.
    expect((await app.inject({ method: 'GET', url: `/api/gate?run=${head}&baseline=previous&metrics=bio_accuracy` })).json())
      .toMatchObject({ baseline: { checkpoint: 'ft-100' }, reference: { kind: 'previous' } });
  });
});

describe('the first build: no reference yet', () => {
  function lonely() {
    const dir = tempDir();
    const db = join(dir, 'gate.db');
    const store = openStore(db);
    const head = syntheticRun(store, { checkpoint: 'sft-1', step: 1, outcomes: losing(3) });
    store.close();
    return { dir, db, head };
  }

  it('gate exits 0 with verdict no-baseline, says so first, and still writes every report', async () => {
    const { dir, db, head } = lonely();
    const r = await cli(['gate', '--db', db, '--junit', 'g.xml', '--markdown', 'g.md'], { cwd: dir });
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stdout.split('\n');
    expect(lines[0]).toBe(`gate: ⏭️ no baseline: run ${head} (sft-1, step 1) was not gated (a first build passes)`);
    expect(lines[1]).toContain('tunegate checkpoint baseline NAME');
    expect(lines[1]).toContain('--require-baseline');
    const md = readFileSync(join(dir, 'g.md'), 'utf8');
    expect(md.split('\n')[0]).toBe('## tunegate gate: ⏭️ no baseline');
    expect(md).toContain('tunegate checkpoint baseline NAME');
    const xml = parseXml(join(dir, 'g.xml'));
    expect(xml.testsuites).toMatchObject({ tests: '1', failures: '0', skipped: '1' });
    const only = xml.testsuites.testsuite.testcase;
    expect(only.name).toBe('baseline');
    expect(only.skipped.message).toMatch(/^no baseline: run \d+ \(sft-1, step 1\) was not gated \(a first build passes\)\..*tunegate checkpoint baseline NAME/);
    const json = await cli(['gate', '--db', db, '--json'], { cwd: dir });
    expect(json.code).toBe(0);
    expect(json.json()).toMatchObject({ verdict: 'no-baseline', baseline: null, reference: { kind: 'none' }, metrics: [], head: { runId: head } });
    // --require-baseline: a pipeline that must never pass ungated fails, naming why.
    const strict = await cli(['gate', '--db', db, '--require-baseline'], { cwd: dir });
    expect(strict.code).toBe(2);
    expect(strict.stderr).toContain('tunegate checkpoint baseline NAME');
  });

  it('a first build whose run has errored items is still untrusted: exit 3, unless --max-errors allows them', async () => {
    const dir = tempDir();
    const db = join(dir, 'gate.db');
    const store = openStore(db);
    syntheticRun(store, { checkpoint: 'sft-1', step: 1, outcomes: losing(0), errored: [0, 1] });
    store.close();
    const r = await cli(['gate', '--db', db, '--json', '--junit', 'g.xml'], { cwd: dir });
    expect(r.code).toBe(3);
    expect(parseXml(join(dir, 'g.xml')).testsuites).toMatchObject({ tests: '2', errors: '1', skipped: '1' });
    expect(r.json()).toMatchObject({ verdict: 'no-baseline', headErrors: 2 });
    expect(r.json().warnings.join('\n')).toContain('2 errored items');
    expect((await cli(['gate', '--db', db, '--max-errors', '2'], { cwd: dir })).code).toBe(0);
  });

  it('GET /api/gate answers no-baseline, and 404 with requireBaseline=true', async () => {
    const { app, store } = await testApp();
    const head = syntheticRun(store, { checkpoint: 'sft-1', step: 1, outcomes: losing(3) });
    const r = await app.inject({ method: 'GET', url: `/api/gate?run=${head}` });
    expect(r.statusCode).toBe(200);
    expect(r.json()).toMatchObject({ verdict: 'no-baseline', baseline: null, reference: { kind: 'none' } });
    const strict = await app.inject({ method: 'GET', url: `/api/gate?run=${head}&requireBaseline=true` });
    expect(strict.statusCode).toBe(404);
    expect(strict.json().error).toContain('tunegate checkpoint baseline NAME');
    const compare = await app.inject({ method: 'GET', url: '/api/compare' });
    expect(compare.statusCode).toBe(404);
    expect(compare.json().error).toContain('no reference to gate against');
  });

  it('run --gate on a fresh database exits 0 with every report written; --require-baseline exits 2', async () => {
    const cwd = tempDir();
    writeFiles(cwd, { 'evalsets/bio.jsonl': jsonl(...keywordItems(10)) });
    const good = await endpoint(echo);
    try {
      const run = (name: string, ...extra: string[]) =>
        cli(['run', '--base-url', good.url, '--model', 'm', '--checkpoint', name, '--step', '1', '--gate', ...extra], { cwd });
      const first = await run('a', '--junit', 'j.xml', '--markdown', 'm.md');
      expect(first.code, first.stderr).toBe(0);
      const gateLine = first.stdout.split('\n').findIndex((l) => l.startsWith('gate: '));
      expect(first.stdout.split('\n')[gateLine]).toContain('no baseline');
      expect(readFileSync(join(cwd, 'j.xml'), 'utf8')).toContain('<skipped message="no baseline');
      expect(readFileSync(join(cwd, 'm.md'), 'utf8')).toMatch(/^## tunegate gate: ⏭️ no baseline/);
      const strict = await run('b', '--require-baseline');
      expect(strict.code).toBe(2);
      expect(strict.stderr).toContain('a reference is required');
      expect((await cli(['run', '--base-url', good.url, '--model', 'm', '--checkpoint', 'c', '--require-baseline'], { cwd })).stderr).toContain('--require-baseline is a gate option');
    } finally {
      await good.close();
    }
  });
});
