import { describe, expect, it } from 'vitest';
import { blogMetrics, lengthFactor, repetitionFactor } from '../../server/scoring/blog/blog-quality.js';
import { dominantScript, languageMatch } from '../../server/text/language.js';
import { distinct2, repetition } from '../../server/scoring/blog/repetition.js';
import { lcsLength, lcsLengthDp, rougeL } from '../../server/scoring/blog/rouge-l.js';
import { seededRandom } from '../../server/stats/random.js';
import { tokenize } from '../../server/scoring/blog/tokenize.js';
import { BLOG_CASES, firstSentence, withLoop } from '../fixtures/blog-cases.js';

describe('tokenize', () => {
  it('splits CJK per character and other text per lower-cased word, dropping punctuation', () => {
    expect(tokenize('用 Python 写API服务！')).toEqual(['用', 'python', '写', 'api', '服', '务']);
    expect(tokenize("Don't PANIC: it's 2.5x faster, ＡＰＩ.")).toEqual(["don't", 'panic', "it's", '2', '5x', 'faster', 'api']);
  });
});

describe('ROUGE-L', () => {
  it('matches hand-checked LCS values in English and Chinese', () => {
    expect(lcsLength(['a', 'b', 'c', 'd'], ['a', 'c', 'd', 'b'])).toBe(3);
    // "the cat sat on the mat" vs "the cat on the mat": LCS 5, P = 5/6, R = 1 → F = 10/11
    expect(rougeL(tokenize('the cat sat on the mat'), tokenize('the cat on the mat'))).toBeCloseTo(10 / 11, 12);
    // 我喜欢写博客 vs 我喜欢读博客: LCS 我喜欢博客 = 5 of 6 each side → 5/6
    expect(rougeL(tokenize('我喜欢写博客'), tokenize('我喜欢读博客'))).toBeCloseTo(5 / 6, 12);
    expect(rougeL([], tokenize('x'))).toBe(0);
  });

  it('bit-parallel LCS equals the dynamic programme on random sequences across word boundaries', () => {
    const random = seededRandom(5);
    for (let trial = 0; trial < 300; trial++) {
      const alphabet = 1 + Math.floor(random() * 6);
      const seq = () => Array.from({ length: Math.floor(random() * 140) }, () => String.fromCharCode(97 + Math.floor(random() * alphabet)));
      const a = seq();
      const b = seq();
      expect(lcsLength(a, b), `${a.join('')} | ${b.join('')}`).toBe(lcsLengthDp(a, b));
    }
  });
});

describe('repetition and distinct-2', () => {
  it('is 0 for text without repeats and high for a loop, in English and Chinese', () => {
    expect(repetition(tokenize('one two three four five six'))).toBe(0);
    // 8 tokens "a b c d a b c d": 5 4-grams, 4 unique → 1 - 4/5
    expect(repetition(tokenize('a b c d a b c d'))).toBeCloseTo(0.2, 12);
    // 12 characters: 9 4-grams, 2 distinct → 1 - 2/9
    expect(repetition(tokenize('好的好的好的好的好的好的'))).toBeCloseTo(7 / 9, 12);
    expect(distinct2(tokenize('a b a b'))).toBeCloseTo(2 / 3, 12);
    expect(distinct2(tokenize('我喜欢写博客'))).toBe(1);
  });
});

describe('language match', () => {
  it('reads Chinese posts full of English terms as Chinese', () => {
    expect(dominantScript('用 Python 和 SQLite 写一个 API 服务，打开 WAL 模式。')).toBe('zh');
    expect(dominantScript('The KV cache trades memory for speed.')).toBe('latin');
    expect(dominantScript('123 !!!')).toBe('none');
    expect(languageMatch('这是中文', '这也是中文')).toBe(1);
    expect(languageMatch('English', '中文的参考')).toBe(0);
    expect(languageMatch('', 'reference')).toBe(0);
  });
});

describe('the combination factors', () => {
  it('tolerates 40%–250% of the reference length and penalizes outside it', () => {
    expect(lengthFactor(0.4)).toBe(1);
    expect(lengthFactor(2.5)).toBe(1);
    expect(lengthFactor(0.1)).toBeCloseTo(0.25, 12);
    expect(lengthFactor(5)).toBeCloseTo(0.5, 12);
    expect(lengthFactor(0)).toBe(0);
  });

  it('penalizes only repetition beyond the reference’s own', () => {
    expect(repetitionFactor(0.1, 0.1)).toBe(1);
    expect(repetitionFactor(0.05, 0)).toBe(1);
    expect(repetitionFactor(0.65, 0)).toBeCloseTo(0.1, 12);
  });
});

describe('blog_quality ordering (English and Chinese titles)', () => {
  for (const [i, c] of BLOG_CASES.entries()) {
    const offTopic = BLOG_CASES.find((o, j) => j !== i && /\p{Script=Han}/u.test(o.title) === /\p{Script=Han}/u.test(c.title))!.faithful;
    const degraded: Array<[string, string]> = [
      ['the same post with a repetition loop', withLoop(c.faithful)],
      ['a fluent post on another topic', offTopic],
      ['the same post in the wrong language', c.translated],
      ['an empty answer', ''],
      ['a one-line answer', firstSentence(c.faithful)],
      ['the title echoed back', c.title],
    ];
    const faithful = blogMetrics(c.faithful, c.reference);
    for (const [label, answer] of degraded) {
      it(`"${c.title}": a faithful post scores above ${label}`, () => {
        const m = blogMetrics(answer, c.reference);
        expect(faithful.blog_quality).toBeGreaterThan(m.blog_quality);
        // Not by a hair: the failure must cost at least a third of the faithful score.
        expect(m.blog_quality).toBeLessThan(faithful.blog_quality * 0.67);
      });
    }
  }

  it('stores every component, and an empty answer is 0 on all of them', () => {
    const c = BLOG_CASES[0]!;
    const m = blogMetrics(c.faithful, c.reference);
    expect(Object.keys(m).sort()).toEqual(['blog_quality', 'chrf', 'distinct_2', 'language_match', 'length_ratio', 'repetition', 'rouge_l']);
    expect(m.language_match).toBe(1);
    expect(m.length_ratio).toBeGreaterThan(0.8);
    expect(m.blog_quality).toBeGreaterThan(0.3);
    expect(blogMetrics('', c.reference)).toMatchObject({ chrf: 0, rouge_l: 0, repetition: 0, length_ratio: 0, language_match: 0, blog_quality: 0 });
  });
});
