import type { RunSummary } from '../scoring/metrics.js';
import type { Provenance, Run, RunParams, RunStatus, RunKind } from './types.js';

/** A `runs` row joined with its checkpoint's name and step, as SQLite returns it. */
export interface Row {
  id: number;
  kind: RunKind;
  checkpoint_id: number;
  checkpoint: string;
  step: number | null;
  status: RunStatus;
  params: string;
  provenance: string;
  summary: string | null;
  error: string | null;
  owner_pid: number | null;
  owner_host: string | null;
  created_at: string;
  started_at: string | null;
  finished_at: string | null;
  notes: string;
}

/** The row as a Run (its JSON columns parsed). */
export function fromRow(r: Row): Run {
  return {
    id: r.id,
    kind: r.kind,
    checkpointId: r.checkpoint_id,
    checkpoint: r.checkpoint,
    step: r.step,
    status: r.status,
    params: JSON.parse(r.params) as RunParams,
    provenance: JSON.parse(r.provenance) as Provenance,
    summary: r.summary === null ? null : (JSON.parse(r.summary) as RunSummary),
    error: r.error,
    ownerPid: r.owner_pid,
    ownerHost: r.owner_host,
    createdAt: r.created_at,
    startedAt: r.started_at,
    finishedAt: r.finished_at,
    notes: JSON.parse(r.notes) as string[],
  };
}

/** Every run column plus the checkpoint's name and step. */
export const SELECT = `SELECT runs.*, checkpoints.name AS checkpoint, checkpoints.step AS step
                FROM runs JOIN checkpoints ON checkpoints.id = runs.checkpoint_id`;
