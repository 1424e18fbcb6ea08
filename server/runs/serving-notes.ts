import type { ServingReplica } from '../store/types.js';

/** How a replica's server reads in a note: "vLLM 0.8.4 at http://…/v1". */
export function describeServer(r: Pick<ServingReplica, 'server' | 'version' | 'baseUrl'>): string {
  return `${r.server ?? 'an unidentified server'}${r.version !== null ? ` ${r.version}` : ''} at ${r.baseUrl}`;
}

/**
 * A note when a resumed run is served by another server or version than when it started (its
 * earlier answers came from the other one), or null when nothing that identifies it changed.
 */
export function servingChangeNote(before: readonly ServingReplica[], now: readonly ServingReplica[]): string | null {
  const key = (r: ServingReplica) => `${r.baseUrl}\u0000${r.server ?? ''}\u0000${r.version ?? ''}\u0000${r.contextLength ?? ''}`;
  const was = before.map(key).join('\u0001');
  const is = now.map(key).join('\u0001');
  if (was === is) return null;
  return `served by ${now.map(describeServer).join(', ')} on resume, by ${before.map(describeServer).join(', ')} before: ` +
    'answers from both are in this run';
}

const CHECK: Record<ServingReplica['modelCheck'], string> = {
  passed: 'model listed',
  'not-listed': 'lists no models: model name not verified',
  skipped: 'model check skipped',
  unreachable: 'no answer before the run',
};

/** One replica on one line, for `show`: "vLLM 0.8.4 at http://…/v1 · context 4096 tokens · model listed". */
export function servingLine(r: ServingReplica): string {
  return `${describeServer(r)}${r.contextLength !== null ? ` · context ${r.contextLength} tokens` : ''} · ${CHECK[r.modelCheck] ?? r.modelCheck}`;
}
