/**
 * The paper's picture on a synthetic training run: a fine-tuned model learns new (Unknown) facts
 * step by step while forgetting what the base model knew. Per-category accuracy shows it, the gate
 * raises the forgetting alarm by default, and `advise` picks the step before the fall.
 */
import { describe, expect, it } from 'vitest';
import { startScriptedEndpoint, type Responder } from '../../server/scripted-endpoint/scripted-endpoint.js';
import { cli } from '../helpers/cli.js';
import { jsonl, tempDir, writeFiles } from '../helpers/tmp.js';

const KNOWN = 20;
const TRAIN = 10;
const HELDOUT = 40;
const items = [
  ...Array.from({ length: KNOWN }, (_, i) => ({ id: `k${i}`, prompt: `known question ${i}?`, keywords: [`known-${i}`] })),
  ...Array.from({ length: TRAIN }, (_, i) => ({ id: `t${i}`, prompt: `trained question ${i}?`, keywords: [`trained-${i}`], tags: ['in_train'] })),
  ...Array.from({ length: HELDOUT }, (_, i) => ({ id: `h${i}`, prompt: `heldout question ${i}?`, keywords: [`heldout-${i}`] })),
];
/** Per step: known facts forgotten, training facts learned, held-out new facts answered. */
const CURVE: Record<number, { forgot: number; train: number; heldout: number }> = {
  0: { forgot: 0, train: 0, heldout: 0 },
  1000: { forgot: 0, train: 3, heldout: 5 },
  2000: { forgot: 1, train: 8, heldout: 15 },
  3000: { forgot: 6, train: 10, heldout: 30 },
  4000: { forgot: 15, train: 10, heldout: 35 },
};
const stepOf = (model: string) => (model === 'base' ? 0 : Number(model.replace('ft-', '')));

/** Each checkpoint is a model name on one server; answers depend only on the step and the question. */
const responder: Responder = (req) => {
  const c = CURVE[stepOf(req.model)]!;
  const m = /^(known|trained|heldout) question (\d+)\?$/.exec(req.userText)!;
  const i = Number(m[2]);
  const right = m[1] === 'known' ? i >= c.forgot : m[1] === 'trained' ? i < c.train : i < c.heldout;
  return { content: right ? `It is ${m[1]}-${i}.` : 'I am not sure.' };
};

describe('knowledge categories over a training run', () => {
  it('per-category accuracy, the forgetting alarm and the early-stopping pick', async () => {
    const e = await startScriptedEndpoint({ respond: responder, models: ['base', ...[1000, 2000, 3000, 4000].map((s) => `ft-${s}`)] });
    try {
      const cwd = tempDir();
      writeFiles(cwd, { 'evalsets/bio.jsonl': jsonl(...items) });
      const ok = async (argv: string[]) => {
        const r = await cli(argv, { cwd });
        expect(r.code, `${argv.join(' ')}: ${r.stderr}`).toBe(0);
        return r;
      };
      await ok(['checkpoint', 'add', 'base', '--base-url', e.url, '--model', 'base', '--step', '0', '--tag', 'run=ft']);
      for (const s of [1000, 2000, 3000, 4000]) await ok(['checkpoint', 'add', `ft-${s}`, '--base-url', e.url, '--model', `ft-${s}`, '--step', String(s), '--tag', 'run=ft', '--base', 'base']);
      // Runs before the categorization: their summaries are recomputed once categories exist.
      await ok(['run', 'base']);
      const cat = await ok(['categorize', '--base', 'base', '--prompts', '2', '--samples', '1', '--json']);
      expect(cat.json().categories).toEqual({ HighlyKnown: KNOWN, MaybeKnown: 0, WeaklyKnown: 0, Unknown: TRAIN + HELDOUT });
      for (const s of [1000, 2000, 3000, 4000]) await ok(['run', `ft-${s}`]);

      const shown = (await ok(['runs', '--json'])).json() as Array<{ runId: number; checkpoint: string; metrics: Record<string, number | null>; stats: Record<string, { n: number }>; categories: Record<string, number> | null }>;
      const by = Object.fromEntries(shown.map((r) => [r.checkpoint, r]));
      expect(by.base!.metrics).toMatchObject({ acc_highly_known: 1, acc_unknown: 0 });
      expect(by.base!.categories).toEqual({ HighlyKnown: KNOWN, MaybeKnown: 0, WeaklyKnown: 0, Unknown: TRAIN + HELDOUT });
      expect(by['ft-3000']!.metrics.acc_highly_known).toBeCloseTo((KNOWN - 6) / KNOWN, 10);
      expect(by['ft-3000']!.metrics.acc_unknown).toBeCloseTo((10 + 30) / (TRAIN + HELDOUT), 10);
      expect(by['ft-3000']!.stats.acc_highly_known!.n).toBe(KNOWN);
      expect(by['ft-2000']!.metrics.train_accuracy).toBeCloseTo(8 / TRAIN, 10);
      expect(by['ft-2000']!.metrics.heldout_accuracy).toBeCloseTo((KNOWN - 1 + 15) / (KNOWN + HELDOUT), 10);

      // The gate raises the alarm by default at step 3000: Known accuracy fell, though bio accuracy rose.
      const g = await cli(['gate', '--checkpoint', 'ft-3000', '--baseline', 'base', '--json'], { cwd });
      expect(g.code).toBe(1);
      const verdicts = Object.fromEntries((g.json().metrics as Array<{ metric: string; verdict: string }>).map((m) => [m.metric, m.verdict]));
      expect(verdicts).toMatchObject({ bio_accuracy: 'improved', acc_highly_known: 'regression' });
      // By default the gate compares with the head's base checkpoint.
      const byDefault = (await cli(['gate', '--checkpoint', 'ft-3000', '--json'], { cwd })).json();
      expect(byDefault).toMatchObject({ verdict: 'regression', baseline: { checkpoint: 'base' }, reference: { kind: 'base' } });
      // Against the previous step (2000), gradual forgetting is small; the alarm compares Known
      // accuracy with the base model's run instead.
      const prev = await cli(['gate', '--checkpoint', 'ft-3000', '--baseline', 'previous', '--json'], { cwd });
      expect(prev.code).toBe(1);
      const alarm = (prev.json().metrics as Array<{ metric: string; verdict: string; against?: { checkpoint: string } }>).find((m) => m.metric === 'acc_highly_known')!;
      expect(prev.json().baseline.checkpoint).toBe('ft-2000');
      expect(alarm).toMatchObject({ verdict: 'regression', against: { checkpoint: 'base' } });
      // A categorization is not an evaluation: the gate refuses it.
      const refused = await cli(['gate', '--run', String(cat.json().runId), '--baseline', 'base'], { cwd });
      expect(refused.code).toBe(2);
      expect(refused.stderr).toContain('is a categorization');
      // One forgotten item of 20 is no evidence: step 2000 passes.
      expect((await cli(['gate', '--checkpoint', 'ft-2000', '--baseline', 'base'], { cwd })).code).toBe(0);

      // Advice: 3000 has the best held-out accuracy, but it forgot; 2000 is the step to keep.
      const a = (await ok(['advise', '--tag', 'run=ft', '--json'])).json();
      expect(a.heldoutMetric).toBe('heldout_accuracy');
      expect(a.pick).toEqual({ checkpoint: 'ft-2000', step: 2000, runId: by['ft-2000']!.runId });
      const rows = Object.fromEntries((a.rows as Array<{ checkpoint: string; excluded: string | null }>).map((r) => [r.checkpoint, r.excluded]));
      expect(rows['ft-3000']).toMatch(/^accuracy fell on acc_highly_known \(1\.000 → 0\.700, p=/);
      expect(rows['ft-4000']).toMatch(/^accuracy fell on acc_highly_known/);
      expect(rows['ft-1000']).toBeNull();
      const text = (await ok(['advise', '--tag', 'run=ft'])).stdout;
      expect(text).toContain('advice: stop at step 2000 (ft-2000');
      expect(text).toMatch(/^3000\s+ft-3000\s+\d+\s+0\.733 \[.*\] n=60\s+1\.000 → 0\.700 \(p=[0-9.e-]+, fell\)/m);
    } finally {
      await e.close();
    }
  });
});
