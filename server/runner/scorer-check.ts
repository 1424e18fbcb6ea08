import { TunegateError } from '../errors.js';
import { scorerDifferences } from '../scoring/scorer-differences.js';
import { SCORER_VERSIONS } from '../scoring/types.js';
import type { Store } from '../store/open.js';
import type { Run } from '../store/types.js';

const named = (name: string, version: string | null) => (version === null ? `no ${name} scorer` : `${name} v${version}`);

/**
 * Before a run gets more results (a resume, or a queued run starting): its stored answers were
 * scored by the scorer versions it recorded, so new answers must be scored by the same ones.
 * After an upgrade that changed a scorer, the run is refused (PROVENANCE_MISMATCH) rather than
 * mixed. A run with no answer scored yet simply takes this tool's versions; a run with nothing
 * left to send is never refused (it sends nothing).
 */
export function checkScorersBeforeSending(store: Store, run: Run, retryErrors: boolean): void {
  const counts = store.results.counts(run.id);
  const left = store.runs.items(run.id).length * run.params.samples - counts.results;
  if (left <= 0 && !(retryErrors && counts.errors > 0)) return;
  const differences = scorerDifferences(run.provenance.scorers ?? {}, SCORER_VERSIONS);
  if (differences.length === 0) return;
  if (counts.results - counts.errors === 0) {
    store.runs.setProvenanceField(run.id, 'scorers', { ...SCORER_VERSIONS });
    return;
  }
  throw new TunegateError(
    'PROVENANCE_MISMATCH',
    `run ${run.id} was scored with ${differences.map((d) => named(d.name, d.versions[0])).join(', ')}; ` +
      `this tunegate scores ${differences.map((d) => named(d.name, d.versions[1])).join(', ')}: ` +
      `its results cannot be mixed — start a new run (tunegate run ${run.checkpoint})`,
  );
}
