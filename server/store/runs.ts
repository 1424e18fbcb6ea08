import type { Database } from 'better-sqlite3';
import { TunegateError } from '../errors.js';
import type { EvalItem } from '../evalsets/types.js';
import type { RunSummary } from '../scoring/metrics.js';
import type { Provenance, Run, RunParams, RunStatus } from './types.js';

interface Row {
  id: number;
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

function fromRow(r: Row): Run {
  return {
    id: r.id,
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

const SELECT = `SELECT runs.*, checkpoints.name AS checkpoint, checkpoints.step AS step
                FROM runs JOIN checkpoints ON checkpoints.id = runs.checkpoint_id`;

export interface NewRun {
  checkpointId: number;
  status: 'queued' | 'running';
  params: RunParams;
  provenance: Provenance;
  items: readonly EvalItem[];
  owner?: { pid: number; host: string };
}

export interface RunFilter {
  checkpointId?: number;
  status?: RunStatus;
  limit?: number;
  /** Only runs with an id below this (cursor paging, newest first). */
  before?: number;
}

export type RunRepo = ReturnType<typeof createRunRepo>;

/** Runs, their eval sets and their item snapshots. */
export function createRunRepo(db: Database) {
  const insertRun = db.prepare(
    `INSERT INTO runs (checkpoint_id, status, params, provenance, owner_pid, owner_host, created_at, started_at)
     VALUES (@checkpointId, @status, @params, @provenance, @pid, @host, @now, @startedAt)`,
  );
  const insertSet = db.prepare('INSERT INTO run_sets (run_id, name, path, hash, items) VALUES (?, ?, ?, ?, ?)');
  const insertItem = db.prepare(
    'INSERT INTO run_items (run_id, set_name, item_id, position, kind, item_hash, item) VALUES (?, ?, ?, ?, ?, ?, ?)',
  );
  const byId = db.prepare<[number], Row>(`${SELECT} WHERE runs.id = ?`);
  const latestCompleted = db.prepare<[], Row>(
    `${SELECT} WHERE runs.id IN (SELECT MAX(id) FROM runs WHERE status = 'completed' GROUP BY checkpoint_id) ORDER BY runs.id`,
  );
  const setNames = db.prepare<[], { name: string }>('SELECT DISTINCT name FROM run_sets ORDER BY name');
  const itemsOf = db.prepare<[number], { item: string }>('SELECT item FROM run_items WHERE run_id = ? ORDER BY position');
  const claim = db.prepare(
    `UPDATE runs SET status = 'running', owner_pid = ?, owner_host = ?, error = NULL, finished_at = NULL,
            started_at = COALESCE(started_at, ?)
     WHERE id = ?`,
  );
  const setSummary = db.prepare('UPDATE runs SET summary = ? WHERE id = ?');
  const requeue = db.prepare(
    "UPDATE runs SET status = 'queued', error = NULL, finished_at = NULL, owner_pid = NULL, owner_host = NULL WHERE id = ? AND status NOT IN ('queued', 'running')",
  );
  const queuedIds = db.prepare<[], { id: number }>("SELECT id FROM runs WHERE status = 'queued' ORDER BY id");
  const addNote = db.prepare(`UPDATE runs SET notes = json_insert(notes, '$[#]', ?) WHERE id = ?`);
  const notesOf = db.prepare<[number], { notes: string }>('SELECT notes FROM runs WHERE id = ?');
  const setNotes = db.prepare('UPDATE runs SET notes = ? WHERE id = ?');
  const replaceNote = db.transaction((id: number, prefix: string, note: string | null) => {
    const row = notesOf.get(id);
    if (row === undefined) return;
    const kept = (JSON.parse(row.notes) as string[]).filter((n) => !n.startsWith(prefix));
    setNotes.run(JSON.stringify(note === null ? kept : [...kept, note]), id);
  });
  const finish = db.prepare(
    'UPDATE runs SET status = ?, summary = ?, error = ?, finished_at = ?, owner_pid = NULL, owner_host = NULL WHERE id = ?',
  );

  const create = db.transaction((r: NewRun): number => {
    const now = new Date().toISOString();
    const info = insertRun.run({
      checkpointId: r.checkpointId,
      status: r.status,
      params: JSON.stringify(r.params),
      provenance: JSON.stringify(r.provenance),
      pid: r.owner?.pid ?? null,
      host: r.owner?.host ?? null,
      now,
      startedAt: r.status === 'running' ? now : null,
    });
    const runId = Number(info.lastInsertRowid);
    for (const s of r.provenance.evalsets) insertSet.run(runId, s.name, s.path, s.hash, s.items);
    r.items.forEach((item, position) => {
      insertItem.run(runId, item.set, item.id, position, item.kind, item.hash, JSON.stringify(item));
    });
    return runId;
  });

  return {
    /** Creates a run with its eval-set records and item snapshot in one transaction. */
    create(r: NewRun): number {
      return create(r);
    },

    find(id: number): Run | undefined {
      const r = byId.get(id);
      return r === undefined ? undefined : fromRow(r);
    },

    get(id: number): Run {
      const r = byId.get(id);
      if (r === undefined) throw new TunegateError('NOT_FOUND', `no run with id ${id}`);
      return fromRow(r);
    },

    /** Runs, newest first. */
    list(filter: RunFilter = {}): Run[] {
      const where: string[] = [];
      const params: Record<string, unknown> = {};
      if (filter.checkpointId !== undefined) {
        where.push('runs.checkpoint_id = @checkpointId');
        params.checkpointId = filter.checkpointId;
      }
      if (filter.status !== undefined) {
        where.push('runs.status = @status');
        params.status = filter.status;
      }
      if (filter.before !== undefined) {
        where.push('runs.id < @before');
        params.before = filter.before;
      }
      params.limit = filter.limit ?? -1;
      const sql = `${SELECT} ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY runs.id DESC LIMIT @limit`;
      return (db.prepare(sql).all(params) as Row[]).map(fromRow);
    },

    /** Every checkpoint's latest completed run (one query, for charts across checkpoints). */
    latestCompleted(): Run[] {
      return latestCompleted.all().map(fromRow);
    },

    /** Names of every eval set a stored run used. */
    setNames(): string[] {
      return setNames.all().map((r) => r.name);
    },

    /** The item snapshot taken when the run was created, in run order. */
    items(id: number): EvalItem[] {
      return itemsOf.all(id).map((r) => JSON.parse(r.item) as EvalItem);
    },

    /** Marks the run as running in this process (for a new run or a resume). */
    claim(id: number, owner: { pid: number; host: string }): void {
      claim.run(owner.pid, owner.host, new Date().toISOString(), id);
    },

    /** Replaces a stopped run's summary (after judging adds scores to it). */
    setSummary(id: number, summary: RunSummary): void {
      setSummary.run(JSON.stringify(summary), id);
    },

    /** Puts a stopped run back in the queue (resume through the server); false if it is queued or running. */
    requeue(id: number): boolean {
      return requeue.run(id).changes === 1;
    },

    /** Ids of queued runs, oldest first. */
    queued(): number[] {
      return queuedIds.all().map((r) => r.id);
    },

    /** Adds a note to the run (shown with its results). */
    addNote(id: number, note: string): void {
      addNote.run(note, id);
    },

    /**
     * Replaces the run's notes that start with `prefix` by `note` (none when null): a note that is
     * recomputed, such as the judge's agreement with the keywords, stays one note.
     */
    replaceNote(id: number, prefix: string, note: string | null): void {
      replaceNote(id, prefix, note);
    },

    /** Records the run's end state and its summary. */
    finish(id: number, status: RunStatus, summary: RunSummary | null, error: string | null = null): void {
      finish.run(status, summary === null ? null : JSON.stringify(summary), error, new Date().toISOString(), id);
    },
  };
}

