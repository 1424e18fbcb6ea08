import { describe, expect, it } from 'vitest';
import { reachesPowerSampled, residuals, sampledModel, samplesNeededSim, type SampledModel } from '../../server/stats/samples-power.js';

const LEVEL = 0.05;
const N = 30;

describe('samples per item, by simulating the gate', () => {
  it("an item's residuals are centred and carry the unbiased sample variance; one sample has none", () => {
    const r = residuals([1, 0, 1, 1]);
    expect(r.reduce((s, x) => s + x, 0)).toBeCloseTo(0, 12);
    // s² of 1,0,1,1 is 0.25; K draws of the rescaled residuals then have variance s²/K.
    expect(r.reduce((s, x) => s + x * x, 0) / r.length).toBeCloseTo(0.25, 12);
    expect(residuals([1])).toEqual([]);
  });

  it('the samples found are the fewest that reach the power: one fewer does not', () => {
    const coin = residuals([1, 0, 1, 0]);
    const model: SampledModel = { between: Array<number>(N).fill(0), base: Array(N).fill(coin), head: Array(N).fill(coin) };
    const k = samplesNeededSim(model, N, 0.1, 0.02, LEVEL, 0.8)!;
    expect(k).toBeGreaterThan(1);
    expect(reachesPowerSampled(model, N, k, 0.1, 0.02, LEVEL, 0.8)).toBe(true);
    expect(reachesPowerSampled(model, N, k - 1, 0.1, 0.02, LEVEL, 0.8)).toBe(false);
  });

  it('spread between items that samples cannot shrink: no number of samples reaches the power', () => {
    const between = Array.from({ length: N }, (_, i) => (i % 3 === 0 ? 1 : i % 3 === 1 ? -1 : 0));
    const none = Array<number[]>(N).fill([]);
    expect(samplesNeededSim({ between, base: none, head: none }, N, 0.1, 0.02, LEVEL, 0.8)).toBeNull();
  });

  it("the observed spread is split: what sampling noise explains is taken out of the between-item part", () => {
    // s² of 1,0,1,0 is 1/3: a 4-sample mean in each run, so the paired noise has variance 2·(1/3)/4 = 1/6.
    // Worsenings whose spread is just that keep nothing between items.
    const coin = residuals([1, 0, 1, 0]);
    const worse = Array.from({ length: N }, (_, i) => ((i % 2 === 0 ? 1 : -1) * Math.sqrt(1 / 6)));
    const m = sampledModel(worse, Array(N).fill(coin), Array(N).fill(coin), 4);
    expect(Math.max(...m.between.map(Math.abs))).toBeLessThan(1e-6);
    // Twice that spread: half of the variance stays between items.
    const wide = sampledModel(worse.map((w) => w * Math.SQRT2), Array(N).fill(coin), Array(N).fill(coin), 4);
    expect(wide.between[0]! ** 2).toBeCloseTo(1 / 6, 6);
  });
});
