import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { gate } from '../../server/gate/gate-head.js';
import { plan } from '../../server/gate/plan.js';
import { seededRandom } from '../../server/stats/random.js';
import { openStore } from '../../server/store/open.js';
import type { Store } from '../../server/store/open.js';
import { cli } from '../helpers/cli.js';
import { sampledRun } from '../helpers/synthetic.js';
import { tempDir } from '../helpers/tmp.js';
import { freshStore } from '../helpers/run.js';

const ITEMS = 30;
const TRIALS = 40;
const K0 = 4;

/** A base and a head run of the same 30 keyword items, 4 samples each, the head's checkpoint fine-tuned from the base (its default reference). */
function pairOf(store: Store, base: boolean[][], head: boolean[][], temperature = 0.7) {
  store.checkpoints.add({ name: 'base', baseUrl: 'http://127.0.0.1:9/v1', model: 'base', step: null });
  store.checkpoints.add({ name: 'head', baseUrl: 'http://127.0.0.1:9/v1', model: 'head', step: 1, base: 'base' });
  sampledRun(store, 'base', base, temperature);
  return store.runs.get(sampledRun(store, 'head', head, temperature));
}

const bioPlan = (store: Store, head: ReturnType<Store['runs']['get']>) => plan(store, head, { detect: 0.1 }).metrics.find((m) => m.metric === 'bio_accuracy')!;

describe('plan: samples per item, by simulating the gate on the run\'s per-item sample spread', () => {
  it('items alike but each sample a coin flip: more samples shrink the noise, and plan says how many, with the command', async () => {
    const dir = tempDir();
    const store = openStore(join(dir, 'samples-help.db'));
    const r = seededRandom(41);
    const coins = () => Array.from({ length: ITEMS }, () => Array.from({ length: K0 }, () => r() < 0.5));
    const head = pairOf(store, coins(), coins());
    const m = bioPlan(store, head);
    expect(m.samples.kind).toBe('found');
    expect(m.itemsNeeded).not.toBe('already');
    expect(m.samples.now).toBe(K0);
    expect(typeof m.samples.needed).toBe('number');
    const k = m.samples.needed as number;
    // Four samples do not detect a 0.10 drop here; the noise of a K-sample mean falls as 1/K.
    expect(k).toBeGreaterThan(K0);
    expect(k).toBeLessThanOrEqual(64);
    expect(m.samples.command).toBe(`tunegate run head --samples ${k} --temperature 0.7`);
    store.close();
    // The same in `tunegate plan`'s text: a column and the command.
    const text = await cli(['plan', '--db', join(dir, 'samples-help.db'), '--run', String(head.id), '--detect', '0.1'], { cwd: dir });
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toMatch(new RegExp(`^bio_accuracy\\s+${ITEMS}\\s.*\\s${k} \\(now ${K0}\\)$`, 'm'));
    expect(text.stdout).toContain(`samples for bio_accuracy: ${m.samples.why}\n  ${m.samples.command}`);
    // The real gate on fresh runs of these items, a true drop of 0.10 (p 0.5 → 0.4 per sample):
    // with k samples per item it is caught at least about as often as asked (80%; the split of the
    // observed spread into between and within items errs towards more samples), with 4 far less often.
    const caught = (samples: number, seed: number) => {
      const { store: s } = freshStore(`samples-check-${samples}.db`);
      const rr = seededRandom(seed);
      const draw = (p: number) => Array.from({ length: ITEMS }, () => Array.from({ length: samples }, () => rr() < p));
      let hits = 0;
      for (let t = 0; t < TRIALS; t++) {
        const b = sampledRun(s, `b${t}`, draw(0.5));
        if (gate(s, sampledRun(s, `h${t}`, draw(0.4)), b, { metrics: ['bio_accuracy'], seed: t }).verdict === 'regression') hits++;
      }
      s.close();
      return hits / TRIALS;
    };
    const atK = caught(k, 51);
    expect(atK).toBeGreaterThanOrEqual(0.7);
    expect(caught(K0, 52)).toBeLessThan(atK - 0.2);
  }, 120_000);

  it('items that never vary within but change unevenly between runs: no number of samples helps, and plan says so', () => {
    const { store } = freshStore('samples-cannot.db');
    const r = seededRandom(42);
    const fixed = Array.from({ length: ITEMS }, () => r() < 0.6);
    // 6 items lose their answer and 5 gain one: spread between items, none within (every sample alike).
    const changed = fixed.map((pass, i) => (i < 12 ? (i % 2 === 0 ? !pass : pass) : pass));
    const same = (xs: boolean[]) => xs.map((x) => Array<boolean>(K0).fill(x));
    const m = bioPlan(store, pairOf(store, same(fixed), same(changed)));
    expect(m.itemsNeeded).not.toBe('already');
    expect(m.samples).toMatchObject({ kind: 'none', needed: null, command: null });
    expect(m.samples.why).toMatch(/no number of samples up to 64/);
    expect(m.samples.why).toMatch(/between items/);
    store.close();
  });

  it('one sample per item, or greedy answers: no number is made up, and it says what samples can and cannot buy', () => {
    const { store } = freshStore('samples-one.db');
    const r = seededRandom(43);
    const one = () => Array.from({ length: ITEMS }, () => [r() < 0.6]);
    const m = bioPlan(store, pairOf(store, one(), one()));
    expect(m.samples).toMatchObject({ kind: 'unknown', now: 1, needed: null });
    expect(m.samples.why).toMatch(/cannot reduce the spread between items/);
    expect(m.samples.command).toBe('tunegate run head --samples 4 --temperature 0.7');
    const { store: greedyStore } = freshStore('samples-greedy.db');
    const g = bioPlan(greedyStore, pairOf(greedyStore, one(), one(), 0));
    expect(g.samples).toMatchObject({ kind: 'unknown', needed: null, command: null });
    expect(g.samples.why).toMatch(/temperature 0/);
    store.close();
    greedyStore.close();
  });
});
