import { describe, expect, it } from 'vitest';
import { signFlipTest } from '../../server/stats/sign-flip.js';

/** The sign-flip test on 0/1 differences: `worse` items +1, `better` items −1 (unchanged items change nothing). */
const exactSignTestP = (worse: number, better: number) => signFlipTest([...Array(worse).fill(1), ...Array(better).fill(-1), 0, 0]).pAbove(0);
import { hasPython, python } from '../helpers/python.js';

describe('the exact sign test (the sign-flip test on 0/1 scores)', () => {
  it('exact sign test matches hand-computed binomial tails', () => {
    expect(exactSignTestP(0, 0)).toBe(1);
    expect(exactSignTestP(3, 0)).toBeCloseTo(1 / 8, 12); // all 3 discordant pairs worse
    expect(exactSignTestP(2, 1)).toBeCloseTo(4 / 8, 12); // P(X ≥ 2), X ~ Bin(3, ½)
    expect(exactSignTestP(0, 5)).toBeCloseTo(1, 12);
  });

  it.skipIf(!hasPython)('exact sign test agrees with Python on larger counts', () => {
    const cases = [[30, 10], [12, 8], [55, 40], [1, 0], [100, 70]];
    const ref = python<number[]>(
      `import json, sys, math
out = []
for w, b in json.load(sys.stdin):
    n = w + b
    out.append(sum(math.comb(n, k) for k in range(w, n + 1)) / 2 ** n)
print(json.dumps(out))`, cases);
    cases.forEach(([w, b], i) => expect(exactSignTestP(w!, b!)).toBeCloseTo(ref[i]!, 12));
  });
});
