import { adapterRoute, type AdapterRequest } from './lora-routes.js';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { ChatMessage } from '../evalsets/types.js';
import { ACCENTS, requestedMaxTokens, type Accent, type ServerAccent, type WireReply } from './accents/index.js';
import { chatPromptLogprobs, legacyLogprobs, type LogprobShift } from './fake-logprobs.js';

export { SERVER_ACCENTS, ACCENTS, type ServerAccent, type Accent } from './accents/index.js';
export { fakeTokens, fakeLogprob, type LogprobShift } from './fake-logprobs.js';

/** A request as the scripted endpoint saw it. */
export interface ScriptedRequest {
  /** chat: /chat/completions; completions: /completions; messages: Anthropic's /v1/messages. */
  api: 'chat' | 'completions' | 'messages';
  model: string;
  messages: ChatMessage[] | null;
  prompt: string | null;
  /** The last user message (chat) or the whole prompt (completions): what most scripts key on. */
  userText: string;
  body: Record<string, unknown>;
  headers: IncomingMessage['headers'];
  receivedAt: number;
  /** Set when the accent silently cut the prompt to fit the context (Ollama): the tokens it kept. */
  keptPromptTokens?: number;
}

/** What to answer: a completion, an HTTP error, or a transport fault. */
export type ScriptedReply =
  | {
    content: string; reasoning?: string; finishReason?: string; delayMs?: number;
    /** The `model` the reply reports (default: the model requested). */
    model?: string;
    /** The reply's `system_fingerprint` (default: the endpoint's, else none). */
    systemFingerprint?: string | null;
    /** Prompt log-probabilities (echo, vLLM's prompt_logprobs): the scored candidate at the prompt's end is this much likelier per token. */
    logprobShift?: LogprobShift;
  }
  | { status: number; headers?: Record<string, string>; body?: string; delayMs?: number }
  | { fault: 'hang' | 'drop' | 'malformed' | 'not-json'; delayMs?: number };

export type Responder = (req: ScriptedRequest) => ScriptedReply | Promise<ScriptedReply>;

export interface ScriptedEndpointOptions {
  respond: Responder;
  host?: string;
  port?: number;
  /** Added to every reply, to model a server's generation time. */
  latencyMs?: number;
  /** The accent's runtime LoRA loading is on (vLLM: VLLM_ALLOW_RUNTIME_LORA_UPDATING + --enable-lora; SGLang: --enable-lora). */
  lora?: boolean;
  /** Names served by GET /v1/models; read live, so changing the array models a server restarted with another model. */
  models?: string[];
  /** The `system_fingerprint` of every completion (a reply may override it); none when absent. */
  systemFingerprint?: string;
  /** Keep every request in `requests` (tests count them); off for long benchmarks. */
  record?: boolean;
  /**
   * Which server to sound like (accents/, docs/servers.md): its error bodies, reasoning
   * field, GET routes, unknown-model and context rules, echo + logprobs. Default 'openai': the
   * endpoint as it always was.
   */
  accent?: ServerAccent;
  /** @deprecated The old name of `accent`, still read (docs and callers written before the rename use it); `accent` wins when both are set. */
  flavour?: ServerAccent;
  /**
   * The served context in tokens (counted as ceil(chars / 4)). When set, a request whose prompt
   * and requested budget do not fit is answered as the accent's server answers it. Listings show
   * 4096 when unset.
   */
  contextLength?: number;
  /** The server version its version/info route reports (default: a placeholder per accent). */
  version?: string;
  /** vLLM only: put reasoning in `reasoning_content` as releases before the rename did. */
  vllmLegacyReasoning?: boolean;
}

export interface ScriptedEndpoint {
  /** Base URL including `/v1`, as an OpenAI client wants it. */
  url: string;
  port: number;
  requests: ScriptedRequest[];
  /** LoRA load and unload requests, as sent. */
  adapterRequests: AdapterRequest[];
  /** Loaded LoRA adapters: name → path. */
  adapters: ReadonlyMap<string, string>;
  close(): Promise<void>;
}

const approxTokens = (text: string) => Math.max(1, Math.ceil(text.length / 4));

/** Listings need a context even when the caller sets none (then nothing is checked against it). */
const LISTED_CONTEXT_WHEN_UNSET = 4096;

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

function sendWire(res: ServerResponse, reply: WireReply, headers: Record<string, string>): void {
  if (reply.text === undefined) return sendJson(res, reply.status, reply.json, headers);
  res.writeHead(reply.status, {
    ...(reply.contentType !== undefined ? { 'content-type': reply.contentType } : {}), 'content-length': Buffer.byteLength(reply.text), ...headers,
  });
  res.end(reply.text);
}

/** The first `tokens` tokens' worth of text (the same ceil(chars / 4) count), by code point. */
const cutToTokens = (text: string, tokens: number) => Array.from(text).slice(0, tokens * 4).join('');

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function textOf(content: unknown): string {
  if (typeof content === 'string') return content;
  if (Array.isArray(content)) return content.map((p) => (p as { text?: string }).text ?? '').join('');
  return '';
}

/** The text a prompt token count is taken from: the chat messages joined, or the prompt. */
function promptText(messages: ChatMessage[] | null, prompt: string | null): string {
  return messages !== null ? messages.map((m) => m.content).join('\n') : (prompt ?? '');
}

/**
 * A /completions choice. With `echo` and `logprobs`, vLLM and SGLang echo the prompt into `text`
 * and return legacy logprobs over prompt + answer (the perplexity measurement reads these);
 * elsewhere `echo` is not read and the choice's logprobs are null or absent.
 */
function completionChoice(accent: Accent, body: Record<string, unknown>, prompt: string, text: string, finish_reason: string, shift?: LogprobShift) {
  const echoing = body.echo === true && (accent.echo === 'legacy-logprobs' || accent.echo === 'legacy-logprobs-no-offsets');
  const wantsLogprobs = typeof body.logprobs === 'number' && body.logprobs >= 0;
  if (!echoing) return { index: 0, text, finish_reason, ...(accent.logprobs === null ? { logprobs: null } : {}) };
  // max_tokens 0 with echo scores the prompt alone: nothing is generated (vLLM's echo without generation).
  const generated = body.max_tokens === 0 ? '' : text;
  const logprobs = wantsLogprobs ? legacyLogprobs(prompt, generated, accent.echo === 'legacy-logprobs' ? 'code-points' : 'none', shift) : null;
  return { index: 0, text: prompt + generated, finish_reason: body.max_tokens === 0 ? 'length' : finish_reason, logprobs };
}

/**
 * vLLM's chat prompt_logprobs, when the accent has them and the request asks: the top-level
 * field, or the 400 vLLM answers when both add_generation_prompt and continue_final_message are on.
 */
function chatPromptFields(accent: Accent, body: Record<string, unknown>, messages: ChatMessage[], shift?: LogprobShift): { prompt_logprobs?: unknown } | WireReply {
  if (accent.chatPromptLogprobs !== true || typeof body.prompt_logprobs !== 'number') return {};
  const addGenerationPrompt = body.add_generation_prompt !== false;
  const continueFinal = body.continue_final_message === true;
  if (addGenerationPrompt && continueFinal) return accent.error(400, 'Cannot set both `continue_final_message` and `add_generation_prompt` to True.');
  return { prompt_logprobs: chatPromptLogprobs(messages, { addGenerationPrompt, continueFinal }, shift) };
}

/**
 * An OpenAI-compatible HTTP server on loopback whose answers come from a script. It speaks
 * the real wire format (POST /v1/chat/completions, POST /v1/completions, GET /v1/models, and
 * Anthropic's POST /v1/messages for the judge), so the code under test uses the real SDKs and
 * real sockets. Used by the tests (fault injection), the demo (scripted checkpoints) and the
 * benchmark (fixed latency).
 */
export async function startScriptedEndpoint(opts: ScriptedEndpointOptions): Promise<ScriptedEndpoint> {
  const requests: ScriptedRequest[] = [];
  const sockets = new Set<Socket>();
  const hanging = new Set<ServerResponse>();
  let closing = false;

  const accent = ACCENTS[opts.accent ?? opts.flavour ?? 'openai'];
  const served = opts.models ?? [];
  const version = opts.version ?? accent.defaultVersion;
  // Loaded LoRA adapters (name → path): listed and served besides the models.
  const adapters = new Map<string, string>();
  const adapterRequests: AdapterRequest[] = [];
  const listed = () => [...served, ...adapters.keys()];
  const state = { get models() { return listed(); }, contextLength: opts.contextLength ?? LISTED_CONTEXT_WHEN_UNSET, version };
  const headers = accent.headers;

  const server = createServer(async (req, res) => {
    try {
      const method = req.method ?? 'GET';
      const path = (req.url ?? '').split('?')[0]!;
      if (method === 'GET') {
        const answer = accent.get(path, state);
        if (answer !== undefined) return sendWire(res, answer, headers);
      }
      if (method === 'POST' && accent.lora !== undefined && (path === accent.lora.load || path === accent.lora.unload)) {
        let body: unknown = null;
        try {
          body = JSON.parse(await readBody(req)) as unknown;
        } catch {
          return sendWire(res, accent.badRequest('body is not JSON'), headers);
        }
        adapterRequests.push({ path, body });
        return sendWire(res, adapterRoute(accent, opts.lora === true, path, (body ?? {}) as Record<string, unknown>, adapters)!, headers);
      }
      const api = /\/chat\/completions$/.test(path) ? 'chat' : /\/completions$/.test(path) ? 'completions' : /\/messages$/.test(path) ? 'messages' : null;
      if (method !== 'POST' || api === null) return sendWire(res, accent.routeNotFound(method, path), headers);
      const raw = await readBody(req);
      let body: Record<string, unknown>;
      try {
        body = JSON.parse(raw) as Record<string, unknown>;
      } catch {
        return sendWire(res, accent.badRequest('body is not JSON'), headers);
      }
      const messages =
        api !== 'completions' && Array.isArray(body.messages)
          ? (body.messages as Array<{ role: ChatMessage['role']; content: unknown }>).map((m) => ({ role: m.role, content: textOf(m.content) }))
          : null;
      const prompt = api === 'completions' ? textOf(body.prompt) : null;
      const userText = messages !== null ? ([...messages].reverse().find((m) => m.role === 'user')?.content ?? '') : (prompt ?? '');
      const request: ScriptedRequest = {
        api, model: String(body.model ?? ''), messages, prompt, userText, body, headers: req.headers, receivedAt: Date.now(),
      };
      if (opts.record !== false) requests.push(request);

      // What the server decides before it generates anything: the script is not consulted.
      let stopAt: number | null = null;
      if (api !== 'messages') {
        if (served.length > 0 && !accent.serves(request.model, listed())) {
          const refusal = accent.unknownModel(request.model, listed());
          if (refusal !== null) return sendWire(res, refusal, headers);
        }
        if (api === 'completions' && body.echo === true && accent.echoRefusal !== undefined) {
          return sendWire(res, accent.echoRefusal, headers);
        }
        if (opts.contextLength !== undefined) {
          const fit = accent.checkContext(approxTokens(promptText(messages, prompt)), requestedMaxTokens(accent, api, body), opts.contextLength);
          if (fit.kind === 'reject') return sendWire(res, fit.reply, headers);
          if (fit.kind === 'stop-at') stopAt = fit.maxCompletionTokens;
          if (fit.kind === 'truncate-prompt') request.keptPromptTokens = fit.keptTokens;
        }
      }

      const reply = await opts.respond(request);
      const delay = (opts.latencyMs ?? 0) + (reply.delayMs ?? 0);
      if (delay > 0) await new Promise((r) => setTimeout(r, delay));
      if (closing) return void res.destroy();

      if ('fault' in reply) {
        switch (reply.fault) {
          case 'hang':
            hanging.add(res);
            res.on('close', () => hanging.delete(res));
            return; // never answer; the client's timeout must fire
          case 'drop':
            return void req.socket.destroy();
          case 'malformed': {
            const text = '{"id":"x","choices":[{"message":{"content":"cut';
            res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
            return void res.end(text);
          }
          case 'not-json':
            res.writeHead(200, { 'content-type': 'text/html' });
            return void res.end('<html>502 Bad Gateway</html>');
        }
      }
      if ('status' in reply) {
        if (reply.body !== undefined) {
          res.writeHead(reply.status, { 'content-type': 'application/json', ...headers, ...(reply.headers ?? {}) });
          return void res.end(reply.body);
        }
        const { json } = accent.error(reply.status, `scripted ${reply.status}`);
        res.writeHead(reply.status, { 'content-type': 'application/json', ...headers, ...(reply.headers ?? {}) });
        return void res.end(JSON.stringify(json));
      }

      // llama.cpp stops generating at the context's end: the answer is cut and says so.
      const cut = stopAt !== null && approxTokens(reply.content) > stopAt;
      const content = cut ? cutToTokens(reply.content, stopAt!) : reply.content;
      const completionTokens = approxTokens(content);
      const promptTokens = request.keptPromptTokens ?? approxTokens(promptText(messages, prompt));
      const usage = { prompt_tokens: promptTokens, completion_tokens: completionTokens, total_tokens: promptTokens + completionTokens };
      const fingerprint = reply.systemFingerprint !== undefined ? reply.systemFingerprint : (opts.systemFingerprint ?? accent.systemFingerprint(version));
      const seq = requests.length;
      const common = {
        id: api === 'messages' ? `cmpl-${seq}` : accent.responseId(api, seq), created: Math.floor(Date.now() / 1000),
        model: reply.model ?? (api === 'messages' ? request.model : accent.responseModel(api, request.model, served)), usage,
        ...(fingerprint !== null ? { system_fingerprint: fingerprint } : {}),
      };
      const finish_reason = cut ? 'length' : (reply.finishReason ?? 'stop');
      if (api === 'messages') {
        return sendJson(res, 200, {
          id: `msg_${requests.length}`, type: 'message', role: 'assistant', model: request.model,
          content: [{ type: 'text', text: reply.content }], stop_reason: 'end_turn', stop_sequence: null,
          usage: { input_tokens: promptTokens, output_tokens: completionTokens },
        });
      }
      if (api === 'chat') {
        const placed = accent.placeReasoning(content, reply.reasoning, { vllmLegacyReasoning: opts.vllmLegacyReasoning === true });
        const message: Record<string, unknown> = { role: 'assistant', content: placed.content, ...placed.fields };
        const prompt = chatPromptFields(accent, body, messages ?? [], reply.logprobShift);
        if ('status' in prompt) return sendWire(res, prompt, headers);
        return sendJson(res, 200, { ...common, object: 'chat.completion', choices: [{ index: 0, message, finish_reason }], ...prompt }, headers);
      }
      return sendJson(res, 200, { ...common, object: 'text_completion', choices: [completionChoice(accent, body, prompt ?? '', content, finish_reason, reply.logprobShift)] }, headers);
    } catch (e) {
      if (!res.headersSent) sendJson(res, 500, { error: { message: `scripted endpoint failed: ${(e as Error).message}` } }, headers);
    }
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, opts.host ?? '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const host = opts.host ?? '127.0.0.1';
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}/v1`,
    port,
    requests,
    adapterRequests,
    adapters,
    async close() {
      closing = true;
      for (const r of hanging) r.destroy();
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
