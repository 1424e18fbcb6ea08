import { EventEmitter } from 'node:events';
import type { Env } from '../config.js';
import { TunegateError } from '../errors.js';
import { executeRun } from '../runner/execute-run.js';
import type { ItemEvent } from '../runner/run-progress.js';
import { nothingToResume } from '../runner/work-left.js';
import { summarizeRun } from '../runs/summary.js';
import { DEFAULT_LEASE_MS, runBusy, stopAbandoned, stopAbandonedRuns } from '../runner/owner.js';
import { runPostSteps, type RunProgress } from '../pipeline/post-run.js';
import { checkScorersBeforeSending } from '../runner/scorer-check.js';
import type { Store } from '../store/open.js';
import { isLockError } from '../store/write-lock.js';
import type { RunStatus } from '../store/types.js';

/** A thrown value's message, whatever was thrown. */
const errorText = (e: unknown): string => (e instanceof Error ? e.message : String(e));

/** What subscribers to a run hear (the server streams these as Server-Sent Events). */
export type RunEvent =
  | { type: 'progress'; progress: RunProgress }
  | { type: 'item'; item: ItemEvent }
  | { type: 'finished'; status: RunStatus; runId: number };

export interface QueueOptions {
  store: Store;
  env: Env;
  /** Runs executed at once against one endpoint (base URL + model). Default 1. */
  perEndpoint?: number;
  /** Called when a run fails outside the runner (a bug, the database); the server logs it. */
  onError?: (runId: number, e: unknown) => void;
  /** The lease this server holds on the runs it executes (default 30 s; see owner.ts). */
  leaseMs?: number;
  /** serve --lora-keep: adapters kept loaded per model server; absent: none unloaded. */
  loraKeep?: number;
}

interface Active {
  controller: AbortController;
  endpoint: string;
  done: Promise<void>;
  /** The latest progress of this execution (requests, elapsed time and the step after the run are only known here). */
  progress: RunProgress | null;
}

/**
 * Executes queued runs inside the server, never blocking requests. Run status lives in SQLite
 * (queued → running → completed/interrupted/cancelled), so a restarted server picks up queued
 * runs where it left off; this class only holds what cannot outlive the process: the abort
 * controllers of the runs it is executing and the listeners following them. Who executes a run
 * is decided by the claim in SQLite (owner.ts), never here: a run a CLI or another server took
 * first is left to it. A sweep every few seconds marks runs whose owner died `interrupted`.
 */
export class RunQueue {
  private readonly store: Store;
  private readonly env: Env;
  private readonly perEndpoint: number;
  private readonly onError: QueueOptions['onError'];
  private readonly active = new Map<number, Active>();
  private readonly events = new EventEmitter();
  private readonly leaseMs: number;
  private readonly loraKeep: number | undefined;
  private readonly sweeper: NodeJS.Timeout;
  private stopped = false;

  constructor(opts: QueueOptions) {
    this.store = opts.store;
    this.env = opts.env;
    this.perEndpoint = Math.max(1, opts.perEndpoint ?? 1);
    this.onError = opts.onError;
    this.leaseMs = opts.leaseMs ?? DEFAULT_LEASE_MS;
    this.loraKeep = opts.loraKeep;
    this.events.setMaxListeners(0);
    this.sweeper = setInterval(() => this.sweep(), Math.min(5_000, Math.max(100, this.leaseMs / 2)));
    this.sweeper.unref();
  }

  /** Marks runs whose owner died `interrupted` (telling their followers), then starts what it can. */
  sweep(): void {
    if (this.stopped) return;
    try {
      for (const id of stopAbandonedRuns(this.store, (id) => this.active.has(id))) this.emitFinished(id);
      this.pump();
    } catch (e) {
      this.report(0, e);
    }
  }

  /** Starts every queued run that its endpoint has room for. Cheap; call after any change. */
  pump(): void {
    if (this.stopped) return;
    for (const id of this.store.runs.queued()) {
      if (this.active.has(id)) continue;
      const run = this.store.runs.get(id);
      const endpoint = `${run.provenance.endpoint.baseUrl}\u0000${run.provenance.endpoint.model}`;
      const busy = [...this.active.values()].filter((a) => a.endpoint === endpoint).length;
      if (busy < this.perEndpoint) this.start(id, endpoint);
    }
  }

  private start(runId: number, endpoint: string): void {
    const controller = new AbortController();
    const entry: Active = { controller, endpoint, done: Promise.resolve(), progress: null };
    this.active.set(runId, entry);
    entry.done = (async () => {
      try {
        const r = await executeRun({
          store: this.store, runId, env: this.env, signal: controller.signal, leaseMs: this.leaseMs, ...(this.loraKeep !== undefined ? { loraKeep: this.loraKeep } : {}),
          onProgress: (progress) => {
            entry.progress = progress;
            this.emit(runId, { type: 'progress', progress });
          },
          onItem: (item) => this.emit(runId, { type: 'item', item }),
        });
        if (r.status === 'completed') {
          // The steps after the run count toward its progress: the run's fields stay as the items left them.
          await runPostSteps(this.store, runId, this.env, {
            onProgress: (phase, phaseProgress) => {
              const items = entry.progress ?? { done: r.summary.counts.results, total: r.summary.counts.results, errors: r.summary.counts.errors, requests: r.requests, elapsedMs: 0 };
              const progress: RunProgress = { ...items, phase, phaseProgress };
              entry.progress = progress;
              this.emit(runId, { type: 'progress', progress });
            },
          });
        }
      } catch (e) {
        // RUN_BUSY: another process claimed it first (or took it over); it is that process's now.
        // A database another process kept locked before the claim: still queued, started again.
        // Otherwise executeRun stopped a claimed run as failed itself; a failure before the claim
        // (a missing key, a deleted checkpoint) leaves it queued: stop it, or it is retried forever.
        if (!(e instanceof TunegateError && e.code === 'RUN_BUSY') && !isLockError(e)) {
          this.guarded(runId, () => this.store.runs.finishFrom(runId, 'queued', 'failed', summarizeRun(this.store, runId), errorText(e)));
        }
        this.report(runId, e);
      } finally {
        // Nothing here may throw: a rejected `done` would be unhandled and stop the server.
        this.active.delete(runId);
        this.guarded(runId, () => this.emitFinished(runId));
        this.guarded(0, () => this.pump());
      }
    })();
  }

  /** Tells onError; a failing listener is not this queue's failure. */
  private report(runId: number, e: unknown): void {
    try {
      this.onError?.(runId, e);
    } catch {
      // the logger itself failed: nothing better to tell
    }
  }

  /** Runs a store step on the queue's own error paths: its failure (the database) is reported, not thrown. */
  private guarded(runId: number, step: () => unknown): void {
    try {
      step();
    } catch (e) {
      this.report(runId, e);
    }
  }

  private emitFinished(runId: number): void {
    this.emit(runId, { type: 'finished', status: this.store.runs.get(runId).status, runId });
  }

  private emit(runId: number, event: RunEvent): void {
    this.events.emit(String(runId), event);
  }

  /** Follows a run's events; returns the function that stops following. */
  subscribe(runId: number, listener: (e: RunEvent) => void): () => void {
    this.events.on(String(runId), listener);
    return () => this.events.off(String(runId), listener);
  }

  isActive(runId: number): boolean {
    return this.active.has(runId);
  }

  /** The latest progress of a run this server is executing (null otherwise). */
  progressOf(runId: number): RunProgress | null {
    return this.active.get(runId)?.progress ?? null;
  }

  /**
   * Cancels a run, wherever it executes; stored results are kept and the run can be resumed.
   * Queued, interrupted, or running with its owner gone (a killed CLI): cancelled at once. Running here: its
   * requests are aborted now. Running in another live process: a cancel is recorded that its
   * owner reads at its next heartbeat (within 2 s), and it stops as cancelled. Returns the status.
   */
  cancel(runId: number): RunStatus {
    const run = this.store.runs.get(runId);
    const active = this.active.get(runId);
    if (active !== undefined) {
      this.store.runs.requestCancel(runId);
      active.controller.abort(new Error('cancelled'));
      return 'running';
    }
    // An interrupted run (one whose owner died, perhaps just marked so by a sweep) may be cancelled too.
    const stopped = ((run.status === 'queued' || run.status === 'interrupted') && this.store.runs.finishFrom(runId, run.status, 'cancelled', summarizeRun(this.store, runId)))
      || stopAbandoned(this.store, runId, 'cancelled');
    if (stopped) {
      this.emitFinished(runId);
      return 'cancelled';
    }
    if (this.store.runs.requestCancel(runId)) return 'running';
    const now = this.store.runs.get(runId);
    throw new TunegateError('CONFLICT', `run ${runId} is ${now.status}; only a queued, running or interrupted run can be cancelled`);
  }

  /**
   * Puts an interrupted, cancelled, failed or completed run back in the queue; a run whose owner
   * died (a killed CLI, lease expired) first becomes interrupted. RUN_BUSY while a live process
   * executes it; CONFLICT when it has nothing to resume (nothingToResume, the CLI's rule too).
   */
  resume(runId: number, retryErrors = false): void {
    if (stopAbandoned(this.store, runId, 'interrupted')) this.emitFinished(runId);
    const run = this.store.runs.get(runId);
    if (run.status === 'running') throw runBusy(runId, this.store.runs.hold(runId)!);
    if (run.status === 'queued') throw new TunegateError('CONFLICT', `run ${runId} is already queued`);
    if (nothingToResume(this.store, run, retryErrors)) {
      const { errors } = this.store.results.counts(runId);
      throw new TunegateError('CONFLICT', `run ${runId} has nothing left to run${errors > 0 ? ' (pass retryErrors to retry its errors)' : ''}`);
    }
    // Refused here with a 409, not later as a failed run: the scorers must be the run's own.
    checkScorersBeforeSending(this.store, run, retryErrors);
    if (retryErrors) this.store.results.deleteErrored(runId);
    // A compare-and-set too: a CLI that claimed it since it was read keeps it.
    if (!this.store.runs.requeue(runId)) throw runBusy(runId, this.store.runs.hold(runId)!);
    this.pump();
  }

  /**
   * Graceful stop: no new runs start; running ones are aborted and end `interrupted` (their
   * finished results are already stored), so a later `resume` continues them.
   */
  async shutdown(): Promise<void> {
    this.stopped = true;
    clearInterval(this.sweeper);
    const running = [...this.active.values()];
    for (const a of running) a.controller.abort(new Error('server shutting down'));
    await Promise.all(running.map((a) => a.done));
  }
}
