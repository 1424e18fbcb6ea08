import { setImmediate as nextLoopTurn } from 'node:timers/promises';
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

interface Entry {
  mark: string;
  body: Buffer;
}

/**
 * The server's cache of heavy reads (a comparison, a results page, a gate), kept as serialized
 * JSON. The store stays the source of truth: every request reads the data's change mark (one
 * indexed read, see store/versions.ts) and a kept answer is served only under the mark it was
 * computed at, so a changed run is never answered from before its change. Identical requests
 * arriving together share one computation. Computations run one per event-loop turn, so the
 * lease heartbeat, /api/health and cached answers are served between two of them however many
 * are waiting. Bounded by entries and bytes, least recently used dropped first.
 */
export class ReadCache {
  private readonly entries = new Map<string, Entry>();
  private readonly pending = new Map<string, Promise<Buffer>>();
  private queue: Promise<void> = Promise.resolve();
  private bytes = 0;
  private readonly counts = { computed: 0, hits: 0, joined: 0 };

  constructor(private readonly limits: ReadCacheLimits = DEFAULT_READ_CACHE) {}

  /**
   * The answer for `key` under the data's current `mark()`: kept, or being computed for another
   * request, or computed now by `compute` (which returns the serialized JSON). `key` names
   * everything the answer depends on besides the data (route, runs, parameters).
   */
  get(key: string, mark: () => string, compute: () => string | Buffer | ArrayBuffer): Promise<Buffer> {
    const kept = this.kept(key, mark());
    if (kept !== undefined) {
      this.counts.hits++;
      return Promise.resolve(kept);
    }
    const under = this.pending.get(key);
    if (under !== undefined) {
      // Safe to join: it reads the mark when its turn comes, which is after this request's read.
      this.counts.joined++;
      return under;
    }
    const job = this.turn().then(() => {
      const m = mark();
      const fresh = this.kept(key, m);
      if (fresh !== undefined) return fresh;
      const out = compute();
      const body = Buffer.isBuffer(out) ? out : typeof out === 'string' ? Buffer.from(out) : Buffer.from(out);
      this.counts.computed++;
      this.keep(key, { mark: m, body });
      return body;
    }).finally(() => this.pending.delete(key));
    this.pending.set(key, job);
    return job;
  }

  stats(): ReadCacheStats {
    return { ...this.counts, entries: this.entries.size, bytes: this.bytes };
  }

  /** Waits for this computation's turn: after every earlier one, and a loop turn after the last. */
  private turn(): Promise<void> {
    const mine = this.queue.then(() => nextLoopTurn());
    this.queue = mine;
    return mine;
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
