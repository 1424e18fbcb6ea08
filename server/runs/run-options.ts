import { Type, type Static } from 'typebox';
import type { RunParams } from '../store/types.js';

/** The allowed range of one numeric option, and whether it is a whole number. */
export interface Bound {
  readonly min: number;
  readonly max: number;
  readonly integer: boolean;
  /** The minimum itself is not allowed (a level must be above 0). */
  readonly exclusiveMin?: boolean;
}

/**
 * The bounds of every numeric run option, as the API names them: the one table the CLI's flags,
 * the API's body schema and the help text read. Each is a safe integer (or a bounded number), so
 * nothing absurd is stored or sent: a seed leaves room for `seed + sample`, max tokens stops well
 * short of where servers overflow, and a timeout below 1 ms would round to 0 ms and blame a
 * healthy endpoint.
 */
export const RUN_OPTION_BOUNDS = {
  temperature: { min: 0, max: 2, integer: false },
  maxTokens: { min: 1, max: 1_000_000, integer: true },
  samples: { min: 1, max: 1000, integer: true },
  concurrency: { min: 1, max: 1024, integer: true },
  retries: { min: 0, max: 100, integer: true },
  /** Seconds. */
  timeout: { min: 0.001, max: 86_400, integer: false },
  seed: { min: 0, max: Number.MAX_SAFE_INTEGER - 1000, integer: true },
} as const satisfies Record<string, Bound>;

/** The parameters of a run given no option: what every unset option becomes. */
export const DEFAULT_PARAMS: RunParams = {
  temperature: 0,
  maxTokens: { keyword: 512, blog: 1024 },
  seed: null,
  samples: 1,
  concurrency: 8,
  timeoutMs: 60_000,
  retries: 6,
};

/** A JSON schema for a number in `bound` (an integer where the bound says so). */
export function boundedSchema(bound: Bound, options: { description?: string } = {}) {
  const range = { ...(bound.exclusiveMin === true ? { exclusiveMinimum: bound.min } : { minimum: bound.min }), maximum: bound.max, ...options };
  return bound.integer ? Type.Integer(range) : Type.Number(range);
}

/** The name of an environment variable (never a key itself). */
export const EnvName = Type.String({ pattern: '^[A-Za-z_][A-Za-z0-9_]*$', description: 'name of an environment variable (never the key itself)' });

/** Which LLM judges a run's blog and refusal answers, and the variable holding its key. */
export const JudgeSettings = Type.Object(
  {
    spec: Type.String({ minLength: 1, description: 'anthropic:MODEL or openai:MODEL@BASE_URL (BASE_URL without user:password: name a key variable with keyEnv)' }),
    keyEnv: Type.Optional(Type.Union([EnvName, Type.Null()])),
  },
  { additionalProperties: false },
);

/** Eval sets chosen by name from those a server offers. */
export const EvalsetNames = Type.Array(Type.String({ minLength: 1, maxLength: 200 }), { minItems: 1, description: 'eval-set names offered by the server (e.g. "bio"), never paths' });

const B = RUN_OPTION_BOUNDS;
const D = DEFAULT_PARAMS;

/**
 * What a user may set of a run (the CLI's `run` flags, the API's POST /api/runs body); the rest
 * take DEFAULT_PARAMS. Every field is optional: absent means the default.
 */
export const RunOptions = Type.Object({
  evalsets: Type.Optional(EvalsetNames),
  temperature: Type.Optional(boundedSchema(B.temperature, { description: `sampling temperature (default ${D.temperature})` })),
  maxTokens: Type.Optional(boundedSchema(B.maxTokens, { description: `max tokens per answer (default ${D.maxTokens.keyword} for keyword items, ${D.maxTokens.blog} for blog items)` })),
  samples: Type.Optional(boundedSchema(B.samples, { description: `answers per item (default ${D.samples})` })),
  concurrency: Type.Optional(boundedSchema(B.concurrency, { description: `requests in flight per replica (default ${D.concurrency})` })),
  seed: Type.Optional(boundedSchema(B.seed, { description: 'seed sent with each request (sample k sends seed + k); default none' })),
  timeout: Type.Optional(boundedSchema(B.timeout, { description: `per-request timeout in seconds (default ${D.timeoutMs / 1000})` })),
  retries: Type.Optional(boundedSchema(B.retries, { description: `retries of a failed request (default ${D.retries})` })),
  judge: Type.Optional(Type.Union([JudgeSettings, Type.Null()])),
  perplexity: Type.Optional(Type.Boolean()),
  likelihood: Type.Optional(Type.Boolean({ description: 'measure knowledge_margin, knowledge_rank and answer_logprob after the run from the log-probabilities of items\' answer and wrong_answers (default true); false skips it, like --no-likelihood' })),
  modelCheck: Type.Optional(Type.Boolean({ description: 'check the model name against GET /v1/models first (default true); false skips it, like --no-model-check' })),
}, { additionalProperties: false });
export type RunOptions = Static<typeof RunOptions>;
