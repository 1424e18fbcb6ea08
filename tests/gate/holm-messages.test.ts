import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadEvalSets } from '../../server/evalsets/load.js';
import { cli } from '../helpers/cli.js';
import { testApp } from '../helpers/server.js';
import { answeredRun, rightAnswer } from '../helpers/synthetic.js';

/** The shipped sets: 14 bio items, 6 refusal (forbidden lists: hallucination_rate is tested), 21 known, 6 posts. */
const SHIPPED = loadEvalSets(['bio.jsonl', 'refusal.jsonl', 'known.jsonl', 'blog.jsonl'], join(import.meta.dirname, '../../evalsets'));

describe("the gate's sensitivity lines agree with its verdicts under Holm's step-down", () => {
  /**
   * The situation of issue 20: four metrics tested (m = 4), bio_accuracy fails first (every bio
   * item lost: p = 2^-14), and every one of the 6 posts got worse, so blog_quality's p is 2^-6 =
   * 0.0156: above alpha/m = 0.0125, the level a lone regression meets, but below alpha/3 = 0.0167,
   * the level Holm's second step tests it at. It is a regression, and no rendering may say it cannot fail.
   */
  async function regressedTwice() {
    const t = await testApp();
    const base = answeredRun(t.store, { checkpoint: 'base', step: 1 }, SHIPPED, rightAnswer);
    const head = answeredRun(t.store, { checkpoint: 'head', step: 2 }, SHIPPED, (item) =>
      item.set === 'bio' ? 'I am not sure.' : item.kind === 'blog' ? 'A short post.' : rightAnswer(item));
    return { ...t, base, head };
  }

  it('a metric failing at a later Holm step is never said to be unable to fail: JSON, text, Markdown, JUnit and the API', async () => {
    const { app, dir, dbPath, base, head } = await regressedTwice();
    const r = await cli(['gate', '--db', dbPath, '--run', String(head), '--baseline', String(base), '--json', '--junit', 'g.xml', '--markdown', 'g.md'], { cwd: dir });
    expect(r.code, r.stderr).toBe(1);
    const report = r.json();
    const by = Object.fromEntries(report.metrics.map((m: { metric: string }) => [m.metric, m]));
    expect(report.metrics.filter((m: { level: number | null }) => m.level !== null)).toHaveLength(4);
    expect(by.bio_accuracy).toMatchObject({ verdict: 'regression', level: 0.0125 });
    expect(by.blog_quality).toMatchObject({ verdict: 'regression', n: 6, p: 1 / 64 });
    expect(by.blog_quality.level).toBeCloseTo(0.05 / 3, 12);
    expect(by.blog_quality.p).toBeGreaterThan(0.05 / 4);
    // On its own (alpha/4) six posts can show no drop; at the levels Holm reaches, they can.
    expect(by.blog_quality.minDetectableDrop).toBeNull();
    expect(by.blog_quality.minDetectableDropAtAlpha).toBe(0.02);
    expect(report.warnings.filter((w: string) => w.startsWith('blog_quality'))).toEqual([]);
    const text = (await cli(['gate', '--db', dbPath, '--run', String(head), '--baseline', String(base)], { cwd: dir })).stdout;
    const api = (await app.inject({ method: 'GET', url: `/api/gate?run=${head}&baseline=${base}` })).json();
    expect(api.metrics.find((m: { metric: string }) => m.metric === 'blog_quality').verdict).toBe('regression');
    const renderings = { json: r.stdout, text, markdown: readFileSync(join(dir, 'g.md'), 'utf8'), junit: readFileSync(join(dir, 'g.xml'), 'utf8'), api: JSON.stringify(api) };
    for (const [name, out] of Object.entries(renderings)) {
      expect(out, name).toMatch(/blog_quality/);
      expect(out, name).not.toMatch(/cannot fail|no drop can be detected/);
      // One sensitivity line per tested metric, each with the plan command; no blind-spot warning.
      expect(out.match(/the smallest drop it can show/g)?.length ?? 0, name).toBe(4);
      expect(out, name).toContain(`tunegate plan --run ${head}`);
    }
    expect(report.sensitivity.map((x: { metric: string }) => x.metric)).toEqual(['bio_accuracy', 'hallucination_rate', 'blog_quality', 'known_accuracy']);
    expect(report.warnings).toEqual([]);
    expect(text.match(/^sensitivity: /gm)).toHaveLength(4);
    expect(text).toMatch(/^sensitivity: blog_quality \(n=6\): the smallest drop it can show is none \(too few items\) at level 0\.013, 0\.020 at level 0\.050 once the other metrics failed .*; power and items needed: tunegate plan --run \d+$/m);
    expect(text).toMatch(/^\s+blog_quality: worse by .*p = 0\.016 < 0\.017: beyond noise$/m);
  });

  it('a metric that passed shows the drop it can show alone and once the others failed; a lone metric shows one level', async () => {
    const { store, dir, dbPath, base } = await regressedTwice();
    // The posts unchanged, bio lost: blog_quality passes, and six posts cannot show a drop alone.
    const bioOnly = answeredRun(store, { checkpoint: 'bio-lost', step: 3 }, SHIPPED, (item) => (item.set === 'bio' ? 'I am not sure.' : rightAnswer(item)));
    const r = (await cli(['gate', '--db', dbPath, '--run', String(bioOnly), '--baseline', String(base), '--json'], { cwd: dir })).json();
    expect(r.warnings).toEqual([]);
    const blog = r.sensitivity.find((x: { metric: string }) => x.metric === 'blog_quality');
    // Unchanged posts score 0/1 here: at alpha, 5 of the 6 must fail (2^-5 < 0.05).
    expect(blog).toMatchObject({ n: 6, level: 0.0125, minDetectableDrop: null, alpha: 0.05 });
    expect(blog.minDetectableDropAtAlpha).toBeCloseTo(5 / 6, 12);
    expect(blog.text).toMatch(/^blog_quality \(n=6\): the smallest drop it can show is none \(too few items\) at level 0\.013, 0\.833 at level 0\.050 once the other metrics failed/);
    expect(r.planCommand).toBe(`tunegate plan --run ${bioOnly}`);
    // Four posts: 2^-4 = 0.0625 is above alpha itself, so this gate truly cannot fail on them.
    const four = loadEvalSets(['blog.jsonl'], join(import.meta.dirname, '../../evalsets')).map((s) => ({ ...s, items: s.items.slice(0, 4) }));
    const b4 = answeredRun(store, { checkpoint: 'b4', step: 4 }, four, rightAnswer);
    const h4 = answeredRun(store, { checkpoint: 'h4', step: 5 }, four, () => 'A short post.');
    const small = (await cli(['gate', '--db', dbPath, '--run', String(h4), '--baseline', String(b4), '--json'], { cwd: dir })).json();
    expect(small.metrics.find((m: { metric: string }) => m.metric === 'blog_quality')).toMatchObject({ verdict: 'pass', minDetectableDropAtAlpha: null });
    // Alone in the gate (m = 1): one level, alpha, and no drop of four posts reaches it.
    expect(small.sensitivity).toEqual([expect.objectContaining({ metric: 'blog_quality', level: 0.05, minDetectableDropAtAlpha: null })]);
    expect(small.sensitivity[0].text).toMatch(/^blog_quality \(n=4\): the smallest drop it can show is none \(too few items\) at level 0\.050 \(even/);
  });
});
