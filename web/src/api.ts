/*
 * The only module that knows the API's URLs and response shapes. The shapes come from the API's
 * response schemas (server/routes/api-types.ts, type-only: erased at build time), so the page and
 * the API cannot drift apart.
 */
import type {
  Advice, Category, Checkpoint, Comparison, EvalSetListing, GateReport, ItemJson, LiveProgress, MetricDef, MetricGroup, NewCheckpoint, RunJson, TrendBody, TrendSeries,
} from '../../server/routes/api-types.js';
// The CLI's parser of the event stream and its busy-retry rule (plain functions that import nothing).
import { sseEvents } from '../../server/shared/sse-events.js';
import { busyRetryDelay } from '../../server/shared/busy-retry.js';

export type { Advice, Category, Checkpoint, Comparison, EvalSetListing, GateReport, ItemJson, LiveProgress, MetricDef, MetricGroup, NewCheckpoint, TrendBody, TrendSeries };
export type {
  AdviceRow, BlogChange, Flip, FlipSide, KeywordMarks, MetricChange, Moved, MetricInterval, PostRunPhase, TrendPoint, Transitions,
} from '../../server/routes/api-types.js';

export type RunBody = RunJson & { progress: { done: number; total: number; errors: number } };
/** A base checkpoint's stored categorization (GET /api/categories): counts, and the runs they came from. */
export interface BaseCategories {
  base: string;
  counts: Record<Category, number>;
  items: Array<{ set: string; itemId: string; category: Category; runId: number }>;
}

/** An error answer of the API: its message (which names the field, e.g. "body/baseUrl …") and HTTP status. */
export class ApiError extends Error {
  constructor(readonly status: number, message: string, readonly code: string | undefined) {
    super(message);
    this.name = 'ApiError';
  }
}

/** Why the page asks for the server's token: it has none yet, or the one it sent was refused. */
export type TokenReason = 'missing' | 'wrong';
/** Shows the token form and resolves with what the user entered (views/token.ts). */
export type TokenPrompt = (reason: TokenReason) => Promise<string>;

/**
 * The server's token, once the user gave it: kept for this tab only (sessionStorage, gone when
 * it closes) and sent on every request. Never in a URL: a query string lands in logs.
 */
const TOKEN_KEY = 'tunegate.token';
let token: string | null = readStoredToken();
let prompt: TokenPrompt | undefined;
let asking: Promise<void> | undefined;

function readStoredToken(): string | null {
  try {
    return sessionStorage.getItem(TOKEN_KEY);
  } catch {
    return null; // storage disabled: the token lives as long as the page
  }
}

/** Registers what the page does when the server answers 401: ask for the token (once for all waiting requests). */
export function onTokenNeeded(p: TokenPrompt): void {
  prompt = p;
}

/**
 * Sends a request with the token, if any. On a 401 the user is asked (a refused token as wrong)
 * and the request sent again: a 401 comes before the server does anything, so a write is safe
 * to repeat. Requests refused together share one question.
 */
async function withToken(send: (headers: Record<string, string>) => Promise<Response>): Promise<Response> {
  for (;;) {
    const used = token;
    const res = await send(used === null ? {} : { authorization: `Bearer ${used}` });
    if (res.status !== 401 || prompt === undefined) return res;
    // Read to the end (a short JSON error): a cancelled body is a failed request to the browser.
    await res.text().catch(() => undefined);
    if (token !== used) continue; // another request was given a new token meanwhile
    const ask = prompt;
    asking ??= ask(used === null ? 'missing' : 'wrong').then((t) => {
      token = t;
      try {
        sessionStorage.setItem(TOKEN_KEY, t);
      } catch {
        // kept in memory only
      }
    }).finally(() => (asking = undefined));
    await asking;
  }
}

async function request<T>(method: string, url: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (body !== undefined) headers['content-type'] = 'application/json';
  let res: Response;
  // A busy server (429/503 with Retry-After: its request limits) is asked again after the wait it names, a few times.
  for (let attempt = 0; ; attempt++) {
    res = await withToken((auth) => fetch(url, { method, headers: { ...headers, ...auth }, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) }));
    const wait = busyRetryDelay(res.status, res.headers.get('retry-after'), attempt);
    if (wait === undefined) break;
    await res.body?.cancel();
    await new Promise((r) => setTimeout(r, wait));
  }
  const text = await res.text();
  let json: unknown = null;
  try {
    json = text === '' ? null : JSON.parse(text);
  } catch {
    throw new ApiError(res.status, `${method} ${url}: HTTP ${res.status}, not JSON`, undefined);
  }
  if (!res.ok) {
    const e = (json ?? {}) as { error?: string; message?: string; code?: string };
    throw new ApiError(res.status, e.error ?? e.message ?? `${method} ${url}: HTTP ${res.status}`, e.code);
  }
  return json as T;
}

/** A body's chunks as an async iterable (not every browser iterates a ReadableStream itself). */
async function* chunks(body: ReadableStream<Uint8Array>): AsyncGenerator<Uint8Array> {
  const reader = body.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      yield value;
    }
  } finally {
    reader.releaseLock();
  }
}

/** What a followed run says: each handler gets its event's parsed data. */
export type RunEventHandlers = Partial<Record<'progress' | 'item' | 'finished', (data: unknown) => void>>;

/**
 * Follows a run's Server-Sent Events with fetch (EventSource cannot send the token), as
 * EventSource would: a dropped or ended stream is opened again after the server's `retry:` wait,
 * from the last event id seen (Last-Event-ID). Stops when closed or when `signal` aborts.
 */
function followRun(id: number, on: RunEventHandlers, signal: AbortSignal): { close(): void } {
  const controller = new AbortController();
  const stop = () => controller.abort();
  signal.addEventListener('abort', stop, { once: true });
  const url = `/api/runs/${id}/events`;
  let lastId: string | undefined;
  void (async () => {
    while (!controller.signal.aborted) {
      try {
        const res = await withToken((auth) => fetch(url, {
          headers: { accept: 'text/event-stream', ...auth, ...(lastId !== undefined ? { 'last-event-id': lastId } : {}) }, cache: 'no-store', signal: controller.signal,
        }));
        if (res.ok && res.body !== null) {
          for await (const e of sseEvents(chunks(res.body))) {
            if (e.id !== undefined) lastId = e.id;
            if (controller.signal.aborted) return;
            on[e.event as keyof RunEventHandlers]?.(e.data);
          }
        } else {
          await res.text().catch(() => undefined);
        }
      } catch {
        if (controller.signal.aborted) return;
      }
      // The server's retry: is 2 s.
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, 2000);
        controller.signal.addEventListener('abort', () => (clearTimeout(t), resolve()), { once: true });
      });
    }
  })();
  return { close: stop };
}

const get = <T>(url: string) => request<T>('GET', url);

/** Query string from a record; arrays repeat the key; undefined and '' are left out. */
export function query(params: Record<string, string | number | boolean | readonly string[] | undefined | null>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    if (v === undefined || v === null || v === '') continue;
    if (Array.isArray(v)) for (const x of v) q.append(k, x);
    else q.append(k, String(v));
  }
  const s = q.toString();
  return s === '' ? '' : `?${s}`;
}

/** Which part of the history GET /api/trend returns. */
export interface TrendOptions { window?: number; maxPoints?: number }

const trendBody = (metrics: readonly string[], tags: readonly string[], opts: TrendOptions) =>
  get<TrendBody>(`/api/trend${query({ metric: metrics, tag: tags, window: opts.window, maxPoints: opts.maxPoints })}`);

const definitions = () => get<{ metrics: MetricDef[]; pass: string; consistency: string; groups: MetricGroup[] }>('/api/metrics');


export const api = {
  /** The metric registry (with the picker's named groups), what "pass" means for an item and what a set's consistency means. */
  definitions,
  metrics: () => definitions().then((r) => r.metrics),
  /** A page of checkpoints by step (the server's default page holds every checkpoint of most teams). */
  checkpoints: (opts: { limit?: number; cursor?: number } = {}) => get<{ checkpoints: Checkpoint[]; nextCursor: number | null }>(`/api/checkpoints${query(opts)}`).then((r) => r.checkpoints),
  evalsets: () => get<{ evalsets: EvalSetListing[] }>('/api/evalsets').then((r) => r.evalsets),
  /** The series of GET /api/trend (window: the most recent training runs, 0 = all; maxPoints: decimation above it; the server's defaults otherwise). */
  trend: (metrics: readonly string[], tags: readonly string[] = [], opts: TrendOptions = {}) => trendBody(metrics, tags, opts).then((r) => r.series),
  /** GET /api/trend whole: the series with what they cover (window), every tag's values, the baseline, the checkpoint count. */
  trendBody: (metrics: readonly string[], tags: readonly string[] = [], opts: TrendOptions = {}) => trendBody(metrics, tags, opts),
  run: (id: number) => get<RunBody>(`/api/runs/${id}`),
  runs: (opts: { checkpoint?: string; status?: string; limit?: number; q?: string; cursor?: number } = {}) =>
    get<{ runs: RunBody[]; nextCursor: number | null }>(`/api/runs${query(opts)}`),
  results: (id: number, opts: { set?: string; outcome?: string; category?: string; q?: string; limit: number; offset: number }) =>
    get<{ results: ItemJson[]; total: number; limit: number; offset: number }>(`/api/runs/${id}/results${query(opts)}`),
  /** The plan of a run (power, items a drop would take), as a request path to show. */
  planPath: (runId: number) => `/api/plan${query({ run: runId })}`,
  /** Where every stored result of a run downloads as JSON Lines (a link: the browser saves it, streamed). */
  resultsJsonlUrl: (id: number) => `/api/runs/${id}/results.jsonl`,
  /** Early-stopping advice across the checkpoints tagged `tag` (KEY=VALUE). */
  advise: (tag: string) => get<Advice>(`/api/advise${query({ tag })}`),
  /** A base checkpoint's knowledge categories. */
  categories: (base: string) => get<BaseCategories>(`/api/categories${query({ base })}`),
  compare: (base?: number, head?: number) => get<Comparison>(`/api/compare${query({ base, head })}`),
  gate: (run: number, baseline: number, metrics?: readonly string[]) =>
    get<GateReport>(`/api/gate${query({ run, baseline: String(baseline), metrics })}`),
  /** The gate's verdict on its default head (the server's choice) against its default reference. */
  latestGate: () => get<GateReport>('/api/gate'),
  addCheckpoint: (body: NewCheckpoint) =>
    request<Checkpoint & { run?: { id: number; status: string } }>('POST', '/api/checkpoints', body),
  /** The run's Server-Sent Events (progress, item, finished), until closed or `signal` aborts. */
  events: followRun,
};
