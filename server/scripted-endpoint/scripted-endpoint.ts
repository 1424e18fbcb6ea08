import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { ChatMessage } from '../evalsets/types.js';

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
}

/** What to answer: a completion, an HTTP error, or a transport fault. */
export type ScriptedReply =
  | {
    content: string; reasoning?: string; finishReason?: string; delayMs?: number;
    /** The `model` the reply reports (default: the model requested). */
    model?: string;
    /** The reply's `system_fingerprint` (default: the endpoint's, else none). */
    systemFingerprint?: string | null;
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
  /** Names served by GET /v1/models. */
  models?: string[];
  /** The `system_fingerprint` of every completion (a reply may override it); none when absent. */
  systemFingerprint?: string;
  /** Keep every request in `requests` (tests count them); off for long benchmarks. */
  record?: boolean;
}

export interface ScriptedEndpoint {
  /** Base URL including `/v1`, as an OpenAI client wants it. */
  url: string;
  port: number;
  requests: ScriptedRequest[];
  close(): Promise<void>;
}

const approxTokens = (text: string) => Math.max(1, Math.ceil(text.length / 4));

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

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

  const server = createServer(async (req, res) => {
    try {
      const path = (req.url ?? '').split('?')[0]!;
      if (req.method === 'GET' && /\/models$/.test(path)) {
        const data = (opts.models ?? []).map((id) => ({ id, object: 'model', owned_by: 'tunegate-scripted' }));
        return sendJson(res, 200, { object: 'list', data });
      }
      const api = /\/chat\/completions$/.test(path) ? 'chat' : /\/completions$/.test(path) ? 'completions' : /\/messages$/.test(path) ? 'messages' : null;
      if (req.method !== 'POST' || api === null) {
        return sendJson(res, 404, { error: { message: `no route ${req.method} ${path}`, type: 'not_found' } });
      }
      const raw = await readBody(req);
      let body: Record<string, unknown>;
      try {
        body = JSON.parse(raw) as Record<string, unknown>;
      } catch {
        return sendJson(res, 400, { error: { message: 'body is not JSON', type: 'invalid_request_error' } });
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
        res.writeHead(reply.status, { 'content-type': 'application/json', ...(reply.headers ?? {}) });
        return void res.end(reply.body ?? JSON.stringify({ error: { message: `scripted ${reply.status}`, type: 'server_error' } }));
      }

      const completionTokens = approxTokens(reply.content);
      const promptTokens = approxTokens(messages !== null ? messages.map((m) => m.content).join('\n') : (prompt ?? ''));
      const usage = { prompt_tokens: promptTokens, completion_tokens: completionTokens, total_tokens: promptTokens + completionTokens };
      const fingerprint = reply.systemFingerprint !== undefined ? reply.systemFingerprint : (opts.systemFingerprint ?? null);
      const common = {
        id: `cmpl-${requests.length}`, created: Math.floor(Date.now() / 1000), model: reply.model ?? request.model, usage,
        ...(fingerprint !== null ? { system_fingerprint: fingerprint } : {}),
      };
      const finish_reason = reply.finishReason ?? 'stop';
      if (api === 'messages') {
        return sendJson(res, 200, {
          id: `msg_${requests.length}`, type: 'message', role: 'assistant', model: request.model,
          content: [{ type: 'text', text: reply.content }], stop_reason: 'end_turn', stop_sequence: null,
          usage: { input_tokens: promptTokens, output_tokens: completionTokens },
        });
      }
      if (api === 'chat') {
        const message: Record<string, unknown> = { role: 'assistant', content: reply.content };
        if (reply.reasoning !== undefined) message.reasoning_content = reply.reasoning;
        return sendJson(res, 200, { ...common, object: 'chat.completion', choices: [{ index: 0, message, finish_reason }] });
      }
      return sendJson(res, 200, {
        ...common, object: 'text_completion', choices: [{ index: 0, text: reply.content, finish_reason, logprobs: null }],
      });
    } catch (e) {
      if (!res.headersSent) sendJson(res, 500, { error: { message: `scripted endpoint failed: ${(e as Error).message}` } });
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
    async close() {
      closing = true;
      for (const r of hanging) r.destroy();
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
