import type { Database } from 'better-sqlite3';
import { TunegateError } from '../errors.js';
import { storedJson, storedText } from './stored-text.js';
import { writeTransaction } from './write-lock.js';
import type { EvalItem } from '../evalsets/types.js';
import type { RunSummary } from '../scoring/metrics.js';
import type { Provenance, Run, RunParams, RunStatus, RunKind } from './types.js';

interface Row {
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

function fromRow(r: Row): Run {
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

/** Clears every owner column: a stopped or queued run has no owner. */
const NO_OWNER = 'owner_pid = NULL, owner_host = NULL, owner_pidns = NULL, owner_token = NULL, lease_until = NULL, cancel_requested = 0';

const SELECT = `SELECT runs.*, checkpoints.name AS checkpoint, checkpoints.step AS step
                FROM runs JOIN checkpoints ON checkpoints.id = runs.checkpoint_id`;

/** A process that executes runs: its PID only means something on its host and PID namespace. */
export interface RunOwner {
  pid: number;
  host: string;
  /** The PID namespace (Linux), so two containers with one hostname are told apart; null elsewhere. */
  pidns: string | null;
}

/** Who holds a run, as stored: enough to tell a live owner from a dead one, and to compare-and-set. */
export interface RunHold {
  status: RunStatus;
  ownerPid: number | null;
  ownerHost: string | null;
  ownerPidns: string | null;
  /** The token of the current claim; null for a run reserved at creation and not claimed yet. */
  ownerToken: string | null;
  /** Epoch ms; null when no lease was ever taken (runs stored before leases). */
  leaseUntil: number | null;
  cancelRequested: boolean;
}

/** The hold a caller saw, for a compare-and-set that fails if it changed (a renewal, a claim). */
export type SeenHold = Pick<RunHold, 'ownerToken' | 'leaseUntil'>;

export interface NewRun {
  /** Default 'eval'. */
  kind?: RunKind;
  checkpointId: number;
  status: 'queued' | 'running';
  params: RunParams;
  provenance: Provenance;
  items: readonly EvalItem[];
  /** With status running: the creating process, which holds the run (unclaimed) until `leaseUntil`. */
  owner?: RunOwner & { leaseUntil: number };
}

/** What a heartbeat learns: the lease was renewed (and whether a cancel was asked for), or lost. */
export type Renewal = 'renewed' | 'cancel' | 'lost';

export interface RunFilter {
  /** Default 'eval'; 'any' for both kinds. */
  kind?: RunKind | 'any';
  checkpointId?: number;
  status?: RunStatus;
  limit?: number;
  /** Only runs with an id below this (cursor paging, newest first). */
  before?: number;
  /** Only each checkpoint's newest run among those the filter matches (one query for charts across checkpoints). */
  newestPerCheckpoint?: boolean;
}

export type RunRepo = ReturnType<typeof createRunRepo>;

/** Runs, their eval sets and their item snapshots. */
export function createRunRepo(db: Database) {
  const insertRun = db.prepare(
    `INSERT INTO runs (kind, checkpoint_id, status, params, provenance, owner_pid, owner_host, owner_pidns, lease_until, created_at, started_at)
     VALUES (@kind, @checkpointId, @status, @params, @provenance, @pid, @host, @pidns, @leaseUntil, @now, @startedAt)`,
  );
  const insertSet = db.prepare('INSERT INTO run_sets (run_id, name, path, hash, items) VALUES (?, ?, ?, ?, ?)');
  const insertItem = db.prepare(
    'INSERT INTO run_items (run_id, set_name, item_id, position, kind, item_hash, item) VALUES (?, ?, ?, ?, ?, ?, ?)',
  );
  const byId = db.prepare<[number], Row>(`${SELECT} WHERE runs.id = ?`);
  const setNames = db.prepare<[], { name: string }>('SELECT DISTINCT name FROM run_sets ORDER BY name');
  const itemsOf = db.prepare<[number], { item: string }>('SELECT item FROM run_items WHERE run_id = ? ORDER BY position');
  const holdOf = db.prepare<[number], { status: RunStatus; owner_pid: number | null; owner_host: string | null; owner_pidns: string | null; owner_token: string | null; lease_until: number | null; cancel_requested: number }>(
    'SELECT status, owner_pid, owner_host, owner_pidns, owner_token, lease_until, cancel_requested FROM runs WHERE id = ?',
  );
  // The one compare-and-set that makes a process a run's owner. It wins when the run is not
  // running, or its lease has expired, or the caller created it (reserved, not yet claimed), or
  // the caller found its owner dead and nothing changed since (same token and lease).
  const claim = db.prepare(
    `UPDATE runs SET status = 'running', owner_pid = @pid, owner_host = @host, owner_pidns = @pidns, owner_token = @token,
            lease_until = @leaseUntil, cancel_requested = 0, error = NULL, finished_at = NULL, started_at = COALESCE(started_at, @startedAt)
     WHERE id = @id AND (
       status <> 'running'
       OR lease_until < @now
       OR (owner_token IS NULL AND owner_pid = @pid AND owner_host = @host AND owner_pidns IS @pidns)
       OR (@takeover = 1 AND owner_token IS @seenToken AND lease_until IS @seenLease)
     )`,
  );
  const renew = db.prepare<{ id: number; token: string; leaseUntil: number }, { cancel_requested: number }>(
    `UPDATE runs SET lease_until = @leaseUntil WHERE id = @id AND status = 'running' AND owner_token = @token RETURNING cancel_requested`,
  );
  const requestCancel = db.prepare("UPDATE runs SET cancel_requested = 1 WHERE id = ? AND status = 'running'");
  const cancelRequested = db.prepare<[number, string], { cancel_requested: number }>(
    "SELECT cancel_requested FROM runs WHERE id = ? AND status = 'running' AND owner_token = ?",
  );
  const setSummary = db.prepare('UPDATE runs SET summary = ? WHERE id = ?');
  // Fixed paths only: the field name never reaches the SQL text.
  const setProvenance = {
    reported: db.prepare(`UPDATE runs SET provenance = json_set(provenance, '$.reported', json(?)) WHERE id = ?`),
    scorers: db.prepare(`UPDATE runs SET provenance = json_set(provenance, '$.scorers', json(?)) WHERE id = ?`),
    serving: db.prepare(`UPDATE runs SET provenance = json_set(provenance, '$.serving', json(?)) WHERE id = ?`),
  };
  const requeue = db.prepare(
    `UPDATE runs SET status = 'queued', error = NULL, finished_at = NULL, ${NO_OWNER} WHERE id = ? AND status NOT IN ('queued', 'running')`,
  );
  const queuedIds = db.prepare<[], { id: number }>("SELECT id FROM runs WHERE status = 'queued' ORDER BY id");
  const addNote = db.prepare(`UPDATE runs SET notes = json_insert(notes, '$[#]', ?) WHERE id = ?`);
  const notesOf = db.prepare<[number], { notes: string }>('SELECT notes FROM runs WHERE id = ?');
  const setNotes = db.prepare('UPDATE runs SET notes = ? WHERE id = ?');
  const finish = db.prepare(
    `UPDATE runs SET status = @status, summary = @summary, error = @error, finished_at = @now, ${NO_OWNER} WHERE id = @id`,
  );
  // The owner's own finish: a no-op if it lost the run meanwhile (its successor's state stands).
  const finishOwned = db.prepare(
    `UPDATE runs SET status = @status, summary = @summary, error = @error, finished_at = @now, ${NO_OWNER}
     WHERE id = @id AND status = 'running' AND owner_token = @token`,
  );
  const finishFrom = db.prepare(
    `UPDATE runs SET status = @status, summary = @summary, error = @error, finished_at = @now, ${NO_OWNER}
     WHERE id = @id AND status = @from AND status <> 'running'`,
  );
  // Stops a run whose owner is gone, unless the owner renewed (or another process claimed) since it was seen.
  const finishAbandoned = db.prepare(
    `UPDATE runs SET status = @status, summary = @summary, error = @error, finished_at = @now, ${NO_OWNER}
     WHERE id = @id AND status = 'running' AND owner_token IS @seenToken AND lease_until IS @seenLease`,
  );

  const create = writeTransaction(db, (r: NewRun): number => {
    const now = new Date().toISOString();
    const info = insertRun.run({
      kind: r.kind ?? 'eval',
      checkpointId: r.checkpointId,
      status: r.status,
      params: JSON.stringify(r.params),
      provenance: JSON.stringify(r.provenance),
      pid: r.owner?.pid ?? null,
      host: r.owner?.host ?? null,
      pidns: r.owner?.pidns ?? null,
      leaseUntil: r.owner?.leaseUntil ?? null,
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

  const replaceNotes = writeTransaction(db, (id: number, drop: (note: string) => boolean, add: readonly string[]) => {
    const row = notesOf.get(id);
    if (row === undefined) return;
    const kept = (JSON.parse(row.notes) as string[]).filter((n) => !drop(n));
    setNotes.run(storedJson([...kept, ...add]), id);
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
      // Evaluations unless asked otherwise: a categorization's numbers are not a checkpoint's scores.
      const kind = filter.kind ?? 'eval';
      const where: string[] = kind === 'any' ? [] : ['runs.kind = @kind'];
      const params: Record<string, unknown> = kind === 'any' ? {} : { kind };
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
      // The same conditions inside the subquery name its own `runs` (the inner table shadows the outer).
      const matching = where.length > 0 ? `WHERE ${where.join(' AND ')}` : '';
      const cond = filter.newestPerCheckpoint === true ? `WHERE runs.id IN (SELECT MAX(runs.id) FROM runs ${matching} GROUP BY runs.checkpoint_id)` : matching;
      const sql = `${SELECT} ${cond} ORDER BY runs.id DESC LIMIT @limit`;
      return (db.prepare(sql).all(params) as Row[]).map(fromRow);
    },

    /** Names of every eval set a stored run used. */
    setNames(): string[] {
      return setNames.all().map((r) => r.name);
    },

    /** The item snapshot taken when the run was created, in run order. */
    items(id: number): EvalItem[] {
      return itemsOf.all(id).map((r) => JSON.parse(r.item) as EvalItem);
    },

    /** Who holds the run (cheap: no JSON is parsed); undefined for an unknown id. */
    hold(id: number): RunHold | undefined {
      const r = holdOf.get(id);
      if (r === undefined) return undefined;
      return {
        status: r.status, ownerPid: r.owner_pid, ownerHost: r.owner_host, ownerPidns: r.owner_pidns,
        ownerToken: r.owner_token, leaseUntil: r.lease_until, cancelRequested: r.cancel_requested === 1,
      };
    },

    /**
     * Makes `owner` the run's one executor under `token` until `now + leaseMs`, in one
     * compare-and-set (see the statement). `takeover` is the hold of a running run whose owner
     * the caller found dead; the claim then fails if that hold changed. True when it won.
     */
    claim(id: number, owner: RunOwner, token: string, leaseMs: number, takeover?: SeenHold, now = Date.now()): boolean {
      return claim.run({
        id, pid: owner.pid, host: owner.host, pidns: owner.pidns, token, leaseUntil: now + leaseMs, now,
        startedAt: new Date(now).toISOString(), takeover: takeover === undefined ? 0 : 1,
        seenToken: takeover?.ownerToken ?? null, seenLease: takeover?.leaseUntil ?? null,
      }).changes === 1;
    },

    /** The owner's heartbeat: extends its lease, if it still holds it; says whether a cancel was asked for. */
    renew(id: number, token: string, leaseMs: number, now = Date.now()): Renewal {
      const r = renew.get({ id, token, leaseUntil: now + leaseMs });
      if (r === undefined) return 'lost';
      return r.cancel_requested === 1 ? 'cancel' : 'renewed';
    },

    /** Asks the running run's owner (in whichever process) to stop it as cancelled. */
    requestCancel(id: number): boolean {
      return requestCancel.run(id).changes === 1;
    },

    /** Whether a cancel was asked for the run this token holds. */
    cancelRequested(id: number, token: string): boolean {
      return cancelRequested.get(id, token)?.cancel_requested === 1;
    },

    /** Replaces a stopped run's summary (after judging adds scores to it). */
    setSummary(id: number, summary: RunSummary): void {
      setSummary.run(JSON.stringify(summary), id);
    },

    /** Replaces one provenance field learned after creation: what the endpoint reported, or the scorers of a run with no answer yet. */
    setProvenanceField<K extends 'reported' | 'scorers' | 'serving'>(id: number, field: K, value: NonNullable<Provenance[K]>): void {
      setProvenance[field].run(JSON.stringify(value), id);
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
      addNote.run(storedText(note), id);
    },

    /** Drops the notes `drop` matches and appends `add`, in one transaction (a resume's notes replace its earlier ones). */
    replaceNotes(id: number, drop: (note: string) => boolean, add: readonly string[]): void {
      replaceNotes(id, drop, add);
    },

    /** Records the run's end state and its summary, whoever holds it (for runs no process executes). */
    finish(id: number, status: RunStatus, summary: RunSummary | null, error: string | null = null): void {
      finish.run(endState(id, status, summary, error));
    },

    /** The owner's finish: only while `token` still holds the run. False if it was lost meanwhile. */
    finishOwned(id: number, token: string, status: RunStatus, summary: RunSummary | null, error: string | null = null): boolean {
      return finishOwned.run({ ...endState(id, status, summary, error), token }).changes === 1;
    },

    /** Moves a run that no process holds from status `from` (a cancel of a queued run), unless it changed meanwhile (a process claimed it). */
    finishFrom(id: number, from: Exclude<RunStatus, 'running'>, status: RunStatus, summary: RunSummary | null, error: string | null = null): boolean {
      return finishFrom.run({ ...endState(id, status, summary, error), from }).changes === 1;
    },

    /** Stops a running run whose owner is gone, if its hold is still the one seen. */
    finishAbandoned(id: number, seen: SeenHold, status: RunStatus, summary: RunSummary | null, error: string | null): boolean {
      return finishAbandoned.run({ ...endState(id, status, summary, error), seenToken: seen.ownerToken, seenLease: seen.leaseUntil }).changes === 1;
    },
  };
}

function endState(id: number, status: RunStatus, summary: RunSummary | null, error: string | null) {
  // A run's error can quote an endpoint or a store message: stored well-formed, like results.
  return { id, status, summary: summary === null ? null : JSON.stringify(summary), error: storedText(error), now: new Date().toISOString() };
}
