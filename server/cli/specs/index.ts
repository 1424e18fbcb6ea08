import { CATEGORIZE_DOC } from './categorize.js';
import { CHECKPOINT_ADD_DOC, CHECKPOINT_BASELINE_DOC, CHECKPOINT_EDIT_DOC, CHECKPOINT_LIST_DOC, CHECKPOINT_REMOVE_DOC } from './checkpoint.js';
import type { CommandDoc } from './command-doc.js';
import { DEMO_DOC } from './demo.js';
import { EVALSET_GENERATE_DOC } from './evalset-generate.js';
import { EVALSET_CHECK_LEAK_DOC, EVALSET_IMPORT_JEKYLL_DOC, EVALSET_IMPORT_SFT_DOC, EVALSET_VALIDATE_DOC } from './evalset.js';
import { GATE_DOC } from './gate.js';
import { JUDGE_DOC } from './judge.js';
import { PLAN_DOC } from './plan.js';
import { REPORT_DOC } from './report.js';
import { ADVISE_DOC, RESUME_DOC, RUNS_DOC, SHOW_DOC } from './runs.js';
import { RUN_DOC } from './run.js';
import { SERVE_DOC } from './serve.js';

/** Every command, in the order `tunegate --help` lists them (the workflow's order). */
export const COMMAND_DOCS: readonly CommandDoc[] = [
  CHECKPOINT_ADD_DOC,
  CHECKPOINT_LIST_DOC,
  CHECKPOINT_EDIT_DOC,
  CHECKPOINT_REMOVE_DOC,
  RUN_DOC,
  RESUME_DOC,
  CATEGORIZE_DOC,
  ADVISE_DOC,
  JUDGE_DOC,
  GATE_DOC,
  REPORT_DOC,
  PLAN_DOC,
  CHECKPOINT_BASELINE_DOC,
  RUNS_DOC,
  SHOW_DOC,
  EVALSET_VALIDATE_DOC,
  EVALSET_CHECK_LEAK_DOC,
  EVALSET_IMPORT_JEKYLL_DOC,
  EVALSET_IMPORT_SFT_DOC,
  EVALSET_GENERATE_DOC,
  SERVE_DOC,
  DEMO_DOC,
];

/** Commands that only group subcommands; their help lists the subcommands' usage. */
export const COMMAND_GROUPS = ['checkpoint', 'evalset'] as const;

export const TAGLINE = 'tunegate — evaluate fine-tuned LLM checkpoints on bio accuracy and blog quality';

export const GLOBAL_OPTIONS: readonly (readonly [label: string, meaning: string])[] = [
  ['-h, --help', 'help for tunegate or for a command (tunegate run --help)'],
  ['--version', 'print the version'],
];
