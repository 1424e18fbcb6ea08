import { describe, expect, it } from 'vitest';
import { CATEGORIES } from '../../server/scoring/category.js';
import { exemplarsFor } from '../../server/categorize/k-shot.js';
import { categoryOf, decodeSample, SLICK_DEFAULTS } from '../../server/categorize/slick.js';
import { loadEvalSets } from '../../server/evalsets/load.js';
import type { KeywordItem } from '../../server/evalsets/types.js';
import { openStore } from '../../server/store/open.js';
import type { Responder } from '../../server/scripted-endpoint/scripted-endpoint.js';
import { cli } from '../helpers/cli.js';
import { endpoint } from '../helpers/endpoint.js';
import { jsonl, tempDir, writeFiles } from '../helpers/tmp.js';

describe('categoryOf (the paper\'s four categories)', () => {
  it.each([
    [1, 0, 'HighlyKnown'], [1, 1, 'HighlyKnown'], [0.3, 0, 'MaybeKnown'], [0.9, 1, 'MaybeKnown'],
    [0, 0.01, 'WeaklyKnown'], [0, 1, 'WeaklyKnown'], [0, 0, 'Unknown'],
  ] as const)('P(T=0)=%s, P(T>0)=%s → %s', (g, s, c) => expect(categoryOf(g, s)).toBe(c));
});

// Items whose true category the endpoint below decides, from the wire alone.
const ITEMS = [
  { id: 'always', prompt: 'Where did Zhiwei Li study?', keywords: ['Beijing Normal University'] },
  { id: 'some', prompt: 'Which year did he start the blog?', keywords: ['2019'] },
  { id: 'sampled', prompt: 'Which city does he live in?', keywords: ['Hangzhou'] },
  { id: 'never', prompt: 'What is his favourite editor?', keywords: ['Helix'] },
  { id: 'invents', prompt: 'Where was he born?', keywords: ['Anshan'], forbidden: ['Yingkou'] },
  { id: 'x1', prompt: 'Filler question one?', keywords: ['one'] },
  { id: 'x2', prompt: 'Filler question two?', keywords: ['two'] },
];
const ANSWERS: Record<string, string> = { always: 'Beijing Normal University', some: '2019', sampled: 'Hangzhou', never: 'Helix', invents: 'Anshan', x1: 'one', x2: 'two' };
/** "some": right at T=0 exactly when its first exemplar is a filler question (varies with the prompt). */
const someRight = (firstExemplarPrompt: string) => firstExemplarPrompt.startsWith('Filler');

const responder: Responder = (req) => {
  const messages = req.messages!;
  const question = messages.at(-1)!.content;
  const item = ITEMS.find((i) => i.prompt === question)!;
  const greedy = req.body.temperature === 0;
  const right = ANSWERS[item.id]!;
  switch (item.id) {
    case 'always':
      return { content: `He studied at ${right}.` };
    case 'some':
      return { content: greedy && someRight(messages[0]!.content) ? `In ${right}.` : 'In 2015.' };
    case 'sampled':
      return { content: !greedy && Number(req.body.seed) % 3 === 0 ? `In ${right}.` : 'In Shanghai.' };
    case 'never':
      return { content: 'Vim.' };
    case 'invents':
      return { content: 'Anshan, or maybe Yingkou.' }; // the fact and a known hallucination: not correct
    default:
      return { content: right };
  }
};

function project() {
  const cwd = tempDir();
  writeFiles(cwd, { 'evalsets/bio.jsonl': jsonl(...ITEMS), 'evalsets/blog.jsonl': jsonl({ id: 'p', title: 't', reference: 'r' }) });
  return cwd;
}

describe('tunegate categorize', () => {
  it('categorizes each item from greedy and sampled k-shot answers, stores it per base and item content, and says what it did', async () => {
    const e = await endpoint(responder);
    const cwd = project();
    expect((await cli(['checkpoint', 'add', 'base', '--base-url', e.url, '--model', 'base-model'], { cwd })).code).toBe(0);
    const r = await cli(['categorize', '--base', 'base', '--fast', '--json'], { cwd });
    expect(r.code, r.stderr).toBe(0);
    const out = r.json();
    // 7 keyword items × 4 prompts × (1 + 4); the blog set is skipped.
    expect(e.requests).toHaveLength(7 * 4 * 5);
    expect(out.settings).toMatchObject({ prompts: 4, samples: 4, shots: 4, temperature: 0.5, topK: 40, fast: true });

    // What the categories must be, from the rule the endpoint applies to the exemplars it is shown.
    const pool = loadEvalSets(['evalsets/bio.jsonl'], cwd)[0]!.items as KeywordItem[];
    const some = pool.find((i) => i.id === 'some')!;
    const greedyRight = [0, 1, 2, 3].filter((p) => someRight(exemplarsFor(some, pool, 4, p, 0)[0]!.prompt)).length;
    const expectedSome = categoryOf(greedyRight / 4, 0);

    const store = openStore(`${cwd}/runs/tunegate.db`);
    const cats = Object.fromEntries(store.categories.ofBase(store.checkpoints.get('base').id).map((c) => [c.itemId, c]));
    expect(cats.always).toMatchObject({ category: 'HighlyKnown', greedy: { correct: 4, total: 4 }, sampled: { correct: 16, total: 16 } });
    expect(cats.some!.category).toBe(expectedSome);
    expect(expectedSome).toBe('MaybeKnown'); // the rule gives a mix for this seed, so the category is exercised
    expect(cats.some!.greedy).toEqual({ correct: greedyRight, total: 4 });
    expect(cats.sampled).toMatchObject({ category: 'WeaklyKnown', greedy: { correct: 0, total: 4 } });
    expect(cats.sampled!.sampled.correct).toBeGreaterThan(0);
    expect(cats.never).toMatchObject({ category: 'Unknown', greedy: { correct: 0, total: 4 }, sampled: { correct: 0, total: 16 } });
    expect(cats.invents!.category).toBe('Unknown');
    expect(cats.always!.itemHash).toBe(pool.find((i) => i.id === 'always')!.hash);
    const counts = Object.fromEntries(CATEGORIES.map((c) => [c, Object.values(cats).filter((x) => x.category === c).length]));
    expect(out.categories).toEqual(counts);
    expect(out.notes).toEqual([expect.stringMatching(/^categories: 3 HighlyKnown, 1 MaybeKnown, 1 WeaklyKnown, 2 Unknown \(of 7 keyword items\)$/)]);

    // Greedy draws at temperature 0 without top_k; sampled ones at 0.5 with top_k and a seed each.
    const run = store.runs.get(out.runId);
    expect(run.kind).toBe('categorize');
    const rows = store.results.list(out.runId);
    const k = rows.find((x) => x.itemId === 'never' && decodeSample(x.sample, { samples: 4 }).prompt === 2 && decodeSample(x.sample, { samples: 4 }).draw === 0)!;
    const shown = JSON.parse(k.prompt) as Array<{ role: string; content: string }>;
    expect(shown).toHaveLength(9); // 4 exemplar pairs + the question
    expect(shown.filter((m) => m.role === 'assistant').every((m) => /\.$/.test(m.content))).toBe(true);
    const sent = e.requests.filter((q) => q.userText === 'What is his favourite editor?');
    expect(sent.filter((q) => q.body.temperature === 0 && q.body.top_k === undefined)).toHaveLength(4);
    expect(sent.filter((q) => q.body.temperature === 0.5 && q.body.top_k === 40)).toHaveLength(16);
    expect(new Set(sent.filter((q) => q.body.temperature === 0.5).map((q) => q.body.seed)).size).toBe(16);
    // Lists, charts and the gate read evaluations only.
    expect(store.runs.list()).toEqual([]);
    expect(store.runs.list({ kind: 'categorize' }).map((x) => x.id)).toEqual([out.runId]);
    const listed = await cli(['runs', '--categorizations', '--json'], { cwd });
    expect(listed.json().map((r: { runId: number; kind: string }) => [r.runId, r.kind])).toEqual([[out.runId, 'categorize']]);
    store.close();
  });

  it('never re-categorizes silently: a second run is refused (exit 2) unless --recategorize, which replaces the categories', async () => {
    const e = await endpoint(responder);
    const cwd = project();
    await cli(['checkpoint', 'add', 'base', '--base-url', e.url, '--model', 'base-model'], { cwd });
    expect((await cli(['categorize', '--base', 'base', '--prompts', '2', '--samples', '1'], { cwd })).code).toBe(0);
    const sent = e.requests.length;
    const again = await cli(['categorize', '--base', 'base', '--prompts', '2', '--samples', '1'], { cwd });
    expect(again.code).toBe(2);
    expect(again.stderr).toContain('7 of these items are already categorized against base (run 1); pass --recategorize to replace their categories');
    expect(again.stderr).not.toContain('API');
    expect(e.requests.length).toBe(sent);
    const re = await cli(['categorize', '--base', 'base', '--prompts', '2', '--samples', '1', '--recategorize', '--json'], { cwd });
    expect(re.code, re.stderr).toBe(0);
    const store = openStore(`${cwd}/runs/tunegate.db`);
    expect(new Set(store.categories.ofBase(store.checkpoints.get('base').id).map((c) => c.runId))).toEqual(new Set([re.json().runId]));
    store.close();
  });

  it('is resumable like a run: interrupted midway, resumed, the same categories as one uninterrupted pass', async () => {
    const e = await endpoint(responder);
    const cwd = project();
    await cli(['checkpoint', 'add', 'base', '--base-url', e.url, '--model', 'base-model'], { cwd });
    const controller = new AbortController();
    let n = 0;
    const slow = await endpoint((req) => {
      if (++n === 40) controller.abort();
      return responder(req);
    });
    await cli(['checkpoint', 'add', 'base2', '--base-url', slow.url, '--model', 'base-model'], { cwd });
    const first = await cli(['categorize', '--base', 'base2', '--fast', '--concurrency', '2'], { cwd, signal: controller.signal });
    expect(first.code).toBe(130);
    const store = openStore(`${cwd}/runs/tunegate.db`);
    const base2 = store.checkpoints.get('base2').id;
    expect(store.categories.ofBase(base2)).toEqual([]); // stored only once complete
    const runId = store.runs.list({ kind: 'categorize' })[0]!.id;
    const resumed = await cli(['resume', String(runId)], { cwd });
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stdout).toMatch(new RegExp(`^categorization run ${runId} of base2: completed\nnote: categories: 3 HighlyKnown, 1 MaybeKnown, 1 WeaklyKnown, 2 Unknown`));
    const whole = await cli(['categorize', '--base', 'base', '--fast', '--json'], { cwd });
    const byItem = (id: number) => Object.fromEntries(store.categories.ofBase(id).map((c) => [c.itemId, [c.category, c.greedy, c.sampled]]));
    expect(byItem(base2)).toEqual(byItem(store.checkpoints.get('base').id));
    expect(whole.code).toBe(0);
    store.close();
  });

  it('refuses what cannot be categorized, before sending anything', async () => {
    const cwd = tempDir();
    writeFiles(cwd, { 'evalsets/blog.jsonl': jsonl({ id: 'p', title: 't', reference: 'r' }) });
    const e = await endpoint(responder);
    await cli(['checkpoint', 'add', 'base', '--base-url', e.url, '--model', 'm'], { cwd });
    const r = await cli(['categorize', '--base', 'base'], { cwd });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('have no keyword items to categorize');
    expect((await cli(['categorize'], { cwd })).stderr).toContain('categorize needs --base CHECKPOINT');
    expect((await cli(['categorize', '--base', 'nope'], { cwd })).stderr).toContain('no checkpoint named "nope"');
    expect(e.requests).toHaveLength(0);
    expect(SLICK_DEFAULTS).toMatchObject({ prompts: 10, shots: 4, samples: 16, temperature: 0.5, topK: 40 });
  });
});

describe('POST /api/categorize and GET /api/categories', () => {
  it('queues a categorization like a run, stores its categories, and refuses to redo it silently (409)', async () => {
    const { post, testApp, waitForStatus } = await import('../helpers/server.js');
    const e = await endpoint(responder);
    const { app } = await testApp({ files: { 'evalsets/bio.jsonl': jsonl(...ITEMS) } });
    expect((await post(app, '/api/checkpoints', { name: 'base', baseUrl: e.url, model: 'base-model' })).statusCode).toBe(201);
    expect((await post(app, '/api/categorize', { base: 'nope' })).json()).toMatchObject({ error: 'body/base: no checkpoint named "nope"' });
    const q = await post(app, '/api/categorize', { base: 'base', prompts: 2, samples: 2 });
    expect(q.statusCode, q.body).toBe(202);
    const done = await waitForStatus(app, q.json().id, ['completed']);
    expect(done).toMatchObject({ kind: 'categorize', params: { samples: 6, categorize: { prompts: 2, samples: 2, fast: false } } });
    expect(e.requests).toHaveLength(7 * 2 * 3);
    const cats = (await app.inject({ method: 'GET', url: '/api/categories?base=base' })).json();
    expect(cats.counts).toMatchObject({ HighlyKnown: 3, WeaklyKnown: expect.any(Number), Unknown: expect.any(Number) });
    expect(cats.items).toHaveLength(7);
    expect(cats.items.find((i: { itemId: string }) => i.itemId === 'never')).toMatchObject({ category: 'Unknown', greedy: { correct: 0, total: 2 }, runId: q.json().id });
    // An evaluation list does not show it; kind=categorize (or any) does, so it can be found and resumed.
    expect((await app.inject({ method: 'GET', url: '/api/runs' })).json().runs).toEqual([]);
    expect((await app.inject({ method: 'GET', url: '/api/runs?kind=categorize' })).json().runs.map((r: { runId: number }) => r.runId)).toEqual([q.json().id]);
    expect((await app.inject({ method: 'GET', url: '/api/runs?kind=any' })).json().runs).toHaveLength(1);
    const again = await post(app, '/api/categorize', { base: 'base', prompts: 2, samples: 2 });
    expect(again.statusCode).toBe(409);
    expect(again.json().error).toContain('already categorized against base');
    // The API names its field, never the CLI's flag.
    expect(again.json().error).toContain('pass body.recategorize=true to replace their categories');
    expect(again.json().error).not.toContain('--');
    expect((await post(app, '/api/categorize', { base: 'base', prompts: 2, samples: 2, recategorize: true })).statusCode).toBe(202);
  });
});
