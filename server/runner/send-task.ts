import { backoffDelay, classifyFailure, sleep, type Backoff } from '../http/retry.js';
import { splitReasoning } from '../scoring/reasoning.js';
import { scoreAnswer } from '../scoring/score-item.js';
import type { Store } from '../store/open.js';
import type { Run } from '../store/types.js';
import { retryLocked } from '../store/write-lock.js';
import type { DeadEndpointWatch } from './dead-endpoint.js';
import type { ItemRequests } from './item-requests.js';
import type { Generation, ModelClient } from './model-client.js';
import type { Balancer } from './replica-balancer.js';
import type { ReportedCollector } from './reported-endpoint.js';
import { errorOutcome, type ResultRecorder } from './result-recorder.js';
import type { Task } from './work-left.js';

/** What sending one task needs from its execution. */
export interface SendContext {
  store: Store;
  runId: number;
  params: Run['params'];
  balancer: Balancer<ModelClient>;
  /** Aborted when the execution stops: no new attempt, no wait continues. */
  signal: AbortSignal;
  backoff: Backoff;
  /** Values no error text may hold (the endpoint's key). */
  secrets: readonly (string | undefined)[];
  requests: ItemRequests;
  recorder: ResultRecorder;
  reported: ReportedCollector;
  watch: DeadEndpointWatch;
}

/**
 * Sends one item × sample with its retries and stores how it ended: scored answer, or error once
 * retries are spent. Dropped (nothing stored, so a resume sends it again) when the execution is
 * aborted before an answer.
 */
export async function sendTask(task: Task, ctx: SendContext): Promise<void> {
  const { params, balancer, signal, recorder } = ctx;
  const req = ctx.requests.requestFor(task);
  for (let tries = 1; tries <= params.retries + 1; tries++) {
    if (signal.aborted) return;
    let replica;
    try {
      replica = await balancer.acquire(signal);
    } catch {
      return; // aborted while waiting for a replica
    }
    const t0 = performance.now();
    recorder.progress.requests++;
    let g: Generation;
    try {
      g = await replica.client.generate(req);
      balancer.release(replica, 'answered');
      ctx.watch.answered();
    } catch (e) {
      if (signal.aborted) {
        balancer.release(replica, 'dropped');
        return; // dropped, not failed: a resume sends it again
      }
      const failure = classifyFailure(e, params.timeoutMs, ctx.secrets);
      // Whatever the server sent (an error status, a bad body) is an answer: it is alive. A
      // timeout says nothing either way.
      balancer.release(replica, failure.connection === true ? 'connection-failure' : failure.timeout === true ? 'dropped' : 'answered');
      if (failure.connection === true && ctx.watch.connectionFailed(failure)) return;
      if (!failure.retryable || tries > params.retries) {
        await recorder.record(task, req, tries, errorOutcome(failure.message));
        if (failure.connection === true) ctx.watch.gaveUp(task);
        return;
      }
      try {
        await sleep(backoffDelay(tries, failure, ctx.backoff), signal);
      } catch {
        return; // aborted while waiting
      }
      continue;
    }
    // Stored as soon as a new value appears (rarely more than once), so a killed run keeps it.
    if (ctx.reported.add(g)) await retryLocked(() => ctx.store.runs.setProvenanceField(ctx.runId, 'reported', ctx.reported.value()));
    // Stored even if the run was aborted meanwhile: the answer is complete.
    const split = splitReasoning(ctx.requests.answerOf(g.content), g.reasoningField);
    const answer = recorder.keep(split.answer);
    const reasoning = split.reasoning === null ? null : recorder.keep(split.reasoning).stored;
    const s = scoreAnswer(task.item, answer.scored);
    await recorder.record(task, req, tries, {
      answer: answer.stored, reasoning, scores: s.scores, score: s.score, hallucinated: s.hallucinated, passed: s.passed, error: null,
      latencyMs: performance.now() - t0, promptTokens: g.promptTokens, completionTokens: g.completionTokens, finishReason: g.finishReason,
    });
    return;
  }
}
