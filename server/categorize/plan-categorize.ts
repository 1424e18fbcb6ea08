import { OptionError, TunegateError } from '../errors.js';
import type { EvalSet, KeywordItem } from '../evalsets/types.js';
import { DEFAULT_PARAMS } from '../runs/run-options.js';
import type { Store } from '../store/open.js';
import type { Checkpoint, RunParams, SlickSettings } from '../store/types.js';
import type { CategorizeOptions } from './categorize-options.js';
import { drawsPerPrompt, SLICK_DEFAULTS, SLICK_FAST } from './slick.js';

export interface CategorizePlan {
  /** The keyword items of the chosen sets, snapshotted into the run. */
  sets: EvalSet[];
  params: RunParams;
  /** What the user should know, stored as run notes (a set too small for distinct k-shot prompts). */
  notes: string[];
}

/**
 * Checks a categorization before anything is stored or sent: the sets have keyword items to
 * categorize, and none of them is categorized against this base already unless `recategorize`.
 * `--fast` changes the defaults of prompts and samples (4 and 4), never a value given explicitly;
 * the settings actually used are stored in the run's parameters.
 */
export function planCategorize(store: Store, base: Checkpoint, sets: readonly EvalSet[], req: CategorizeOptions): CategorizePlan {
  const keywordSets = sets
    .map((s) => ({ ...s, items: s.items.filter((i): i is KeywordItem => i.kind === 'keyword') }))
    .filter((s) => s.items.length > 0);
  if (keywordSets.length === 0) {
    throw new TunegateError('INVALID_INPUT', `evalsets: ${sets.map((s) => s.name).join(', ') || 'none'} have no keyword items to categorize (blog items have no right answer)`);
  }
  const fast = req.fast === true;
  const settings: SlickSettings = {
    ...SLICK_DEFAULTS,
    prompts: req.prompts ?? (fast ? SLICK_FAST.prompts : SLICK_DEFAULTS.prompts),
    samples: req.samples ?? (fast ? SLICK_FAST.samples : SLICK_DEFAULTS.samples),
    shots: req.shots ?? SLICK_DEFAULTS.shots,
    temperature: req.temperature ?? SLICK_DEFAULTS.temperature,
    topK: req.topK ?? SLICK_DEFAULTS.topK,
    seed: req.seed ?? SLICK_DEFAULTS.seed,
    maxTokens: req.maxTokens ?? SLICK_DEFAULTS.maxTokens,
    fast,
    ...(req.recategorize === true ? { recategorize: true } : {}),
  };
  if (req.recategorize !== true) {
    const known = store.categories.byHash(base.id);
    const already = keywordSets.flatMap((s) => s.items).filter((i) => known.has(i.hash));
    if (already.length > 0) {
      const runs = [...new Set(already.map((i) => known.get(i.hash)!.runId))];
      throw new OptionError('CONFLICT', 'recategorize', (name) =>
        `${already.length} of these items are already categorized against ${base.name} (run ${runs.join(', ')}); ` +
          `pass ${name('recategorize', 'true')} to replace their categories`);
    }
  }
  const params: RunParams = {
    ...DEFAULT_PARAMS,
    temperature: settings.temperature,
    maxTokens: { keyword: settings.maxTokens, blog: settings.maxTokens },
    seed: settings.seed,
    samples: settings.prompts * drawsPerPrompt(settings),
    concurrency: req.concurrency ?? DEFAULT_PARAMS.concurrency,
    categorize: settings,
    ...(req.modelCheck === false ? { modelCheck: false } : {}),
  };
  const notes = keywordSets
    .filter((s) => s.items.length - 1 < settings.shots)
    .map((s) => `set ${s.name}: ${s.items.length} keyword items, so prompts have ${Math.max(0, s.items.length - 1)} exemplars, not ${settings.shots}` +
      (s.items.length <= 2 ? ': its prompts barely differ, so MaybeKnown (some prompts right) is unlikely to show' : ''));
  return { sets: keywordSets, params, notes };
}
