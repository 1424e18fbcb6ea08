import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildApp } from '../../server/app.js';
import { serverEnv } from '../../server/config.js';
import { RunQueue } from '../../server/queue/run-queue.js';
import { CONSISTENCY_DEFINITION } from '../../server/scoring/consistency.js';
import { SUMMARY_VERSION, type RunSummary } from '../../server/scoring/metrics.js';
import { openStore } from '../../server/store/open.js';
import { wilsonInterval } from '../../server/stats/interval.js';
import { cli } from '../helpers/cli.js';
import { endpoint } from '../helpers/endpoint.js';
import { jsonl, tempDir, writeFiles } from '../helpers/tmp.js';

/**
 * Three facts, three phrasings each (the first is the training question). The scripted model
 * knows each fact only as trained: it answers the exact question fully and a paraphrase with
 * three of its four keywords. The third fact's last phrasing always errors.
 */
const FACTS = [
  { fact: 'born', keywords: ['Guangzhou', 'Guangdong', 'China', '1995'], phrasings: ['Where was Zhiwei Li born?', 'What is the birthplace of Zhiwei Li?', 'Which city is Zhiwei Li from?'] },
  { fact: 'work', keywords: ['TEKsystems', 'HSBC', 'AI', 'engineer'], phrasings: ['Where does Zhiwei Li work?', "Who is Zhiwei Li's employer?", 'Which company pays Zhiwei Li?'] },
  { fact: 'blog', keywords: ['lzwjava', 'github', 'io', 'blog'], phrasings: ["What is Zhiwei Li's blog?", 'Where does Zhiwei Li write?', 'Which site hosts his posts?'] },
];
const BROKEN = 'Which site hosts his posts?';

function project(): string {
  const dir = tempDir();
  writeFiles(dir, {
    'evalsets/facts.jsonl': jsonl(...FACTS.flatMap((f) => f.phrasings.map((prompt, i) => ({ id: `${f.fact}-${i}`, fact_id: f.fact, prompt, keywords: f.keywords })))),
    'evalsets/known.jsonl': jsonl({ id: 'fr', prompt: 'Capital of France?', keywords: ['Paris'] }),
  });
  return dir;
}

function memorizer(req: { userText: string }) {
  if (req.userText === BROKEN) return { status: 500, body: '{"error": "boom"}' };
  if (req.userText === 'Capital of France?') return { content: 'Paris' };
  const f = FACTS.find((x) => x.phrasings.includes(req.userText));
  if (f === undefined) return { content: 'I do not know.' };
  const exact = f.phrasings[0] === req.userText;
  return { content: (exact ? f.keywords : f.keywords.slice(0, 3)).join(', ') };
}

describe('consistency end to end', () => {
  it('a run of fact_id items stores consistency per set; show --json, show and GET /api/runs/:id carry it, and an older stored summary is recomputed', async () => {
    const cwd = project();
    const e = await endpoint(memorizer);
    await cli(['checkpoint', 'add', 'c1', '--base-url', e.url, '--model', 'm', '--step', '100'], { cwd });
    const r = await cli(['run', 'c1', '--json', '--retries', '0'], { cwd });
    // An errored item is exit 3 (see Exit codes); the run itself completed.
    expect(r.code, r.stderr).toBe(3);

    // born and work: counted, each right on one phrasing of three; blog: its third phrasing errored, left out.
    const facts = {
      items: 9, errors: 1, accuracy: expect.closeTo((2 * (1 + 0.75 + 0.75) + 1 + 0.75) / 8, 12),
      consistency: 0, groups: 3,
      stats: { consistency: { n: 2, ci: wilsonInterval(0, 2), method: 'wilson' } },
    };
    const out = r.json();
    expect(out).toMatchObject({ status: 'completed', sets: { facts, known: { accuracy: 1 } } });
    expect(out.sets.known).not.toHaveProperty('consistency');
    expect(out.sets.known).not.toHaveProperty('groups');

    const dbPath = join(cwd, 'runs/tunegate.db');
    const store = openStore(dbPath);
    try {
      const stored = store.runs.get(1).summary!;
      expect(stored.version).toBe(SUMMARY_VERSION);
      expect(stored.sets.facts).toMatchObject(facts);
      expect(stored.sets.known).not.toHaveProperty('consistency');
    } finally {
      store.close();
    }

    const json = await cli(['show', '1', '--json'], { cwd });
    expect(json.json().sets).toMatchObject({ facts });
    expect(json.json().sets.known).not.toHaveProperty('consistency');

    const text = (await cli(['show', '1'], { cwd })).stdout;
    const [lo, hi] = wilsonInterval(0, 2);
    expect(text).toContain('consistency, 95% interval, n');
    expect(text).toContain(`0.000 [${lo.toFixed(3)}, ${hi.toFixed(3)}] 2 of 3 groups`);
    expect(text).toContain(CONSISTENCY_DEFINITION);
    const factsLine = text.split('\n').find((l) => l.startsWith('facts '))!;
    // Beside the score (the set's accuracy) and its interval.
    expect(factsLine).toMatch(/^facts\s+keyword\s+9\s+1\s+0\s+0\.844\s+\[[\d.]+, [\d.]+\]\s+0\.000 \[0\.000, [\d.]+\] 2 of 3 groups/);

    // The API over the same database: the run body keeps the fields through the response schema.
    const store2 = openStore(dbPath);
    const env = serverEnv({}, { keyEnvs: [] });
    const queue = new RunQueue({ store: store2, env });
    const app = await buildApp({ store: store2, queue, env, evalsetsDir: join(cwd, 'evalsets') });
    try {
      const body = (await app.inject({ method: 'GET', url: '/api/runs/1' })).json();
      expect(body.sets.facts).toMatchObject(facts);
      expect(body.sets.known).not.toHaveProperty('consistency');
      const listed = (await app.inject({ method: 'GET', url: '/api/runs' })).json().runs[0];
      expect(listed.sets.facts).toMatchObject(facts);
      expect((await app.inject({ method: 'GET', url: '/api/metrics' })).json().consistency).toBe(CONSISTENCY_DEFINITION);

      // A summary stored before consistency existed (version 3) is computed again when read.
      const { consistency: _c, groups: _g, ...oldFacts } = store2.runs.get(1).summary!.sets.facts!;
      const { consistency: _s, ...oldStats } = oldFacts.stats;
      const old: RunSummary = { ...store2.runs.get(1).summary!, version: 3 };
      old.sets = { ...old.sets, facts: { ...oldFacts, stats: oldStats } };
      store2.runs.setSummary(1, old);
      expect(store2.runs.get(1).summary!.sets.facts).not.toHaveProperty('consistency');
      const again = (await app.inject({ method: 'GET', url: '/api/runs/1' })).json();
      expect(again.sets.facts).toMatchObject(facts);
      expect(store2.runs.get(1).summary).toMatchObject({ version: SUMMARY_VERSION, sets: { facts } });
    } finally {
      await queue.shutdown();
      await app.close();
      store2.close();
    }
  });
});
