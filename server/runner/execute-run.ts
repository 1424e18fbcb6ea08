import { setMaxListeners } from 'node:events';
import { endpointLimits, readSecret, type Env } from '../config.js';
import { TunegateError } from '../errors.js';
import type { EvalItem } from '../evalsets/types.js';
import { summarize, type RunSummary } from '../scoring/metrics.js';
import { splitReasoning } from '../scoring/reasoning.js';
import { scoreAnswer } from '../scoring/score-item.js';
import type { Store } from '../store/open.js';
import { resultKey } from '../store/results.js';
import { isLockError, retryLocked } from '../store/write-lock.js';
import type { ResultRecord, Run, RunStatus } from '../store/types.js';
import { answerCapNote, capText, isAnswerCapNote } from './answer-cap.js';
import { errorNotes, isErrorNote } from './error-notes.js';
import { answerOfCompletion, categorizeRequests } from '../categorize/categorize-requests.js';
import { summarizeRun } from '../runs/summary.js';
import { categoriesNote, isCategoriesNote, storeCategories } from '../categorize/store-categories.js';
import { createModelClient, isRefusedExtrasNote, refusedExtrasNote, type Generation, type ModelClient } from './model-client.js';
import { requestPrompt, type GenerateRequest } from '../runs/prompt.js';
import { createBalancer, type Balancer } from './replica-balancer.js';
import { probeServing, type ProbeResult } from './serving-probe.js';
import { loadLoraAdapter } from './lora-adapter.js';
import { servingChangeNote } from '../runs/serving-notes.js';
import { claimRun, describeOwner, type Lease } from './owner.js';
import { runPool } from '../http/pool.js';
import { reportedCollector } from './reported-endpoint.js';
import { backoffDelay, classifyFailure, DEFAULT_BACKOFF, sleep, type Backoff } from '../http/retry.js';
import { redactKnownSecrets } from '../http/redact.js';
import { checkScorersBeforeSending } from './scorer-check.js';
import { isTruncationNote, truncationNotes } from './truncation-notes.js';

export interface Progress {
  done: number;
  total: number;
  errors: number;
  /** Requests sent in this process, retries included. */
  requests: number;
  elapsedMs: number;
}

export interface ItemEvent {
  set: string;
  itemId: string;
  sample: number;
  error: string | null;
  score: number | null;
}

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

/**
 * The endpoint is taken for dead when every replica has failed this many connections in a row
 * (refused, reset, unreachable: not timeouts, which a slow but alive server gives) and answered
 * nothing for DEAD_ENDPOINT_QUIET_MS: the run stops `interrupted` instead of spending every
 * remaining item's retries, and `resume` continues it once the server is back.
 */
export const DEAD_ENDPOINT_FAILURES = 20;
/** See DEAD_ENDPOINT_FAILURES: long enough that a restart or a burst of in-flight failures is not a death. */
export const DEAD_ENDPOINT_QUIET_MS = 10_000;

export interface ExecuteResult {
  run: Run;
  status: RunStatus;
  summary: RunSummary;
  /** Requests sent by this execution (0 for a resume of a finished run). */
  requests: number;
}

interface Task {
  item: EvalItem;
  sample: number;
}

/**
 * Whether resuming a run has nothing to do: it completed and every item × sample has a result
 * (with `retryErrors`, none errored). A failed, interrupted or cancelled run always has
 * something, if only its end (notes, summary, status), which the resume writes. The one rule
 * for `tunegate resume` and `POST /api/runs/:id/resume`.
 */
export function nothingToResume(store: Store, run: Run, retryErrors: boolean): boolean {
  if (run.status !== 'completed') return false;
  const { results, errors } = store.results.counts(run.id);
  return results >= store.runs.items(run.id).length * run.params.samples && !(retryErrors && errors > 0);
}

/**
 * Executes (or resumes) a stored run: sends a request for every item × sample that has no
 * stored result, scores each answer and stores it the moment it completes. A request that
 * still fails after its retries is stored with its error; the run then ends `completed` with
 * an error count. Aborting the signal stops new requests, drops the in-flight ones (they have
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
  const tasksLeft = (): Task[] => {
    const done = store.results.doneKeys(runId);
    const tasks: Task[] = [];
    for (const item of items) {
      for (let sample = 0; sample < params.samples; sample++) {
        if (!done.has(resultKey(item.set, item.id, sample))) tasks.push({ item, sample });
      }
    }
    return tasks;
  };

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
    return await executeClaimed({ opts, run, items, tasks: tasksLeft(), balancer, controller, lease, backoff, apiKey, limits });
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

/**
 * Stores what the endpoint said about itself in the run's provenance (a model check that could
 * not be done shows there as `modelCheck: "not-listed"`). A resume served by another server or
 * version says so in a note: its answers may not be comparable with the ones before.
 */
function recordServing(store: Store, runId: number, run: Run, probed: ProbeResult): void {
  const before = run.provenance.serving;
  const change = before === undefined ? null : servingChangeNote(before, probed.replicas);
  if (before === undefined || change !== null) store.runs.setProvenanceField(runId, 'serving', probed.replicas);
  if (change !== null && !store.runs.get(runId).notes.includes(change)) store.runs.addNote(runId, change);
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
  // An endpoint that echoes the key (in an error or an answer) must not get it stored.
  const secrets = [apiKey];
  let capped = false;
  /** What is stored of an endpoint's text: no key, at most maxAnswerChars (see answer-cap.ts). */
  const keep = (text: string) => {
    const c = capText(redactKnownSecrets(text, secrets), limits.maxAnswerChars);
    capped ||= c.cut;
    return c;
  };
  const lostError = () => {
    const hold = store.runs.hold(runId);
    return new TunegateError(
      'RUN_BUSY',
      `run ${runId}: this process stopped renewing its lease in time and ${hold === undefined ? 'another process' : describeOwner(hold)} took the run over; this process stopped executing it`,
    );
  };
  const reported = reportedCollector(run.provenance.reported);
  const started = performance.now();
  const total = items.length * params.samples;
  const counts = store.results.counts(runId);
  const progress: Progress = { done: counts.results, total, errors: counts.errors, requests: 0, elapsedMs: 0 };
  const report = () => {
    progress.elapsedMs = performance.now() - started;
    opts.onProgress?.({ ...progress });
  };
  report();

  type Outcome = Pick<ResultRecord, 'answer' | 'reasoning' | 'scores' | 'score' | 'hallucinated' | 'passed' | 'error' | 'latencyMs' | 'promptTokens' | 'completionTokens' | 'finishReason'>;

  // A categorization asks each item with k-shot prompts, greedy and sampled (categorize/); an
  // evaluation sends the item as it is.
  const endpoint = run.provenance.endpoint;
  const categorize = run.kind === 'categorize' && params.categorize !== undefined ? categorizeRequests(params.categorize, items, endpoint) : null;
  const requestFor = ({ item, sample }: Task): GenerateRequest =>
    categorize !== null && item.kind === 'keyword'
      ? categorize(item, sample)
      : { item, maxTokens: params.maxTokens[item.kind], temperature: params.temperature, seed: params.seed === null ? null : params.seed + sample };

  /** Stores one finished item × sample (answered or errored) with the exact prompt sent, and reports it. */
  async function record({ item, sample }: Task, req: GenerateRequest, attempts: number, o: Outcome): Promise<void> {
    await retryLocked(() => store.results.insert({ runId, set: item.set, itemId: item.id, sample, prompt: requestPrompt(endpoint, req), attempts, ...o }));
    progress.done++;
    if (o.error !== null) progress.errors++;
    opts.onItem?.({ set: item.set, itemId: item.id, sample, error: o.error, score: o.score });
    report();
  }

  // Items given up on while every replica was failing are forgotten if the endpoint is then
  // taken for dead (balancer.dead), so `resume` sends them again instead of keeping an outage's errors.
  const givenUpInOutage: Task[] = [];
  let dead: string | null = null;
  const quietMs = opts.deadAfterMs ?? DEAD_ENDPOINT_QUIET_MS;

  async function attempt(task: Task): Promise<void> {
    const { item } = task;
    const req = requestFor(task);
    for (let tries = 1; tries <= params.retries + 1; tries++) {
      if (controller.signal.aborted) return;
      let replica;
      try {
        replica = await balancer.acquire(controller.signal);
      } catch {
        return; // aborted while waiting for a replica
      }
      const t0 = performance.now();
      progress.requests++;
      let g: Generation;
      try {
        g = await replica.client.generate(req);
        balancer.release(replica, 'answered');
        givenUpInOutage.length = 0;
      } catch (e) {
        if (controller.signal.aborted) {
          balancer.release(replica, 'dropped');
          return; // dropped, not failed: a resume sends it again
        }
        const failure = classifyFailure(e, params.timeoutMs, secrets);
        // Whatever the server sent (an error status, a bad body) is an answer: it is alive. A
        // timeout says nothing either way.
        balancer.release(replica, failure.connection === true ? 'connection-failure' : failure.timeout === true ? 'dropped' : 'answered');
        if (failure.connection === true && dead === null && balancer.dead(DEAD_ENDPOINT_FAILURES, quietMs)) {
          dead = `the endpoint stopped answering: every replica failed ${DEAD_ENDPOINT_FAILURES}+ connections in a row and answered nothing for ` +
            `${Math.round(quietMs / 1000)} s (last: ${failure.message}); resume with \`tunegate resume ${runId}\` once it is back`;
          controller.abort(new Error('endpoint dead'));
          return;
        }
        if (!failure.retryable || tries > params.retries) {
          await record(task, req, tries, {
            answer: null, reasoning: null, scores: null, score: null, hallucinated: null, passed: null, error: failure.message,
            latencyMs: null, promptTokens: null, completionTokens: null, finishReason: null,
          });
          if (failure.connection === true) givenUpInOutage.push(task);
          return;
        }
        try {
          await sleep(backoffDelay(tries, failure, backoff), controller.signal);
        } catch {
          return; // aborted while waiting
        }
        continue;
      }
      // Stored as soon as a new value appears (rarely more than once), so a killed run keeps it.
      if (reported.add(g)) await retryLocked(() => store.runs.setProvenanceField(runId, 'reported', reported.value()));
      // Stored even if the run was aborted meanwhile: the answer is complete.
      const split = splitReasoning(categorize !== null && endpoint.api === 'completions' ? answerOfCompletion(g.content, endpoint.promptTemplate) : g.content, g.reasoningField);
      const answer = keep(split.answer);
      const reasoning = split.reasoning === null ? null : keep(split.reasoning).stored;
      const s = scoreAnswer(item, answer.scored);
      await record(task, req, tries, {
        answer: answer.stored, reasoning, scores: s.scores, score: s.score, hallucinated: s.hallucinated, passed: s.passed, error: null,
        latencyMs: performance.now() - t0, promptTokens: g.promptTokens, completionTokens: g.completionTokens, finishReason: g.finishReason,
      });
      return;
    }
  }

  await runPool(tasks, params.concurrency * balancer.replicas.length, attempt, controller.signal);
  if (lease.lost) throw lostError();
  if (dead !== null) {
    for (const t of givenUpInOutage) await retryLocked(() => store.results.delete(runId, t.item.set, t.item.id, t.sample));
  }
  const rows = store.results.scoringRows(runId);
  const summary = summarize(items, rows);
  // Stopped early only if something is left to do: an abort after the last result changes nothing.
  // A cancel asked for here (the server's queue) or from another process ends it cancelled.
  const stoppedEarly = controller.signal.aborted && summary.counts.results < total;
  const status: RunStatus = !stoppedEarly ? 'completed' : dead === null && store.runs.cancelRequested(runId, lease.token) ? 'cancelled' : 'interrupted';
  const notes = (drop: (note: string) => boolean, add: readonly string[]) => retryLocked(() => store.runs.replaceNotes(runId, drop, add));
  await notes(isTruncationNote, truncationNotes([...new Set(items.map((i) => i.set))], rows));
  await notes(isErrorNote, errorNotes(rows.flatMap((r) => (r.error !== null ? [r.error] : [])), run.provenance.endpoint.model));
  if (capped) await notes(isAnswerCapNote, [answerCapNote(limits.maxAnswerChars)]);
  const refused = [...new Set(balancer.replicas.flatMap((r) => r.client.refusedExtras()))];
  if (refused.length > 0) await notes(isRefusedExtrasNote, [refusedExtrasNote(refused)]);
  if (categorize !== null && status === 'completed') {
    await notes(isCategoriesNote, [categoriesNote(await retryLocked(() => storeCategories(store, run)))]);
  }
  if (!await retryLocked(() => store.runs.finishOwned(runId, lease.token, status, summary, status === 'interrupted' ? dead : null))) throw lostError();
  return { run: store.runs.get(runId), status, summary, requests: progress.requests };
}
