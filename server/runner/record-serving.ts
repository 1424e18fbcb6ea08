import { servingChangeNote } from '../runs/serving-notes.js';
import type { Store } from '../store/open.js';
import type { Run } from '../store/types.js';
import type { ProbeResult } from './serving-probe.js';

/**
 * Stores what the endpoint said about itself in the run's provenance (a model check that could
 * not be done shows there as `modelCheck: "not-listed"`). A resume served by another server or
 * version says so in a note: its answers may not be comparable with the ones before.
 */
export function recordServing(store: Store, runId: number, run: Run, probed: ProbeResult): void {
  const before = run.provenance.serving;
  const change = before === undefined ? null : servingChangeNote(before, probed.replicas);
  if (before === undefined || change !== null) store.runs.setProvenanceField(runId, 'serving', probed.replicas);
  if (change !== null && !store.runs.get(runId).notes.includes(change)) store.runs.addNote(runId, change);
}
