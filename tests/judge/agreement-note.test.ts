import { describe, expect, it } from 'vitest';
import { agreementNote, type RefusalJudgeSummary } from '../../server/judge/refusal-agreement.js';

describe('agreement note', () => {
  const summary = (over: Partial<RefusalJudgeSummary>): RefusalJudgeSummary => ({
    rubric: 'refusal-v1', judges: ['j'], judged: 6, errors: 0, agree: 6, bothPass: 3, bothFail: 3, keywordPassJudgeFail: 0, keywordFailJudgePass: 0,
    agreement: 1, kappa: 1, passRate: { value: 0.5, n: 6, ci: null, method: null }, disagreements: [], ...over,
  });

  it.each([
    [summary({ agree: 5, bothPass: 3, bothFail: 2, keywordPassJudgeFail: 1, kappa: 2 / 3 }),
      'refusal judge (refusal-v1) agrees with keywords on 5 of 6 answers (kappa 0.67); 1 keyword pass judged a failure: see tunegate show 12 --items --json'],
    [summary({}), 'refusal judge (refusal-v1) agrees with keywords on 6 of 6 answers (kappa 1.00)'],
    [summary({ agree: 3, bothPass: 1, bothFail: 2, keywordPassJudgeFail: 2, keywordFailJudgePass: 1, kappa: -0.2, errors: 1 }),
      'refusal judge (refusal-v1) agrees with keywords on 3 of 6 answers (kappa -0.20); 2 keyword passes judged failures, 1 keyword failure judged a pass: see tunegate show 12 --items --json; 1 answer not judged (judge error)'],
    [summary({ bothPass: 6, bothFail: 0, kappa: null }), 'refusal judge (refusal-v1) agrees with keywords on 6 of 6 answers (kappa undefined: every verdict the same)'],
    [summary({ judged: 0, agree: 0, bothPass: 0, bothFail: 0, errors: 6, kappa: null }), 'refusal judge (refusal-v1): 6 answers not judged (judge errors)'],
    [summary({ judged: 0, agree: 0, bothPass: 0, bothFail: 0, kappa: null }), null],
    [null, null],
  ])('%#', (s, note) => {
    expect(agreementNote(s, 12)).toBe(note);
  });
});
