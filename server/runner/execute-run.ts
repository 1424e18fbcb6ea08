import { setMaxListeners } from 'node:events';
import { endpointLimits, readSecret, type Env } from '../config.js';
import { TunegateError } from '../errors.js';
import type { EvalItem } from '../evalsets/types.js';
import { runPool } from '../http/pool.js';
import { DEFAULT_BACKOFF, type Backoff } from '../http/retry.js';
import { summarizeRun } from '../runs/summary.js';
import { summarize, type RunSummary } from '../scoring/metrics.js';
import type { Store } from '../store/open.js';
import type { Run, RunStatus } from '../store/types.js';
import { isLockError, retryLocked } from '../store/write-lock.js';
import { watchDeadEndpoint } from './dead-endpoint.js';
import { writeEndNotes } from './end-notes.js';
import { finalStatus } from './final-status.js';
import { itemRequests } from './item-requests.js';
import { createModelClient, type ModelClient } from './model-client.js';
import { claimRun, describeOwner, type Lease } from './owner.js';
import { recordServing } from './record-serving.js';
import { createBalancer, type Balancer } from './replica-balancer.js';
import { reportedCollector } from './reported-endpoint.js';
import { createRecorder } from './result-recorder.js';
import type { ItemEvent, Progress } from './run-progress.js';
import { checkScorersBeforeSending } from './scorer-check.js';
import { sendTask, type SendContext } from './send-task.js';
import { loadLoraAdapter } from './lora-adapter.js';
import { probeServing, type ProbeResult } from './serving-probe.js';
import { nothingToResume, tasksLeft, type Task } from './work-left.js';

export interface ExecuteOptions {
  store: Store;
  runId: number;
  env: Env;
  signal?: AbortSignal;
  backoff?: Backoff;
  onProgress?: (p: Progress) => void;
  onItem?: (e: ItemEvent) => void;
  /** Re-run results that errored before instead of keeping them (resume --retry-errors). */
  retryErrors?: boolean;
  /** How long this process's claim on the run lasts without renewal (default DEFAULT_LEASE_MS, 30 s). */
  leaseMs?: number;
  /** What the endpoint said before the run was created (the CLI probes first); read again when absent. */
  probed?: ProbeResult;
  /** serve --lora-keep: this server's adapters kept loaded per model server (absent: the CLI, which unloads none). */
  loraKeep?: number;
  /** How long every replica must have answered nothing before the endpoint is taken for dead (default DEAD_ENDPOINT_QUIET_MS). */
  deadAfterMs?: number;
}

export interface ExecuteResult {
  run: Run;
  status: RunStatus;
  summary: RunSummary;
  /** Requests sent by this execution (0 for a resume of a finished run). */
  requests: number;
}

/**
 * Executes (or resumes) a stored run: sends a request for every item × sample that has no
 * stored result, scores each answer and stores it the moment it completes. A request that
 * still fails after its retries is stored with its error; the run then ends `completed` with
 * an error count (`failed` when every item errored: final-status.ts). Aborting the signal stops new requests, drops the in-flight ones (they have
 * no result, so a resume sends them again) and ends the run `interrupted` (`cancelled` when a
 * cancel was asked for, from this process or another, which the heartbeat notices).
 *
 * Execution starts with a claim (owner.ts): a compare-and-set that makes this process the run's
 * only executor under a lease it renews while it works. RUN_BUSY when a live process holds it;
 * a process that loses its lease (it stalled past it and was taken over) stops and throws RUN_BUSY.
 */
export async function executeRun(opts: ExecuteOptions): Promise<ExecuteResult> {
  const { store, runId } = opts;
  const run = store.runs.get(runId);
  const checkpoint = store.checkpoints.getById(run.checkpointId);
  if (checkpoint === undefined) throw new TunegateError('NOT_FOUND', `run ${runId}: its checkpoint no longer exists`);
  const apiKey = readSecret(checkpoint.apiKeyEnv, opts.env, { field: `checkpoint ${checkpoint.name}: baseUrls`, urls: checkpoint.baseUrls });
  const limits = endpointLimits(opts.env);
  const { params } = run;
  const retryErrors = opts.retryErrors === true;
  // Before any request: refuse to mix answers scored by other scorer versions into the run.
  checkScorersBeforeSending(store, run, retryErrors);
  const backoff = opts.backoff ?? DEFAULT_BACKOFF;
  const items = store.runs.items(runId);

  if (nothingToResume(store, run, retryErrors)) {
    // Nothing to do: leave a finished run exactly as it was (its timings included).
    return { run, status: 'completed', summary: summarizeRun(store, runId), requests: 0 };
  }

  // Before the claim and before any completion: which server answers, and does it serve the model?
  // A model it does not serve throws MODEL_NOT_SERVED with nothing changed (a queued run then fails).
  const probed = opts.probed ?? await probeServing(checkpoint.baseUrls, checkpoint.model, {
    apiKey, check: params.modelCheck !== false && checkpoint.lora === null, timeoutMs: Math.min(params.timeoutMs, 10_000),
  });

  // From here on this process is the run's one owner, or it throws RUN_BUSY having changed nothing.
  const controller = new AbortController();
  const lease = await retryLocked(() => claimRun(store, runId, {
    ...(opts.leaseMs !== undefined ? { leaseMs: opts.leaseMs } : {}),
    onCancel: () => controller.abort(new Error('cancelled')),
    onLost: () => controller.abort(new Error('lease lost')),
  }));
  // One client per replica, each with `concurrency` sockets: concurrency is per replica. A replica
  // that did not answer the probe gets nothing this execution: its model was not checked.
  const usable = checkpoint.baseUrls.filter((_, i) => probed.replicas[i]?.modelCheck !== 'unreachable');
  const balancer = createBalancer(usable, params.concurrency, (baseUrl): ModelClient =>
    createModelClient({ ...checkpoint, baseUrl }, { apiKey, timeoutMs: params.timeoutMs, maxSockets: params.concurrency, maxResponseBytes: limits.maxResponseBytes }));
  const closeAll = () => {
    for (const r of balancer.replicas) r.client.close();
  };
  // Aborting tears down the clients' sockets instead of giving every request a signal: the
  // openai SDK never removes the listeners it adds to a caller's signal, and a signal per
  // request costs measurable CPU at high concurrency (bench/README.md).
  controller.signal.addEventListener('abort', closeAll, { once: true });
  // Besides that, only backoff waits and replica waits (at most one per worker) listen on this signal.
  setMaxListeners(params.concurrency * balancer.replicas.length + 16, controller.signal);
  const onAbort = () => controller.abort(opts.signal?.reason);
  if (opts.signal?.aborted) controller.abort(opts.signal.reason);
  opts.signal?.addEventListener('abort', onAbort, { once: true });
  try {
    if (retryErrors) await retryLocked(() => store.results.deleteErrored(runId));
    // A LoRA checkpoint's adapter is loaded and listed before anything is sent; failing, the run fails.
    await loadLoraAdapter(store, checkpoint, { apiKey, timeoutMs: params.timeoutMs, keep: opts.loraKeep });
    await retryLocked(() => recordServing(store, runId, run, probed));
    if (usable.length === 0) {
      // Nothing answered before the run (a queued run whose server is still starting): nothing is sent.
      const why = `the endpoint did not answer before the run (${probed.unreachable.join('; ')}); nothing was sent: resume the run once it answers`;
      if (!await retryLocked(() => store.runs.finishOwned(runId, lease.token, 'interrupted', summarizeRun(store, runId), why))) throw new TunegateError('RUN_BUSY', `run ${runId}: another process took it over`);
      return { run: store.runs.get(runId), status: 'interrupted', summary: summarizeRun(store, runId), requests: 0 };
    }
    return await executeClaimed({ opts, run, items, tasks: tasksLeft(store, runId, items, params.samples), balancer, controller, lease, backoff, apiKey, limits });
  } catch (e) {
    // The store failed (disk full, database removed) or a bug: stop the run as failed, keeping
    // what is stored, unless it is no longer this process's (then its new owner's state stands).
    // A database another process kept locked through every retry is no fault of the run: it
    // stops interrupted, and a resume continues it.
    controller.abort(e);
    const locked = isLockError(e);
    const why = locked ? `the database stayed locked by another process (${(e as Error).message}); its results are stored: resume the run` : (e as Error).message;
    try {
      if (!lease.lost) store.runs.finishOwned(runId, lease.token, locked ? 'interrupted' : 'failed', summarizeRun(store, runId), why);
    } catch {
      // the database itself is what failed: the lease expires and the run becomes resumable
    }
    throw e;
  } finally {
    lease.stop();
    opts.signal?.removeEventListener('abort', onAbort);
    closeAll();
  }
}

interface Claimed {
  opts: ExecuteOptions;
  run: Run;
  items: EvalItem[];
  /** What is left to send, read once the claim is held. */
  tasks: Task[];
  balancer: Balancer<ModelClient>;
  controller: AbortController;
  lease: Lease;
  backoff: Backoff;
  apiKey: string | undefined;
  limits: ReturnType<typeof endpointLimits>;
}

/** The run's execution once this process holds its lease; every exit leaves it stopped or in its new owner's hands. */
async function executeClaimed({ opts, run, items, tasks, balancer, controller, lease, backoff, apiKey, limits }: Claimed): Promise<ExecuteResult> {
  const { store, runId } = opts;
  const { params } = run;
  const lostError = () => {
    const hold = store.runs.hold(runId);
    return new TunegateError(
      'RUN_BUSY',
      `run ${runId}: this process stopped renewing its lease in time and ${hold === undefined ? 'another process' : describeOwner(hold)} took the run over; this process stopped executing it`,
    );
  };
  const total = items.length * params.samples;
  // An endpoint that echoes the key (in an error or an answer) must not get it stored.
  const secrets = [apiKey];
  const recorder = createRecorder({
    store, runId, endpoint: run.provenance.endpoint, counts: store.results.counts(runId), total, secrets, maxAnswerChars: limits.maxAnswerChars,
    ...(opts.onProgress !== undefined ? { onProgress: opts.onProgress } : {}),
    ...(opts.onItem !== undefined ? { onItem: opts.onItem } : {}),
  });
  const requests = itemRequests(run, items);
  const watch = watchDeadEndpoint(balancer, controller, runId, opts.deadAfterMs);
  const ctx: SendContext = {
    store, runId, params, balancer, signal: controller.signal, backoff, secrets, requests, recorder, watch, reported: reportedCollector(run.provenance.reported),
  };

  await runPool(tasks, params.concurrency * balancer.replicas.length, (task) => sendTask(task, ctx), controller.signal);
  if (lease.lost) throw lostError();
  await watch.forgetOutage(store, runId);
  const rows = store.results.scoringRows(runId);
  const summary = summarize(items, rows);
  // Stopped early only if something is left to do: an abort after the last result changes nothing.
  // A cancel asked for here (the server's queue) or from another process ends it cancelled.
  const stoppedEarly = controller.signal.aborted && summary.counts.results < total;
  const { status, error } = finalStatus({ runId, stoppedEarly, cancelled: () => store.runs.cancelRequested(runId, lease.token), dead: watch.reason, counts: summary.counts });
  await writeEndNotes(store, run, {
    items, rows, status, cappedAt: recorder.capped ? limits.maxAnswerChars : null,
    refusedExtras: [...new Set(balancer.replicas.flatMap((r) => r.client.refusedExtras()))], categorizing: requests.categorizing,
  });
  if (!await retryLocked(() => store.runs.finishOwned(runId, lease.token, status, summary, error))) throw lostError();
  return { run: store.runs.get(runId), status, summary, requests: recorder.progress.requests };
}
