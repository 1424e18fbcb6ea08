import type { RunParams } from '../store/types.js';

/**
 * The run options' defaults and bounds: one definition read by the CLI's parser and help, the
 * API's schemas and the remote client. It imports nothing at run time, so `tunegate --help`
 * prints them without loading the runner.
 */

export const DEFAULT_PARAMS: RunParams = {
  temperature: 0,
  maxTokens: { keyword: 512, blog: 1024 },
  seed: null,
  samples: 1,
  concurrency: 8,
  timeoutMs: 60_000,
  retries: 6,
};

/** The allowed range of one run option, and whether it is a whole number. */
export interface Bound {
  readonly min: number;
  readonly max: number;
  readonly integer: boolean;
}

/**
 * The bounds of every run parameter: the one table the CLI's flags, the API's schemas and the
 * remote client read. Each is a safe integer (or a bounded number), so nothing absurd is stored
 * or sent: a seed leaves room for `seed + sample`, max tokens stops well short of where servers
 * overflow, and a timeout below 1 ms would round to 0 ms and blame a healthy endpoint.
 */
export const PARAM_BOUNDS = {
  temperature: { min: 0, max: 2, integer: false },
  maxTokens: { min: 1, max: 1_000_000, integer: true },
  samples: { min: 1, max: 1000, integer: true },
  concurrency: { min: 1, max: 1024, integer: true },
  retries: { min: 0, max: 100, integer: true },
  /** Seconds. */
  timeout: { min: 0.001, max: 86_400, integer: false },
  seed: { min: 0, max: Number.MAX_SAFE_INTEGER - 1000, integer: true },
  step: { min: 0, max: Number.MAX_SAFE_INTEGER, integer: true },
} as const satisfies Record<string, Bound>;
