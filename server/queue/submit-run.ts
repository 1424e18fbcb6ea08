import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Env } from '../config.js';
import { TunegateError } from '../errors.js';
import { loadEvalSets, setNameOf } from '../evalsets/load.js';
import { checkJudgeReady } from '../judge/judge-stored-run.js';
import { createRun, DEFAULT_PARAMS } from '../runner/create-run.js';
import type { Store } from '../store/open.js';
import type { Checkpoint, JudgeSettings, RunParams } from '../store/types.js';

export interface RunRequest {
  evalsets?: string[];
  temperature?: number;
  maxTokens?: number;
  samples?: number;
  concurrency?: number;
  seed?: number;
  timeout?: number;
  retries?: number;
  judge?: JudgeSettings | null;
  perplexity?: boolean;
}

/** The eval-set names a server offers: the `*.jsonl` files in its folder. */
export function offeredEvalsets(dir: string): string[] {
  return existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.jsonl')).map(setNameOf).sort() : [];
}

/**
 * Validates a run request and records it as `queued`. Eval sets are chosen by name from the
 * server's folder only (a name is looked up in the folder's listing, never joined into a path
 * as given), so no client can make the server read another file. Everything is checked before
 * the run exists: names, eval-set contents, the endpoint's and the judge's keys.
 */
export function submitRun(store: Store, env: Env, evalsetsDir: string, checkpoint: Checkpoint, req: RunRequest): number {
  const offered = offeredEvalsets(evalsetsDir);
  const names = req.evalsets ?? offered;
  const unknown = names.filter((n) => !offered.includes(n));
  if (unknown.length > 0 || names.length === 0) {
    throw new TunegateError(
      'INVALID_INPUT',
      `evalsets: ${unknown.length > 0 ? `unknown eval set ${unknown.map((u) => `"${u}"`).join(', ')}` : 'none offered'} (available: ${offered.join(', ') || 'none'})`,
    );
  }
  const sets = loadEvalSets(names.map((n) => join(evalsetsDir, `${n}.jsonl`)), process.cwd());
  const judge = req.judge === undefined ? checkpoint.judge : req.judge;
  const keyEnv = checkpoint.apiKeyEnv;
  if (keyEnv !== null && (env[keyEnv] ?? '') === '') {
    throw new TunegateError('MISSING_SECRET', `checkpoint ${checkpoint.name}: its key variable ${keyEnv} is not set in the server's environment`);
  }
  if (judge !== null) checkJudgeReady(judge, env);
  const params: RunParams = {
    ...DEFAULT_PARAMS,
    temperature: req.temperature ?? DEFAULT_PARAMS.temperature,
    maxTokens: req.maxTokens === undefined ? { ...DEFAULT_PARAMS.maxTokens } : { keyword: req.maxTokens, blog: req.maxTokens },
    seed: req.seed ?? null,
    samples: req.samples ?? DEFAULT_PARAMS.samples,
    concurrency: req.concurrency ?? DEFAULT_PARAMS.concurrency,
    timeoutMs: req.timeout === undefined ? DEFAULT_PARAMS.timeoutMs : Math.round(req.timeout * 1000),
    retries: req.retries ?? DEFAULT_PARAMS.retries,
    judge,
    perplexity: req.perplexity === true,
  };
  return createRun(store, checkpoint, sets, params, 'queued');
}
