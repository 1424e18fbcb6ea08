import { describe, expect, it } from 'vitest';
import { exemplarsFor } from '../../server/categorize/k-shot.js';
import { slickEstimate } from '../../server/categorize/slick.js';
import { parseEvalSetText } from '../../server/evalsets/parse-file.js';
import type { KeywordItem } from '../../server/evalsets/types.js';
import { openStore } from '../../server/store/open.js';
import { startScriptedEndpoint } from '../../server/scripted-endpoint/scripted-endpoint.js';
import { cli } from '../helpers/cli.js';
import { endpoint } from '../helpers/endpoint.js';
import { jsonl, tempDir, writeFiles } from '../helpers/tmp.js';

const items = Array.from({ length: 6 }, (_, i) => ({ id: `q${i}`, prompt: `question ${i}?`, keywords: [`fact-${i}`] }));
const knows = (req: { userText: string }) => ({ content: `It is fact-${/question (\d+)/.exec(req.userText)![1]}.` });

describe('categorization edge cases', () => {
  it('errors never decide a category: too few answered draws leave an item uncategorized', () => {
    expect(slickEstimate([{ draw: 0, correct: false }, { draw: 0, correct: false }], { prompts: 2, samples: 2 })).toBeNull(); // no sampled draw answered
    expect(slickEstimate([{ draw: 0, correct: true }, { draw: 1, correct: true }], { prompts: 10, samples: 1 })).toBeNull(); // 1 of 10 greedy
    expect(slickEstimate([{ draw: 0, correct: true }, { draw: 0, correct: true }, { draw: 1, correct: false }], { prompts: 2, samples: 1 })!.category).toBe('HighlyKnown');
  });

  it('exemplars are never the target, a duplicate of it, or an item whose answer gives it away', () => {
    const set = parseEvalSetText(jsonl(
      { id: 'live', prompt: 'Where does he live?', keywords: ['Hangzhou'] },
      { id: 'live-dup', prompt: 'Where does he live?', keywords: ['Hangzhou'] },
      { id: 'city', prompt: 'Which city is his office in?', keywords: ['Hangzhou'] },
      { id: 'a', prompt: 'a?', keywords: ['x'] },
      { id: 'b', prompt: 'b?', keywords: ['y'] },
    ), 'bio.jsonl', 'bio').set;
    const pool = set.items as KeywordItem[];
    for (let p = 0; p < 10; p++) expect(exemplarsFor(pool[0]!, pool, 4, p, 0).map((e) => e.id).sort()).toEqual(['a', 'b']);
  });

  it('a server that refuses top_k under concurrency: every draw is retried without it, and a note says so', async () => {
    const e = await endpoint((req) => (req.body.top_k !== undefined
      ? { status: 400, body: JSON.stringify({ error: { message: 'Unrecognized request argument supplied: top_k', type: 'invalid_request_error' } }) }
      : knows(req)));
    const cwd = tempDir();
    writeFiles(cwd, { 'evalsets/bio.jsonl': jsonl(...items) });
    await cli(['checkpoint', 'add', 'base', '--base-url', e.url, '--model', 'm'], { cwd });
    const r = await cli(['categorize', '--base', 'base', '--prompts', '2', '--samples', '4', '--concurrency', '8', '--json'], { cwd });
    expect(r.code, r.stderr).toBe(0);
    expect(r.json().categories).toEqual({ HighlyKnown: 6, MaybeKnown: 0, WeaklyKnown: 0, Unknown: 0 });
    expect(r.json().notes).toContainEqual(expect.stringMatching(/^the endpoint refused top_k \(HTTP 400 naming it\)/));
  });

  it('a categorization that completes after another never replaces its categories unless it was asked to', async () => {
    const e = await startScriptedEndpoint({ respond: knows, latencyMs: 5 });
    try {
      const cwd = tempDir();
      writeFiles(cwd, { 'evalsets/bio.jsonl': jsonl(...items) });
      await cli(['checkpoint', 'add', 'base', '--base-url', e.url, '--model', 'm'], { cwd });
      const stop = new AbortController();
      setTimeout(() => stop.abort(), 40);
      const first = await cli(['categorize', '--base', 'base', '--prompts', '2', '--samples', '4', '--concurrency', '1'], { cwd, signal: stop.signal });
      expect(first.code).toBe(130);
      const second = await cli(['categorize', '--base', 'base', '--prompts', '2', '--samples', '1', '--json'], { cwd });
      expect(second.code, second.stderr).toBe(0);
      const resumed = await cli(['resume', '1'], { cwd });
      expect(resumed.code, resumed.stderr).toBe(0);
      expect(resumed.stdout).toContain('6 left as another run categorized them meanwhile');
      const store = openStore(`${cwd}/runs/tunegate.db`);
      expect(new Set(store.categories.ofBase(store.checkpoints.get('base').id).map((c) => c.runId))).toEqual(new Set([second.json().runId]));
      store.close();
    } finally {
      await e.close();
    }
  });
});
