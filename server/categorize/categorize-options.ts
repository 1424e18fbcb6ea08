import { Type, type Static } from 'typebox';
import { boundedSchema, RUN_OPTION_BOUNDS, type Bound } from '../runs/run-options.js';
import { SLICK_DEFAULTS, SLICK_FAST } from './slick.js';

/**
 * The bounds of every numeric categorization option, as the API names them: the one table the
 * CLI's `categorize` flags, the POST /api/categorize body schema and the help text read.
 * Temperature and concurrency are a run's (RUN_OPTION_BOUNDS).
 */
export const CATEGORIZE_OPTION_BOUNDS = {
  prompts: { min: 1, max: 100, integer: true },
  shots: { min: 0, max: 32, integer: true },
  samples: { min: 0, max: 256, integer: true },
  temperature: RUN_OPTION_BOUNDS.temperature,
  topK: { min: 1, max: 100_000, integer: true },
  concurrency: RUN_OPTION_BOUNDS.concurrency,
  seed: { min: 0, max: 2 ** 31 - 1, integer: true },
  maxTokens: { min: 1, max: 32_768, integer: true },
} as const satisfies Record<string, Bound>;

const B = CATEGORIZE_OPTION_BOUNDS;
const D = SLICK_DEFAULTS;

/**
 * What a user may set of a categorization (CLI flags, the API body); the rest are the paper's
 * defaults (SLICK_DEFAULTS; `fast` lowers those of prompts and samples).
 */
export const CategorizeOptions = Type.Object({
  prompts: Type.Optional(boundedSchema(B.prompts, { description: `k-shot prompts per item (default ${D.prompts}; fast: ${SLICK_FAST.prompts})` })),
  shots: Type.Optional(boundedSchema(B.shots, { description: `exemplars per prompt (default ${D.shots})` })),
  samples: Type.Optional(boundedSchema(B.samples, { description: `sampled answers per prompt (default ${D.samples}; fast: ${SLICK_FAST.samples})` })),
  temperature: Type.Optional(boundedSchema(B.temperature, { description: `temperature of the sampled answers (default ${D.temperature})` })),
  topK: Type.Optional(boundedSchema(B.topK, { description: `top-k of the sampled answers (default ${D.topK}), sent as the extra body field top_k` })),
  concurrency: Type.Optional(boundedSchema(B.concurrency)),
  seed: Type.Optional(boundedSchema(B.seed)),
  maxTokens: Type.Optional(boundedSchema(B.maxTokens, { description: `max tokens per answer (default ${D.maxTokens}; raise it for a reasoning base model)` })),
  fast: Type.Optional(Type.Boolean({ description: `fewer prompts and samples (${SLICK_FAST.prompts} and ${SLICK_FAST.samples}) for a quick look` })),
  recategorize: Type.Optional(Type.Boolean({ description: 'replace categories already stored for these items (409 otherwise)' })),
  modelCheck: Type.Optional(Type.Boolean()),
}, { additionalProperties: false });
export type CategorizeOptions = Static<typeof CategorizeOptions>;
