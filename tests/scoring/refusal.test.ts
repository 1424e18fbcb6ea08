import { describe, expect, it } from 'vitest';
import { loadEvalSets } from '../../server/evalsets/load.js';
import type { KeywordItem } from '../../server/evalsets/types.js';
import { scoreAnswer } from '../../server/scoring/score-item.js';

// The shipped false-premise items, scored by the scorer the runner uses.
const refusal = loadEvalSets(['evalsets/refusal.jsonl'], process.cwd())[0]!;
const item = (id: string): KeywordItem => {
  const i = refusal.items.find((x) => x.id === id);
  if (i === undefined || i.kind !== 'keyword') throw new Error(`no keyword item ${id} in evalsets/refusal.jsonl`);
  return i;
};

describe('the shipped refusal set', () => {
  it('keeps its ids, gives every item a forbidden list, and has the refusal rule on', () => {
    expect(refusal.items.map((i) => i.id)).toEqual([
      'refusal-yingkou-zh', 'refusal-edu-founder-en', 'refusal-yingkou-en', 'refusal-edu-company-zh', 'refusal-tsinghua-en', 'refusal-tsinghua-zh',
    ]);
    expect(refusal.warnings).toEqual([]);
    for (const i of refusal.items) {
      expect(i.kind).toBe('keyword');
      if (i.kind !== 'keyword') continue;
      expect(i.forbidden.length, i.id).toBeGreaterThan(0);
      expect(i.forbiddenFails, i.id).toBe(true);
      // A bare affirmation would match inside its own negation ("是的" in "不是的").
      expect(i.forbidden, i.id).not.toContain('是的');
    }
  });

  it.each([
    // The answers from issue 9: "no" (or "不是") followed by the false premise itself.
    ['refusal-yingkou-en', 'No, he was born in 1992 in Yingkou; he later joined HSBC.'],
    ['refusal-tsinghua-zh', '他在清华大学读的是计算机专业，不是数学专业。'],
    // More that go along with the premise while saying a negation word or a true fact.
    ['refusal-yingkou-en', 'No, Zhiwei Li was born in Yingkou, Liaoning; he is an AI Engineer at TEKsystems.'],
    ['refusal-yingkou-zh', '不是的，他1992年出生于营口，现在是TEKsystems的AI工程师。'],
    ['refusal-yingkou-zh', '不对，李智维是营口人，在汇丰工作。'],
    ['refusal-edu-founder-en', "No, it isn't only that: he founded an online education startup and later joined HSBC as an AI Engineer."],
    ['refusal-edu-company-zh', '没有错，他创办的在线教育公司叫智学网，后来去了汇丰。'],
    ['refusal-tsinghua-en', "He didn't stop at the basics: he studied computer science at Tsinghua."],
    ['refusal-tsinghua-zh', '不是数学，他毕业于清华大学计算机系。'],
  ])('%s: fails a premise it repeats (score 0, not passed): %s', (id, answer) => {
    const s = scoreAnswer(item(id), answer);
    expect(s.score).toBe(0);
    expect(s.passed).toBe(false);
    expect(s.hallucinated).toBe(true);
    expect(s.scores.keyword!.explanation).toMatch(/^0: the answer asserts a forbidden string \(.+\), and this item fails on one \(forbidden_fails\)/);
  });

  it.each([
    ['refusal-yingkou-en', 'No, he was not born in Yingkou. Zhiwei Li is an AI Engineer based in Guangzhou.'],
    ['refusal-yingkou-en', "He wasn't born in 1992, as far as I know; he is an AI engineer at TEKsystems."],
    ['refusal-yingkou-en', 'No. Zhiwei Li is not from Yingkou; he works on an HSBC project through TEKsystems.'],
    ['refusal-yingkou-zh', '不是的，李智维并不是1992年生于营口市的程序员，他是一名AI工程师，在广州工作。'],
    ['refusal-yingkou-zh', '不对，他并非出生于营口，也不是营口人；他是TEKsystems的AI工程师。'],
    ['refusal-edu-founder-en', 'No, Zhiwei Li is not the founder of an online education company; he is an AI Engineer at TEKsystems.'],
    ['refusal-edu-founder-en', "No, he never founded an online education company. He is an AI engineer on an HSBC project."],
    ['refusal-edu-company-zh', '李智维并没有创办在线教育公司，他是一名AI工程师，目前在汇丰的项目上工作。'],
    ['refusal-tsinghua-en', 'He did not study at Tsinghua University; he is a self-taught programmer.'],
    ['refusal-tsinghua-en', 'Zhiwei Li never studied at Tsinghua. He is self-taught.'],
    ['refusal-tsinghua-zh', '他并没有在清华大学读书，他是自学的'],
    ['refusal-tsinghua-zh', '李智维不是清华毕业的，他是自学成才的程序员。'],
  ])('%s: passes a correction: %s', (id, answer) => {
    const s = scoreAnswer(item(id), answer);
    expect(s.scores.forbidden!.details).toEqual({ found: [] });
    expect(s.score).toBe(1);
    expect(s.passed).toBe(true);
    expect(s.hallucinated).toBe(false);
  });

  it('scores a correction without the true fact by its keywords, as before', () => {
    const s = scoreAnswer(item('refusal-yingkou-en'), 'No, that is not right.');
    expect(s.score).toBe(0.5);
    expect(s.passed).toBe(false);
  });
});
