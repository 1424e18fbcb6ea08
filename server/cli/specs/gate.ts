import type { Spec } from '../args.js';
import { DB_OPTION, specOf, type CommandDoc } from './command-doc.js';
import { GateOptionsSchema } from '../../gate/options.js';
import { schemaSpec } from '../schema-options.js';

/**
 * The gate's own options, from its schema (gate/options.ts: bounds, defaults and help, the one
 * definition the API validates with too); `run --gate` accepts them as well.
 */
export const GATE_OPTIONS = {
  ...schemaSpec(GateOptionsSchema, { baseline: 'RUN_ID|CHECKPOINT|previous|baseline', tolerance: 'METRIC=ABS', alpha: 'A', maxErrors: 'N', metrics: 'a,b' }),
  junit: { type: 'string', value: 'FILE', help: 'JUnit XML: one testcase per metric, a failure for each regression' },
  markdown: { type: 'string', value: 'FILE', help: 'a summary for a pull request or $GITHUB_STEP_SUMMARY' },
  'dashboard-url': {
    type: 'string',
    value: 'URL',
    help: 'where the team\'s tunegate serve is reached (http or https, no user name or password): the stdout report, the Markdown and the JUnit failure messages link to the pair in its compare view (URL/compare?base=B&head=H) and to both runs (URL/runs/ID); else TUNEGATE_DASHBOARD_URL; with run --server, default: the server URL (it serves the dashboard)',
  },
  html: { type: 'string', value: 'FILE', help: 'one self-contained HTML file with the compare view (verdict, chart, table, changed items, provenance): opens from disk with no network request, an artifact for reviewers' },
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

Head run: --run, else the latest completed run of --checkpoint, else the latest completed run of
the checkpoint with the highest step (unstepped checkpoints last; ties: the newest run).
Baseline: a run id; a checkpoint (its latest completed run); previous (the checkpoint with the
highest step below the head's); baseline (the one flagged by \`tunegate checkpoint baseline\`).
Default: a fixed reference, never the previous step (against which small losses add up unseen):
the flagged baseline, else the head's base checkpoint (--base), else the lowest-step checkpoint
sharing its run= tag. The report says which and why. When none has a completed run (a first
build) the verdict is no-baseline: said first, every report still written, exit 0.`,
  options: [{
    options: {
      run: { type: 'string', value: 'RUN_ID', help: 'the head run', default: 'the latest completed run of --checkpoint, else that of the highest-step checkpoint' },
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
