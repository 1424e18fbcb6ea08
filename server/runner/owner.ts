import { randomUUID } from 'node:crypto';
import { readFileSync, readlinkSync } from 'node:fs';
import { hostname } from 'node:os';
import { TunegateError } from '../errors.js';
import type { Store } from '../store/open.js';
import type { RunHold, RunOwner } from '../store/run-ownership.js';
import type { RunStatus } from '../store/types.js';
import { summarizeRun } from '../runs/summary.js';

/**
 * How long a claim on a run lasts without renewal. The owner renews it every HEARTBEAT_MS (a
 * third of it at most), so only a process that is gone, or stalled for this long, loses it.
 */
export const DEFAULT_LEASE_MS = 30_000;
/** The longest wait between two renewals: also how soon a cancel from another process is seen. */
export const MAX_HEARTBEAT_MS = 2_000;

let pidns: string | null | undefined;

/** This process's PID namespace (Linux), so a PID is only checked where it names this process's peers. */
function pidNamespace(): string | null {
  if (pidns === undefined) {
    try {
      pidns = readlinkSync('/proc/self/ns/pid');
    } catch {
      pidns = null;
    }
  }
  return pidns;
}

/** This process as a run owner. */
export function thisProcess(): RunOwner {
  return { pid: process.pid, host: hostname(), pidns: pidNamespace() };
}

/** True when `pid` on `host` is a live process other than this one (only this host's processes can be checked). */
export function processAlive(pid: number, host: string): boolean {
  if (host !== hostname() || pid === process.pid) return false;
  return pidExists(pid);
}

/** Whether `pid` is a live process; a zombie (exited, not yet reaped by its parent) is not. */
function pidExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  return !isZombie(pid);
}

/**
 * Linux: state Z (or X) in /proc/PID/stat. A killed CLI stays a zombie until its parent waits for
 * it, and signal 0 still reaches a zombie. The state follows the command name, which is in
 * parentheses and may itself hold spaces and parentheses: read after the last ')'. Elsewhere
 * (no /proc) nothing is known and the process counts as alive; its lease still expires.
 */
function isZombie(pid: number): boolean {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return false;
  }
  const state = stat.slice(stat.lastIndexOf(')') + 1).trim()[0];
  return state === 'Z' || state === 'X';
}

/**
 * Whether a running run's owner is gone. Its lease is the rule: expired means gone, wherever the
 * owner ran. A fast path for owners in this host's PID namespace: a PID that no longer exists is
 * gone at once (a killed CLI's run is resumable without waiting). An owner on another host is
 * never presumed dead while its lease runs. A run stored before leases has none: it is gone if
 * its owner was here and its PID is gone, or if it ran elsewhere.
 */
export function ownerGone(hold: RunHold, now = Date.now()): boolean {
  if (hold.status !== 'running') return false;
  const me = thisProcess();
  const local = hold.ownerHost === me.host && hold.ownerPidns === me.pidns && hold.ownerPid !== null;
  const pidGone = local && hold.ownerPid !== me.pid && !pidExists(hold.ownerPid!);
  if (hold.leaseUntil === null) return local ? pidGone : true;
  return hold.leaseUntil < now || pidGone;
}

/** "pid 123 on host h (lease until 12:00:30Z)": who holds a run, for messages. */
export function describeOwner(hold: RunHold): string {
  const lease = hold.leaseUntil === null ? '' : ` (lease until ${new Date(hold.leaseUntil).toISOString()})`;
  return `pid ${hold.ownerPid ?? '?'} on host ${hold.ownerHost ?? '?'}${lease}`;
}

/** The error a process gets for a run another live process executes. */
export function runBusy(runId: number, hold: RunHold): TunegateError {
  return new TunegateError(
    'RUN_BUSY',
    `run ${runId} is being executed by ${describeOwner(hold)}; wait for it, cancel it, or stop that process (its run becomes resumable when its lease expires)`,
  );
}

/** Throws RUN_BUSY when a live process other than the caller's claims holds the run. A check before work, not a claim. */
export function assertNotBusy(store: Store, runId: number): void {
  const hold = store.runs.hold(runId);
  if (hold === undefined) throw new TunegateError('NOT_FOUND', `no run with id ${runId}`);
  if (hold.status !== 'running' || ownerGone(hold)) return;
  const me = thisProcess();
  // Created by this process and not yet claimed: the claim will win.
  if (hold.ownerToken === null && hold.ownerPid === me.pid && hold.ownerHost === me.host && hold.ownerPidns === me.pidns) return;
  throw runBusy(runId, hold);
}

export interface LeaseOptions {
  leaseMs?: number;
  /** Another process asked for a cancel (seen at a heartbeat). */
  onCancel: () => void;
  /** The claim was lost (this process stalled past its lease and another took the run over). */
  onLost: () => void;
}

/** A claim held by this process, renewed on an unref'd timer until stopped. */
export interface Lease {
  runId: number;
  token: string;
  readonly lost: boolean;
  stop(): void;
}

/**
 * Makes this process the run's one executor (a compare-and-set in SQLite) and starts renewing
 * the lease. Throws RUN_BUSY, naming the holder, when a live process holds it.
 */
export function claimRun(store: Store, runId: number, opts: LeaseOptions): Lease {
  const leaseMs = opts.leaseMs ?? DEFAULT_LEASE_MS;
  const hold = store.runs.hold(runId);
  if (hold === undefined) throw new TunegateError('NOT_FOUND', `no run with id ${runId}`);
  const token = randomUUID();
  // Only an owner found dead by the PID fast path (or a lease-less old run) needs the takeover
  // route; an expired lease is judged by the statement itself.
  const takeover = hold.status === 'running' && ownerGone(hold) ? { ownerToken: hold.ownerToken, leaseUntil: hold.leaseUntil } : undefined;
  if (!store.runs.claim(runId, thisProcess(), token, leaseMs, takeover)) {
    throw runBusy(runId, store.runs.hold(runId) ?? hold);
  }
  let lost = false;
  const beat = setInterval(() => {
    let r;
    try {
      r = store.runs.renew(runId, token, leaseMs);
    } catch {
      return; // the database is busy or gone: the next beat tries again, and the run's writes fail on their own
    }
    if (r === 'cancel') opts.onCancel();
    if (r === 'lost') {
      lost = true;
      clearInterval(beat);
      opts.onLost();
    }
  }, Math.max(10, Math.min(MAX_HEARTBEAT_MS, Math.floor(leaseMs / 3))));
  beat.unref();
  return {
    runId,
    token,
    get lost() {
      return lost;
    },
    stop: () => clearInterval(beat),
  };
}

/**
 * Stops a running run whose owner is gone (lease expired, or its PID gone on this host), as
 * `status` (`cancelled` anyway when a cancel was asked for and its owner never read it); false
 * if it is not such a run, or its owner renewed or another process claimed it meanwhile
 * (compare-and-set on the hold seen).
 */
export function stopAbandoned(store: Store, runId: number, wanted: Extract<RunStatus, 'interrupted' | 'cancelled'>): boolean {
  const hold = store.runs.hold(runId);
  if (hold === undefined || !ownerGone(hold)) return false;
  const status = hold.cancelRequested ? 'cancelled' : wanted;
  const error = status === 'interrupted' ? `the process running it (${describeOwner(hold)}) stopped; resume it` : null;
  return store.runs.finishAbandoned(runId, hold, status, summarizeRun(store, runId), error);
}

/**
 * Marks every running run whose owner is gone `interrupted` (resumable), except those `mine`
 * says this process executes (a stalled event loop must not make it reap its own); returns their ids.
 */
export function stopAbandonedRuns(store: Store, mine: (runId: number) => boolean = () => false): number[] {
  return store.runs.list({ status: 'running', kind: 'any' }).map((r) => r.id).filter((id) => !mine(id) && stopAbandoned(store, id, 'interrupted'));
}
