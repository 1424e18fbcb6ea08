import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { checkKeyEnvsAllowed, type Env, type KeyUse } from '../config.js';
import type { KeyTarget } from '../settings/key-bindings.js';
import { TunegateError } from '../errors.js';
import { loadEvalSets, setNameOf } from '../evalsets/load.js';
import { checkJudgeReady } from '../judge/judge-stored-run.js';
import type { EvalSet } from '../evalsets/types.js';
import { planRunParams } from '../pipeline/plan-run.js';
import { createRun } from '../runner/create-run.js';
import type { RunOptions } from '../runs/run-options.js';
import { checkEndpoint } from '../runner/reachability.js';
import type { Store } from '../store/open.js';
import type { Checkpoint, LoraAdapter, RunParams } from '../store/types.js';

/** What an accepted request becomes: the run's eval sets and parameters, checked. */
export interface RunPlan {
  sets: EvalSet[];
  params: RunParams;
}

/** The eval-set names a server offers: the `*.jsonl` files in its folder. */
export function offeredEvalsets(dir: string): string[] {
  return existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.jsonl')).map(setNameOf).sort() : [];
}

/**
 * The eval sets a request names, from the server's folder only: a name is looked up in the
 * folder's listing, never joined into a path as given, so no client can make the server read
 * another file. Absent: every set offered.
 */
export function loadOfferedSets(evalsetsDir: string, names?: readonly string[]): EvalSet[] {
  const offered = offeredEvalsets(evalsetsDir);
  const wanted = names ?? offered;
  const unknown = wanted.filter((n) => !offered.includes(n));
  if (unknown.length > 0 || wanted.length === 0) {
    throw new TunegateError(
      'INVALID_INPUT',
      `evalsets: ${unknown.length > 0 ? `unknown eval set ${unknown.map((u) => `"${u}"`).join(', ')}` : 'none offered'} (available: ${offered.join(', ') || 'none'})`,
    );
  }
  return loadEvalSets(wanted.map((n) => join(evalsetsDir, `${n}.jsonl`)), process.cwd());
}

/** Where a stored checkpoint sends its key: every replica URL. */
export function checkpointKeyTarget(checkpoint: { name: string; baseUrls: readonly string[] }): KeyTarget {
  return { field: `checkpoint ${checkpoint.name}: baseUrls`, urls: checkpoint.baseUrls };
}

/** A stored checkpoint's key variable and where it goes (a checkpoint the CLI registered may name any). */
export function checkpointKeyUse(checkpoint: { name: string; baseUrls: readonly string[]; apiKeyEnv: string | null }): KeyUse {
  return [`checkpoint ${checkpoint.name}: apiKeyEnv`, checkpoint.apiKeyEnv, checkpointKeyTarget(checkpoint)];
}

/** A checkpoint's key variable must be set in the server's environment before anything is queued. */
export function requireServerKey(env: Env, checkpoint: Pick<Checkpoint, 'name' | 'apiKeyEnv'>): void {
  const keyEnv = checkpoint.apiKeyEnv;
  if (keyEnv !== null && (env[keyEnv] ?? '') === '') {
    throw new TunegateError('MISSING_SECRET', `checkpoint ${checkpoint.name}: its key variable ${keyEnv} is not set in the server's environment`);
  }
}

/**
 * Validates a run request without touching the network. Eval sets are chosen by name from the
 * server's folder only (a name is looked up in the folder's listing, never joined into a path
 * as given), so no client can make the server read another file. Checked: names, eval-set
 * contents, the endpoint's and the judge's keys.
 */
export function planRun(env: Env, evalsetsDir: string, checkpoint: Pick<Checkpoint, 'name' | 'apiKeyEnv' | 'judge'>, req: RunOptions): RunPlan {
  const sets = loadOfferedSets(evalsetsDir, req.evalsets);
  requireServerKey(env, checkpoint);
  const params = planRunParams(req, checkpoint.judge);
  if ((params.judge ?? null) !== null) checkJudgeReady(params.judge!, env);
  return { sets, params };
}

/**
 * Asks the endpoint before a run is queued (reachability.ts): a model it does not serve is a
 * MODEL_NOT_SERVED error (HTTP 400) and nothing is queued. An endpoint that does not answer yet
 * is only a warning: a queued run may wait for a server still loading its weights, and the run
 * checks again when it starts.
 */
export async function checkBeforeQueueing(env: Env, endpoint: { name: string; baseUrls: readonly string[]; model: string; apiKeyEnv: string | null; lora?: LoraAdapter | null }, check: boolean): Promise<string[]> {
  // The callers checked already; checked again here because this is where the key is sent.
  checkKeyEnvsAllowed(env, [checkpointKeyUse(endpoint)]);
  const apiKey = endpoint.apiKeyEnv === null ? undefined : (env[endpoint.apiKeyEnv] || undefined);
  // An adapter is listed only once loaded, when its run starts: until then only reachability.
  return (await checkEndpoint(endpoint.baseUrls, endpoint.model, { apiKey, check: check && (endpoint.lora ?? null) === null, requireReachable: false })).warnings;
}

/** Validates a run request, checks the endpoint, and records the run as `queued`. */
export async function submitRun(store: Store, env: Env, evalsetsDir: string, checkpoint: Checkpoint, req: RunOptions): Promise<{ id: number; warnings: string[] }> {
  const plan = planRun(env, evalsetsDir, checkpoint, req);
  const warnings = await checkBeforeQueueing(env, checkpoint, plan.params.modelCheck !== false);
  return { id: createRun(store, checkpoint, plan.sets, plan.params, 'queued'), warnings };
}
