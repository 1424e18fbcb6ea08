import { Type, type Static } from 'typebox';
import { checkOption } from '../errors.js';
import { checkMetrics, DEFAULT_GATE_METRICS, DEFAULT_TOLERANCE, FORGETTING_METRICS } from './decide.js';
import type { GateHeadOptions } from './gate-head.js';
import { parseTolerances } from './tolerance.js';

export const DEFAULT_ALPHA = 0.05;

/** A family-wise false-alarm rate: the gate's, and advise's Known-accuracy tests'. */
export const Alpha = (description: string) => Type.Number({ exclusiveMinimum: 0, maximum: 0.5, default: DEFAULT_ALPHA, description });

/**
 * The gate's options, one definition with their bounds, defaults and descriptions: the CLI's
 * `gate` and `run --gate` read them (as `--kebab-case` flags), `GET /api/gate` validates its
 * querystring with them, and the help text is written from them. Names are the API's; the core
 * names them the same way in its errors ("the metrics option"), and each edge rewords them.
 */
export const GateOptionsSchema = Type.Object({
  baseline: Type.Optional(Type.String({ description: 'the reference: RUN_ID, a checkpoint name, "previous" or "baseline"; absent: the default reference (the flagged baseline, else the head\'s base checkpoint, else the first checkpoint of its run= tag), and verdict "no-baseline" when none has a completed run' })),
  requireBaseline: Type.Optional(Type.Boolean({ default: false, description: 'no reference is an error instead of verdict "no-baseline": for pipelines that must never pass ungated' })),
  tolerance: Type.Optional(Type.Array(Type.String(), { description: `METRIC=ABS with ABS a number ≥ 0, the allowed worsening, repeatable (default ${DEFAULT_TOLERANCE} each); default=ABS for every metric not named; relative for blog_perplexity (0.05 = 5%); a malformed value is an error` })),
  alpha: Type.Optional(Alpha("the gate's family-wise false-alarm rate, shared across the gated metrics by Holm's step-down")),
  noSignificance: Type.Optional(Type.Boolean({ default: false, description: 'decide on the tolerance alone' })),
  allowMismatch: Type.Optional(Type.Boolean({ default: false, description: 'gate runs measured differently (scorer versions, temperature, max tokens, samples, prompt template, system prompts, judge rubric) instead of refusing them' })),
  maxErrors: Type.Optional(Type.Integer({ minimum: 0, default: 0, description: 'errored items the head run may have; more makes the verdict untrusted' })),
  metrics: Type.Optional(Type.Array(Type.String({ minLength: 1 }), { description: `the gated metrics, comma-separated or repeated (default ${DEFAULT_GATE_METRICS.join(',')}, the likelihood metrics both runs measured, and ${FORGETTING_METRICS.join(',')} when the items are categorized)` })),
}, { additionalProperties: false });

/** advise's options (CLI and API): the level of its Known-accuracy tests. */
export const AdviseOptionsSchema = Type.Object({
  alpha: Type.Optional(Alpha('family-wise level of the Known-accuracy tests (Holm over the two)')),
}, { additionalProperties: false });

/** The gate's options as a caller gives them (the CLI's flags, the API's querystring). */
export type GateRequest = Static<typeof GateOptionsSchema>;

/**
 * The options gateHead takes, from a request: the one mapping the CLI and the API share.
 * Tolerances are parsed and metrics split at commas and checked here (a first build, with no
 * reference, never reaches the gate's own check); an error names the option (errors.ts).
 */
export function gateOptions(r: GateRequest): GateHeadOptions {
  const tolerance = checkOption('tolerance', (field) => parseTolerances(r.tolerance ?? [], field));
  const metrics = r.metrics?.flatMap((m) => m.split(',')).map((m) => m.trim()).filter((m) => m !== '');
  if (metrics !== undefined) checkMetrics(metrics);
  return {
    ...(r.baseline !== undefined ? { baseline: r.baseline } : {}),
    requireBaseline: r.requireBaseline === true,
    tolerance,
    ...(metrics !== undefined ? { metrics } : {}),
    ...(r.alpha !== undefined ? { alpha: r.alpha } : {}),
    ...(r.maxErrors !== undefined ? { maxErrors: r.maxErrors } : {}),
    noSignificance: r.noSignificance === true,
    allowMismatch: r.allowMismatch === true,
  };
}
