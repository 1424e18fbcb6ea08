import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { sendQueues } from '../http/send-queues.js';
import type { RunQueue } from '../queue/run-queue.js';
import { ownerGone, stopAbandoned } from '../runner/owner.js';
import { damagedError } from '../store/integrity.js';
import type { Store } from '../store/open.js';

/** Headers of a stream; the page's CSP comes from the caller (routes/deps.ts holds it). */
export interface StreamHeaders {
  [name: string]: string;
}

/** The timings of a stream a server may be given (tests shorten them). */
export type EventStreamTimings = Pick<RunStreamOptions, 'pollMs' | 'flushMs' | 'stallMs' | 'pingMs'>;

export interface RunStreamOptions {
  store: Store;
  queue: RunQueue;
  /** The run object a `finished` event carries (the same as GET /api/runs/:id). */
  runBody: (id: number) => unknown;
  headers: StreamHeaders;
  /** Applied to every event's text before it is sent (the server's own secrets are removed). */
  redact?: (text: string) => string;
  /** How often a stream looks at the store for a run another process executes (ms). */
  pollMs?: number;
  /** Least time between two writes of one stream: events that arrive closer are sent together (ms). */
  flushMs?: number;
  /** A client that takes no byte for this long while the stream has bytes for it is disconnected (ms). */
  stallMs?: number;
  pingMs?: number;
}

/** A positive whole number from a Last-Event-ID header; undefined for anything else. */
export function parseLastEventId(header: string | string[] | undefined): number | undefined {
  const v = Array.isArray(header) ? header[0] : header;
  return v !== undefined && /^\d{1,15}$/.test(v.trim()) ? Number(v.trim()) : undefined;
}

/**
 * Server-Sent Events of runs, read from the store. The store is the source of truth and the
 * queue's events only say "look again", so a stream follows a run executed by this server, by a
 * CLI or by another server alike, and nothing is queued per client:
 *
 * - Every event carries `id:` = the run's latest result sequence number the stream has sent
 *   (results are numbered as stored, see migration 005). `item` events are stored results;
 *   `progress` is a snapshot; `finished` carries the run object, then the stream ends.
 * - A client reconnecting with `Last-Event-ID: N` is sent every result stored after N, then a
 *   progress snapshot. Without it, a stream starts at the present.
 * - Backpressure: when a write is refused (`res.write()` returns false) the stream stops and
 *   waits for `drain`; what happens meanwhile stays in the store and is sent from there when the
 *   client catches up. A client's buffer never holds more than the socket's high-water mark and
 *   one event.
 * - A client that takes no byte for `stallMs` (30 s) while bytes wait for it is cut off with a
 *   reset, which frees the kernel's buffers at both ends at once (a plain close would leave them
 *   queued behind a zero window). The kernel accepts writes long after a client stops reading
 *   (hundreds of KB; MBs on loopback), so `write()` returning false comes late or never: where
 *   Linux shows it, the peer's acknowledgements are what counts (http/send-queues.ts); elsewhere,
 *   bytes leaving this process. The clock is not reset by writes the kernel accepts nor by pings,
 *   and keeps running after the stream has ended until its last byte is taken.
 * - A running run whose owner is gone (lease expired, or its PID gone on this host) is marked
 *   interrupted, and its followers get `finished`, instead of waiting forever.
 * - On close (server shutdown) every stream ends at once; a client that is not reading is cut.
 */
export function runStreams(app: FastifyInstance, opts: RunStreamOptions) {
  const { store, queue } = opts;
  const pollMs = opts.pollMs ?? 500;
  const redact = opts.redact ?? ((text: string) => text);
  const flushMs = opts.flushMs ?? 50;
  const stallMs = opts.stallMs ?? 30_000;
  const pingMs = opts.pingMs ?? 15_000;
  const open = new Set<(shutdown: boolean) => void>();
  /** Per connection still owed bytes: looks whether its client took any (given /proc's send queues, or null). */
  const watched = new Set<(queues: Map<string, number> | null, now: number) => void>();
  let watch: NodeJS.Timeout | undefined;
  const watchMs = Math.min(1_000, Math.max(20, stallMs / 4));
  const startWatching = (check: (queues: Map<string, number> | null, now: number) => void) => {
    watched.add(check);
    // One read of /proc per tick serves every stream.
    watch ??= setInterval(() => {
      if (watched.size === 0) {
        clearInterval(watch);
        watch = undefined;
        return;
      }
      const queues = sendQueues();
      const now = Date.now();
      for (const c of [...watched]) c(queues, now);
    }, watchMs).unref();
  };

  app.addHook('preClose', async () => {
    for (const close of [...open]) close(true);
  });
  app.addHook('onClose', async () => clearInterval(watch));

  /** Streams run `runId`'s events on this request (the run must exist). */
  function follow(req: FastifyRequest, reply: FastifyReply, runId: number): void {
    const run = store.runs.get(runId);
    // The snapshot's size, as recorded per eval set (reading the items would parse every one).
    const total = run.provenance.evalsets.reduce((n, s) => n + s.items, 0) * run.params.samples;
    const latest = store.results.lastSeq(runId);
    const asked = parseLastEventId(req.headers['last-event-id']);
    // An id from the future (another database, say) would hide everything: start at the present.
    let cursor = asked === undefined || asked > latest ? latest : asked;
    let sentProgress = '';
    let sentCounts = '';
    let closed = false;
    let congested = false;
    let scheduled: NodeJS.Timeout | undefined;
    let lastFlush = 0;

    reply.hijack();
    const raw = reply.raw;
    // Kept: the response lets go of its socket when it ends, and the socket is watched beyond that.
    const socket = raw.socket;
    raw.writeHead(200, { ...opts.headers, 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', connection: 'keep-alive' });

    const write = (text: string): boolean => {
      if (raw.write(text)) return true;
      congested = true;
      raw.once('drain', () => {
        congested = false;
        schedule(true); // the client caught up: go on at its pace, not the throttle's
      });
      return false;
    };
    const event = (name: string, data: unknown) => write(`id: ${cursor}\nevent: ${name}\ndata: ${redact(JSON.stringify(data))}\n\n`);

    /** Ends the stream: after what is buffered (a reading client gets it all), or at once on shutdown if the client is not reading. */
    const close = (shutdown: boolean) => {
      if (closed) return;
      closed = true;
      open.delete(close);
      unsubscribe();
      clearTimeout(scheduled);
      clearInterval(poll);
      clearInterval(ping);
      if (shutdown && congested) {
        // What it holds would never be read: reset, so the kernel does not keep it either.
        if (socket !== null && !socket.destroyed) socket.resetAndDestroy();
        raw.destroy();
        return;
      }
      raw.end(); // a client that does not read it is still watched, and cut after stallMs
      if (shutdown) {
        // Kept-alive, the connection would hold the server's close open: let go of it once flushed.
        const late = setTimeout(() => raw.destroy(), 1_000);
        late.unref();
        raw.once('finish', () => {
          clearTimeout(late);
          raw.destroy();
        });
      }
    };
    /** A client that took nothing for stallMs: reset (RST), so neither end's kernel keeps what it did not read. */
    function cut(): void {
      watched.delete(stalled);
      close(true);
      if (socket !== null && !socket.destroyed) socket.resetAndDestroy();
      raw.destroy();
    }

    // Bytes the client has taken (acknowledged, where the kernel says; else handed to the kernel), and since when unchanged.
    let taken = -1;
    let takenAt = Date.now();
    function stalled(queues: Map<string, number> | null, now: number): void {
      if (socket === null || socket.destroyed) {
        watched.delete(stalled);
        return;
      }
      const unsent = socket.writableLength;
      const unacked = queues?.get(`${socket.localPort} ${socket.remotePort}`) ?? 0;
      const nowTaken = (socket.bytesWritten ?? 0) - unsent - unacked;
      if (unsent === 0 && unacked === 0) {
        // Everything taken: an ended stream has nothing left to watch.
        if (closed) watched.delete(stalled);
        taken = nowTaken;
        takenAt = now;
      } else if (nowTaken !== taken) {
        taken = nowTaken;
        takenAt = now;
      } else if (now - takenAt >= stallMs) {
        cut();
      }
    }

    /** Sends what the store has that this client has not seen; ends the stream once the run has stopped. */
    const flush = () => {
      scheduled = undefined;
      if (closed || congested) return;
      lastFlush = Date.now();
      try {
        send();
      } catch (e) {
        // The database failed under this stream (busy past its timeout, gone, damaged: then /api/health
        // says so): end it; the client reconnects.
        damagedError(store.integrity, store.path, e);
        app.log.error({ runId, err: e }, 'run event stream failed');
        close(false);
      }
    };
    const send = () => {
      // Read lazily: a client that stops reading stops the query too (no row is read to be dropped).
      for (const r of store.results.since(runId, cursor)) {
        cursor = r.seq;
        if (!event('item', { set: r.set, itemId: r.itemId, sample: r.sample, error: r.error, score: r.score })) return;
      }
      let hold = store.runs.hold(runId);
      if (hold === undefined) return close(false); // deleted with its checkpoint
      const active = queue.isActive(runId);
      if (hold.status === 'running' && !active && ownerGone(hold) && stopAbandoned(store, runId, 'interrupted')) hold = store.runs.hold(runId)!;
      const live = queue.progressOf(runId);
      const counts = live === null ? store.results.counts(runId) : { results: live.done, errors: live.errors };
      const progress = { ...live, done: counts.results, total, errors: counts.errors };
      // A step after the run (phase, phaseProgress) is news while it goes on; once the queue is
      // done with the run, only the stored counts are (the step's last count was sent already).
      const countsKey = `${progress.done}/${progress.errors}`;
      const key = live?.phase === undefined ? countsKey : `${countsKey}/${live.phase}/${live.phaseProgress?.done}`;
      if (key !== sentProgress && (live !== null || countsKey !== sentCounts)) {
        sentProgress = key;
        sentCounts = countsKey;
        if (!event('progress', progress)) return;
      }
      // A run this server executes is finished when its queue entry is (judging comes after the status).
      if (hold.status !== 'queued' && hold.status !== 'running' && !active) {
        event('finished', opts.runBody(runId));
        close(false);
      }
    };

    /** Flushes soon: at most once per flushMs, so a fast run costs a stream a few writes a second. */
    function schedule(now = false): void {
      if (closed || congested) return;
      if (scheduled !== undefined) {
        if (!now) return;
        clearTimeout(scheduled);
      }
      scheduled = setTimeout(flush, now ? 0 : Math.max(0, lastFlush + flushMs - Date.now()));
    }

    const unsubscribe = queue.subscribe(runId, () => schedule());
    const poll = setInterval(() => schedule(), pollMs);
    const ping = setInterval(() => {
      if (!closed && !congested) write(': ping\n\n');
    }, pingMs);
    // 'close' also comes when the response has ended: the watch goes on until the socket is
    // gone or its client has taken every byte (see stalled).
    raw.on('close', () => close(false));
    open.add(close);
    startWatching(stalled);
    write('retry: 2000\n\n');
    flush();
  }

  return { follow, get open() { return open.size; } };
}
