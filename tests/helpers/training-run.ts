/*
 * A synthetic fine-tuning run with knowledge categories, as the paper describes it (Gekhman et al.
 * 2024): a base model categorized with SliCK, then checkpoints that learn new (Unknown) facts step
 * by step while forgetting what the base knew. Every answer comes from the real runner talking to a
 * scripted endpoint whose answers depend only on the model name (= the step), the question and, in
 * the categorization's k-shot requests, the exemplars and the temperature.
 */
import { planCategorize } from '../../server/categorize/plan-categorize.js';
import { loadEvalSets } from '../../server/evalsets/load.js';
import { createRun, DEFAULT_PARAMS } from '../../server/runner/create-run.js';
import { executeRun } from '../../server/runner/execute-run.js';
import type { Responder } from '../../server/scripted-endpoint/scripted-endpoint.js';
import type { Store } from '../../server/store/open.js';
import { jsonl } from './tmp.js';

/** Item groups, by the category the base model is meant to have (h: HighlyKnown, m: MaybeKnown, w: WeaklyKnown, u: Unknown). */
export const GROUPS = { h: 12, m: 6, w: 6, u: 24 } as const;
/** Unknown items u0–u11 are in the fine-tuning data (tagged in_train); u12–u23 are held out. */
export const TRAIN_ITEMS = 12;
const ids = (g: keyof typeof GROUPS) => Array.from({ length: GROUPS[g] }, (_, i) => `${g}${i}`);
export const ITEM_IDS = [...ids('h'), ...ids('m'), ...ids('w'), ...ids('u')];

export const TRAINING_FILES = {
  'evalsets/bio.jsonl': jsonl(...ITEM_IDS.map((id) => ({
    id, prompt: `What is fact ${id}?`, keywords: [`answer-${id}`],
    ...(id.startsWith('u') && Number(id.slice(1)) < TRAIN_ITEMS ? { tags: ['in_train'] } : {}),
  }))),
};

/**
 * Per step, how many of each group the checkpoint answers right (zero-shot, greedy): HighlyKnown
 * facts forgotten from step 2000 on, MaybeKnown ones fading, WeaklyKnown and Unknown ones learned.
 * Held-out accuracy peaks at 3000, but by then 6 of 12 HighlyKnown facts are gone: the advice is 2000.
 */
export const CURVE: Record<number, { forgot: number; maybe: number; weak: number; train: number; held: number }> = {
  0: { forgot: 0, maybe: 3, weak: 0, train: 0, held: 0 },
  1000: { forgot: 0, maybe: 3, weak: 1, train: 3, held: 2 },
  2000: { forgot: 1, maybe: 3, weak: 3, train: 8, held: 5 },
  3000: { forgot: 6, maybe: 2, weak: 6, train: 12, held: 12 },
  4000: { forgot: 10, maybe: 1, weak: 6, train: 12, held: 12 },
};
export const STEPS = Object.keys(CURVE).map(Number);
export const checkpointName = (step: number) => (step === 0 ? 'base' : `ft-${step}`);
export const ADVISED_STEP = 2000;
export const TRAINING_TAG = 'run=ft';

/**
 * Answers right or wrong per the curve; the categorization's k-shot requests (several messages)
 * get the base model's knowledge. One responder per endpoint: it remembers which MaybeKnown items
 * it has answered greedily.
 */
export function trainingResponder(): Responder {
  const greedyOnce = new Set<string>();
  return (req) => {
    const messages = req.messages ?? [];
    const m = /^What is fact ([hmwu])(\d+)\?$/.exec(req.userText);
    if (m === null) return { content: 'unexpected prompt' };
    const [group, i] = [m[1]!, Number(m[2])];
    const id = `${group}${i}`;
    const right = `It is answer-${id}.`;
    const wrong = 'I am not sure.';
    if (messages.length > 1) {
      // SliCK draws: HighlyKnown always right; MaybeKnown right in its first greedy answer only (of
      // 3 prompts: P(T=0) = 1/3); WeaklyKnown right only when sampled; Unknown never.
      const greedy = req.body.temperature === 0;
      if (group === 'h') return { content: right };
      if (group === 'm') {
        const first = greedy && !greedyOnce.has(id);
        if (greedy) greedyOnce.add(id);
        return { content: first ? right : wrong };
      }
      if (group === 'w') return { content: greedy ? wrong : right };
      return { content: wrong };
    }
    const c = CURVE[Number(req.model.replace(/^model-/, ''))]!;
    const ok = group === 'h' ? i >= c.forgot : group === 'm' ? i < c.maybe : group === 'w' ? i < c.weak
      : i < TRAIN_ITEMS ? i < c.train : i - TRAIN_ITEMS < c.held;
    return { content: ok ? right : wrong };
  };
}

export interface TrainingRun {
  /** The categorization run of the base checkpoint. */
  categorizeRun: number;
  /** Each checkpoint's (only) evaluation run, by name. */
  runs: Record<string, number>;
}

/**
 * Registers base (step 0) and ft-1000…ft-4000 (base: 'base'), all tagged run=ft, on `endpointUrl`;
 * evaluates the base, categorizes it (3 prompts × (1 greedy + 1 sampled)), then evaluates every
 * fine-tuned checkpoint.
 */
export async function seedTrainingRun(store: Store, evalsetsDir: string, endpointUrl: string): Promise<TrainingRun> {
  for (const step of STEPS) {
    store.checkpoints.add({
      name: checkpointName(step), baseUrl: endpointUrl, model: `model-${step}`, step, tags: { run: 'ft' },
      ...(step === 0 ? {} : { base: 'base' }),
    });
  }
  const sets = loadEvalSets(['bio.jsonl'], evalsetsDir);
  const evaluate = async (name: string) => {
    const runId = createRun(store, store.checkpoints.get(name), sets, { ...DEFAULT_PARAMS, concurrency: 16, retries: 0 });
    const r = await executeRun({ store, runId, env: {}, backoff: { baseMs: 5, maxMs: 20, maxRetryAfterMs: 100 } });
    if (r.status !== 'completed') throw new Error(`run ${runId} of ${name} ended ${r.status}`);
    return runId;
  };
  const runs: Record<string, number> = {};
  // The base is evaluated before it is categorized: its summary is recomputed once categories exist.
  runs.base = await evaluate('base');
  const base = store.checkpoints.get('base');
  const plan = planCategorize(store, base, sets, { prompts: 3, samples: 1, concurrency: 16 });
  const categorizeRun = createRun(store, base, plan.sets, plan.params, 'running', 'categorize');
  const c = await executeRun({ store, runId: categorizeRun, env: {} });
  if (c.status !== 'completed') throw new Error(`categorization run ${categorizeRun} ended ${c.status}`);
  for (const step of STEPS.slice(1)) runs[checkpointName(step)] = await evaluate(checkpointName(step));
  return { categorizeRun, runs };
}
