import { describe, expect, it } from 'vitest';
import { chrf } from '../../server/scoring/chrf.js';
import { hasPython, python } from '../helpers/python.js';

describe('chrf (sacrebleu defaults: char order 6, word order 0, beta 2, whitespace removed)', () => {
  it("matches sacrebleu's own effective-order test table (values independent of beta)", () => {
    // sacrebleu test/test_chrf.py, test_cases_effective_order (single-sentence cases).
    expect(chrf('a', 'a')).toBeCloseTo(100, 4);
    expect(chrf('', 'reference')).toBe(0);
    expect(chrf('a b c', 'a b c')).toBeCloseTo(100, 4);
    expect(chrf('a b c', 'abc')).toBeCloseTo(100, 4);
    expect(chrf('', 'c')).toBe(0);
    expect(chrf('aa', 'ab')).toBeCloseTo(25, 4);
  });

  it('matches hand-checked values where beta matters', () => {
    // "ab" vs "abc": order 1 p=1 r=2/3; order 2 p=1 r=1/2; orders 3+ skipped (no hyp n-grams).
    // P=1, R=7/12, F2 = 5PR/(4P+R) = 35/55 = 63.6363…
    expect(chrf('ab', 'abc')).toBeCloseTo((100 * 35) / 55, 8);
    // Reversed: P=7/12, R=1 → F2 = 5·(7/12)/(4·7/12+1) = 35/40 = 87.5
    expect(chrf('abc', 'ab')).toBeCloseTo(87.5, 8);
    expect(chrf('abcdefg', 'hijklmnop')).toBe(0);
  });

  it('counts characters as code points, like Python', () => {
    // '𠀀' is one code point but two UTF-16 units; identical strings must still score 100.
    expect(chrf('𠀀𠀁𠀂', '𠀀𠀁𠀂')).toBeCloseTo(100, 8);
    expect(chrf('𠀀', '𠀀𠀁')).toBeCloseTo(chrf('a', 'ab'), 8);
  });

  it.skipIf(!hasPython)('agrees with an independent Python transcription on English, Chinese and emoji text', () => {
    const pairs = [
      ['The KV cache trades memory for speed.', 'A KV cache trades GPU memory for generation speed.'],
      ['微调以后模型开始胡说八道', '为什么微调以后模型开始胡说八道'],
      ['用 Python 写一个简单的 API 服务', '很多时候我们只需要一个很小的后端服务'],
      ['emoji 🙂🙂 test', 'emoji 🙂 test 𠀀'],
      ['repeat repeat repeat repeat', 'repeat once'],
      ['', ''],
      ['x', ''],
    ];
    const ref = python<number[]>(
      `import json, sys
from collections import Counter
def chrf(h, r, order=6, beta=2):
    h = "".join(h.split()); r = "".join(r.split())
    p = rc = 0.0; eff = 0
    for n in range(1, order + 1):
        hc = Counter(h[i:i+n] for i in range(len(h) - n + 1))
        rcnt = Counter(r[i:i+n] for i in range(len(r) - n + 1))
        nh, nr = sum(hc.values()), sum(rcnt.values())
        if nh > 0 and nr > 0:
            m = sum((hc & rcnt).values()); p += m / nh; rc += m / nr; eff += 1
    if eff == 0: return 0.0
    p /= eff; rc /= eff
    if p + rc == 0: return 0.0
    b2 = beta ** 2
    return 100 * (1 + b2) * p * rc / (b2 * p + rc)
print(json.dumps([chrf(h, r) for h, r in json.load(sys.stdin)]))`,
      pairs,
    );
    pairs.forEach(([h, r], i) => expect(chrf(h!, r!), `${h} | ${r}`).toBeCloseTo(ref[i]!, 9));
  });
});
