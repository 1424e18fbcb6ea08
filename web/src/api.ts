/*
 * The only module that knows the API's URLs and response shapes. The shapes are the server's own
 * types (type-only imports, erased at build time), so the page and the API cannot drift apart.
 */
import type { Comparison } from '../../server/compare/compare-runs.js';
import type { TrendSeries } from '../../server/compare/trend.js';
import type { EvalSetSummary } from '../../server/evalsets/load.js';
import type { Advice } from '../../server/gate/advise.js';
import type { Category } from '../../server/categorize/category.js';
import type { GateReport } from '../../server/gate/decide.js';
import type { ItemJson, RunJson } from '../../server/report/run-json.js';
import type { NewCheckpointBody } from '../../server/routes/schemas.js';
import type { Progress } from '../../server/runner/execute-run.js';
import type { MetricDef } from '../../server/scoring/metric-registry.js';
import type { Checkpoint as StoredCheckpoint } from '../../server/store/types.js';
import { busyRetryDelay } from '../../server/http/busy-retry.js';

export type { Advice, Category, Comparison, EvalSetSummary, GateReport, ItemJson, MetricDef, TrendSeries };
export type { AdviceRow } from '../../server/gate/advise.js';
export type { BlogChange, Flip, FlipSide, MetricChange, Transitions } from '../../server/compare/compare-runs.js';
export type { TrendPoint } from '../../server/compare/trend.js';
export type { KeywordMarks } from '../../server/scoring/keyword.js';
export type { MetricInterval } from '../../server/stats/interval.js';

export type Checkpoint = Omit<StoredCheckpoint, 'id'>;
export type RunBody = RunJson & { progress: { done: number; total: number; errors: number } };
export type EvalSetListing = EvalSetSummary | { name: string; error: string };
export type NewCheckpoint = NewCheckpointBody;
export type LiveProgress = Pick<Progress, 'done' | 'total' | 'errors'> & Partial<Progress>;
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

async function request<T>(method: string, url: string, body?: unknown, token?: string): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (token !== undefined && token !== '') headers.authorization = `Bearer ${token}`;
  let res: Response;
  // A busy server (429/503 with Retry-After: its request limits) is asked again after the wait it names, a few times.
  for (let attempt = 0; ; attempt++) {
    res = await fetch(url, { method, headers, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
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

const definitions = () => get<{ metrics: MetricDef[]; pass: string; consistency: string }>('/api/metrics');

export const api = {
  /** The metric registry, what "pass" means for an item and what a set's consistency means. */
  definitions,
  metrics: () => definitions().then((r) => r.metrics),
  checkpoints: () => get<{ checkpoints: Checkpoint[] }>('/api/checkpoints').then((r) => r.checkpoints),
  evalsets: () => get<{ evalsets: EvalSetListing[] }>('/api/evalsets').then((r) => r.evalsets),
  trend: (metrics: readonly string[], tags: readonly string[] = []) =>
    get<{ series: TrendSeries[] }>(`/api/trend${query({ metric: metrics, tag: tags })}`).then((r) => r.series),
  run: (id: number) => get<RunBody>(`/api/runs/${id}`),
  runs: (opts: { checkpoint?: string; status?: string; limit?: number } = {}) =>
    get<{ runs: RunBody[]; nextCursor: number | null }>(`/api/runs${query(opts)}`),
  results: (id: number, opts: { set?: string; outcome?: string; category?: string; limit: number; offset: number }) =>
    get<{ results: ItemJson[]; total: number; limit: number; offset: number }>(`/api/runs/${id}/results${query(opts)}`),
  /** Early-stopping advice across the checkpoints tagged `tag` (KEY=VALUE). */
  advise: (tag: string) => get<Advice>(`/api/advise${query({ tag })}`),
  /** A base checkpoint's knowledge categories. */
  categories: (base: string) => get<BaseCategories>(`/api/categories${query({ base })}`),
  compare: (base?: number, head?: number) => get<Comparison>(`/api/compare${query({ base, head })}`),
  gate: (run: number, baseline: number, metrics?: readonly string[]) =>
    get<GateReport>(`/api/gate${query({ run, baseline: String(baseline), metrics })}`),
  addCheckpoint: (body: NewCheckpoint, token?: string) =>
    request<Checkpoint & { run?: { id: number; status: string } }>('POST', '/api/checkpoints', body, token),
  /** The run's Server-Sent Events (progress, item, finished). */
  events: (id: number) => new EventSource(`/api/runs/${id}/events`),
};
