import { hostname } from 'node:os';
import type { EvalSet } from '../evalsets/types.js';
import { SCORER_VERSIONS } from '../scoring/types.js';
import type { Store } from '../store/open.js';
import type { Checkpoint, Provenance, RunKind, RunParams } from '../store/types.js';
import { toolRevision, toolVersion } from '../version.js';
import { stripUrlCredentials } from '../http/url-credentials.js';
import { DEFAULT_LEASE_MS, thisProcess } from './owner.js';

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

export function buildProvenance(checkpoint: Checkpoint, sets: readonly EvalSet[]): Provenance {
  return {
    tool: toolVersion(),
    revision: toolRevision(),
    node: process.version,
    endpoint: {
      baseUrl: stripUrlCredentials(checkpoint.baseUrl),
      model: checkpoint.model,
      api: checkpoint.api,
      promptTemplate: checkpoint.promptTemplate,
      ...(checkpoint.baseUrls.length > 1 ? { baseUrls: checkpoint.baseUrls.map(stripUrlCredentials) } : {}),
    },
    scorers: { ...SCORER_VERSIONS },
    evalsets: sets.map((s) => ({ name: s.name, path: s.path, hash: s.hash, items: s.items.length })),
    reported: { models: [], systemFingerprints: [] },
  };
}

/** This process's PID and host (the demo's lock file records them). */
export function currentOwner(): { pid: number; host: string } {
  return { pid: process.pid, host: hostname() };
}

/**
 * Records a new run with its provenance and a snapshot of every item, before any request is
 * sent. `running` when this process executes it now (it is reserved for this process until
 * executeRun claims it, so no server can take it in between); `queued` when a server will.
 */
export function createRun(
  store: Store,
  checkpoint: Checkpoint,
  sets: readonly EvalSet[],
  params: RunParams,
  status: 'queued' | 'running' = 'running',
  kind: RunKind = 'eval',
): number {
  return store.runs.create({
    kind,
    checkpointId: checkpoint.id,
    status,
    params,
    provenance: buildProvenance(checkpoint, sets),
    items: sets.flatMap((s) => s.items),
    ...(status === 'running' ? { owner: { ...thisProcess(), leaseUntil: Date.now() + DEFAULT_LEASE_MS } } : {}),
  });
}
