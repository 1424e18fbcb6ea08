import { DB_OPTION, LEASE_OPTION, specOf, type CommandDoc } from './command-doc.js';
import { AdviseOptionsSchema } from '../../gate/options.js';
import { schemaSpec } from '../schema-options.js';

// The commands that read or finish stored runs: resume, runs, show, advise.

export const RESUME_DOC: CommandDoc = {
  name: 'resume',
  synopsis: 'resume RUN_ID',
  summary: 'finish an interrupted run (only items without a result are sent)',
  usage: ['resume RUN_ID [--retry-errors] [--no-model-check] [--json]'],
  about: `Finishes an interrupted, failed or killed run with its original items and parameters: requests
are sent only for items without a stored result, and no result is ever stored twice (a failed run
with every item stored just ends completed; POST /api/runs/:id/resume does the same). A run whose
answers were scored by other scorer versions than this tunegate's (an upgrade changed a scorer) is
refused with exit 2 before anything is sent: start a new run instead.

A run has one owner at a time: a run another live process executes (a CLI, a server, on this
host or another sharing the database) is refused with exit 2, naming its PID, host and lease.
A killed owner's run is resumable at once on the same host (its PID is gone), and from anywhere
once its lease expires (30 s after its last renewal).`,
  options: [{
    options: {
      'retry-errors': { type: 'boolean', help: 'also retry items whose stored result is an error' },
      'no-model-check': {
        type: 'boolean',
        help: 'do not check the model against GET /v1/models this time (a run created with --no-model-check is never checked). A resume served by another server or version than before gets a note saying so',
      },
      ...LEASE_OPTION,
      json: { type: 'boolean', help: 'print one JSON object, as `tunegate run --json`' },
      force: { type: 'boolean', help: 'no longer honoured: refused with exit 2 saying why (two processes must never execute one run)' },
      ...DB_OPTION,
    },
  }],
  exit: 'common',
};

export const RUNS_DOC: CommandDoc = {
  name: 'runs',
  synopsis: 'runs',
  summary: 'list runs, newest first',
  usage: ['runs [--checkpoint NAME] [--limit N] [--categorizations] [--json]'],
  about: 'Lists runs, newest first, with their headline metrics.',
  options: [{
    options: {
      checkpoint: { type: 'string', value: 'NAME', help: "only this checkpoint's runs" },
      limit: { type: 'string', value: 'N', help: 'at most N runs' },
      categorizations: { type: 'boolean', help: 'list categorizations (tunegate categorize) instead of evaluations' },
      json: { type: 'boolean', help: 'print a JSON array of run objects' },
      ...DB_OPTION,
    },
  }],
};

export const SHOW_DOC: CommandDoc = {
  name: 'show',
  synopsis: 'show RUN_ID',
  summary: "a run's metrics, provenance and (with --items) every answer",
  usage: ['show RUN_ID [--items] [--json]'],
  about: `Shows a run: status, metrics per eval set, answers cut off at max tokens, notes, parameters and
provenance (tool version and git revision, endpoint, eval-set content hashes, scorer versions,
the model and system_fingerprint the endpoint reported). Every metric is shown with its 95%
interval and n: Wilson's interval where each item scores 0 or 1, else a seeded bootstrap over
items (expanded for small sets). Fourteen items scored 0 or 1 give an interval about ±0.2 wide:
read differences between checkpoints with that in mind. A set whose items carry fact_id also
shows its consistency beside its score: the share of its facts right in every phrasing, n = facts
counted (every phrasing answered) of all.`,
  options: [{
    options: {
      items: {
        type: 'boolean',
        help: 'add every item\'s id, set, prompt, answer, scores, latency and error (keyword items: "marks", which keywords hit and which forbidden strings); control characters in answers are shown escaped (ESC as \\u001b)',
      },
      json: {
        type: 'boolean',
        help: 'print one JSON object: "metrics", "stats" ({metric: {n, ci, method}}), "sets" (each with its own "stats" and "truncated"; "consistency" and "groups" in sets with fact_id items), "counts" ({items, results, errors, missing, truncated}), "notes", "provenance"; with --items: "items": [{"id", …, "finishReason"}]',
      },
      ...DB_OPTION,
    },
  }],
};

export const ADVISE_DOC: CommandDoc = {
  name: 'advise',
  synopsis: 'advise --tag run=NAME',
  summary: 'the step to stop a training run at: best held-out accuracy, no forgetting',
  usage: ['advise --tag KEY=VALUE [--alpha 0.05] [--json]'],
  about: `Early-stopping advice (Gekhman et al. 2024): across the checkpoints tagged KEY=VALUE (one training
run, e.g. --tag run=bio-v2), names the step with the highest held-out accuracy among those whose
accuracy on HighlyKnown and MaybeKnown items did not fall significantly below the base model's,
and shows why: each checkpoint's held-out accuracy with its interval, and each Known category's
accuracy against the base with the gate's paired sign-flip test (Holm over the two, at --alpha).
Ties go to the earlier step. Held-out accuracy is heldout_accuracy (keyword items not tagged
in_train) when any item is tagged in_train, else bio_accuracy. Each checkpoint's latest completed
run is used; the base is the one whose categories the checkpoints use (see categorize --help),
and it needs a completed evaluation run too.`,
  options: [{
    options: {
      tag: { type: 'string', value: 'KEY=VALUE', help: 'the checkpoints of one training run (required)' },
      ...schemaSpec(AdviseOptionsSchema, { alpha: 'A' }),
      json: { type: 'boolean', help: 'print the advice as JSON' },
      ...DB_OPTION,
    },
  }],
};

export const RESUME_SPEC = specOf(RESUME_DOC);
export const RUNS_SPEC = specOf(RUNS_DOC);
export const SHOW_SPEC = specOf(SHOW_DOC);
export const ADVISE_SPEC = specOf(ADVISE_DOC);
