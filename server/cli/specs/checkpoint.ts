import { DEFAULT_PROMPT_TEMPLATE } from '../../runs/prompt.js';
import { STEP_BOUND } from '../../checkpoint-name.js';
import type { Spec } from '../args.js';
import { DB_OPTION, specOf, type CommandDoc } from './command-doc.js';

/** Options that describe an endpoint; shared by `checkpoint add` and one-shot `run`. */
export const ENDPOINT_OPTIONS = {
  'base-url': {
    type: 'string',
    multiple: true,
    value: 'URL',
    help: "the endpoint's base URL, e.g. http://127.0.0.1:8000/v1 (required; no user:password in it: name a key variable with --api-key-env). Repeat it for replicas of one model on several machines: requests go to the one with the fewest in flight, run's --concurrency applies per replica, and a replica that stops answering is rested while the others take its items",
  },
  model: {
    type: 'string',
    value: 'MODEL',
    help: "model name sent in requests (required); checked against the server's GET /v1/models before every run (see tunegate run --help)",
  },
  step: { type: 'string', value: 'N', help: `training step (whole number ≥ ${STEP_BOUND.min}); orders checkpoints in charts` },
  api: {
    type: 'string',
    value: 'chat|completions',
    help: 'chat: /chat/completions; completions: /completions with --prompt-template, for base models without a chat template',
    default: 'chat',
  },
  'prompt-template': { type: 'string', value: 'T', help: 'completions prompt; {prompt} and {system} are replaced', default: JSON.stringify(DEFAULT_PROMPT_TEMPLATE) },
  'api-key-env': {
    type: 'string',
    value: 'VAR',
    help: 'name of the environment variable holding the API key. The key is read at request time and never stored. Local servers need none',
  },
  tag: {
    type: 'string',
    multiple: true,
    value: 'k=v',
    help: 'label (repeatable), e.g. --tag mix=bio-v2; a key has no "=" and is not __proto__, constructor or prototype',
  },
  'lora-path': {
    type: 'string',
    value: 'PATH',
    help: "a LoRA adapter to evaluate instead of a served model: its path on the model server (sent as given, never read here). Before each run (and resume) it is loaded into the running server (vLLM started with its enable-lora flag and VLLM_ALLOW_RUNTIME_LORA_UPDATING=True; SGLang with its enable-lora flag; see docs/servers.md), checked in GET /v1/models and asked for as the model; --model is then its name",
  },
  'lora-name': { type: 'string', value: 'NAME', help: 'the name the adapter is loaded as and asked for (default: the checkpoint name, with characters other than letters, digits, . _ - replaced by -)' },
  base: {
    type: 'string',
    value: 'NAME',
    help: "the registered checkpoint it was fine-tuned from: its knowledge categories (tunegate categorize --base NAME) are the ones this checkpoint's runs use",
  },
} as const satisfies Spec;

/** Judge options; on `checkpoint add` they set the checkpoint's judge, on `run` the run's. */
export const JUDGE_OPTIONS = {
  judge: { type: 'string', value: 'SPEC', help: "the LLM judge this checkpoint's runs use (see tunegate judge --help)" },
  'judge-key-env': { type: 'string', value: 'VAR', help: 'key variable for an openai:MODEL@BASE_URL judge' },
} as const satisfies Spec;

/** The model check at registration and edit: the endpoint is asked before anything is stored. */
export const MODEL_CHECK_OPTION = {
  'no-model-check': {
    type: 'boolean',
    help: "do not check --model against the endpoint's GET /v1/models before storing it (a gateway that lists other names than it accepts). Checked, a model it does not serve, or a 404 on a URL without /v1 (\"did you mean URL/v1?\"), is refused; an endpoint that does not answer yet is only a warning",
  },
} as const satisfies Spec;

export const CHECKPOINT_ADD_DOC: CommandDoc = {
  name: 'checkpoint add',
  synopsis: 'checkpoint add NAME',
  summary: 'register an OpenAI-compatible endpoint serving a checkpoint',
  usage: ['checkpoint add NAME --base-url URL --model MODEL [options]'],
  about: `Registers a checkpoint: an OpenAI-compatible endpoint (vLLM, Ollama, llama.cpp server, LM Studio,
TGI, …) and the model name it serves.`,
  options: [{
    options: {
      ...ENDPOINT_OPTIONS,
      ...JUDGE_OPTIONS,
      server: { type: 'string', value: 'URL', help: 'register it on a running tunegate server instead (TUNEGATE_TOKEN is sent)' },
      json: { type: 'boolean', help: 'print the checkpoint as JSON' },
      ...MODEL_CHECK_OPTION,
      ...DB_OPTION,
    },
  }],
};

export const CHECKPOINT_LIST_DOC: CommandDoc = {
  name: 'checkpoint list',
  synopsis: 'checkpoint list',
  summary: 'list registered checkpoints',
  usage: ['checkpoint list [--json]'],
  about: 'Lists checkpoints ordered by step.',
  options: [{ options: { json: { type: 'boolean', help: 'print a JSON array' }, ...DB_OPTION } }],
};

export const CHECKPOINT_BASELINE_DOC: CommandDoc = {
  name: 'checkpoint baseline',
  synopsis: 'checkpoint baseline NAME',
  summary: 'flag the checkpoint the gate compares with by default',
  usage: ['checkpoint baseline NAME'],
  about: `Flags NAME as the baseline: the gate compares with its latest completed run by default (see
tunegate gate --help). One checkpoint is the baseline at a time.`,
  options: [{ options: { ...DB_OPTION } }],
};

export const CHECKPOINT_EDIT_DOC: CommandDoc = {
  name: 'checkpoint edit',
  synopsis: 'checkpoint edit NAME',
  summary: "fix a checkpoint's endpoint, model, step or tags; its runs stay",
  usage: ['checkpoint edit NAME [--base-url URL]... [--model MODEL] [--step N] [--tag k=v]... [--base NAME] [options]'],
  about: `Changes a registered checkpoint in place: the name and every stored run stay (each run keeps the
endpoint and model it recorded in its provenance; a resume sends to the new endpoint). A new
--base-url or --model is validated like checkpoint add: no user:password in a URL, and the model
checked against the new endpoint's GET /v1/models unless --no-model-check.`,
  options: [{
    options: {
      'base-url': { type: 'string', multiple: true, value: 'URL', help: 'the new base URL; repeat it for replicas (all of them: they replace the old list)' },
      model: { type: 'string', value: 'MODEL', help: 'the new model name sent in requests' },
      step: ENDPOINT_OPTIONS.step,
      tag: { type: 'string', multiple: true, value: 'k=v', help: 'set a tag (repeatable); other tags are kept. Tag keys follow checkpoint add --tag' },
      base: { type: 'string', value: 'NAME', help: 'the registered checkpoint it was fine-tuned from' },
      ...MODEL_CHECK_OPTION,
      server: { type: 'string', value: 'URL', help: 'edit it on a running tunegate server instead (PATCH /api/checkpoints/NAME; TUNEGATE_TOKEN is sent)' },
      json: { type: 'boolean', help: 'print the checkpoint as JSON' },
      ...DB_OPTION,
    },
  }],
};

export const CHECKPOINT_REMOVE_DOC: CommandDoc = {
  name: 'checkpoint remove',
  synopsis: 'checkpoint remove NAME',
  summary: 'remove a checkpoint (with --force, its runs too)',
  usage: ['checkpoint remove NAME [--force]'],
  about: `Removes a registered checkpoint, so its name can be registered again. One with runs is refused
unless --force, which removes its runs and their results too; one with a queued or running run is
never removed (cancel it first). The same rule as DELETE /api/checkpoints/NAME?force=true.`,
  options: [{
    options: {
      force: { type: 'boolean', help: 'also remove its runs and their results' },
      server: { type: 'string', value: 'URL', help: 'remove it on a running tunegate server instead (TUNEGATE_TOKEN is sent)' },
      ...DB_OPTION,
    },
  }],
};

export const CHECKPOINT_ADD_SPEC = specOf(CHECKPOINT_ADD_DOC);
export const CHECKPOINT_EDIT_SPEC = specOf(CHECKPOINT_EDIT_DOC);
export const CHECKPOINT_REMOVE_SPEC = specOf(CHECKPOINT_REMOVE_DOC);
export const CHECKPOINT_LIST_SPEC = specOf(CHECKPOINT_LIST_DOC);
export const CHECKPOINT_BASELINE_SPEC = specOf(CHECKPOINT_BASELINE_DOC);
