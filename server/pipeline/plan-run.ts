import { DEFAULT_PARAMS, type RunOptions } from '../runs/run-options.js';
import type { JudgeSettings, RunParams } from '../store/types.js';

/**
 * A run's parameters from the options a user gave, defaults for the rest: the one place options
 * become parameters, for a local run, a run the CLI sends to a server and a run the API queues.
 * The judge is the options' when given (null: none), else the checkpoint's. The options were
 * checked at the edge against RUN_OPTION_BOUNDS (the CLI's flags, the API's body schema).
 */
export function planRunParams(options: RunOptions, checkpointJudge: JudgeSettings | null): RunParams {
  const judge = options.judge === undefined ? checkpointJudge : options.judge === null ? null : { spec: options.judge.spec, keyEnv: options.judge.keyEnv ?? null };
  return {
    temperature: options.temperature ?? DEFAULT_PARAMS.temperature,
    maxTokens: options.maxTokens === undefined ? { ...DEFAULT_PARAMS.maxTokens } : { keyword: options.maxTokens, blog: options.maxTokens },
    seed: options.seed ?? DEFAULT_PARAMS.seed,
    samples: options.samples ?? DEFAULT_PARAMS.samples,
    concurrency: options.concurrency ?? DEFAULT_PARAMS.concurrency,
    timeoutMs: options.timeout === undefined ? DEFAULT_PARAMS.timeoutMs : Math.round(options.timeout * 1000),
    retries: options.retries ?? DEFAULT_PARAMS.retries,
    perplexity: options.perplexity === true,
    ...(options.likelihood === false ? { likelihood: false } : {}),
    ...(options.modelCheck === false ? { modelCheck: false } : {}),
    judge,
  };
}
