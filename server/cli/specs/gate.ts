import type { Spec } from '../args.js';
import { DB_OPTION, specOf, type CommandDoc } from './command-doc.js';

// The gate's defaults (tolerance 0.02, alpha 0.05, the default metrics) live in gate/decide.ts,
// which loads the statistics and the store's readers: help says them in words until the gate's
// options have a light schema of their own.

/** The gate's own options; `run --gate` accepts them too. */
export const GATE_OPTIONS = {
  baseline: {
    type: 'string',
    value: 'RUN_ID|CHECKPOINT|previous|baseline',
    help: 'what to compare with: a run id, a checkpoint, previous or baseline (see Baseline in tunegate gate --help)',
    default: 'a fixed reference',
  },
  'require-baseline': {
    type: 'boolean',
    help: 'no reference is exit 2 instead of a no-baseline pass (for pipelines that must never pass ungated)',
  },
  tolerance: {
    type: 'string',
    multiple: true,
    value: 'METRIC=ABS',
    help: 'allowed worsening, ABS a number ≥ 0 (repeatable; default=ABS sets all; relative for blog_perplexity: 0.05 = 5%)',
    default: '0.02 each',
  },
  alpha: { type: 'string', value: 'A', help: "the gate's family-wise false-alarm rate, shared by Holm", default: 0.05 },
  'no-significance': { type: 'boolean', help: 'decide on the tolerance alone' },
  'allow-mismatch': {
    type: 'boolean',
    help: 'gate runs measured differently anyway (scorer versions, temperature, max tokens, samples, prompt template, system prompts, judge rubric); without it such a pair is refused with exit 2, the differences listed',
  },
  'max-errors': { type: 'string', value: 'N', help: 'errored items the head run may have; more is exit 3', default: 0 },
  metrics: {
    type: 'string',
    value: 'a,b',
    help: 'gated metrics; also refusal_accuracy, acc_weakly_known, acc_unknown, train_accuracy, heldout_accuracy, blog_judge, blog_* and set:NAME. hallucination_rate, blog_repetition, blog_perplexity: lower is better',
    default: 'bio_accuracy,hallucination_rate,blog_quality,known_accuracy, and acc_highly_known,acc_maybe_known when the items are categorized: the forgetting alarm, see categorize --help',
  },
  junit: { type: 'string', value: 'FILE', help: 'JUnit XML: one testcase per metric, a failure for each regression' },
  markdown: { type: 'string', value: 'FILE', help: 'a summary for a pull request or $GITHUB_STEP_SUMMARY' },
} as const satisfies Spec;

export const GATE_DOC: CommandDoc = {
  name: 'gate',
  synopsis: 'gate',
  summary: 'fail the build on regression: compare a run with a baseline',
  usage: ['gate [--run RUN_ID | --checkpoint NAME] [--baseline RUN_ID|CHECKPOINT|previous|baseline] [options]'],
  about: `Compares a run with a baseline item by item and fails on regression. Eval sets are small, so a
threshold on the mean is mostly noise: a metric regresses only when its mean worsening exceeds
the tolerance AND a one-sided paired sign-flip (permutation) test over the items both runs share
(same content hash) says it is worse beyond noise: exact while feasible (the exact sign test on
0/1 scores), else a seeded Monte Carlo of 10,000 sign patterns. Alpha is for the whole gate:
Holm's step-down shares it across the gated metrics, so a build with no true change fails with
probability at most alpha. Each interval inverts the same test at the metric's level. Each
tested metric gets a sensitivity line: the smallest drop its items could ever show at the level
a lone regression meets, and \`tunegate plan --run ID\` for what it would take. With run --samples K,
the item is the unit: each item's K samples are averaged first and the test pairs per-item means
(samples are not independent draws).

Head run: --run, else the latest completed run of --checkpoint, else the latest completed run.
Baseline: a run id; a checkpoint (its latest completed run); previous (the checkpoint with the
highest step below the head's); baseline (the one flagged by \`tunegate checkpoint baseline\`).
Default: a fixed reference, never the previous step (against which small losses add up unseen):
the flagged baseline, else the head's base checkpoint (--base), else the lowest-step checkpoint
sharing its run= tag. The report says which and why. When none has a completed run (a first
build) the verdict is no-baseline: said first, every report still written, exit 0.`,
  options: [{
    options: {
      run: { type: 'string', value: 'RUN_ID', help: 'the head run', default: 'the latest completed run of --checkpoint, else the latest completed run' },
      checkpoint: { type: 'string', value: 'NAME', help: "the head is this checkpoint's latest completed run" },
      ...GATE_OPTIONS,
      json: { type: 'boolean', help: 'print the report as JSON (the same as GET /api/gate)' },
      ...DB_OPTION,
    },
  }],
  exit: `Exit codes: 0 no regression, or no baseline yet; 1 regression; 2 bad usage, unknown run, no
comparable items, runs measured differently (without --allow-mismatch), or no baseline with
--require-baseline; 3 the head run has more errored items than --max-errors.`,
};

export const GATE_SPEC = specOf(GATE_DOC);
