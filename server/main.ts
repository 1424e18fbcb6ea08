import { resolve } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { buildApp } from './app.js';
import type { EventStreamTimings } from './routes/run-events.js';
import { resolveServeSettings, serverEnv, type Env } from './config.js';
import type { ServeFlags, ServeSettings } from './settings/serve-options.js';
import { TunegateError } from './errors.js';
import { RunQueue } from './queue/run-queue.js';
import { stopAbandonedRuns } from './runner/owner.js';
import { damagedError } from './store/integrity.js';
import { openStore, type Store } from './store/open.js';

/** How to start the server: where it listens and what it serves, and what `tunegate serve` was told (ServeFlags). */
export interface ServeOptions extends ServeFlags {
  host: string;
  port: number;
  dbPath: string;
  evalsetsDir: string;
  env: Env;
  perEndpoint?: number;
  /** LoRA adapters kept loaded per model server (`--lora-keep`; else TUNEGATE_LORA_KEEP; 4). */
  loraKeep?: number;
  insecureNoAuth?: boolean;
  logger?: boolean;
  /** Where the log goes when `logger` is on (default stdout); tests read it. */
  logStream?: NodeJS.WritableStream;
  /** The lease the server holds on the runs it executes (default 30 s). */
  leaseMs?: number;
  /** Event-stream timings (tests shorten them; the defaults are run-events.ts's). */
  eventStreams?: EventStreamTimings;
}

export interface RunningServer {
  app: FastifyInstance;
  store: Store;
  queue: RunQueue;
  url: string;
  /** What the server was configured with (token left out). */
  settings: Omit<ServeSettings, 'token'> & { auth: boolean };
  /** Graceful stop: running runs end `interrupted` with their results stored, then the port closes. */
  close(): Promise<void>;
}

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|localhost|::1|\[::1\])$/;

/**
 * Runs found `running` whose owner is gone (its lease expired, or its PID is gone on this host:
 * a crashed or killed server or CLI) are marked `interrupted`, so they can be resumed; runs a
 * live process holds, here or on another host, are left alone.
 */
export function recoverCrashedRuns(store: Store): number[] {
  return stopAbandonedRuns(store);
}

/** config → store → recovery → app → queue → listen. */
export async function startServer(opts: ServeOptions): Promise<RunningServer> {
  const settings = resolveServeSettings({
    ...(opts.keyEnvs !== undefined ? { keyEnvs: opts.keyEnvs } : {}),
    ...(opts.allowedHosts !== undefined ? { allowedHosts: opts.allowedHosts } : {}),
    ...(opts.protectReads !== undefined ? { protectReads: opts.protectReads } : {}),
    ...(opts.maxResponseBytes !== undefined ? { maxResponseBytes: opts.maxResponseBytes } : {}),
    ...(opts.maxAnswerChars !== undefined ? { maxAnswerChars: opts.maxAnswerChars } : {}),
    ...(opts.rateLimit !== undefined ? { rateLimit: opts.rateLimit } : {}),
    ...(opts.maxEventLoopDelay !== undefined ? { maxEventLoopDelay: opts.maxEventLoopDelay } : {}),
  }, opts.env);
  const { token } = settings;
  // From here on the server sees only the key variables it was allowed (never TUNEGATE_TOKEN).
  const env = serverEnv(opts.env, settings);
  if (token === undefined && !LOOPBACK.test(opts.host) && opts.insecureNoAuth !== true) {
    throw new TunegateError(
      'USAGE',
      `refusing to listen on ${opts.host} without TUNEGATE_TOKEN: anyone who can reach it could queue runs; set TUNEGATE_TOKEN, bind 127.0.0.1, or pass --insecure-no-auth`,
    );
  }
  const store = openStore(opts.dbPath);
  recoverCrashedRuns(store);
  let app: FastifyInstance | undefined;
  const queue = new RunQueue({
    store, env, perEndpoint: opts.perEndpoint ?? 1, ...(opts.loraKeep !== undefined ? { loraKeep: opts.loraKeep } : {}), ...(opts.leaseMs !== undefined ? { leaseMs: opts.leaseMs } : {}),
    onError: (runId, e) => {
      // A run that failed on a damaged file marks the database damaged for /api/health too.
      damagedError(store.integrity, store.path, e);
      // The app's `err` serializer redacts whatever the value is (see log-serializers.ts).
      app?.log.error({ runId, err: e }, 'run failed');
    },
  });
  app = await buildApp({
    store, queue, env, evalsetsDir: resolve(opts.evalsetsDir), token, protectReads: settings.protectReads, host: opts.host, allowedHosts: settings.allowedHosts, logger: opts.logger === true,
    ...(opts.logStream !== undefined ? { logStream: opts.logStream } : {}),
    ...(opts.eventStreams !== undefined ? { eventStreams: opts.eventStreams } : {}),
    requestLimits: { rateLimit: settings.rateLimit, maxEventLoopDelay: settings.maxEventLoopDelay },
  });
  try {
    await app.listen({ host: opts.host, port: opts.port });
  } catch (e) {
    await queue.shutdown();
    store.close();
    throw new TunegateError('USAGE', `cannot listen on ${opts.host}:${opts.port}: ${(e as Error).message}`);
  }
  queue.pump();
  const address = app.server.address();
  const port = typeof address === 'object' && address !== null ? address.port : opts.port;
  const shownHost = opts.host.includes(':') ? `[${opts.host}]` : opts.host;
  return {
    app, store, queue, url: `http://${shownHost}:${port}`,
    settings: { keyEnvs: settings.keyEnvs, keyBindings: settings.keyBindings, allowedHosts: settings.allowedHosts, protectReads: settings.protectReads, maxResponseBytes: settings.maxResponseBytes, maxAnswerChars: settings.maxAnswerChars,
      rateLimit: settings.rateLimit, maxEventLoopDelay: settings.maxEventLoopDelay, auth: token !== undefined },
    async close() {
      await queue.shutdown();
      await app!.close();
      store.close();
    },
  };
}
