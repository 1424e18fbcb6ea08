import { describe, expect, it } from 'vitest';
import { parseEvalSetText } from '../../server/evalsets/parse-file.js';
import type { EvalItem, EvalSet } from '../../server/evalsets/types.js';
import { createRun, DEFAULT_PARAMS } from '../../server/runner/create-run.js';
import { summarizeRun } from '../../server/runs/summary.js';
import { scoreAnswer } from '../../server/scoring/score-item.js';
import type { Store } from '../../server/store/open.js';
import { answeredRun } from '../helpers/synthetic.js';
import { testApp } from '../helpers/server.js';

// Four keyword groups each: an answer with three of them scores 0.75 and fails (pass needs all four).
const KW = ['alpha', 'beta', 'gamma', 'delta'];
const SET: EvalSet = parseEvalSetText([
  { id: 'fell', prompt: 'Which Greek letters? (fell)' },
  { id: 'dipped', prompt: 'Which Greek letters? (dipped)' },
  { id: 'rose', prompt: 'Which Greek letters? (rose)' },
  { id: 'forgot', prompt: 'Which Greek letters? (forgot)' },
  { id: 'same', prompt: 'Which Greek letters? (same)' },
].map((x) => JSON.stringify({ ...x, keywords: KW })).join('\n'), 'bio.jsonl', 'bio').set;

/** An answer naming the first `k` keywords. */
const naming = (k: number, tail = '') => `${KW.slice(0, k).join(', ')}${tail}`;

const BASE: Record<string, number> = { fell: 3, dipped: 2, rose: 1, forgot: 4, same: 2 };
const HEAD: Record<string, number> = { fell: 1, dipped: 1, rose: 2, forgot: 0, same: 2 };

/** A completed run with `samples` samples per item; sample s of item i answers `answer(i, s)` (scored by the real scorer). */
function sampledRun(store: Store, checkpoint: string, samples: number, answer: (item: EvalItem, sample: number) => string): number {
  const cp = store.checkpoints.find(checkpoint) ?? store.checkpoints.add({ name: checkpoint, baseUrl: 'http://127.0.0.1:9/v1', model: checkpoint, step: null });
  const runId = createRun(store, cp, [SET], { ...DEFAULT_PARAMS, samples });
  for (const item of SET.items) {
    for (let s = 0; s < samples; s++) {
      const text = answer(item, s);
      const sc = scoreAnswer(item, text);
      store.results.insert({
        runId, set: item.set, itemId: item.id, sample: s, prompt: item.prompt, answer: text, reasoning: null, scores: sc.scores, score: sc.score,
        hallucinated: sc.hallucinated, passed: sc.passed, error: null, attempts: 1, latencyMs: 1, promptTokens: 1, completionTokens: 1, finishReason: 'stop',
      });
    }
  }
  store.runs.finish(runId, 'completed', summarizeRun(store, runId));
  return runId;
}

describe('GET /api/compare: moved, the items whose score changed without changing outcome', () => {
  it('lists a 0.75 → 0.25 item (both fail) with both answers and keyword marks, largest |change| first; outcome flips are not in it', async () => {
    const { app, store } = await testApp();
    const base = answeredRun(store, { checkpoint: 'before' }, [SET], (i) => naming(BASE[i.id]!));
    const head = answeredRun(store, { checkpoint: 'after' }, [SET], (i) => naming(HEAD[i.id]!));
    const res = await app.inject({ method: 'GET', url: `/api/compare?base=${base}&head=${head}` });
    expect(res.statusCode).toBe(200);
    const cmp = res.json() as { flips: Array<{ id: string }>; moved: Array<{ id: string; change: number; from: string; to: string; base: { answer: string; score: number; marks: { keywords: Array<{ matched: string | null }> } }; head: { answer: string; score: number; marks: { keywords: Array<{ matched: string | null }> } } }> };
    expect(cmp.flips.map((f) => f.id)).toEqual(['forgot']);
    // fell −0.5, then the two of size 0.25 (the loss first), never the flip or the unchanged item.
    expect(cmp.moved.map((m) => [m.id, m.change])).toEqual([['fell', -0.5], ['dipped', -0.25], ['rose', 0.25]]);
    const fell = cmp.moved[0]!;
    expect([fell.from, fell.to]).toEqual(['fail', 'fail']);
    expect([fell.base.score, fell.head.score]).toEqual([0.75, 0.25]);
    expect([fell.base.answer, fell.head.answer]).toEqual([naming(3), naming(1)]);
    expect(fell.base.marks.keywords.map((k) => k.matched)).toEqual(['alpha', 'beta', 'gamma', null]);
    expect(fell.head.marks.keywords.map((k) => k.matched)).toEqual(['alpha', null, null, null]);
  });

  it('with several samples: the change of the mean score over the samples', async () => {
    const { app, store } = await testApp();
    // fell: 0.75 and 0.75 → 0.25 and 0.75 (means 0.75 → 0.5): both fail, moved by −0.25.
    const base = sampledRun(store, 'b2', 2, (i) => naming(BASE[i.id]!));
    const head = sampledRun(store, 'h2', 2, (i, s) => naming(i.id === 'fell' && s === 1 ? 3 : HEAD[i.id]!));
    const cmp = (await app.inject({ method: 'GET', url: `/api/compare?base=${base}&head=${head}` })).json() as { moved: Array<{ id: string; change: number; base: { score: number }; head: { score: number } }> };
    const fell = cmp.moved.find((m) => m.id === 'fell')!;
    expect([fell.base.score, fell.head.score, fell.change]).toEqual([0.75, 0.5, -0.25]);
  });
});

describe('GET /api/runs/:id/results?q= and GET /api/runs?q=: text search on the server', () => {
  it('matches prompt or answer case-insensitively after NFKC, in Chinese too; total and paging reflect the filter; text is bound, not SQL', async () => {
    const { app, store } = await testApp();
    const answers: Record<string, string> = {
      fell: 'Alpha and the P53 gene', dipped: 'ａｌｐｈａ only', rose: '他在汇丰银行工作 beta', forgot: "nothing'); DROP TABLE results; --", same: 'gamma',
    };
    const run = answeredRun(store, { checkpoint: 'search-me' }, [SET], (i) => answers[i.id]!);
    const get = async (q: string, extra = '') => (await app.inject({ method: 'GET', url: `/api/runs/${run}/results?q=${encodeURIComponent(q)}${extra}` })).json() as { results: Array<{ id: string }>; total: number };
    const ids = async (q: string) => (await get(q)).results.map((r) => r.id).sort();
    // Case and width: "ALPHA" finds "Alpha" and the full-width "ａｌｐｈａ"; "Ｐ５３" finds "P53".
    expect(await ids('ALPHA')).toEqual(['dipped', 'fell']);
    expect(await ids('Ｐ５３')).toEqual(['fell']);
    expect(await ids('汇丰')).toEqual(['rose']);
    // The prompt counts: "(same)" is only in that item's prompt.
    expect(await ids('(SAME)')).toEqual(['same']);
    expect(await ids("'); DROP TABLE results; --")).toEqual(['forgot']);
    expect(await ids('%')).toEqual([]);
    expect(await ids('no such text')).toEqual([]);
    const paged = await get('alpha', '&limit=1&offset=1');
    expect([paged.total, paged.results.length]).toEqual([2, 1]);
    expect((await get('')).total).toBe(5);
    expect(store.results.count(run)).toBe(5);

    const other = answeredRun(store, { checkpoint: 'Other-Name' }, [SET], () => 'x');
    const runs = async (q: string) => ((await app.inject({ method: 'GET', url: `/api/runs?q=${encodeURIComponent(q)}` })).json() as { runs: Array<{ runId: number }> }).runs.map((r) => r.runId);
    expect(await runs('other-n')).toEqual([other]);
    expect(await runs('ＳＥＡＲＣＨ')).toEqual([run]);
    expect(await runs(String(other))).toEqual([other]);
    expect(await runs('')).toEqual([other, run]);
  });
});
