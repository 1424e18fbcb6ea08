import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import { XMLParser } from 'fast-xml-parser';
import { micromark } from 'micromark';
import { gfm, gfmHtml } from 'micromark-extension-gfm';
import { describe, expect, it } from 'vitest';
import { parseEvalSetText } from '../../server/evalsets/parse-file.js';
import { gate } from '../../server/gate/gate-head.js';
import { createRun, DEFAULT_PARAMS } from '../../server/runner/create-run.js';
import { summarizeRun } from '../../server/runs/summary.js';
import { gateMarkdown } from '../../server/gate/reports.js';
import { resolveBaseline } from '../../server/runs/reference.js';
import { resolveHead } from '../../server/runs/select.js';
import { seededRandom } from '../../server/stats/random.js';
import { openStore } from '../../server/store/open.js';
import { cli } from '../helpers/cli.js';
import { outcomesWith, perturb, syntheticRun } from '../helpers/synthetic.js';
import { testApp } from '../helpers/server.js';
import { tempDir } from '../helpers/tmp.js';
import { freshStore } from '../helpers/run.js';


describe('gate statistics on synthetic runs', () => {
  it('passes pure noise (5% flips each way, no change in the true rate) in ≥95% of 200 trials at N=100', () => {
    const { store } = freshStore('gate.db');
    const random = seededRandom(2024);
    let passed = 0;
    for (let t = 0; t < 200; t++) {
      const base = outcomesWith(100, 70, random);
      const b = syntheticRun(store, { checkpoint: `base-${t}`, outcomes: base });
      const h = syntheticRun(store, { checkpoint: `head-${t}`, outcomes: perturb(base, random, { noise: 0.05 }) });
      if (gate(store, h, b, { metrics: ['bio_accuracy'] }).verdict === 'pass') passed++;
    }
    expect(passed).toBeGreaterThanOrEqual(190);
    store.close();
  });

  it('catches a true 10-point drop (20 items, plus the same noise) in ≥95% of 200 trials at N=200', () => {
    const { store } = freshStore('gate.db');
    const random = seededRandom(7);
    let caught = 0;
    for (let t = 0; t < 200; t++) {
      const base = outcomesWith(200, 140, random);
      const b = syntheticRun(store, { checkpoint: `base-${t}`, outcomes: base });
      const h = syntheticRun(store, { checkpoint: `head-${t}`, outcomes: perturb(base, random, { drop: 20, noise: 0.05 }) });
      if (gate(store, h, b, { metrics: ['bio_accuracy'] }).verdict === 'regression') caught++;
    }
    expect(caught).toBeGreaterThanOrEqual(190);
    store.close();
  });

  it('passes a drop within tolerance, and reports base, head, delta, interval, p and n', () => {
    const { store } = freshStore('gate.db');
    const base = outcomesWith(200, 140, seededRandom(1));
    const b = syntheticRun(store, { checkpoint: 'b', outcomes: base });
    const h = syntheticRun(store, { checkpoint: 'h', outcomes: perturb(base, seededRandom(2), { drop: 3 }) }); // 1.5 points
    const r = gate(store, h, b, { metrics: ['bio_accuracy'] });
    expect(r.verdict).toBe('pass');
    const m = r.metrics[0]!;
    expect(m).toMatchObject({ metric: 'bio_accuracy', n: 200, base: 0.7, head: 0.685, test: 'sign-flip-exact', verdict: 'pass' });
    expect(m.delta).toBeCloseTo(-0.015, 12);
    expect(m.p).toBeCloseTo(1 / 8, 12); // 3 worse, 0 better: P(X ≥ 3 | n = 3) = 1/8
    expect(m.interval![0]).toBeLessThan(m.delta!);
    expect(m.interval![1]).toBeGreaterThan(0); // not significant: the interval of the same test includes no change
    // The same drop with a tighter tolerance and no significance test is a regression.
    expect(gate(store, h, b, { metrics: ['bio_accuracy'], tolerance: { bio_accuracy: 0.01 }, noSignificance: true }).verdict).toBe('regression');
    // …and with the test it is not: 3 flips are not significant.
    expect(gate(store, h, b, { metrics: ['bio_accuracy'], tolerance: { bio_accuracy: 0.01 } }).verdict).toBe('pass');
    store.close();
  });

  it('compares only items with the same content, warning with the size of the intersection', () => {
    const { store } = freshStore('gate.db');
    const all = Array(50).fill(true);
    const b = syntheticRun(store, { checkpoint: 'b', outcomes: all });
    const h = syntheticRun(store, { checkpoint: 'h', outcomes: all, prompt: (i) => (i < 10 ? `edited question ${i}` : `question ${i}`) });
    const r = gate(store, h, b, { metrics: ['bio_accuracy'] });
    expect(r.items).toMatchObject({ compared: 40, changedContent: 10 });
    expect(r.warnings[0]).toContain('10 items changed content between the runs (eval set edited); compared on the 40 unchanged items');
    store.close();
  });
});

describe('tunegate gate: exit codes, reports and baselines', () => {
  function history() {
    const { store, dir, db } = freshStore('gate.db');
    const random = seededRandom(11);
    const base = outcomesWith(200, 150, random);
    const runs = {
      s1000: syntheticRun(store, { checkpoint: 'sft-1000', step: 1000, outcomes: base }),
      s2000: syntheticRun(store, { checkpoint: 'sft-2000', step: 2000, outcomes: base }),
      s3000: syntheticRun(store, { checkpoint: 'sft-3000', step: 3000, outcomes: perturb(base, random, { drop: 30 }) }),
      errored: syntheticRun(store, { checkpoint: 'sft-4000', step: 4000, outcomes: base, errored: [1, 2] }),
      other: syntheticRun(store, { checkpoint: 'other-set', step: 500, outcomes: base, set: 'known' }),
    };
    store.close();
    return { dir, db, runs };
  }

  it('exits 0 without regression, 1 with one, 2 for bad usage or nothing comparable, 3 for errored items', async () => {
    const { dir, db, runs } = history();
    const g = (...args: string[]) => cli(['gate', '--db', db, ...args], { cwd: dir });
    const ok = await g('--run', String(runs.s2000), '--baseline', String(runs.s1000));
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout).toContain('gate: ✅ pass');
    const bad = await g('--run', String(runs.s3000), '--baseline', 'sft-2000', '--json');
    expect(bad.code).toBe(1);
    const report = bad.json();
    expect(report.verdict).toBe('regression');
    const bio = report.metrics.find((m: { metric: string }) => m.metric === 'bio_accuracy');
    expect(bio).toMatchObject({ verdict: 'regression', n: 200, test: 'sign-flip-exact' });
    expect(bio.delta).toBeCloseTo(-0.15, 12);
    expect(report.metrics.find((m: { metric: string }) => m.metric === 'blog_quality')).toMatchObject({ verdict: 'skipped' });
    expect((await g('--run', '999')).code).toBe(2);
    const none = await g('--run', String(runs.s2000), '--baseline', String(runs.other));
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('no item in common');
    expect((await g('--run', String(runs.s2000), '--tolerance', 'bio_accuracy')).code).toBe(2);
    expect((await g('--run', String(runs.s2000), '--metrics', 'vibes')).stderr).toContain('unknown metric "vibes"');
    const errors = await g('--run', String(runs.errored), '--baseline', 'sft-2000');
    expect(errors.code).toBe(3);
    expect(errors.stdout).toContain('2 errored items');
    expect((await g('--run', String(runs.errored), '--baseline', 'sft-2000', '--max-errors', '2')).code).toBe(0);
  });

  it('writes JUnit that a real XML parser reads, with the regression as a failure', async () => {
    const { dir, db, runs } = history();
    const r = await cli(['gate', '--db', db, '--run', String(runs.s3000), '--baseline', 'previous', '--junit', 'gate.xml', '--markdown', 'gate.md'], { cwd: dir });
    expect(r.code).toBe(1);
    const xml = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '' }).parse(readFileSync(join(dir, 'gate.xml'), 'utf8'));
    const suite = xml.testsuites.testsuite;
    expect(xml.testsuites).toMatchObject({ tests: '4', failures: '1' });
    const cases = [suite.testcase].flat();
    expect(cases.map((c: { name: string }) => c.name)).toEqual(['bio_accuracy', 'hallucination_rate', 'blog_quality', 'known_accuracy']);
    const failed = cases.find((c: { name: string }) => c.name === 'bio_accuracy');
    expect(failed.failure.type).toBe('regression');
    expect(failed.failure.message).toMatch(/delta -0\.150, interval \[-0\.\d+, -0\.\d+\] \(9\d\.\d%\), p <0\.001 at level 0\.0\d+, n 200/);
    expect(cases.find((c: { name: string }) => c.name === 'blog_quality').skipped).toBeDefined();
    const md = readFileSync(join(dir, 'gate.md'), 'utf8');
    expect(md).toContain('## tunegate gate: ❌ regression');
    expect(md).toMatch(/\| bio_accuracy \| 0\.750 \| 0\.600 \| -0\.150 \| \[-0\.\d+, -0\.\d+\] \(9\d\.\d%\) \| <0\.001 \| 0\.0\d+ \| 200 \| \*\*regression\*\* \|/);
    expect(md).toContain('### bio_accuracy: items that got worse most');
  });

  it('Markdown cannot be broken or injected by model output', () => {
    const { store } = freshStore('gate.db');
    const b = syntheticRun(store, { checkpoint: 'b', outcomes: Array(30).fill(true) });
    const h = syntheticRun(store, { checkpoint: 'h', outcomes: Array(30).fill(false) });
    store.db.prepare("UPDATE results SET answer = '<script>alert(1)</script> | col `code`' WHERE run_id = ?").run(h);
    const md = gateMarkdown(gate(store, h, b, { metrics: ['bio_accuracy'] }));
    // The answer is a code span (its fence longer than the backticks in it, the pipe escaped for
    // the table): rendered, it is text, never a script (tests/gate/inert-reports.test.ts renders more).
    expect(md).toContain('| `` <script>alert(1)</script> \\| col `code` `` |');
    const html = micromark(md, { allowDangerousHtml: true, extensions: [gfm()], htmlExtensions: [gfmHtml()] });
    expect(html).not.toContain('<script>');
    expect(html).toContain('<td><code>&lt;script&gt;alert(1)&lt;/script&gt; | col `code`</code></td>');
    store.close();
  });

  it('resolves the baseline as a run id, a checkpoint, previous, or the flagged baseline', async () => {
    const { dir, db, runs } = history();
    const store = openStore(db);
    const head = store.runs.get(runs.s3000);
    expect(resolveBaseline(store, head, String(runs.s1000)).id).toBe(runs.s1000);
    expect(resolveBaseline(store, head, 'sft-1000').id).toBe(runs.s1000);
    expect(resolveBaseline(store, head, 'previous').id).toBe(runs.s2000);
    // Nothing flagged, no base, no run= tag: no default reference (never the previous step).
    expect(() => resolveBaseline(store, head)).toThrow('no reference to gate against');
    expect(() => resolveBaseline(store, head, 'baseline')).toThrow('no checkpoint is flagged');
    expect(() => resolveBaseline(store, store.runs.get(runs.other), 'previous')).toThrow('no checkpoint with a step below 500');
    expect(resolveHead(store, { checkpoint: 'sft-2000' }).id).toBe(runs.s2000);
    store.close();
    expect((await cli(['checkpoint', 'baseline', 'sft-1000', '--db', db], { cwd: dir })).code).toBe(0);
    const s2 = openStore(db);
    expect(resolveBaseline(s2, s2.runs.get(runs.s3000), 'baseline').id).toBe(runs.s1000);
    expect(resolveBaseline(s2, s2.runs.get(runs.s3000)).id).toBe(runs.s1000); // default: the flagged one
    expect(() => resolveBaseline(s2, s2.runs.get(runs.s1000))).toThrow('no other checkpoint is flagged'); // never itself
    s2.close();
  });

  it('GET /api/gate returns the same verdict as the CLI', async () => {
    const { app, store } = await testApp();
    const base = outcomesWith(100, 80, seededRandom(3));
    const b = syntheticRun(store, { checkpoint: 'b', step: 1, outcomes: base });
    const h = syntheticRun(store, { checkpoint: 'h', step: 2, outcomes: perturb(base, seededRandom(4), { drop: 20 }) });
    const r = await app.inject({ method: 'GET', url: `/api/gate?run=${h}&baseline=${b}&metrics=bio_accuracy&tolerance=bio_accuracy=0.05` });
    expect(r.statusCode).toBe(200);
    expect(r.json()).toMatchObject({ verdict: 'regression', head: { runId: h }, baseline: { runId: b }, metrics: [{ metric: 'bio_accuracy', tolerance: 0.05, verdict: 'regression' }] });
    expect((await app.inject({ method: 'GET', url: `/api/gate?run=${h}&baseline=previous&metrics=bio_accuracy` })).json().baseline.runId).toBe(b);
    expect((await app.inject({ method: 'GET', url: '/api/gate?run=999' })).statusCode).toBe(404);
  });

  it('refuses a malformed tolerance with a 400 and exit 2 naming it, instead of a NaN that passes any drop', async () => {
    const { app, store, dir, dbPath } = await testApp();
    const base = outcomesWith(100, 80, seededRandom(3));
    const b = syntheticRun(store, { checkpoint: 'b', step: 1, outcomes: base });
    const h = syntheticRun(store, { checkpoint: 'h', step: 2, outcomes: perturb(base, seededRandom(4), { drop: 40 }) });
    for (const bad of ['bio_accuracy=1.2.3', 'bio_accuracy=NaN', 'bio_accuracy=-0.1', 'bio_accuracy=', '=0.1', 'bio_accuracy', 'vibes=0.1', 'bio_accuracy=0x10', 'bio_accuracy=Infinity']) {
      const r = await app.inject({ method: 'GET', url: `/api/gate?run=${h}&baseline=${b}&tolerance=${encodeURIComponent(bad)}` });
      expect(r.statusCode, bad).toBe(400);
      expect(r.json().error, bad).toMatch(/querystring\.tolerance/);
    }
    const twice = await app.inject({ method: 'GET', url: `/api/gate?run=${h}&baseline=${b}&tolerance=bio_accuracy=0.1&tolerance=bio_accuracy=0.2` });
    expect(twice.statusCode).toBe(400);
    expect((await app.inject({ method: 'GET', url: `/api/gate?run=${h}&baseline=${b}&tolerance=default=.05&tolerance=bio_accuracy=1e-2` })).json()).toMatchObject({ verdict: 'regression' });
    const db = dbPath;
    for (const bad of ['bio_accuracy=1.2.3', 'bio_accuracy=NaN', 'bio_accuracy=-1']) {
      const r = await cli(['gate', '--db', db, '--run', String(h), '--baseline', String(b), '--tolerance', bad], { cwd: dir });
      expect(r.code, bad).toBe(2);
      expect(r.stderr).toContain(`--tolerance must be METRIC=ABS with ABS a number ≥ 0`);
    }
  });
});

describe('provenance is enforced', () => {
  it('refuses to gate runs measured differently (409, exit 2) unless --allow-mismatch, which lists the differences', async () => {
    const { app, store, dir, dbPath } = await testApp();
    const base = outcomesWith(100, 80, seededRandom(5));
    const b = syntheticRun(store, { checkpoint: 'b', step: 1, outcomes: base });
    const h = syntheticRun(store, { checkpoint: 'h', step: 2, outcomes: base, params: { temperature: 0.7, maxTokens: { keyword: 64, blog: 1024 } } });
    expect(() => gate(store, h, b)).toThrow(/measured differently.*temperature/);
    const refused = await app.inject({ method: 'GET', url: `/api/gate?run=${h}&baseline=${b}` });
    expect(refused.statusCode).toBe(409);
    expect(refused.json()).toMatchObject({ code: 'PROVENANCE_MISMATCH' });
    expect(refused.json().details.join(' ')).toMatch(/temperature/);
    expect(refused.json().details.join(' ')).toMatch(/max tokens|maxTokens/i);
    const allowed = await app.inject({ method: 'GET', url: `/api/gate?run=${h}&baseline=${b}&allowMismatch=true` });
    expect(allowed.statusCode).toBe(200);
    expect(allowed.json().mismatches.map((m: { field: string }) => m.field).sort()).toEqual(['maxTokens.keyword', 'temperature']);
    // The API names its field; the CLI (below) its flag.
    expect(allowed.json().warnings.join('\n')).toContain('measured differently (querystring.allowMismatch)');
    const cliRefused = await cli(['gate', '--db', dbPath, '--run', String(h), '--baseline', String(b)], { cwd: dir });
    expect(cliRefused.code).toBe(2);
    expect(cliRefused.stderr).toContain('--allow-mismatch');
    const cliAllowed = await cli(['gate', '--db', dbPath, '--run', String(h), '--baseline', String(b), '--allow-mismatch'], { cwd: dir });
    expect(cliAllowed.code, cliAllowed.stderr).toBe(0);
    expect(cliAllowed.stdout).toContain('warning: measured differently (--allow-mismatch)');
    // One difference: the message says what to do and the difference is printed below it.
    const warm = syntheticRun(store, { checkpoint: 'h3', step: 4, outcomes: base, params: { temperature: 0.3 } });
    const one = await cli(['gate', '--db', dbPath, '--run', String(warm), '--baseline', String(b)], { cwd: dir });
    expect(one.code).toBe(2);
    expect(one.stderr).toContain('--allow-mismatch');
    expect(one.stderr).toMatch(/temperature.*0\.3/);
    // Runs measured alike are gated as before.
    const same = syntheticRun(store, { checkpoint: 'h2', step: 3, outcomes: base });
    expect(gate(store, same, b).mismatches).toEqual([]);
  });
});

describe('tunegate run --gate', () => {
  it('runs and gates in one command (default reference: the first checkpoint of the run= tag)', async () => {
    const { echo, endpoint } = await import('../helpers/endpoint.js');
    const { keywordItems } = await import('../helpers/run.js');
    const { jsonl, writeFiles } = await import('../helpers/tmp.js');
    const cwd = tempDir();
    writeFiles(cwd, { 'evalsets/bio.jsonl': jsonl(...keywordItems(60)) });
    const good = await endpoint(echo);
    const worse = await endpoint((req) => (Number(req.userText.replace(/\D/g, '')) % 2 === 0 ? { content: 'no idea' } : echo(req)));
    const run = (url: string, name: string, step: string, ...extra: string[]) =>
      cli(['run', '--base-url', url, '--model', 'm', '--checkpoint', name, '--step', step, '--tag', 'run=ft', ...extra], { cwd });
    expect((await run(good.url, 'a', '1')).code).toBe(0);
    const regressed = await run(worse.url, 'b', '2', '--gate', '--junit', 'junit.xml');
    expect(regressed.code).toBe(1);
    expect(regressed.stdout).toContain('gate: ❌ regression: run 2 (b, step 2) vs baseline run 1 (a, step 1)');
    expect(readFileSync(join(cwd, 'junit.xml'), 'utf8')).toContain('<failure type="regression"');
    const fine = await run(good.url, 'c', '3', '--gate', '--baseline', 'a', '--json');
    expect(fine.code).toBe(0);
    expect(fine.json()).toMatchObject({ run: { runId: 3, status: 'completed' }, gate: { verdict: 'pass', baseline: { checkpoint: 'a' } } });
    const misuse = await run(good.url, 'd', '4', '--tolerance', 'bio_accuracy=0.1');
    expect(misuse.code).toBe(2);
    expect(misuse.stderr).toContain('--tolerance is a gate option: add --gate');
  });
});

describe('gate on a geometric metric', () => {
  it('compares blog_perplexity on the log scale, as the run summaries and the dashboard average it', () => {
    const { store } = freshStore('gate.db');
    const lines = Array.from({ length: 6 }, (_, i) => JSON.stringify({ id: `p${i}`, title: `post ${i}`, reference: `reference ${i}` })).join('\n');
    const set = parseEvalSetText(lines, 'blog.jsonl', 'blog').set;
    const runWith = (name: string, perplexities: number[]) => {
      const c = store.checkpoints.add({ name, baseUrl: 'http://127.0.0.1:9/v1', model: name });
      const runId = createRun(store, c, [set], DEFAULT_PARAMS);
      perplexities.forEach((ppl, i) => store.results.insert({
        runId, set: 'blog', itemId: `p${i}`, sample: 0, prompt: `post ${i}`, answer: 'a post', reasoning: null,
        scores: { blog_quality: { value: 0.5, explanation: '' }, perplexity: { value: ppl, explanation: '' } }, score: 0.5,
        hallucinated: null, passed: null, error: null, attempts: 1, latencyMs: 1, promptTokens: 1, completionTokens: 1, finishReason: 'stop',
      }));
      store.runs.finish(runId, 'completed', summarizeRun(store, runId));
      return runId;
    };
    const base = runWith('base', [4, 4, 4, 4, 4, 4]);
    // Five posts got much better, one much worse: the arithmetic mean rises (4 → 4.58), the geometric mean falls (4 → 2.31).
    const head = runWith('head', [1.5, 1.5, 1.5, 1.5, 1.5, 20]);
    const r = gate(store, head, base, { metrics: ['blog_perplexity'], noSignificance: true });
    const m = r.metrics[0]!;
    expect(m.base).toBeCloseTo(4, 10);
    expect(m.head).toBeCloseTo(store.runs.get(head).summary!.metrics.blog_perplexity!, 10);
    expect(m.head).toBeCloseTo(2.31, 2);
    expect(m.verdict).toBe('improved');
    expect(r.verdict).toBe('pass');
    // The interval is a change of the geometric mean, and it holds the change.
    expect(m.interval![0]).toBeLessThanOrEqual(m.delta!);
    expect(m.interval![1]).toBeGreaterThanOrEqual(m.delta!);
  });
});
