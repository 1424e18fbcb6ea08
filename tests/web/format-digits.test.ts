import { describe, expect, it } from 'vitest';
import { interval, num, signed, withInterval } from '../../web/src/format.js';
import { fmt } from '../../server/report/text.js';
import { fixedDigits, signedDigits } from '../../server/shared/fixed-digits.js';

describe('numbers that round to zero print without a minus sign (page, CLI and reports alike)', () => {
  it('the page: intervals, values and changes', () => {
    expect(interval([-0, 0])).toBe('[0.000, 0.000]');
    expect(interval([-0.0001, 0.0004])).toBe('[0.000, 0.000]');
    expect(interval([-0.0006, 0.2])).toBe('[-0.001, 0.200]');
    expect(num(-0)).toBe('0.000');
    expect(num(-0.04, 1)).toBe('0.0');
    expect(withInterval(-0, { n: 3, ci: [-0.0002, 0.5] })).toBe('0.000 [0.000, 0.500] n=3');
    expect(signed(-0.0001)).toBe('+0.000');
    expect(signed(-0.02)).toBe('−0.020');
    expect(signed(0.02)).toBe('+0.020');
  });

  it('the CLI and the gate reports read the same rule', () => {
    expect(fmt(-0.0002)).toBe('0.000');
    expect(fmt(-0)).toBe('0.000');
    expect(fixedDigits(-0.5, 0)).toBe('-1');
    expect(fixedDigits(-0.4, 0)).toBe('0');
    expect(signedDigits(-0.0001, 3)).toBe('+0.000');
    expect(signedDigits(-0.25, 2)).toBe('-0.25');
  });
});
