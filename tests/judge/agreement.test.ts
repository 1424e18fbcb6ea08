import { describe, expect, it } from 'vitest';
import { agreement, type VerdictPair } from '../../server/judge/agreement.js';

/** `n` copies of one (keyword, judge) pair. */
const times = (n: number, keyword: boolean, judge: boolean): VerdictPair[] => Array.from({ length: n }, () => ({ keyword, judge }));

describe("agreement and Cohen's kappa", () => {
  it.each([
    // [case, pairs, agree, keywordPassJudgeFail, keywordFailJudgePass, rate, kappa]
    ['no answers', [], 0, 0, 0, null, null],
    ['5 of 6: one keyword pass judged a failure', [...times(3, true, true), ...times(1, true, false), ...times(2, false, false)], 5, 1, 0, 5 / 6, 2 / 3],
    // Fleiss' textbook table: po 0.7, pe 0.5 → 0.4.
    ['po 0.7, pe 0.5', [...times(20, true, true), ...times(15, false, false), ...times(5, true, false), ...times(10, false, true)], 35, 5, 10, 0.7, 0.4],
    ['perfect agreement with both verdicts present', [...times(2, true, true), ...times(2, false, false)], 4, 0, 0, 1, 1],
    ['perfect disagreement', [...times(2, true, false), ...times(2, false, true)], 0, 2, 2, 0, -1],
    ['every verdict the same on both sides: pe = 1, kappa undefined', times(5, true, true), 5, 0, 0, 1, null],
    ['both constant but opposite: no agreement beyond chance', times(3, true, false), 0, 3, 0, 0, 0],
    ['one rater constant: kappa 0 whatever the other does', [...times(3, true, true), ...times(1, true, false)], 3, 1, 0, 0.75, 0],
  ] as Array<[string, VerdictPair[], number, number, number, number | null, number | null]>)('%s', (_, pairs, agree, kpjf, kfjp, rate, kappa) => {
    const a = agreement(pairs);
    expect(a).toMatchObject({ n: pairs.length, agree, keywordPassJudgeFail: kpjf, keywordFailJudgePass: kfjp });
    expect(a.bothPass + a.bothFail).toBe(agree);
    expect(a.agree + a.keywordPassJudgeFail + a.keywordFailJudgePass).toBe(pairs.length);
    if (rate === null) expect(a.rate).toBeNull();
    else expect(a.rate).toBeCloseTo(rate, 12);
    if (kappa === null) expect(a.kappa).toBeNull();
    else expect(a.kappa).toBeCloseTo(kappa, 12);
  });

  it('is exactly 1 at perfect agreement (computed in counts, not rounded shares)', () => {
    expect(agreement([...times(7, true, true), ...times(3, false, false)]).kappa).toBe(1);
  });
});
