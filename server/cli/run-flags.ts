import { RUN_OPTION_BOUNDS, type RunOptions } from '../runs/run-options.js';
import { bounded, flag, type Values } from './args.js';

/** Each numeric run option's flag (the option's name in kebab case). */
export const RUN_OPTION_FLAGS = {
  temperature: 'temperature',
  maxTokens: 'max-tokens',
  samples: 'samples',
  concurrency: 'concurrency',
  seed: 'seed',
  timeout: 'timeout',
  retries: 'retries',
} as const satisfies Record<keyof typeof RUN_OPTION_BOUNDS, string>;

/**
 * The run options the user gave as flags, each checked against RUN_OPTION_BOUNDS (an error
 * names the flag); eval sets and the judge are the caller's (paths locally, names on a server).
 * The same options a local run plans with and `run --server` sends as the POST /api/runs body.
 */
export function runOptionsFromFlags(values: Values): RunOptions {
  const options: RunOptions = {};
  for (const [option, name] of Object.entries(RUN_OPTION_FLAGS) as Array<[keyof typeof RUN_OPTION_FLAGS, string]>) {
    const value = bounded(values, name, RUN_OPTION_BOUNDS[option]);
    if (value !== undefined) options[option] = value;
  }
  if (flag(values, 'perplexity')) options.perplexity = true;
  if (flag(values, 'no-likelihood')) options.likelihood = false;
  if (flag(values, 'no-model-check')) options.modelCheck = false;
  return options;
}
