import { describe, expect, it } from 'vitest';
import { forbiddenScore, keywordScore } from '../../server/scoring/keyword.js';
import { foldForMatch } from '../../server/text/normalize.js';
import { hasPython, python } from '../helpers/python.js';

// The user's original Python eval, verbatim in spirit: per item hits/len, then the mean over items.
const USER_EVAL = `
import json, sys
cases = json.load(sys.stdin)
scores = []
for c in cases:
    hits = sum(1 for kw in c["keywords"] if kw.lower() in c["answer"].lower())
    scores.append(hits / len(c["keywords"]))
print(json.dumps({"items": scores, "mean": sum(scores) / len(scores)}))
`;

// ASCII cases: the keyword scorer must equal the user's Python exactly.
const ASCII_CASES = [
  { answer: 'Zhiwei Li is an AI Engineer at TEKsystems, contracted to HSBC.', keywords: ['TEKsystems', 'HSBC', 'AI Engineer', 'lzwjava'] },
  { answer: 'zhiwei li works at tek systems', keywords: ['TEKsystems', 'HSBC'] },
  { answer: 'LZWJAVA on GitHub', keywords: ['lzwjava', 'github', 'Guangzhou'] },
  { answer: '', keywords: ['anything'] },
  { answer: 'Paris.', keywords: ['Paris'] },
  { answer: 'The capital is paris', keywords: ['PARIS', 'France'] },
  { answer: 'GPT-2 760M trained on an MI300X', keywords: ['gpt-2', '760m', 'mi300x'] },
  { answer: 'lzwjava.github.io', keywords: ['lzwjava.github.io', 'lzwjava', 'github.io'] },
  { answer: 'He is self taught.', keywords: ['self-taught'] },
  { answer: 'HSBCHSBC', keywords: ['HSBC', 'hsbc', 'Hsbc'] },
  { answer: 'a\nb\tc', keywords: ['a\nb', 'b c'] },
];

describe('keywordScore', () => {
  it('agrees with `kw.lower() in answer.lower()` on ASCII (TypeScript transcription)', () => {
    for (const c of ASCII_CASES) {
      const expected = c.keywords.filter((k) => c.answer.toLowerCase().includes(k.toLowerCase())).length / c.keywords.length;
      expect(keywordScore(c.answer, c.keywords).value, JSON.stringify(c)).toBe(expected);
    }
  });

  it.skipIf(!hasPython)("agrees with the user's original Python eval run by python3, per item and in the mean", () => {
    const ref = python<{ items: number[]; mean: number }>(USER_EVAL, ASCII_CASES);
    const ours = ASCII_CASES.map((c) => keywordScore(c.answer, c.keywords).value);
    expect(ours).toEqual(ref.items);
    expect(ours.reduce((a, b) => a + b, 0) / ours.length).toBeCloseTo(ref.mean, 12);
  });

  it.skipIf(!hasPython)('agrees with Python NFKC + casefold on non-ASCII text', () => {
    const cases = [
      { answer: '李智维是TEKsystems的AI工程师，外派到汇丰。', keywords: ['AI工程师', '汇丰', 'tek', '营口'] },
      { answer: 'ＨＳＢＣ と ＡＩ Ｅｎｇｉｎｅｅｒ', keywords: ['HSBC', 'ai engineer'] },
      { answer: 'Die Straße in GROSSBRITANNIEN', keywords: ['strasse', 'großbritannien'] },
      { answer: 'ΟΔΥΣΣΕΥΣ', keywords: ['οδυσσευς', 'οδυσσευσ'] },
      { answer: 'ﬁnance ｆｉｎｅ-tuning', keywords: ['finance', 'fine-tuning'] },
      { answer: 'H₂O 是水', keywords: ['H2O'] },
    ];
    const ref = python<number[]>(
      `import json, sys, unicodedata
f = lambda s: unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", s).casefold())
cases = json.load(sys.stdin)
print(json.dumps([sum(1 for k in c["keywords"] if f(k) in f(c["answer"])) / len(c["keywords"]) for c in cases]))`,
      cases,
    );
    expect(cases.map((c) => keywordScore(c.answer, c.keywords).value)).toEqual(ref);
  });

  it('counts a keyword with alternatives once, when any alternative hits', () => {
    const s = keywordScore('He works for 汇丰 in 广州', ['TEKsystems', ['HSBC', '汇丰'], ['Guangzhou', '广州']]);
    expect(s.value).toBeCloseTo(2 / 3, 12);
    expect(s.details).toEqual({ hits: ['HSBC|汇丰', 'Guangzhou|广州'], misses: ['TEKsystems'] });
    expect(s.explanation).toContain('missing: TEKsystems');
  });

  it('normalizes full-width forms and case (NFKC + fold)', () => {
    expect(foldForMatch('ＬＺＷＪＡＶＡ')).toBe('lzwjava');
    expect(keywordScore('ＡＩ工程师', ['ai工程师']).value).toBe(1);
  });
});

describe('forbiddenScore', () => {
  it('flags any forbidden string, case-insensitively, and lists what it found', () => {
    const s = forbiddenScore('He was born in 1992 in yingkou.', ['Yingkou', '1992', 'education company']);
    expect(s.value).toBe(1);
    expect(s.details).toEqual({ found: ['Yingkou', '1992'] });
    expect(forbiddenScore('He lives in Guangzhou.', ['Yingkou']).value).toBe(0);
    expect(forbiddenScore('anything', []).value).toBe(0);
  });
});
