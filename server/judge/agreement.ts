/** Two pass/fail verdicts on one answer: the keyword rule's and the judge's. */
export interface VerdictPair {
  keyword: boolean;
  judge: boolean;
}

/** How often two pass/fail raters agree, over the answers both rated. */
export interface Agreement {
  /** Answers both rated. */
  n: number;
  agree: number;
  bothPass: number;
  bothFail: number;
  keywordPassJudgeFail: number;
  keywordFailJudgePass: number;
  /** agree / n; null when n is 0. */
  rate: number | null;
  /**
   * Cohen's kappa: agreement beyond what the two pass rates give by chance, (po − pe) / (1 − pe).
   * Null when undefined: no answers, or both raters gave every answer the same verdict (pe = 1).
   */
  kappa: number | null;
}

/** Agreement counts and Cohen's kappa of keyword and judge verdicts. Pure. */
export function agreement(pairs: readonly VerdictPair[]): Agreement {
  let bothPass = 0, bothFail = 0, keywordPassJudgeFail = 0, keywordFailJudgePass = 0;
  for (const p of pairs) {
    if (p.keyword && p.judge) bothPass++;
    else if (!p.keyword && !p.judge) bothFail++;
    else if (p.keyword) keywordPassJudgeFail++;
    else keywordFailJudgePass++;
  }
  const n = pairs.length;
  const agree = bothPass + bothFail;
  // In counts rather than shares, so a perfect agreement is exactly 1: kappa = (n·agree − e) / (n² − e),
  // where e = n² · pe is the agreement expected from the two raters' pass and fail counts.
  const keywordPass = bothPass + keywordPassJudgeFail;
  const judgePass = bothPass + keywordFailJudgePass;
  const expected = keywordPass * judgePass + (n - keywordPass) * (n - judgePass);
  const kappa = n === 0 || n * n === expected ? null : (n * agree - expected) / (n * n - expected);
  return { n, agree, bothPass, bothFail, keywordPassJudgeFail, keywordFailJudgePass, rate: n === 0 ? null : agree / n, kappa };
}
