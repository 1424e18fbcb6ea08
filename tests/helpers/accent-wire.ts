/**
 * Raw HTTP against the scripted endpoint in a chosen accent: the wire as a client sees it (status,
 * headers, text, parsed JSON), for the tests that pin each server's shapes.
 */
import type { Responder, ScriptedEndpoint, ScriptedEndpointOptions, ServerAccent } from '../../server/scripted-endpoint/scripted-endpoint.js';
import { endpoint } from './endpoint.js';

/** Counts how often the script is consulted: refusals must not reach it. */
export function script(reply: Awaited<ReturnType<Responder>> = { content: 'answer', reasoning: 'thought' }) {
  const calls = { n: 0 };
  const respond: Responder = () => {
    calls.n += 1;
    return reply;
  };
  return { calls, respond };
}

/** The endpoint in `accent`, serving model `m` (closed after the test). */
export async function start(accent: ServerAccent, opts: Partial<ScriptedEndpointOptions> = {}): Promise<ScriptedEndpoint> {
  const { respond = script().respond, ...rest } = opts;
  return endpoint(respond, { accent, models: ['m'], ...rest });
}

export interface Answer { status: number; headers: Headers; text: string; json: any }

export async function call(url: string, init?: RequestInit): Promise<Answer> {
  const r = await fetch(url, init);
  const text = await r.text();
  let json: any;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: r.status, headers: r.headers, text, json };
}

export const post = (e: ScriptedEndpoint, path: string, body: unknown) =>
  call(`${e.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
/** GET at the server root: the base URL without `/v1`. */
export const get = (e: ScriptedEndpoint, path: string) => call(`${e.url.replace(/\/v1$/, '')}${path}`);
export const chat = (e: ScriptedEndpoint, extra: Record<string, unknown> = {}) => post(e, '/chat/completions', { model: 'm', messages: [{ role: 'user', content: 'hi' }], ...extra });
/** A user message of exactly `tokens` tokens as the endpoint counts them (ceil(chars / 4)). */
export const ofTokens = (tokens: number) => 'abcd'.repeat(tokens);
