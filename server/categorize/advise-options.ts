import { Type, type Static } from 'typebox';
import { boundedSchema, type Bound } from '../runs/run-options.js';

/**
 * The bound of `tunegate advise --alpha` and GET /api/advise's `alpha`: one range for both.
 * Above 0 (the API's rule; the CLI asked for at least 0.0001): no value either accepted before is
 * refused now, and a level so small no test can reach it is shown as such by the sensitivity
 * of the Known metrics, not refused.
 */
export const ADVISE_OPTION_BOUNDS = {
  alpha: { min: 0, max: 0.5, integer: false, exclusiveMin: true },
} as const satisfies Record<string, Bound>;

/** What a user may set of the early-stopping advice besides its tag (gate/advise.ts). */
export const AdviseOptions = Type.Object({
  alpha: Type.Optional(boundedSchema(ADVISE_OPTION_BOUNDS.alpha, { description: 'family-wise level of the Known-accuracy tests (default 0.05)' })),
}, { additionalProperties: false });
export type AdviseOptions = Static<typeof AdviseOptions>;
