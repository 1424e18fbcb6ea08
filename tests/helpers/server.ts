import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterEach } from 'vitest';
import { buildApp } from '../../server/app.js';
import { serverEnv, type Env } from '../../server/config.js';
import { startServer, type RunningServer, type ServeOptions } from '../../server/main.js';
import { RunQueue } from '../../server/queue/run-queue.js';
import { openStore, type Store } from '../../server/store/open.js';
import { jsonl, tempDir, writeFiles } from './tmp.js';

export interface TestApp {
  app: FastifyInstance;
  store: Store;
  queue: RunQueue;
  dir: string;
  dbPath: string;
}

const open: TestApp[] = [];

/** Eval sets a test server offers: small bio and blog sets whose answers an echo endpoint gets right. */
export const SERVER_EVALSETS = {
  'evalsets/bio.jsonl': jsonl(
    { id: 'q1', prompt: 'question one', keywords: ['question one'] },
    { id: 'q2', prompt: 'question two', keywords: ['question two'], forbidden: ['Yingkou'] },
    { id: 'q3', prompt: 'question three', keywords: ['something else'] },
  ),
  'evalsets/blog.jsonl': jsonl({ id: 'p1', title: 'WAL mode', reference: 'answer to: WAL mode' }),
};

/**
 * The real app on a temp database, with a real queue; closed after the test. Like `tunegate
 * serve`, it reads only the key variables in `keyEnvs` (none unless given) from `env`.
 */
export async function testApp(opts: { env?: Env; keyEnvs?: string[]; token?: string; protectReads?: boolean; files?: Record<string, string>; host?: string; allowedHosts?: string[] } = {}): Promise<TestApp> {
  const dir = tempDir();
  writeFiles(dir, opts.files ?? SERVER_EVALSETS);
  const dbPath = join(dir, 'server.db');
  const store = openStore(dbPath);
  const env = serverEnv(opts.env ?? {}, { keyEnvs: opts.keyEnvs ?? [] });
  const queue = new RunQueue({ store, env });
  const app = await buildApp({ store, queue, env, evalsetsDir: join(dir, 'evalsets'), token: opts.token, protectReads: opts.protectReads, host: opts.host, allowedHosts: opts.allowedHosts });
  const t = { app, store, queue, dir, dbPath };
  open.push(t);
  return t;
}

/** Polls the API until the run has one of `statuses` (`headers`: a token, on a server that protects reads). */
export async function waitForStatus(app: FastifyInstance, id: number, statuses: string[], ms = 15_000, headers: Record<string, string> = {}): Promise<Record<string, any>> {
  const until = Date.now() + ms;
  for (;;) {
    const r = await app.inject({ method: 'GET', url: `/api/runs/${id}`, headers });
    const body = r.json();
    if (statuses.includes(body.status)) return body;
    if (Date.now() > until) throw new Error(`run ${id} is ${body.status}, not ${statuses.join('/')}`);
    await new Promise((res) => setTimeout(res, 20));
  }
}

afterEach(async () => {
  while (open.length > 0) {
    const t = open.pop()!;
    await t.queue.shutdown();
    await t.app.close();
    t.store.close();
  }
});

/** The content type every write to the API carries. */
export const JSON_TYPE = { 'content-type': 'application/json' };

/**
 * A JSON POST through the app's inject: the content type every write needs, a bodyless request
 * too (no `payload`: no body); `headers` add to it.
 */
export function post(app: FastifyInstance, url: string, payload?: unknown, headers: Record<string, string> = {}) {
  return app.inject({ method: 'POST', url, ...(payload !== undefined ? { payload: payload as Record<string, unknown> } : {}), headers: { ...JSON_TYPE, ...headers } });
}

/** A JSON POST over real HTTP (a server on a port); `headers` add to the content type. */
export function postJson(url: string, body: unknown = {}, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(url, { method: 'POST', headers: { ...JSON_TYPE, ...headers }, body: JSON.stringify(body) });
}

export interface Served {
  server: RunningServer;
  /** The temp dir holding `evalsets/` (and the database unless `dbPath` was given). */
  dir: string;
  /** The database file. */
  db: string;
}

const running: RunningServer[] = [];

/**
 * The real server (`startServer`, as `tunegate serve` starts it) on a free loopback port, over
 * `dir` (default a fresh temp dir) holding `files` (default SERVER_EVALSETS) and `db.sqlite`.
 * Any `ServeOptions` field overrides those defaults. Closed after the test; closing it sooner is fine.
 */
export async function serve(opts: Partial<ServeOptions> & { dir?: string; files?: Record<string, string> } = {}): Promise<Served> {
  const { dir = tempDir(), files = SERVER_EVALSETS, ...options } = opts;
  writeFiles(dir, files);
  const db = options.dbPath ?? join(dir, 'db.sqlite');
  const server = await startServer({ host: '127.0.0.1', port: 0, evalsetsDir: join(dir, 'evalsets'), env: {}, ...options, dbPath: db });
  const close = server.close.bind(server);
  let closing: Promise<void> | undefined;
  server.close = () => (closing ??= close());
  running.push(server);
  return { server, dir, db };
}

afterEach(async () => {
  while (running.length > 0) await running.pop()!.close();
});
