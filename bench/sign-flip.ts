import { seededRandom } from '../server/stats/random.js';
import { signFlipTest } from '../server/stats/sign-flip.js';

/**
 * Cost of one exact sign-flip decision on continuous per-item differences (the likelihood metrics:
 * every difference distinct, so 2^n flip patterns): the test, its p-value and both bounds, as the
 * gate computes them for one metric. Median of 7 after a warm-up.
 * Usage: npm run bench:sign-flip -- [N…]
 */
const sizes = process.argv.slice(2).map(Number);
for (const n of sizes.length > 0 ? sizes : [12, 16, 20]) {
  const random = seededRandom(n);
  const d = Array.from({ length: n }, () => random() - 0.45);
  const once = () => {
    const t0 = performance.now();
    const t = signFlipTest(d);
    t.pAbove(0);
    t.lower(0.025);
    t.upper(0.025);
    return performance.now() - t0;
  };
  once();
  const times = Array.from({ length: 7 }, once).sort((a, b) => a - b);
  console.log(`| ${n} items | ${times[3]!.toFixed(1)} ms |`);
}
