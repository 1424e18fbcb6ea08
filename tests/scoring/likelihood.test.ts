import { describe, expect, it } from 'vitest';
import { chatSpanLogprobs, knowledgeScores, meanLogprob, spanLogprobs, tokenOffsets, type ChatPromptLogprob } from '../../server/scoring/likelihood.js';
import { metricDef, requireMetric } from '../../server/scoring/metric-registry.js';
import { summarize, type ItemRef, type ResultRow } from '../../server/scoring/metrics.js';

/** Echoed logprobs as vLLM sends them: 3-code-point tokens, offsets in code points, a generated token last. */
function echo(text: string, lp: (i: number) => number, offsets: 'code-points' | 'none' = 'code-points') {
  const chars = Array.from(text);
  const tokens: string[] = [];
  const text_offset: number[] = [];
  const token_logprobs: Array<number | null> = [];
  for (let i = 0; i < chars.length; i += 3) {
    tokens.push(chars.slice(i, i + 3).join(''));
    text_offset.push(offsets === 'none' ? -1 : i);
    token_logprobs.push(i === 0 ? null : lp(i));
  }
  tokens.push('!');
  text_offset.push(offsets === 'none' ? -1 : chars.length);
  token_logprobs.push(-50);
  return { tokens, text_offset, token_logprobs };
}

describe('candidate log-probabilities from an echoed prompt', () => {
  const prefix = '李智维在哪里?\n\n'; // 9 code points: tokens start at 0, 3, 6, 9, …
  const answer = 'He is based in Guangzhou.';
  const lp = (start: number) => (i: number) => (i >= start ? -0.5 : -7);

  it('reads only the tokens starting inside the candidate, never the prompt or a generated token', () => {
    const got = spanLogprobs(prefix, answer, echo(prefix + answer, lp(9)))!;
    expect(got).toHaveLength(Math.ceil(Array.from(answer).length / 3));
    expect(meanLogprob(got)).toBe(-0.5);
  });

  it('rebuilds SGLang\'s -1 offsets from the token texts, with the same result', () => {
    const lps = echo(prefix + answer, lp(9), 'none');
    expect(tokenOffsets(lps)!.slice(0, 4)).toEqual([0, 3, 6, 9]);
    expect(spanLogprobs(prefix, answer, lps)).toEqual(spanLogprobs(prefix, answer, echo(prefix + answer, lp(9))));
  });

  it('says when a response has no prompt logprobs at all', () => {
    expect(spanLogprobs(prefix, answer, {})).toBeNull();
    expect(spanLogprobs(prefix, answer, { token_logprobs: [null, -1], tokens: ['a'] })).toBeNull();
    expect(meanLogprob([])).toBeNull();
  });
});

describe('candidate log-probabilities from vLLM chat prompt_logprobs', () => {
  const pos = (id: number, logprob: number): ChatPromptLogprob => ({ [String(id)]: { logprob, rank: 1, decoded_token: `t${id}` } as { logprob: number } });
  const prefix = [null, pos(11, -3), pos(12, -2), pos(13, -1)];

  it('reads the positions after the prefix when the prefix is the full prompt\'s start', () => {
    expect(chatSpanLogprobs(prefix, [...prefix, pos(20, -0.25), pos(21, -0.75)])).toEqual([-0.25, -0.75]);
  });

  it('refuses a prompt whose start differs (the template rendered the turn otherwise) or that adds nothing', () => {
    expect(chatSpanLogprobs(prefix, [null, pos(11, -3), pos(99, -2), pos(13, -1), pos(20, -1)])).toBeNull();
    expect(chatSpanLogprobs(prefix, prefix)).toBeNull();
    expect(chatSpanLogprobs(prefix, [...prefix, { '1': {}, '2': {} } as unknown as ChatPromptLogprob])).toBeNull();
    expect(chatSpanLogprobs([], [null])).toBeNull();
  });
});

describe('knowledgeScores', () => {
  it('gives the margin over the mean wrong answer and the share of pairs won (a tie is half)', () => {
    expect(knowledgeScores(-1, [-2, -1, -0.5])).toEqual({ answer_logprob: -1, knowledge_margin: -1 - (-3.5 / 3), knowledge_rank: 1.5 / 3 });
    expect(knowledgeScores(-1, [])).toEqual({ answer_logprob: -1, knowledge_margin: null, knowledge_rank: null });
  });

  it('a shift of style (every sentence alike) moves answer_logprob but neither margin nor rank', () => {
    const a = knowledgeScores(-1.2, [-1.5, -2.1]);
    const b = knowledgeScores(-1.2 - 0.7, [-1.5 - 0.7, -2.1 - 0.7]);
    expect(b.knowledge_margin).toBeCloseTo(a.knowledge_margin!, 12);
    expect(b.knowledge_rank).toBe(a.knowledge_rank);
    expect(b.answer_logprob).toBeCloseTo(a.answer_logprob - 0.7, 12);
  });
});

describe('likelihood metrics in the registry and the run summary', () => {
  it('are registered, higher is better, knowledge_rank within 0..1', () => {
    expect(requireMetric('knowledge_margin', 'metrics')).toMatchObject({ direction: 'higher', range: null, items: { kind: 'keyword', value: 'likelihood' } });
    expect(metricDef('knowledge_rank')).toMatchObject({ direction: 'higher', range: [0, 1], proportion: false });
    expect(metricDef('answer_logprob')).toMatchObject({ direction: 'higher' });
  });

  const kw = (set: string, id: string): ItemRef => ({ set, id, kind: 'keyword' });
  const row = (set: string, itemId: string, sample: number, likelihood?: Record<string, number>): ResultRow => ({
    set, itemId, score: 1, hallucinated: null, error: null, passed: true, ...(likelihood !== undefined ? { likelihood, candidates: 'h' } : {}),
  });

  it('average items, with n and a bootstrap interval; absent where nothing was measured, never zero', () => {
    const items = [kw('bio', 'a'), kw('bio', 'b'), kw('known', 'c'), kw('bio', 'd')];
    const s = summarize(items, [
      row('bio', 'a', 0, { knowledge_margin: 0.4, knowledge_rank: 1, answer_logprob: -1 }), row('bio', 'a', 1),
      row('bio', 'b', 0, { knowledge_margin: -0.2, knowledge_rank: 0.5, answer_logprob: -2 }),
      row('known', 'c', 0, { knowledge_margin: 1.0, knowledge_rank: 1, answer_logprob: -0.5 }),
      row('bio', 'd', 0, { answer_logprob: -3 }),
    ]);
    expect(s.metrics.knowledge_margin).toBeCloseTo(0.4, 12);
    expect(s.stats.knowledge_margin).toMatchObject({ n: 3, method: 'bootstrap' });
    expect(s.stats.knowledge_margin!.ci![0]).toBeLessThan(0.4);
    expect(s.metrics.knowledge_rank).toBeCloseTo(2.5 / 3, 12);
    expect(s.metrics.answer_logprob).toBeCloseTo(-6.5 / 4, 12);
    expect(s.stats.answer_logprob!.n).toBe(4);
    const none = summarize(items, [row('bio', 'a', 0)]);
    expect(none.metrics.knowledge_margin).toBeNull();
    expect(none.stats.knowledge_margin).toMatchObject({ n: 0, ci: null });
  });
});
