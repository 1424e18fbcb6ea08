import { setImmediate as nextLoopTurn, setTimeout as sleep } from 'node:timers/promises';
import type { FastifyReply } from 'fastify';
import type { Store } from '../store/open.js';

/** Bounds of the server's cache of computed reads. */
export interface ReadCacheLimits {
  /** Most answers kept (0: keep none, every request computes). */
  maxEntries: number;
  /** Most bytes of serialized JSON kept; a larger answer is served but not kept. */
  maxBytes: number;
}

export const DEFAULT_READ_CACHE: ReadCacheLimits = { maxEntries: 500, maxBytes: 64 * 1024 * 1024 };
/** The longest rest between two steps of computation (each rests half as long as the previous one took, up to this). */
const MAX_REST_MS = 50;
/** Waiting requests answered per loop turn when a computation they share ends. */
const RELEASE_BATCH = 16;

/** What the cache has done since it was made (tests and benchmarks read it). */
export interface ReadCacheStats {
  /** Answers computed. */
  computed: number;
  /** Requests answered from a kept answer whose mark still held. */
  hits: number;
  /** Requests that waited for an identical computation already under way. */
  joined: number;
  entries: number;
  bytes: number;
}

/** Serialized JSON, as a route's serializer returns it. */
type Serialized = string | Buffer | ArrayBuffer;

interface Entry {
  mark: string;
  body: Buffer;
}

/**
 * The server's cache of heavy reads (a comparison, a results page, a gate), kept as serialized
 * JSON. The store stays the source of truth: every request reads the data's change mark (one
 * indexed read, see store/versions.ts) and a kept answer is served only under the mark it was
 * computed at, so a changed run is never answered from before its change. Identical requests
 * arriving together share one computation. Computations run one at a time, in steps, with a
 * rest after each step, so the lease heartbeat, /api/health and cached answers are served
 * between them however many are waiting. Bounded by entries and bytes, least recently used dropped first.
 */
export class ReadCache {
  private readonly entries = new Map<string, Entry>();
  /** Computations under way or waiting, with the mark each read when it started (none yet: it will read a newer one). */
  private readonly pending = new Map<string, { mark?: string; job: Promise<Buffer> }>();
  private queue: Promise<void> = Promise.resolve();
  private bytes = 0;
  /** Half the last step's duration (capped) and its end: the loop is left to everything else that long after it. */
  private lastMs = 0;
  private lastEnd = 0;
  private readonly counts = { computed: 0, hits: 0, joined: 0 };
  private releases: Promise<void> = Promise.resolve();
  private releasedCount = 0;

  constructor(private readonly limits: ReadCacheLimits = DEFAULT_READ_CACHE) {}

  /**
   * The answer for `key` under the data's current `mark()`: kept, or being computed for another
   * request, or computed now by `compute`, which returns the serialized JSON, or a generator
   * that yields between its heavy steps and returns it (each step is followed by a rest).
   * `key` names everything the answer depends on besides the data (route, runs, parameters).
   */
  get(key: string, mark: () => string, compute: () => Serialized | Generator<void, Serialized, void>): Promise<Buffer> {
    const seen = mark();
    const kept = this.kept(key, seen);
    if (kept !== undefined) {
      this.counts.hits++;
      return Promise.resolve(kept);
    }
    const under = this.pending.get(key);
    // Joined only when it reads the data as this request saw it or later: not started, or started under this mark.
    if (under !== undefined && (under.mark === undefined || under.mark === seen)) {
      this.counts.joined++;
      return under.job.then((body) => this.released(body));
    }
    const mine: { mark?: string; job: Promise<Buffer> } = { job: Promise.resolve(Buffer.alloc(0)) };
    mine.job = this.queue.then(() => this.rest()).then(async () => {
      const m = mark();
      mine.mark = m;
      const fresh = this.kept(key, m);
      if (fresh !== undefined) return fresh;
      const out = this.timed(compute);
      let value: Serialized;
      if (typeof out === 'object' && out !== null && 'next' in out && typeof out.next === 'function') {
        for (;;) {
          const step = this.timed(() => out.next());
          if (step.done === true) {
            value = step.value;
            break;
          }
          await this.rest();
        }
      } else {
        value = out as Serialized;
      }
      const body = Buffer.isBuffer(value) ? value : typeof value === 'string' ? Buffer.from(value) : Buffer.from(value);
      this.counts.computed++;
      this.keep(key, { mark: m, body });
      return body;
    }).finally(() => {
      if (this.pending.get(key) === mine) this.pending.delete(key);
    });
    // One computation at a time: the next starts after this one ends (and a rest).
    this.queue = mine.job.then(() => undefined, () => undefined);
    this.pending.set(key, mine);
    return mine.job;
  }

  /**
   * Hands a finished computation's answer to one of the requests that waited for it, a batch per
   * loop turn: hundreds of waiters would otherwise all be answered in one go, holding the loop.
   */
  private released(body: Buffer): Promise<Buffer> {
    const mine = this.releases.then(async () => {
      if (++this.releasedCount % RELEASE_BATCH === 0) await nextLoopTurn();
    });
    this.releases = mine;
    return mine.then(() => body);
  }

  stats(): ReadCacheStats {
    return { ...this.counts, entries: this.entries.size, bytes: this.bytes };
  }

  /** Runs `f`, noting how long it kept the loop. */
  private timed<T>(f: () => T): T {
    const t0 = performance.now();
    try {
      return f();
    } finally {
      this.lastEnd = performance.now();
      this.lastMs = Math.min(MAX_REST_MS, (this.lastEnd - t0) / 2);
    }
  }

  /**
   * Leaves the loop to everything else (I/O, timers) for half as long as the last step of a
   * computation took, so a third of the time at least goes to other requests however many wait.
   */
  private rest(): Promise<unknown> {
    const wait = this.lastMs - (performance.now() - this.lastEnd);
    return wait >= 1 ? sleep(wait) : nextLoopTurn();
  }

  private kept(key: string, mark: string): Buffer | undefined {
    const e = this.entries.get(key);
    if (e === undefined) return undefined;
    if (e.mark !== mark) {
      this.drop(key, e);
      return undefined;
    }
    // Most recently used last.
    this.entries.delete(key);
    this.entries.set(key, e);
    return e.body;
  }

  private keep(key: string, e: Entry): void {
    if (this.limits.maxEntries === 0 || e.body.length > this.limits.maxBytes) return;
    const old = this.entries.get(key);
    if (old !== undefined) this.drop(key, old);
    this.entries.set(key, e);
    this.bytes += e.body.length;
    for (const [k, v] of this.entries) {
      if (this.entries.size <= this.limits.maxEntries && this.bytes <= this.limits.maxBytes) break;
      this.drop(k, v);
    }
  }

  private drop(key: string, e: Entry): void {
    this.entries.delete(key);
    this.bytes -= e.body.length;
  }
}

/** The mark of what a view of these runs reads: each run's, and the checkpoints' and categories' (see store/versions.ts). */
export function runsMark(store: Store, runIds: readonly number[]): string {
  return [...runIds.map((id) => store.versions.run(id) ?? 'gone'), store.versions.shared()].join('|');
}

/** Sends an answer of ReadCache.get: serialized JSON, exactly the bytes the route's serializer wrote. */
export function sendJson(reply: FastifyReply, body: Buffer): FastifyReply {
  return reply.type('application/json; charset=utf-8').send(body);
}
