import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli } from '../helpers/cli.js';
import { echo, endpoint } from '../helpers/endpoint.js';
import { jsonl, tempDir, writeFiles } from '../helpers/tmp.js';

/** A project folder with eval sets like the shipped ones (small). */
function project(): string {
  const dir = tempDir();
  writeFiles(dir, {
    'evalsets/bio.jsonl': jsonl(
      { id: 'who', prompt: 'Who is Zhiwei Li?', keywords: ['HSBC', 'TEKsystems'], forbidden: ['Yingkou'] },
      { id: 'blog', prompt: "What is Zhiwei Li's blog?", keywords: ['lzwjava.github.io'], forbidden: ['Yingkou'] },
    ),
    'evalsets/known.jsonl': jsonl({ id: 'fr', prompt: 'Capital of France?', keywords: ['Paris'] }),
    'evalsets/blog.jsonl': jsonl({ id: 'p1', title: 'WAL mode', reference: 'Readers do not block writers in WAL mode.' }),
  });
  return dir;
}

const answers = (map: Record<string, string>) => (req: { userText: string }) => ({ content: map[req.userText] ?? 'I do not know.' });

describe('tunegate CLI', () => {
  it('registers and lists checkpoints, and explains bad input with exit 2', async () => {
    const cwd = tempDir();
    const ok = await cli(['checkpoint', 'add', 'sft-1', '--base-url', 'http://127.0.0.1:8000/v1', '--model', 'qwen', '--step', '1000', '--tag', 'mix=bio', '--api-key-env', 'VLLM_KEY'], { cwd });
    expect(ok.code).toBe(0);
    expect(existsSync(join(cwd, 'runs/tunegate.db'))).toBe(true);
    const list = await cli(['checkpoint', 'list', '--json'], { cwd });
    expect(list.json()).toEqual([expect.objectContaining({ name: 'sft-1', baseUrl: 'http://127.0.0.1:8000/v1', model: 'qwen', step: 1000, api: 'chat', tags: { mix: 'bio' }, apiKeyEnv: 'VLLM_KEY' })]);

    const cases: Array<[string[], RegExp]> = [
      [['checkpoint', 'add', 'sft-1', '--base-url', 'http://h/v1', '--model', 'm'], /checkpoint "sft-1" already exists/],
      [['checkpoint', 'add', 'x', '--base-url', 'not a url', '--model', 'm'], /--base-url: "not a url" is not a URL/],
      [['checkpoint', 'add', 'x', '--base-url', 'ftp://h/v1', '--model', 'm'], /must start with http/],
      [['checkpoint', 'add', 'x', '--base-url', 'http://h/v1', '--model', 'm', '--step', '-5'], /--step must be a whole number ≥ 0, got "-5"/],
      [['checkpoint', 'add', 'x', '--base-url', 'http://h/v1', '--model', 'm', '--api', 'rest'], /--api must be "chat" or "completions"/],
      [['checkpoint', 'add', 'x', '--base-url', 'http://h/v1', '--model', 'm', '--api-key-env', 'sk-abc123'], /--api-key-env: "sk-abc123" is not an environment variable name/],
      [['checkpoint', 'add', 'x', '--model', 'm'], /--base-url is required/],
      [['checkpoint', 'add', 'x', '--base-url', 'http://h/v1', '--model', 'm', '--bogus'], /unknown option --bogus for `tunegate checkpoint add`/],
      [['frobnicate'], /unknown command "frobnicate"/],
    ];
    for (const [argv, message] of cases) {
      const r = await cli(argv, { cwd });
      expect(r.code, argv.join(' ')).toBe(2);
      expect(r.stderr).toMatch(message);
    }
    expect((await cli(['checkpoint', 'list', '--json'], { cwd })).json()).toHaveLength(1);
  });

  it('runs a checkpoint and prints the documented JSON; runs and show read it back', async () => {
    const cwd = project();
    const e = await endpoint(answers({
      'Who is Zhiwei Li?': 'An AI Engineer at TEKsystems, contracted to HSBC.',
      "What is Zhiwei Li's blog?": 'He was born in Yingkou.',
      'Capital of France?': 'Paris',
      'WAL mode': 'Readers do not block writers in WAL mode.',
    }));
    await cli(['checkpoint', 'add', 'c1', '--base-url', e.url, '--model', 'm', '--step', '10'], { cwd });
    const r = await cli(['run', 'c1', '--json', '--concurrency', '2'], { cwd });
    expect(r.code, r.stderr).toBe(0);
    const out = r.json();
    expect(out).toMatchObject({
      runId: 1,
      checkpoint: 'c1',
      status: 'completed',
      // Only the two bio items have a forbidden list: the known item is no evidence either way.
      metrics: { bio_accuracy: 0.5, hallucination_rate: 0.5, known_accuracy: 1, refusal_accuracy: null },
      sets: { bio: { items: 2, accuracy: 0.5, hallucination_rate: 0.5 }, known: { accuracy: 1, hallucination_rate: null }, blog: { kind: 'blog' } },
      counts: { items: 4, errors: 0 },
    });
    expect(out.metrics.blog_quality).toBeCloseTo(1, 6);
    expect(out.provenance.evalsets.map((s: { name: string }) => s.name)).toEqual(['bio', 'blog', 'known']);

    const text = await cli(['run', 'c1', '--evalsets', 'evalsets/bio.jsonl', 'known'], { cwd });
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/run 2 · checkpoint c1 \(step 10\) · completed · 3 items, 0 errors/);
    expect(text.stdout).toMatch(/bio_accuracy\s+0\.500/);

    const runs = (await cli(['runs', '--json'], { cwd })).json();
    expect(runs.map((x: { runId: number }) => x.runId)).toEqual([2, 1]);
    const show = (await cli(['show', '1', '--json', '--items'], { cwd })).json();
    expect(show.items).toHaveLength(4);
    expect(show.items[0]).toMatchObject({
      id: 'who', set: 'bio', prompt: 'Who is Zhiwei Li?', answer: 'An AI Engineer at TEKsystems, contracted to HSBC.',
      scores: { keyword: 1, forbidden: 0 }, error: null, passed: true,
    });
    expect(show.items[0].latencyMs).toEqual(expect.any(Number));
    const showText = await cli(['show', '1', '--items'], { cwd });
    expect(showText.stdout).toContain('[bio/blog] score 0.000');
    expect(showText.stdout).toContain('forbidden: contains known hallucination: Yingkou');
    expect((await cli(['show', '99'], { cwd })).code).toBe(2);
  });

  it('exits 2 naming file and line for a bad eval set, before any request or database write', async () => {
    const cwd = project();
    writeFiles(cwd, { 'evalsets/bad.jsonl': `// header\n${JSON.stringify({ id: 'x', prompt: 'q', keywords: [] })}\n` });
    const e = await endpoint(echo);
    const r = await cli(['run', '--base-url', e.url, '--model', 'm', '--checkpoint', 'c'], { cwd });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('evalsets/bad.jsonl:2: "keywords" must be a non-empty array');
    expect(e.requests).toHaveLength(0);
    expect(existsSync(join(cwd, 'runs/tunegate.db'))).toBe(false);
    const v = await cli(['evalset', 'validate'], { cwd });
    expect(v.code).toBe(2);
    expect(v.stderr).toContain('evalsets/bad.jsonl:2:');
  });

  it('exits 3 when items errored, with results stored and printed', async () => {
    const cwd = project();
    const e = await endpoint((req) => (req.userText === 'Capital of France?' ? { status: 400 } : { content: 'HSBC TEKsystems' }));
    const r = await cli(['run', '--base-url', e.url, '--model', 'm', '--checkpoint', 'c', '--json', '--retries', '0'], { cwd });
    expect(r.code).toBe(3);
    expect(r.json()).toMatchObject({ status: 'completed', counts: { items: 4, errors: 1 }, metrics: { bio_accuracy: 0.5 } });
    expect(r.stderr).toContain('1 results errored after retries; see: tunegate show 1 --items');
  });

  it('one-shot run registers the checkpoint, reuses it, and refuses a name bound elsewhere', async () => {
    const cwd = project();
    const e = await endpoint(echo);
    const args = ['run', '--base-url', e.url, '--model', 'm1', '--checkpoint', 'ck', '--step', '5', '--evalsets', 'known'];
    expect((await cli(args, { cwd })).code).toBe(0);
    expect((await cli(args, { cwd })).code).toBe(0);
    expect((await cli(['checkpoint', 'list', '--json'], { cwd })).json()).toEqual([expect.objectContaining({ name: 'ck', step: 5, model: 'm1' })]);
    const clash = await cli(['run', '--base-url', e.url, '--model', 'other', '--checkpoint', 'ck'], { cwd });
    expect(clash.code).toBe(2);
    expect(clash.stderr).toContain('checkpoint "ck" is registered with --model "m1", not "other"');
    expect((await cli(['runs', '--checkpoint', 'ck', '--json'], { cwd })).json()).toHaveLength(2);
  });

  it('uses TUNEGATE_DB unless --db is given, and never writes the API key value', async () => {
    const cwd = project();
    const e = await endpoint(echo);
    const env = { TUNEGATE_DB: join(cwd, 'from-env.db'), MY_KEY: 'sk-very-secret-987' };
    const r = await cli(['run', '--base-url', e.url, '--model', 'm', '--checkpoint', 'c', '--api-key-env', 'MY_KEY', '--evalsets', 'known', '--json'], { cwd, env });
    expect(r.code).toBe(0);
    expect(r.stdout).not.toContain('sk-very-secret-987');
    expect(e.requests[0]!.headers.authorization).toBe('Bearer sk-very-secret-987');
    expect(existsSync(join(cwd, 'from-env.db'))).toBe(true);
    expect(readFileSync(join(cwd, 'from-env.db')).includes('sk-very-secret-987')).toBe(false);
    await cli(['checkpoint', 'add', 'x', '--base-url', e.url, '--model', 'm', '--db', 'other.db'], { cwd, env });
    expect(existsSync(join(cwd, 'other.db'))).toBe(true);
    const missing = await cli(['run', 'c', '--evalsets', 'known'], { cwd, env: { TUNEGATE_DB: env.TUNEGATE_DB } });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('MY_KEY (named by --api-key-env) is not set');
  });

  it('rejects bad run parameters with the option named', async () => {
    const cwd = project();
    for (const [flag, value, message] of [
      ['--concurrency', '0', '--concurrency must be a whole number from 1 to 1024, got "0"'],
      ['--temperature', 'hot', '--temperature must be a number from 0 to 2, got "hot"'],
      ['--samples', '1.5', '--samples must be a whole number'],
      ['--timeout', '-1', '--timeout must be a number'],
    ] as const) {
      const r = await cli(['run', 'c', flag, value], { cwd });
      expect(r.code).toBe(2);
      expect(r.stderr).toContain(message);
    }
    expect((await cli(['run'], { cwd })).stderr).toContain('run needs a CHECKPOINT name');
    expect((await cli(['run', 'ghost', '--evalsets', 'known'], { cwd })).stderr).toContain('no checkpoint named "ghost"');
  });

  it('validates eval sets and prints counts', async () => {
    const cwd = project();
    const r = await cli(['evalset', 'validate', '--json'], { cwd });
    expect(r.code).toBe(0);
    expect(r.json()).toEqual([
      expect.objectContaining({ name: 'bio', items: 2, keyword: 2, blog: 0 }),
      expect.objectContaining({ name: 'blog', items: 1, keyword: 0, blog: 1 }),
      expect.objectContaining({ name: 'known', items: 1 }),
    ]);
  });

  it('runs the scripted demo in its own database and tells the story in the numbers', async () => {
    const cwd = tempDir();
    const r = await cli(['demo', '--json'], { cwd });
    expect(r.code, r.stderr).toBe(0);
    const out = r.json();
    expect(out.scripted).toBe(true);
    expect(out.db).toBe(join('runs', 'demo.db'));
    const by = Object.fromEntries(out.checkpoints.map((c: { name: string }) => [c.name, c]));
    expect(out.checkpoints.map((c: { name: string; step: number }) => `${c.name}@${c.step}`)).toEqual([
      'base@0', 'blog-only-1000@1000', 'blog-only-2000@2000', 'blog-only-3000@3000', 'bio-v2-1000@1000', 'bio-v2-2000@2000', 'bio-v2-3000@3000',
    ]);
    const m = (name: string, metric: string): number => by[name].metrics[metric];
    // The bio mix learns the facts step by step and stops inventing them; blog-only never does.
    expect(m('bio-v2-1000', 'bio_accuracy')).toBeLessThan(m('bio-v2-2000', 'bio_accuracy'));
    expect(m('bio-v2-2000', 'bio_accuracy')).toBeLessThan(m('bio-v2-3000', 'bio_accuracy'));
    expect(m('bio-v2-3000', 'bio_accuracy')).toBeGreaterThan(m('blog-only-3000', 'bio_accuracy') + 0.5);
    expect(m('bio-v2-3000', 'hallucination_rate')).toBeLessThan(m('base', 'hallucination_rate'));
    // Forgetting grows with steps on the blog-only mix.
    expect(m('blog-only-1000', 'known_accuracy')).toBeGreaterThan(m('blog-only-2000', 'known_accuracy'));
    expect(m('blog-only-2000', 'known_accuracy')).toBeGreaterThan(m('blog-only-3000', 'known_accuracy'));
    expect(m('blog-only-3000', 'known_accuracy')).toBeLessThan(m('bio-v2-3000', 'known_accuracy'));
    // Knowledge read from likelihoods falls with every blog-only step (its known facts wear down
    // before their answers flip); the bio mix comes to prefer the true bio facts.
    expect(m('base', 'knowledge_margin')).toBeGreaterThan(m('blog-only-1000', 'knowledge_margin'));
    expect(m('blog-only-1000', 'knowledge_margin')).toBeGreaterThan(m('blog-only-2000', 'knowledge_margin'));
    expect(m('blog-only-2000', 'knowledge_margin')).toBeGreaterThan(m('blog-only-3000', 'knowledge_margin'));
    expect(m('base', 'knowledge_rank')).toBeGreaterThan(m('blog-only-3000', 'knowledge_rank'));
    expect(m('bio-v2-3000', 'knowledge_margin')).toBeGreaterThan(m('blog-only-3000', 'knowledge_margin'));
    // Posts: both mixes beat the base; the bio mix costs a little blog quality at every step.
    for (const step of [1000, 2000, 3000]) {
      expect(m(`blog-only-${step}`, 'blog_quality')).toBeGreaterThan(m(`bio-v2-${step}`, 'blog_quality'));
      expect(m(`bio-v2-${step}`, 'blog_quality')).toBeGreaterThan(m('base', 'blog_quality'));
    }
    expect(existsSync(join(cwd, 'runs/tunegate.db'))).toBe(false);
    const text = await cli(['demo', '--no-serve'], { cwd });
    expect(text.stdout).toContain('SCRIPTED DEMO');
    expect(text.stdout).toMatch(/blog-only-3000\s+3000\s+blog-only/);
    expect((await cli(['runs', '--db', 'runs/demo.db', '--json'], { cwd })).json()).toHaveLength(7);
    const list = (await cli(['checkpoint', 'list', '--db', 'runs/demo.db', '--json'], { cwd })).json();
    expect(list.filter((c: { isBaseline: boolean }) => c.isBaseline).map((c: { name: string }) => c.name)).toEqual(['base']);
  });
});

describe('tunegate run against an endpoint that is not there', () => {
  it('exits 2 at once, naming the URL, and registers and creates nothing', async () => {
    const cwd = project();
    const t0 = Date.now();
    const r = await cli(['run', '--base-url', 'http://127.0.0.1:1/v1', '--model', 'm', '--checkpoint', 'c'], { cwd });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('cannot connect to http://127.0.0.1:1/v1 (ECONNREFUSED)');
    expect(Date.now() - t0).toBeLessThan(5000);
    expect((await cli(['checkpoint', 'list', '--json'], { cwd })).json()).toEqual([]);
    await cli(['checkpoint', 'add', 'c', '--base-url', 'http://127.0.0.1:1/v1', '--model', 'm'], { cwd });
    expect((await cli(['run', 'c'], { cwd })).code).toBe(2);
    expect((await cli(['runs', '--json'], { cwd })).json()).toEqual([]);
  });
});
