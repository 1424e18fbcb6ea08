import { resolve } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { buildApp } from './app.js';
import type { Env } from './config.js';
import { TunegateError } from './errors.js';
import { RunQueue } from './queue/run-queue.js';
import { stopAbandonedRuns } from './runner/owner.js';
import { openStore, type Store } from './store/open.js';

export interface ServeOptions {
  host: string;
  port: number;
  dbPath: string;
  evalsetsDir: string;
  env: Env;
  perEndpoint?: number;
  insecureNoAuth?: boolean;
  logger?: boolean;
  /** The lease the server holds on the runs it executes (default 30 s). */
  leaseMs?: number;
}

export interface RunningServer {
  app: FastifyInstance;
  store: Store;
  queue: RunQueue;
  url: string;
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
  const token = opts.env.TUNEGATE_TOKEN !== undefined && opts.env.TUNEGATE_TOKEN !== '' ? opts.env.TUNEGATE_TOKEN : undefined;
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
    store, env: opts.env, perEndpoint: opts.perEndpoint ?? 1, ...(opts.leaseMs !== undefined ? { leaseMs: opts.leaseMs } : {}),
    onError: (runId, e) => app?.log.error({ runId, err: (e as Error).message }, 'run failed'),
  });
  app = await buildApp({ store, queue, env: opts.env, evalsetsDir: resolve(opts.evalsetsDir), token, logger: opts.logger === true });
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
    async close() {
      await queue.shutdown();
      await app!.close();
      store.close();
    },
  };
}
