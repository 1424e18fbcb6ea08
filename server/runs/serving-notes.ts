import { describeServer } from '../shared/serving-line.js';
import type { ServingReplica } from '../store/types.js';

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
