import { DB_OPTION, specOf, type CommandDoc } from './command-doc.js';

// The plan's defaults (DEFAULT_DETECT, DEFAULT_POWER) live in gate/plan.ts, which loads the
// simulation and the gate: help says them in words (see the note in specs/gate.ts).

export const PLAN_DOC: CommandDoc = {
  name: 'plan',
  synopsis: 'plan --run ID',
  summary: "what the gate can see of a run's sets, and the items it would take",
  usage: ['plan --run ID [--detect 0.10] [--power 0.8] [--json]'],
  about: `How much the gate can see of a run's eval sets, and what it would take to see more. For each
gated metric: the smallest drop its gate detects with probability --power now, and how many
items it would take to detect a drop of --detect, with the command that gets them. Found by
simulating the gate's own test (the paired sign-flip test at alpha/m, Holm's first step:
the level a lone regression meets), 200 seeded simulated gates per point, not by a formula.
The per-item noise is the run's paired spread against its default reference (see gate --help);
with none, the run alone: 0/1 scores with no churn (a lower bound on the items needed),
continuous scores as the difference of two random items (an upper bound).`,
  options: [{
    options: {
      run: { type: 'string', value: 'ID', help: 'the run to plan for (required)' },
      detect: { type: 'string', value: 'D', help: 'the drop to detect, above 0 and at most 1 (relative for blog_perplexity)', default: '0.10' },
      power: { type: 'string', value: 'P', help: 'detection probability, strictly between 0 and 1', default: 0.8 },
      json: { type: 'boolean', help: 'print the plan as JSON (the same as GET /api/plan)' },
      ...DB_OPTION,
    },
  }],
  exit: 'Exit codes: 0 a plan printed; 2 bad usage or unknown run.',
};

export const PLAN_SPEC = specOf(PLAN_DOC);
