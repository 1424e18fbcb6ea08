import { TunegateError } from '../errors.js';
import { parseErrorBody } from '../http/error-body.js';
import { createHttpFetch } from '../http/transport.js';
import { stripUrlCredentials } from '../http/url-credentials.js';
import type { Store } from '../store/open.js';
import { retryLocked } from '../store/write-lock.js';
import type { Checkpoint, LoraAdapter } from '../store/types.js';
import { oneLine } from '../untrusted-text.js';
import { listedAs, serverRoot } from './serving-probe.js';

/**
 * Loading a checkpoint's LoRA adapter into a running model server (docs/servers.md has the
 * sources). vLLM: POST /v1/load_lora_adapter {lora_name, lora_path}, a route that exists only
 * with VLLM_ALLOW_RUNTIME_LORA_UPDATING=True (else 404); an adapter already loaded is a 400
 * "has already been loaded". SGLang: POST /load_lora_adapter with the same fields, answering
 * {success, error_message}, 400 "LoRA is not enabled. Please set `--enable-lora`…" without it.
 */

export interface AdapterOptions {
  apiKey?: string | undefined;
  timeoutMs: number;
  /** serve --lora-keep: record the load and unload this server's oldest adapters beyond it. Absent: the CLI, which unloads nothing. */
  keep?: number | undefined;
}

const BODY_BYTES = 1 << 20;

type Flavour = { server: 'vLLM' | 'SGLang'; load: string; unload: string };

const flavours = (root: string): Flavour[] => [
  { server: 'vLLM', load: `${root}/v1/load_lora_adapter`, unload: `${root}/v1/unload_lora_adapter` },
  { server: 'SGLang', load: `${root}/load_lora_adapter`, unload: `${root}/unload_lora_adapter` },
];

/** What a server needs to load adapters at runtime, said once for both. */
export const ADAPTER_FLAGS = 'vLLM needs --enable-lora and VLLM_ALLOW_RUNTIME_LORA_UPDATING=True in its environment; SGLang needs --enable-lora';

type Answer = { status: number; message: string; text: string; errorField: boolean };

function poster(opts: AdapterOptions) {
  const transport = createHttpFetch({ maxSockets: 2, maxResponseBytes: BODY_BYTES, secrets: [opts.apiKey] });
  const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'application/json' };
  if (opts.apiKey !== undefined) headers.authorization = `Bearer ${opts.apiKey}`;
  const send = async (url: string, method: string, body?: object): Promise<Answer> => {
    const res = await transport.fetch(url, {
      method, headers, signal: AbortSignal.timeout(opts.timeoutMs), ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    const text = await res.text();
    // SGLang answers {success, error_message}; vLLM an OpenAI error (or plain text on success).
    let message = parseErrorBody(text).message;
    let errorField = false;
    try {
      const j = JSON.parse(text) as { error_message?: unknown; error?: unknown };
      if (typeof j.error_message === 'string') message = j.error_message;
      errorField = j !== null && typeof j === 'object' && j.error !== undefined && j.error !== null;
    } catch {
      // plain text
    }
    return { status: res.status, message: oneLine(message, 300), text, errorField };
  };
  return { send, close: () => transport.destroy() };
}

/**
 * No such route: a 405, a 404 that is not about this adapter (vLLM's "No adapter found" names
 * it), or LM Studio's 200 with an error body for any path it does not serve.
 */
const missingRoute = (a: Answer, lora: LoraAdapter) =>
  a.status === 405 || (a.status === 404 && !a.message.includes(lora.name) && !a.message.includes(lora.path)) || (a.status < 300 && a.errorField);
const notEnabled = (a: Answer) => /lora is not enabled|enable-lora|enable_lora/i.test(a.message);
const alreadyLoaded = (a: Answer) => a.status === 400 && /already/i.test(a.message);

/** Loads the adapter on one model server; returns how that server loads adapters. */
async function loadOn(send: ReturnType<typeof poster>['send'], baseUrl: string, lora: LoraAdapter): Promise<Flavour> {
  const shown = stripUrlCredentials(baseUrl);
  const body = { lora_name: lora.name, lora_path: lora.path };
  for (const f of flavours(serverRoot(baseUrl))) {
    let a = await send(f.load, 'POST', body);
    if (missingRoute(a, lora)) continue;
    if (alreadyLoaded(a)) {
      // The name may stand for an older adapter at another path: load it again from this one.
      await send(f.unload, 'POST', { lora_name: lora.name });
      a = await send(f.load, 'POST', body);
    }
    if (a.status >= 200 && a.status < 300) return f;
    if (notEnabled(a)) {
      throw new TunegateError('MODEL_NOT_SERVED', `${shown} (${f.server}) cannot load LoRA adapters: it answered "${a.message}". ${ADAPTER_FLAGS}. No item was sent.`);
    }
    throw new TunegateError('MODEL_NOT_SERVED', `${shown} (${f.server}) did not load LoRA adapter "${oneLine(lora.name, 200)}" from ${JSON.stringify(oneLine(lora.path, 300))}: HTTP ${a.status}: ${a.message}. No item was sent.`);
  }
  throw new TunegateError(
    'MODEL_NOT_SERVED',
    `${shown} cannot load LoRA adapters at runtime (POST /v1/load_lora_adapter and /load_lora_adapter: no such route). ${ADAPTER_FLAGS}. No item was sent.`,
  );
}

/** Whether GET {baseUrl}/models lists the adapter's name after the load. */
async function checkListed(send: ReturnType<typeof poster>['send'], baseUrl: string, lora: LoraAdapter): Promise<void> {
  const a = await send(`${baseUrl.replace(/\/+$/, '')}/models`, 'GET');
  let ids: string[] = [];
  try {
    const data = (JSON.parse(a.text) as { data?: unknown }).data;
    if (Array.isArray(data)) ids = data.flatMap((d: { id?: unknown }) => (typeof d?.id === 'string' ? [d.id] : []));
  } catch {
    // not a model list
  }
  if (!ids.some((id) => listedAs(lora.name, id))) {
    throw new TunegateError('MODEL_NOT_SERVED', `${stripUrlCredentials(baseUrl)} loaded LoRA adapter "${oneLine(lora.name, 200)}" but GET /v1/models does not list it (HTTP ${a.status}). No item was sent.`);
  }
}

/**
 * Before a run (and its resume): loads the checkpoint's adapter into every replica, checks each
 * lists it, and with `keep` records the load and unloads this server's oldest adapters beyond
 * `keep` on that replica. The checkpoint's `model` is the adapter's name (the store keeps them
 * equal), so its requests name the adapter. Without an adapter nothing is sent.
 */
export async function loadLoraAdapter(store: Store, checkpoint: Checkpoint, opts: AdapterOptions): Promise<void> {
  const lora = checkpoint.lora;
  if (lora === null) return;
  const { send, close } = poster(opts);
  try {
    for (const baseUrl of checkpoint.baseUrls) {
      const f = await loadOn(send, baseUrl, lora);
      await checkListed(send, baseUrl, lora);
      if (opts.keep === undefined) continue;
      await retryLocked(() => store.loraLoads.loaded(baseUrl, lora.name));
      const inUse = store.loraLoads.inUse();
      for (const old of store.loraLoads.beyond(baseUrl, opts.keep).filter((n) => !inUse.has(n))) {
        // Gone already (the model server restarted) is as good as unloaded.
        const a = await send(f.unload, 'POST', { lora_name: old }).catch(() => null);
        if (a !== null && (a.status < 300 || a.status === 404 || /not found|cannot be found|not loaded/i.test(a.message))) await retryLocked(() => store.loraLoads.unloaded(baseUrl, old));
      }
    }
  } catch (e) {
    if (e instanceof TunegateError) throw e;
    const err = e as NodeJS.ErrnoException & { cause?: NodeJS.ErrnoException };
    throw new TunegateError('UNREACHABLE', `could not load LoRA adapter "${oneLine(lora.name, 200)}": ${err.name === 'TimeoutError' ? 'no answer in time' : (err.code ?? err.cause?.code ?? err.message)}; is the model server running?`);
  } finally {
    close();
  }
}
