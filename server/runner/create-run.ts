import { hostname } from 'node:os';
import type { EvalSet } from '../evalsets/types.js';
import { SCORER_VERSIONS } from '../scoring/types.js';
import type { Store } from '../store/open.js';
import type { Checkpoint, Provenance, RunKind, RunParams } from '../store/types.js';
import { toolRevision, toolVersion } from '../version.js';
import { stripUrlCredentials } from '../http/url-credentials.js';
import { DEFAULT_LEASE_MS, thisProcess } from './owner.js';

// Defined with the run options' bounds; re-exported for the many callers that create runs.
export { DEFAULT_PARAMS } from '../runs/run-options.js';

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
      ...(checkpoint.lora !== null ? { lora: checkpoint.lora } : {}),
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
