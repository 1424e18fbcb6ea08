import { OptionError } from '../errors.js';
import type { ServingReplica } from '../store/types.js';
import { oneLine } from '../untrusted-text.js';
import { stripUrlCredentials } from '../http/url-credentials.js';
import { parseErrorBody } from '../http/error-body.js';
import { createHttpFetch } from '../http/transport.js';

/** Identity and model-list reads are small: their bodies are capped well below answers'. */
const PROBE_BYTES = 1 << 20;
/** Names kept from a model list (a hub proxy may list thousands). */
const MAX_LISTED = 20;

export interface ProbeOptions {
  apiKey?: string | undefined;
  /** Per request (default 5 s). */
  timeoutMs?: number;
}

export interface ProbeResult {
  /** One per base URL, in the checkpoint's order. */
  replicas: ServingReplica[];
  /** What the user should know but that does not stop the run (a server that lists no models). */
  warnings: string[];
  /** Base URLs nothing answered on (connection refused, DNS, timeout), with the reason. */
  unreachable: string[];
}

interface Got {
  status: number;
  json: unknown;
  headers: Headers;
}

/** A GET; `withKey` only for the base URL's own routes (the model list), never for guessed ones. */
type Get = (url: string, withKey?: boolean) => Promise<Got | { failed: string }>;

function getter(opts: ProbeOptions): { get: Get; close(): void } {
  // A model list or identity route that echoes the key loses it here, before it is read.
  const transport = createHttpFetch({ maxSockets: 4, maxResponseBytes: PROBE_BYTES, secrets: [opts.apiKey] });
  const plain: Record<string, string> = { accept: 'application/json' };
  const keyed = opts.apiKey === undefined ? plain : { ...plain, authorization: `Bearer ${opts.apiKey}` };
  return {
    async get(url, withKey = false) {
      try {
        const res = await transport.fetch(url, { method: 'GET', headers: withKey ? keyed : plain, signal: AbortSignal.timeout(opts.timeoutMs ?? 5000) });
        const text = await res.text();
        let json: unknown = null;
        try {
          json = JSON.parse(text);
        } catch {
          json = res.status >= 400 ? { error: { message: text } } : null;
        }
        return { status: res.status, json, headers: res.headers };
      } catch (e) {
        const err = e as NodeJS.ErrnoException & { cause?: NodeJS.ErrnoException };
        return { failed: err.name === 'TimeoutError' || err.name === 'AbortError' ? 'no answer in time' : (err.code ?? err.cause?.code ?? err.message) };
      }
    },
    close: () => transport.destroy(),
  };
}

/** The server's root: the base URL without its trailing `/v1` (where /version, /props, /info live). */
export function serverRoot(baseUrl: string): string {
  const u = new URL(baseUrl);
  u.pathname = u.pathname.replace(/\/+$/, '').replace(/\/v1$/, '');
  u.search = '';
  u.hash = '';
  return u.toString().replace(/\/+$/, '');
}

const text = (v: unknown, max = 100): string | null => (typeof v === 'string' && v.trim() !== '' ? oneLine(v, max) : null);
const positiveInt = (v: unknown): number | null => (typeof v === 'number' && Number.isSafeInteger(v) && v > 0 ? v : null);

/** Whether a listed name serves the requested model (Ollama answers "llama3" with "llama3:latest"). */
export function listedAs(model: string, id: string): boolean {
  return id === model || id === `${model}:latest`;
}

type Identity = { server: string; version: string | null; contextLength: number | null };

/**
 * Where each server says who it is (docs/servers.md has the sources). Tried in order:
 * the hint from the model list first, then every route, until one answers in its server's shape.
 */
const IDENTIFIERS: ReadonlyArray<{ server: string; hint: (owner: string | null, entry: Record<string, unknown>) => boolean; path: string; read: (j: Record<string, unknown>, model: string) => Identity | null }> = [
  {
    server: 'TGI', path: '/info', hint: () => false,
    read: (j) => (typeof j.model_id === 'string' && ('max_total_tokens' in j || 'max_input_tokens' in j || 'router' in j)
      ? { server: 'TGI', version: text(j.version), contextLength: positiveInt(j.max_total_tokens) }
      : null),
  },
  {
    server: 'llama.cpp', path: '/props', hint: (o, e) => o === 'llamacpp' || 'meta' in e,
    read: (j) => {
      if (!('default_generation_settings' in j) && !('build_info' in j) && !('total_slots' in j)) return null;
      const settings = (j.default_generation_settings ?? {}) as Record<string, unknown>;
      return { server: 'llama.cpp', version: text(j.build_info), contextLength: positiveInt(settings.n_ctx) ?? positiveInt(j.n_ctx) };
    },
  },
  {
    server: 'Ollama', path: '/api/version', hint: (o) => o === 'library' || o === 'ollama',
    read: (j) => (typeof j.version === 'string' && Object.keys(j).length === 1 ? { server: 'Ollama', version: text(j.version), contextLength: null } : null),
  },
  {
    server: 'LM Studio', path: '/api/v0/models', hint: (o) => o === 'organization_owner',
    read: (j, model) => {
      if (!Array.isArray(j.data)) return null;
      const entries = j.data as Array<Record<string, unknown>>;
      if (!entries.some((e) => 'max_context_length' in e || 'state' in e)) return null;
      const mine = entries.find((e) => typeof e.id === 'string' && listedAs(model, e.id));
      return { server: 'LM Studio', version: null, contextLength: positiveInt(mine?.loaded_context_length) ?? positiveInt(mine?.max_context_length) };
    },
  },
  // SGLang has no /version: /server_info (older: /get_server_info) dumps its arguments and version.
  ...['/server_info', '/get_server_info'].map((path) => ({
    server: 'SGLang', path, hint: (o: string | null) => o === 'sglang',
    read: (j: Record<string, unknown>) => (typeof j.version === 'string' && ('model_path' in j || 'context_length' in j)
      ? { server: 'SGLang', version: text(j.version), contextLength: positiveInt(j.context_length) }
      : null),
  })),
  {
    server: 'vLLM', path: '/version', hint: (o) => o === 'vllm',
    read: (j) => (typeof j.version === 'string' ? { server: 'vLLM', version: text(j.version), contextLength: null } : null),
  },
];

/**
 * Who serves at `root`. The model list's `owned_by` names vLLM, SGLang, llama.cpp, Ollama and LM
 * Studio: then only that server's route is read (for its version), and the name stands even if
 * the route is missing. Without a hint every route is tried in turn.
 */
async function identify(get: Get, root: string, owner: string | null, entry: Record<string, unknown>, model: string): Promise<Identity | null> {
  const hinted = IDENTIFIERS.filter((i) => i.hint(owner, entry));
  for (const ident of hinted.length > 0 ? hinted : IDENTIFIERS) {
    const got = await get(root + ident.path);
    const id = 'failed' in got || got.status !== 200 || got.json === null || typeof got.json !== 'object' ? null : ident.read(got.json as Record<string, unknown>, model);
    if (id !== null) return id;
    if ('failed' in got) break;
  }
  return hinted.length > 0 ? { server: hinted[0]!.server, version: null, contextLength: null } : null;
}

/** Whether a base URL's path ends in /v1, where OpenAI-compatible servers serve their routes. */
function endsInV1(baseUrl: string): boolean {
  return /\/v1$/.test(new URL(baseUrl).pathname.replace(/\/+$/, ''));
}

/** The likeliest fix for a model list that is not found: the same URL with /v1 (once, for every edge). */
function v1Hint(shown: string): string {
  const base = shown.replace(/\/+$/, '');
  return `${base} answers GET ${base}/models with 404 (not found): did you mean ${base}/v1? ` +
    'OpenAI-compatible servers (vLLM, SGLang, llama.cpp, Ollama, TGI, LM Studio) serve their routes under /v1';
}

/** Reads one base URL: its model list (the model check) and who serves it. */
async function probeReplica(get: Get, baseUrl: string, model: string, check: boolean): Promise<{ replica: ServingReplica; warning: string | null; unreachable: string | null }> {
  const shown = stripUrlCredentials(baseUrl);
  const replica: ServingReplica = { baseUrl: shown, server: null, version: null, contextLength: null, models: null, modelCheck: check ? 'not-listed' : 'skipped' };
  const listing = await get(`${baseUrl.replace(/\/+$/, '')}/models`, true);
  if ('failed' in listing) return { replica: { ...replica, modelCheck: 'unreachable' }, warning: null, unreachable: `${shown} (${listing.failed})` };
  let warning: string | null = null;
  const data = (listing.json as { data?: unknown } | null)?.data;
  const ids = listing.status === 200 && Array.isArray(data)
    ? (data as Array<Record<string, unknown>>).filter((d) => d !== null && typeof d === 'object' && typeof d.id === 'string')
    : [];
  const mine = ids.find((d) => listedAs(model, d.id as string));
  // Who serves it: the listing's owner names most servers; the identity routes say the rest.
  const sample = mine ?? ids[0] ?? {};
  const meta = (mine?.meta ?? {}) as Record<string, unknown>;
  replica.contextLength = positiveInt(mine?.max_model_len) ?? positiveInt(meta.n_ctx);
  const identity = await identify(get, serverRoot(baseUrl), text(sample.owned_by), sample, model);
  if (identity !== null) {
    replica.server = identity.server;
    replica.version = identity.version;
    replica.contextLength = identity.contextLength ?? replica.contextLength;
  }
  if (ids.length > 0) {
    replica.models = ids.slice(0, MAX_LISTED).map((d) => oneLine(d.id as string, 200));
    // TGI serves one model under whatever name is sent; its documentation sends "tgi".
    const served = mine !== undefined || (identity?.server === 'TGI' && model === 'tgi');
    if (check && !served) {
      const names = ids.map((d) => JSON.stringify(oneLine(d.id as string, 200)));
      // Worded by each edge: the CLI names --model and --no-model-check, the API body/model and body/modelCheck=false.
      throw new OptionError(
        'MODEL_NOT_SERVED', 'model',
        (name) => `${shown} does not serve model ${JSON.stringify(oneLine(model, 200))}: it serves ${names.slice(0, MAX_LISTED).join(', ')}${names.length > MAX_LISTED ? ` and ${names.length - MAX_LISTED} more` : ''} ` +
          `(GET /v1/models); fix ${name('model')}, or skip this check with ${name('modelCheck', 'false')}. Nothing was sent.`,
      );
    }
    if (check) replica.modelCheck = 'passed';
  } else if (listing.status === 404 && !endsInV1(baseUrl)) {
    const hint = v1Hint(shown);
    if (check) throw new OptionError('INVALID_INPUT', 'baseUrl', (name) => `${name('baseUrl')}: ${hint}. Nothing was sent`);
    warning = hint;
  } else if (check) {
    const why = listing.status === 200 ? 'an empty list' : `HTTP ${listing.status}${listing.json !== null ? `: ${oneLine(parseErrorBody(JSON.stringify(listing.json)).message, 160)}` : ''}`;
    warning = `${shown} does not list its models (GET /v1/models answered ${why}); the model name "${oneLine(model, 200)}" was not verified`;
  }
  return { replica, warning, unreachable: null };
}

/**
 * Asks every base URL of a checkpoint which models it serves and what it is, before a run sends
 * anything. A server that lists models without the checkpoint's model stops the run
 * (MODEL_NOT_SERVED: exit 2, HTTP 400), because SGLang and TGI answer a mistyped name with
 * another model and no error, and vLLM would fail every item. A server without a model list
 * gets a warning, unless it answers 404 and its URL does not end in /v1: then the base URL is
 * wrong, and the error (INVALID_INPUT, an OptionError each edge words: --base-url, body.baseUrl)
 * asks "did you mean URL/v1?". `check: false` (--no-model-check) only reads the identity (and
 * turns that error into a warning). Only the model list
 * (under the base URL, like every completion) carries the checkpoint's key: the identity routes
 * at the server's root are read without it, since behind a gateway they may be another
 * service's. No redirect is followed and at most 1 MiB is read.
 */
export async function probeServing(baseUrls: readonly string[], model: string, opts: ProbeOptions & { check: boolean }): Promise<ProbeResult> {
  const { get, close } = getter(opts);
  try {
    const probed = await Promise.all(baseUrls.map((u) => probeReplica(get, u, model, opts.check)));
    return {
      replicas: probed.map((p) => p.replica),
      warnings: probed.flatMap((p) => (p.warning !== null ? [p.warning] : [])),
      unreachable: probed.flatMap((p) => (p.unreachable !== null ? [p.unreachable] : [])),
    };
  } finally {
    close();
  }
}
