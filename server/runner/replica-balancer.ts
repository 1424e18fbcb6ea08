/** One machine serving the checkpoint, as the balancer tracks it. */
export interface Replica<C> {
  index: number;
  baseUrl: string;
  client: C;
  /** Requests in flight on it now. */
  inFlight: number;
  /** Requests sent to it (retries included). */
  sent: number;
  /** Consecutive connection failures; a success resets it. */
  failures: number;
  /** Until then it gets no requests while another replica is healthy (epoch ms). */
  restUntil: number;
}

export interface Balancer<C> {
  replicas: readonly Replica<C>[];
  /** Waits for a replica with a free slot: the least outstanding one among those not resting. */
  acquire(signal?: AbortSignal): Promise<Replica<C>>;
  /** Returns the slot; a connection failure rests the replica (1 s, doubling to 30 s), a success heals it. */
  release(r: Replica<C>, outcome: 'ok' | 'connection-failure' | 'other'): void;
}

export const REST_BASE_MS = 1000;
export const REST_MAX_MS = 30_000;

/**
 * Spreads requests over the replicas of one checkpoint by least outstanding requests, at most
 * `perReplica` in flight on each. A replica whose connection fails is rested so its items (and
 * their retries) go to the others; when every replica is resting they are all used again, so a
 * single replica behaves exactly as one endpoint does. Ties go to the lower index, so one replica
 * with free slots fills before a new one is opened only when equally loaded.
 */
export function createBalancer<C>(urls: readonly string[], perReplica: number, makeClient: (baseUrl: string) => C, now = Date.now): Balancer<C> {
  const replicas: Replica<C>[] = urls.map((baseUrl, index) => ({ index, baseUrl, client: makeClient(baseUrl), inFlight: 0, sent: 0, failures: 0, restUntil: 0 }));
  const waiters: Array<() => void> = [];
  let timer: NodeJS.Timeout | null = null;

  const wake = () => {
    for (const w of waiters.splice(0)) w();
  };

  function pick(): Replica<C> | null {
    const t = now();
    const open = replicas.filter((r) => r.inFlight < perReplica);
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
      if (outcome === 'ok') {
        r.failures = 0;
        r.restUntil = 0;
      } else if (outcome === 'connection-failure') {
        r.failures++;
        r.restUntil = now() + Math.min(REST_MAX_MS, REST_BASE_MS * 2 ** (r.failures - 1));
      }
      wake();
    },
  };
}
