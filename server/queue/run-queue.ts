import { EventEmitter } from 'node:events';
import type { Env } from '../config.js';
import { TunegateError } from '../errors.js';
import { executeRun, summarizeRun, type ItemEvent, type Progress } from '../runner/execute-run.js';
import { runPostSteps } from '../runner/post-run.js';
import { checkScorersBeforeSending } from '../runner/scorer-check.js';
import type { Store } from '../store/open.js';
import type { RunStatus } from '../store/types.js';

/** What subscribers to a run hear (the server streams these as Server-Sent Events). */
export type RunEvent =
  | { type: 'progress'; progress: Progress }
  | { type: 'item'; item: ItemEvent }
  | { type: 'finished'; status: RunStatus; runId: number };

export interface QueueOptions {
  store: Store;
  env: Env;
  /** Runs executed at once against one endpoint (base URL + model). Default 1. */
  perEndpoint?: number;
  /** Called when a run fails outside the runner (a bug, the database); the server logs it. */
  onError?: (runId: number, e: unknown) => void;
}

interface Active {
  controller: AbortController;
  endpoint: string;
  cancelled: boolean;
  done: Promise<void>;
}

/**
 * Executes queued runs inside the server, never blocking requests. Run status lives in SQLite
 * (queued → running → completed/interrupted/cancelled), so a restarted server picks up queued
 * runs where it left off; this class only holds what cannot outlive the process: the abort
 * controllers of the runs it is executing and the listeners following them.
 */
export class RunQueue {
  private readonly store: Store;
  private readonly env: Env;
  private readonly perEndpoint: number;
  private readonly onError: QueueOptions['onError'];
  private readonly active = new Map<number, Active>();
  private readonly events = new EventEmitter();
  private stopped = false;

  constructor(opts: QueueOptions) {
    this.store = opts.store;
    this.env = opts.env;
    this.perEndpoint = Math.max(1, opts.perEndpoint ?? 1);
    this.onError = opts.onError;
    this.events.setMaxListeners(0);
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
    const entry: Active = { controller, endpoint, cancelled: false, done: Promise.resolve() };
    this.active.set(runId, entry);
    entry.done = (async () => {
      try {
        const r = await executeRun({
          store: this.store, runId, env: this.env, signal: controller.signal,
          onProgress: (progress) => this.emit(runId, { type: 'progress', progress }),
          onItem: (item) => this.emit(runId, { type: 'item', item }),
        });
        if (entry.cancelled && r.status === 'interrupted') {
          this.store.runs.finish(runId, 'cancelled', summarizeRun(this.store, runId));
        } else if (r.status === 'completed') {
          await runPostSteps(this.store, runId, this.env);
        }
      } catch (e) {
        // executeRun marks the run failed when it can; a missing key or checkpoint lands here.
        const run = this.store.runs.find(runId);
        if (run !== undefined && (run.status === 'running' || run.status === 'queued')) {
          this.store.runs.finish(runId, 'failed', summarizeRun(this.store, runId), (e as Error).message);
        }
        this.onError?.(runId, e);
      } finally {
        this.active.delete(runId);
        this.emit(runId, { type: 'finished', status: this.store.runs.get(runId).status, runId });
        this.pump();
      }
    })();
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

  /** Cancels a queued or running run. Stored results are kept; the run can be resumed. */
  cancel(runId: number): RunStatus {
    const run = this.store.runs.get(runId);
    const active = this.active.get(runId);
    if (active !== undefined) {
      active.cancelled = true;
      active.controller.abort(new Error('cancelled'));
      return 'running';
    }
    if (run.status !== 'queued') {
      throw new TunegateError('CONFLICT', `run ${runId} is ${run.status}; only a queued or running run can be cancelled`);
    }
    this.store.runs.finish(runId, 'cancelled', summarizeRun(this.store, runId));
    this.emit(runId, { type: 'finished', status: 'cancelled', runId });
    return 'cancelled';
  }

  /** Puts an interrupted, cancelled, failed or completed run back in the queue. */
  resume(runId: number, retryErrors = false): void {
    const run = this.store.runs.get(runId);
    if (run.status === 'queued' || run.status === 'running') {
      throw new TunegateError('CONFLICT', `run ${runId} is already ${run.status}`);
    }
    const summary = summarizeRun(this.store, runId);
    const left = summary.counts.items * run.params.samples - summary.counts.results;
    if (left === 0 && !(retryErrors && summary.counts.errors > 0)) {
      throw new TunegateError('CONFLICT', `run ${runId} has nothing left to run${summary.counts.errors > 0 ? ' (pass retryErrors to retry its errors)' : ''}`);
    }
    // Refused here with a 409, not later as a failed run: the scorers must be the run's own.
    checkScorersBeforeSending(this.store, run, retryErrors);
    if (retryErrors) this.store.results.deleteErrored(runId);
    this.store.runs.requeue(runId);
    this.pump();
  }

  /**
   * Graceful stop: no new runs start; running ones are aborted and end `interrupted` (their
   * finished results are already stored), so a later `resume` continues them.
   */
  async shutdown(): Promise<void> {
    this.stopped = true;
    const running = [...this.active.values()];
    for (const a of running) a.controller.abort(new Error('server shutting down'));
    await Promise.all(running.map((a) => a.done));
  }
}
