import { Type, type Static } from 'typebox';
import { CHECKPOINT_NAME_MAX, CHECKPOINT_NAME_PATTERN, MAX_REPLICAS, STEP_BOUND } from '../checkpoint-name.js';
import { boundedSchema, EnvName, EvalsetNames, JudgeSettings, RunOptions } from '../runs/run-options.js';
import { TAG_KEY_PATTERN, TAG_KEY_RULE, TAG_VALUE_MAX } from '../tag.js';

/**
 * JSON schemas shared by the routes: one definition gives validation, TypeScript types and the
 * OpenAPI document. Request bodies reject unknown fields; response objects that carry dynamic
 * keys (metrics, per-set summaries) allow them, because Fastify's serializer drops whatever a
 * response schema does not list.
 */
export const Name = Type.String({ minLength: 1, maxLength: CHECKPOINT_NAME_MAX, pattern: CHECKPOINT_NAME_PATTERN, description: `checkpoint name (at most ${CHECKPOINT_NAME_MAX} characters)` });
export const HttpUrl = Type.String({ format: 'uri', pattern: '^https?://', description: 'http(s) base URL of an OpenAI-compatible endpoint, e.g. http://127.0.0.1:8000/v1; a URL with a user name or password is refused (400): name a key variable with apiKeyEnv' });
export const RunId = Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER });
/** A training step: a safe integer (larger ones would not survive JSON and SQLite unchanged). */
const Step = boundedSchema(STEP_BOUND);
export const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(t: T) => Type.Union([t, Type.Null()]);

export const ErrorBody = Type.Object({
  error: Type.String(),
  code: Type.Optional(Type.String()),
  details: Type.Optional(Type.Array(Type.String())),
});

/** A LoRA adapter: its path on the model server (sent as given) and the name it is loaded and asked for as. */
export const LoraBody = Type.Object({
  path: Type.String({ minLength: 1, maxLength: 4096, description: "the adapter's path on the model server, sent as given; tunegate never reads it" }),
  name: Type.String({ minLength: 1, maxLength: 200, pattern: '^[A-Za-z0-9._-]+$', description: 'the name it is loaded as and asked for (the model); default: the checkpoint name with other characters replaced by -' }),
});

export const Checkpoint = Type.Object({
  name: Type.String(),
  baseUrl: Type.String({ description: 'the first of baseUrls' }),
  baseUrls: Type.Array(Type.String(), { description: 'every base URL serving this checkpoint (replicas of one model); usually one' }),
  model: Type.String(),
  step: Nullable(Type.Integer()),
  api: Type.Union([Type.Literal('chat'), Type.Literal('completions')]),
  promptTemplate: Nullable(Type.String()),
  apiKeyEnv: Nullable(Type.String()),
  tags: Type.Record(Type.String(), Type.String()),
  isBaseline: Type.Boolean(),
  judge: Nullable(Type.Object({ spec: Type.String(), keyEnv: Nullable(Type.String()) })),
  base: Nullable(Type.String({ description: 'the checkpoint it was fine-tuned from, whose knowledge categories its runs use; null: the baseline\'s' })),
  lora: Nullable(LoraBody),
  createdAt: Type.String(),
});

// Keys are checked with propertyNames: a Record's key schema alone becomes "^.*$" and checks nothing.
const Tags = Type.Record(Type.String(), Type.String({ maxLength: TAG_VALUE_MAX }), {
  propertyNames: { pattern: TAG_KEY_PATTERN, description: TAG_KEY_RULE },
  description: 'KEY: VALUE pairs; ' + TAG_KEY_RULE,
});
export const NewCheckpointBody = Type.Object(
  {
    name: Name,
    baseUrl: Type.Optional(HttpUrl),
    baseUrls: Type.Optional(Type.Array(HttpUrl, {
      minItems: 1, maxItems: MAX_REPLICAS, uniqueItems: true,
      description: 'replicas: every base URL serving this model (requests go to the least busy; concurrency is per replica); the first is baseUrl',
    })),
    model: Type.Optional(Type.String({ minLength: 1, maxLength: 500, description: 'the model name sent; required unless lora is given (then it is lora.name)' })),
    lora: Type.Optional(Type.Object({ path: LoraBody.properties.path, name: Type.Optional(LoraBody.properties.name) }, { additionalProperties: false, description: 'a LoRA adapter loaded into the running server (vLLM, SGLang) before each run and evaluated as the model' })),
    step: Type.Optional(Step),
    api: Type.Optional(Type.Union([Type.Literal('chat'), Type.Literal('completions')])),
    promptTemplate: Type.Optional(Type.String({ maxLength: 10000 })),
    apiKeyEnv: Type.Optional(EnvName),
    tags: Type.Optional(Tags),
    judge: Type.Optional(Nullable(JudgeSettings)),
    base: Type.Optional(Nullable(Name)),
    autoRun: Type.Optional(Type.Boolean({ description: 'queue a run at once (the training-loop hook)' })),
    evalsets: Type.Optional(EvalsetNames),
    modelCheck: RunOptions.properties.modelCheck,
  },
  { additionalProperties: false, anyOf: [{ required: ['baseUrl'] }, { required: ['baseUrls'] }] },
);
export type NewCheckpointBody = Static<typeof NewCheckpointBody>;

export const PatchCheckpointBody = Type.Object(
  {
    step: Type.Optional(Nullable(Step)), tags: Type.Optional(Tags), baseline: Type.Optional(Type.Boolean()), base: Type.Optional(Nullable(Name)),
    baseUrl: Type.Optional(HttpUrl),
    baseUrls: Type.Optional(Type.Array(HttpUrl, { minItems: 1, maxItems: MAX_REPLICAS, uniqueItems: true, description: 'every base URL serving it (replicas); the first is baseUrl' })),
    model: Type.Optional(Type.String({ minLength: 1, maxLength: 500 })),
    modelCheck: Type.Optional(Type.Boolean({ description: 'with baseUrl, baseUrls or model: check the model against the new endpoint\'s GET /v1/models first (default true; a 404 on a URL without /v1 is refused with a hint)' })),
    lora: Type.Optional(Type.Object({ path: LoraBody.properties.path, name: Type.Optional(LoraBody.properties.name) }, { additionalProperties: false, description: "a LoRA checkpoint's adapter: a new path (and name; default: the one it has); the model sent is its name" })),
  },
  { additionalProperties: false },
);

/** POST /api/runs: the checkpoint and the run options (runs/run-options.ts). */
export const NewRunBody = Type.Object({ checkpoint: Name, ...RunOptions.properties }, { additionalProperties: false });
export type NewRunBody = Static<typeof NewRunBody>;

/** A metric's n and 95% interval: Wilson for 0/1 proportions, else a seeded bootstrap over items. */
export const MetricStat = Type.Object({
  n: Type.Integer(),
  ci: Nullable(Type.Tuple([Type.Number(), Type.Number()])),
  method: Nullable(Type.Union([Type.Literal('wilson'), Type.Literal('bootstrap')])),
});

/** The refusal judge's verdicts on a run set against the keyword verdicts (see RefusalJudgeSummary). */
export const RefusalJudge = Type.Object({
  rubric: Type.String({ description: 'refusal rubric version, e.g. refusal-v1' }),
  judges: Type.Array(Type.String()),
  judged: Type.Integer({ description: 'answers with both a judge verdict and a keyword verdict' }),
  errors: Type.Integer({ description: 'answers whose judging failed' }),
  agree: Type.Integer(),
  bothPass: Type.Integer(),
  bothFail: Type.Integer(),
  keywordPassJudgeFail: Type.Integer(),
  keywordFailJudgePass: Type.Integer(),
  agreement: Nullable(Type.Number({ description: 'agree / judged' })),
  kappa: Nullable(Type.Number({ description: "Cohen's kappa; null when undefined" })),
  passRate: Type.Object({ value: Nullable(Type.Number()), ...MetricStat.properties }, { description: "the judge's pass rate over refusal items, with n items and a 95% interval" }),
  disagreements: Type.Array(Type.Object({
    set: Type.String(), itemId: Type.String(), sample: Type.Integer(), keywordPassed: Type.Boolean(), judgePassed: Type.Boolean(), rationale: Type.String(),
  })),
});

/** A run as every route returns it (see runJson); metrics and sets have dynamic keys. */
export const Run = Type.Object(
  {
    runId: Type.Integer(),
    kind: Type.Union([Type.Literal('eval'), Type.Literal('categorize')], { description: 'eval: an evaluation; categorize: a categorization of a base checkpoint (tunegate categorize, POST /api/categorize); lists, charts and the gate read evaluations' }),
    checkpoint: Type.String(),
    step: Nullable(Type.Integer()),
    status: Type.String(),
    metrics: Nullable(Type.Record(Type.String(), Nullable(Type.Number()))),
    stats: Type.Record(Type.String(), MetricStat, { description: "each metric's n and 95% interval" }),
    sets: Type.Record(Type.String(), Type.Object({
      items: Type.Integer(),
      errors: Type.Integer({ description: 'results (item × sample) that errored after all retries' }),
      truncated: Type.Integer({ description: 'answered results cut off at max tokens (finish_reason "length"); a note is added above 5% of the answers' }),
      consistency: Type.Optional(Nullable(Type.Number({ description: 'sets with fact_id items only (absent otherwise): fact groups (items sharing a fact_id) whose every phrasing passed / groups whose every phrasing was answered; null when none was; its n (counted groups) and Wilson interval are stats.consistency' }))),
      groups: Type.Optional(Type.Integer({ description: "sets with fact_id items only: the set's fact groups, counted in consistency or not" })),
    }, { additionalProperties: true, description: "the set's numbers (score, accuracy, hallucination_rate, consistency or blog components) and their stats" })),
    counts: Nullable(Type.Object({
      items: Type.Integer(),
      results: Type.Integer({ description: 'stored results (item × sample), errored ones included' }),
      errors: Type.Integer({ description: 'results that errored after all retries (counted, not scored)' }),
      missing: Type.Integer({ description: 'items without any stored result yet' }),
      truncated: Type.Integer({ description: 'answered results cut off at max tokens (finish_reason "length"): they score low without the model being worse' }),
    }, { additionalProperties: true })),
    categories: Nullable(Type.Object({
      HighlyKnown: Type.Integer(),
      MaybeKnown: Type.Integer(),
      WeaklyKnown: Type.Integer(),
      Unknown: Type.Integer(),
    }, { description: "keyword items of each SliCK category against the base model (Gekhman et al. 2024): the n behind acc_highly_known, acc_maybe_known, acc_weakly_known, acc_unknown; null when no item is categorized" })),
    categoryBase: Nullable(Type.String({ description: 'the checkpoint whose knowledge categories the items are read against (the checkpoint\'s base, itself, or the baseline); null when none apply' })),
    params: Type.Object({}, { additionalProperties: true }),
    provenance: Type.Object({
      tool: Type.String({ description: 'tunegate version' }),
      revision: Type.Optional(Nullable(Type.String({ description: "git commit of tunegate's own checkout; null when it ran from a package; absent in runs stored before it was recorded" }))),
      scorers: Type.Record(Type.String(), Type.String(), { description: 'scorer versions: a resume after an upgrade that changed one is refused, and the gate refuses to compare runs that differ' }),
      reported: Type.Optional(Type.Object({
        models: Type.Array(Type.String()),
        systemFingerprints: Type.Array(Type.String()),
      }, { description: "distinct model and system_fingerprint values in the endpoint's responses (at most 8 each, 200 characters each); absent in runs stored before they were recorded" })),
      serving: Type.Optional(Type.Array(Type.Object({
        baseUrl: Type.String(),
        server: Nullable(Type.String({ description: 'vLLM, SGLang, llama.cpp, Ollama, TGI or LM Studio; null when the server did not say who it is' })),
        version: Nullable(Type.String()),
        contextLength: Nullable(Type.Integer({ description: 'served context in tokens (max_model_len, n_ctx, max_total_tokens, loaded context length), when told' })),
        models: Nullable(Type.Array(Type.String(), { description: 'what GET /v1/models listed (first 20); null when it lists none' })),
        modelCheck: Type.Union([Type.Literal('passed'), Type.Literal('not-listed'), Type.Literal('skipped'), Type.Literal('unreachable')], { description: 'passed: the model is listed; not-listed: the server lists no models, the name was not verified; skipped: --no-model-check; unreachable: no answer before the run' }),
      }), { description: 'which server answered, one entry per replica, read before each execution; absent in runs stored before it was recorded' })),
    }, { additionalProperties: true, description: 'where the numbers came from: tool, endpoint, eval-set hashes, scorer versions, what the endpoint reported' }),
    error: Nullable(Type.String()),
    notes: Type.Array(Type.String()),
    createdAt: Type.String(),
    startedAt: Nullable(Type.String()),
    finishedAt: Nullable(Type.String()),
    progress: Type.Optional(Type.Object({ done: Type.Integer(), total: Type.Integer(), errors: Type.Integer() })),
    pairwise: Type.Optional(Type.Array(Type.Object({}, { additionalProperties: true }))),
    refusalJudge: Type.Optional(Nullable(RefusalJudge)),
  },
  { additionalProperties: true },
);

export const RunParams = Type.Object({ id: RunId });
export const NameParams = Type.Object({ name: Name });

/** A SliCK knowledge category against the base model (Gekhman et al. 2024). */
export const CategoryName = Type.Union([Type.Literal('HighlyKnown'), Type.Literal('MaybeKnown'), Type.Literal('WeaklyKnown'), Type.Literal('Unknown')]);

const Ci = Nullable(Type.Tuple([Type.Number(), Type.Number()]));

/** One gate verdict of a Known metric (see MetricVerdict in gate/decide.ts), as advise reports it. */
const KnownVerdict = Type.Object({
  metric: Type.String(),
  direction: Type.Union([Type.Literal('higher'), Type.Literal('lower')]),
  n: Type.Integer(),
  base: Nullable(Type.Number()),
  head: Nullable(Type.Number()),
  delta: Nullable(Type.Number()),
  interval: Ci,
  intervalLevel: Nullable(Type.Number()),
  p: Nullable(Type.Number({ description: 'one-sided p of "not worse" (paired sign-flip test over items)' })),
  level: Nullable(Type.Number({ description: 'the level p was tested at (Holm over the Known metrics)' })),
  test: Type.Union([Type.Literal('sign-flip-exact'), Type.Literal('sign-flip-monte-carlo'), Type.Literal('none')]),
  tolerance: Type.Number(),
  minDetectableDrop: Nullable(Type.Number({ description: 'the smallest drop detectable on its own (at alpha/m); null: none' })),
  minDetectableDropAtAlpha: Nullable(Type.Number({ description: "the same at alpha, the most Holm's step-down gives a metric once the others failed; null: the gate can never fail on it" })),
  verdict: Type.Union([Type.Literal('regression'), Type.Literal('pass'), Type.Literal('improved'), Type.Literal('skipped')]),
  reason: Type.String(),
  worst: Type.Array(Type.Object({
    set: Type.String(), id: Type.String(), prompt: Type.String(), base: Type.Number(), head: Type.Number(),
    baseAnswer: Nullable(Type.String()), headAnswer: Nullable(Type.String()),
  })),
  against: Type.Optional(Type.Object({ runId: Type.Integer(), checkpoint: Type.String(), step: Nullable(Type.Integer()) }, { description: "the gate's forgetting alarm: the base model's run this metric was compared with, when not the baseline" })),
});

/** GET /api/advise's body (see gate/advise.ts): the same JSON as `tunegate advise --json`. */
export const Advice = Type.Object({
  tag: Type.Object({ key: Type.String(), value: Type.String() }),
  base: Type.Object({ checkpoint: Type.String(), runId: Type.Integer() }, { description: 'the base checkpoint whose categories apply, and its latest completed run (what every checkpoint is tested against)' }),
  heldoutMetric: Type.Union([Type.Literal('heldout_accuracy'), Type.Literal('bio_accuracy')], { description: 'heldout_accuracy when items are tagged in_train, else bio_accuracy' }),
  alpha: Type.Number(),
  rows: Type.Array(Type.Object({
    checkpoint: Type.String(),
    step: Nullable(Type.Integer()),
    runId: Type.Integer(),
    heldout: Type.Object({ value: Nullable(Type.Number()), n: Type.Integer(), ci: Ci }),
    known: Type.Array(KnownVerdict, { description: "the gate's verdict on acc_highly_known and acc_maybe_known against the base run; empty for the base itself" }),
    status: Type.Union([Type.Literal('ok'), Type.Literal('fell'), Type.Literal('uncertain'), Type.Literal('not-comparable'), Type.Literal('base')], {
      description: 'ok: eligible; fell: a significant fall on a Known category; uncertain: a drop past the tolerance on a category too small to test; not-comparable: no test could be made; base: the reference',
    }),
    excluded: Nullable(Type.String({ description: 'why the checkpoint cannot be advised, in words; null when it can' })),
  }), { description: 'each checkpoint tagged KEY=VALUE with a completed run, by step' }),
  pick: Nullable(Type.Object({ checkpoint: Type.String(), step: Nullable(Type.Integer()), runId: Type.Integer() }, { description: 'the advised checkpoint (never the base); null when none is eligible' })),
  reason: Type.String(),
});
