import type { Failure } from '../http/retry.js';
import type { Store } from '../store/open.js';
import { retryLocked } from '../store/write-lock.js';
import type { Balancer } from './replica-balancer.js';
import type { Task } from './work-left.js';

/**
 * The endpoint is taken for dead when every replica has failed this many connections in a row
 * (refused, reset, unreachable: not timeouts, which a slow but alive server gives) and answered
 * nothing for DEAD_ENDPOINT_QUIET_MS: the run stops `interrupted` instead of spending every
 * remaining item's retries, and `resume` continues it once the server is back.
 */
export const DEAD_ENDPOINT_FAILURES = 20;
/** See DEAD_ENDPOINT_FAILURES: long enough that a restart or a burst of in-flight failures is not a death. */
export const DEAD_ENDPOINT_QUIET_MS = 10_000;

/** Watches one execution's connection failures for a dead endpoint (see DEAD_ENDPOINT_FAILURES). */
export interface DeadEndpointWatch {
  /** Why the endpoint was taken for dead (the run's error), or null while it is alive. */
  readonly reason: string | null;
  /** An answer came: the items given up on so far were not an outage's. */
  answered(): void;
  /** A connection failed: true when the endpoint is now taken for dead (the execution is aborted). */
  connectionFailed(failure: Failure): boolean;
  /** An item stored with a connection error, forgotten again if the endpoint turns out dead. */
  gaveUp(task: Task): void;
  /** Once the endpoint was taken for dead: deletes the results given up on in the outage, so `resume` sends them again. */
  forgetOutage(store: Store, runId: number): Promise<void>;
}

/** A watch over `balancer`'s replicas that aborts `controller` when they all look dead. */
export function watchDeadEndpoint(balancer: Balancer<unknown>, controller: AbortController, runId: number, quietMs = DEAD_ENDPOINT_QUIET_MS): DeadEndpointWatch {
  // Items given up on while every replica was failing are forgotten if the endpoint is then
  // taken for dead (balancer.dead), so `resume` sends them again instead of keeping an outage's errors.
  const givenUpInOutage: Task[] = [];
  let reason: string | null = null;
  return {
    get reason() {
      return reason;
    },
    answered() {
      givenUpInOutage.length = 0;
    },
    connectionFailed(failure) {
      if (reason !== null || !balancer.dead(DEAD_ENDPOINT_FAILURES, quietMs)) return false;
      reason = `the endpoint stopped answering: every replica failed ${DEAD_ENDPOINT_FAILURES}+ connections in a row and answered nothing for ` +
        `${Math.round(quietMs / 1000)} s (last: ${failure.message}); resume with \`tunegate resume ${runId}\` once it is back`;
      controller.abort(new Error('endpoint dead'));
      return true;
    },
    gaveUp(task) {
      givenUpInOutage.push(task);
    },
    async forgetOutage(store, id) {
      if (reason === null) return;
      for (const t of givenUpInOutage) await retryLocked(() => store.results.delete(id, t.item.set, t.item.id, t.sample));
    },
  };
}
