import { resolve } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { buildApp } from './app.js';
import type { Env } from './config.js';
import { TunegateError } from './errors.js';
import { RunQueue } from './queue/run-queue.js';
import { summarizeRun } from './runner/execute-run.js';
import { ownerAlive } from './runner/owner.js';
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
 * Runs found `running` whose owning process is gone (a crashed or killed server or CLI) are
 * marked `interrupted`, so they can be resumed; runs a live process owns are left alone.
 */
export function recoverCrashedRuns(store: Store): number[] {
  const recovered: number[] = [];
  for (const run of store.runs.list({ status: 'running' })) {
    if (ownerAlive(run)) continue;
    store.runs.finish(run.id, 'interrupted', summarizeRun(store, run.id), 'the process running it stopped; resume it');
    recovered.push(run.id);
  }
  return recovered;
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
    store, env: opts.env, perEndpoint: opts.perEndpoint ?? 1,
    onError: (runId, e) => app?.log.error({ runId, err: (e as Error).message }, 'run failed'),
  });
  app = await buildApp({ store, queue, env: opts.env, evalsetsDir: resolve(opts.evalsetsDir), token, logger: opts.logger === true });
  try {
    await app.listen({ host: opts.host, port: opts.port });
  } catch (e) {
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
