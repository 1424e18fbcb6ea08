/** One machine serving the checkpoint, as the balancer tracks it. */
export interface Replica<C> {
  index: number;
  baseUrl: string;
  client: C;
  /** Requests in flight on it now. */
  inFlight: number;
  /** Requests sent to it (retries included). */
  sent: number;
  /** Connection failures since it last answered anything (a success or an HTTP error). */
  failures: number;
  /** When it last answered anything (epoch ms; the balancer's creation before the first answer). */
  lastAnswerAt: number;
  /** Until then it gets no requests while another replica is healthy (epoch ms). */
  restUntil: number;
}

/**
 * How a request ended, for the balancer: `answered` (any HTTP response, error statuses included:
 * the server is alive), `connection-failure` (refused, reset, unreachable: no answer at all),
 * `dropped` (aborted by us; says nothing about the server).
 */
export type Outcome = 'answered' | 'connection-failure' | 'dropped';

export interface Balancer<C> {
  replicas: readonly Replica<C>[];
  /** Waits for a replica with a free slot: the least outstanding one among those not resting. */
  acquire(signal?: AbortSignal): Promise<Replica<C>>;
  /** Returns the slot; a connection failure rests the replica (1 s, doubling to 30 s), an answer heals it. */
  release(r: Replica<C>, outcome: Outcome): void;
  /**
   * Whether every replica has failed `failures` connections in a row and answered nothing for
   * `quietMs`: both, so neither a burst of in-flight requests failing at once nor a short
   * restart counts as a dead endpoint.
   */
  dead(failures: number, quietMs: number): boolean;
}

export const REST_BASE_MS = 1000;
export const REST_MAX_MS = 30_000;

/**
 * Spreads requests over the replicas of one checkpoint by least outstanding requests, at most
 * `perReplica` in flight on each. A replica whose connection fails is rested so its items (and
 * their retries) go to the others; when the rest ends it gets one request at a time until it
 * answers again (half-open), so a dead replica costs one attempt per rest, not a burst. When
 * every replica is failing they are all used, one request at a time, so a single replica
 * behaves as one endpoint does and its outage is seen quickly. Ties go to the lower index.
 */
export function createBalancer<C>(urls: readonly string[], perReplica: number, makeClient: (baseUrl: string) => C, now = Date.now): Balancer<C> {
  const start = now();
  const replicas: Replica<C>[] = urls.map((baseUrl, index) => ({
    index, baseUrl, client: makeClient(baseUrl), inFlight: 0, sent: 0, failures: 0, lastAnswerAt: start, restUntil: 0,
  }));
  const waiters: Array<() => void> = [];
  let timer: NodeJS.Timeout | null = null;

  const wake = () => {
    for (const w of waiters.splice(0)) w();
  };
  /** Slots a replica offers: all of them when healthy, one while it is failing. */
  const slots = (r: Replica<C>) => (r.failures > 0 ? 1 : perReplica);

  function pick(): Replica<C> | null {
    const t = now();
    const open = replicas.filter((r) => r.inFlight < slots(r));
    const healthy = replicas.some((r) => r.restUntil <= t);
    const candidates = healthy ? open.filter((r) => r.restUntil <= t) : open;
    let best: Replica<C> | null = null;
    for (const r of candidates) if (best === null || r.inFlight < best.inFlight) best = r;
    return best;
  }

  /** Wakes waiters when the earliest rest ends (a rested replica may then take work). */
  function wakeAtNextRestEnd(): void {
    if (timer !== null) return;
    const t = now();
    const ends = replicas.map((r) => r.restUntil).filter((u) => u > t);
    if (ends.length === 0) return;
    timer = setTimeout(() => {
      timer = null;
      wake();
    }, Math.min(...ends) - t + 1);
    timer.unref();
  }

  return {
    replicas,
    async acquire(signal) {
      for (;;) {
        if (signal?.aborted) throw signal.reason;
        const r = pick();
        if (r !== null) {
          r.inFlight++;
          r.sent++;
          return r;
        }
        wakeAtNextRestEnd();
        await new Promise<void>((resolve) => {
          const onAbort = () => resolve();
          waiters.push(() => {
            signal?.removeEventListener('abort', onAbort);
            resolve();
          });
          signal?.addEventListener('abort', onAbort, { once: true });
        });
      }
    },
    release(r, outcome) {
      r.inFlight--;
      if (outcome === 'answered') {
        r.failures = 0;
        r.restUntil = 0;
        r.lastAnswerAt = now();
      } else if (outcome === 'connection-failure') {
        r.failures++;
        r.restUntil = now() + Math.min(REST_MAX_MS, REST_BASE_MS * 2 ** (Math.min(r.failures, 16) - 1));
      }
      wake();
    },
    dead(failures, quietMs) {
      const t = now();
      return replicas.every((r) => r.failures >= failures && t - r.lastAnswerAt >= quietMs);
    },
  };
}
