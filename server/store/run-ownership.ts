import type { Database } from 'better-sqlite3';
import type { RunSummary } from '../scoring/metrics.js';
import { storedText } from './stored-text.js';
import type { RunStatus } from './types.js';

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

/** What a heartbeat learns: the lease was renewed (and whether a cancel was asked for), or lost. */
export type Renewal = 'renewed' | 'cancel' | 'lost';

/** Clears every owner column: a stopped or queued run has no owner. */
const NO_OWNER = 'owner_pid = NULL, owner_host = NULL, owner_pidns = NULL, owner_token = NULL, lease_until = NULL, cancel_requested = 0';

/**
 * Who executes a run and how it stops: the claim, the lease and its heartbeat, a cancel asked for,
 * the queue, and every way of recording the end state. Part of the runs repository (store.runs).
 */
export function createRunOwnership(db: Database) {
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
  const requeue = db.prepare(
    `UPDATE runs SET status = 'queued', error = NULL, finished_at = NULL, ${NO_OWNER} WHERE id = ? AND status NOT IN ('queued', 'running')`,
  );
  const queuedIds = db.prepare<[], { id: number }>("SELECT id FROM runs WHERE status = 'queued' ORDER BY id");
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

  return {
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

    /** Puts a stopped run back in the queue (resume through the server); false if it is queued or running. */
    requeue(id: number): boolean {
      return requeue.run(id).changes === 1;
    },

    /** Ids of queued runs, oldest first. */
    queued(): number[] {
      return queuedIds.all().map((r) => r.id);
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
