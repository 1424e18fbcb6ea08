import { TunegateError } from '../errors.js';
import type { Store } from '../store/open.js';
import type { Run } from '../store/types.js';
import { itemValues } from '../compare/item-values.js';
import { checkMetrics, decide, type GateOptions, type GateReport, type TestedMetric } from './decide.js';
import { loadPairs } from './load-pairs.js';
import { FLAG_BASELINE_HINT, resolveReference } from '../runs/reference.js';
import { planCommand } from './sensitivity.js';

export interface GateHeadOptions extends Omit<GateOptions, 'reference'> {
  /** The reference as resolveReference reads it; absent: the default reference. */
  baseline?: string;
  /** No reference is an error rather than a no-baseline pass: for pipelines that must never pass ungated. */
  requireBaseline?: boolean;
}

/**
 * Compares a head run with a baseline item by item and decides (gate/decide.ts) on the pairs
 * read from the store (gate/load-pairs.ts).
 */
export function gate(store: Store, headId: number, baselineId: number, options: GateOptions = {}): GateReport {
  return gateMeasured(store, headId, baselineId, options).report;
}

/** The gate, with each tested metric's per-item worsenings beside its report (for `plan`'s simulation). */
export function gateMeasured(store: Store, headId: number, baselineId: number, options: GateOptions = {}): { report: GateReport; tested: TestedMetric[] } {
  // The options are checked before anything is read: a bad metric is said whatever the runs.
  checkMetrics(options.metrics ?? []);
  return decide(loadPairs(store, headId, baselineId, options), options);
}

/**
 * Gates a head run against its reference (asked for, or the default one), the one path the CLI's
 * `gate`, `run --gate` and `GET /api/gate` share. When no default reference has a completed run
 * yet (a first build) the report's verdict is `no-baseline` with nothing compared, unless
 * `requireBaseline`, which makes it a NOT_FOUND error.
 */
export function gateHead(store: Store, head: Run, options: GateHeadOptions = {}): GateReport {
  const { baseline, requireBaseline, ...gateOptions } = options;
  const ref = resolveReference(store, head, baseline);
  if (ref.run !== null) return gate(store, head.id, ref.run.id, { ...gateOptions, reference: { kind: ref.kind, why: ref.why } });
  if (requireBaseline === true) throw new TunegateError('NOT_FOUND', `${ref.why}, and a reference is required: ${FLAG_BASELINE_HINT}`);
  const headErrors = [...itemValues(store, head.id).values()].filter((v) => v.errored).length;
  return noBaselineReport(head, ref.why, headErrors, gateOptions);
}

/** The report of a first build: nothing compared, every report still written, and why. */
function noBaselineReport(head: Run, why: string, headErrors: number, options: GateOptions): GateReport {
  const noSignificance = options.noSignificance === true;
  const maxErrors = options.maxErrors ?? 0;
  return {
    verdict: 'no-baseline',
    head: { runId: head.id, checkpoint: head.checkpoint, step: head.step },
    baseline: null,
    reference: { kind: 'none', why },
    alpha: options.alpha ?? 0.05,
    significance: !noSignificance,
    correction: noSignificance ? 'none' : 'holm',
    items: { compared: 0, changedContent: 0, onlyInBase: 0, onlyInHead: 0 },
    mismatches: [],
    headErrors,
    maxErrors,
    metrics: [],
    sensitivity: [],
    planCommand: planCommand(head.id),
    // Errored items make the run untrusted with or without a reference (exit 3 all the same).
    warnings: [`not gated: ${why}; ${FLAG_BASELINE_HINT}`,
      ...(headErrors > maxErrors ? [`the head run has ${headErrors} errored items (more than the ${maxErrors} allowed): it cannot be trusted`] : [])],
  };
}
