import { startScriptedEndpoint, type Responder, type ScriptedEndpoint, type ScriptedEndpointOptions, type ScriptedReply } from '../../server/scripted-endpoint/scripted-endpoint.js';
import { afterEach } from 'vitest';

const open: ScriptedEndpoint[] = [];

/** Starts a loopback OpenAI-compatible endpoint, closed after the current test. */
export async function endpoint(respond: Responder, opts: Omit<ScriptedEndpointOptions, 'respond'> = {}): Promise<ScriptedEndpoint> {
  const e = await startScriptedEndpoint({ respond, ...opts });
  open.push(e);
  return e;
}

/** Echoes the user text back: answers contain exactly the prompt. */
export const echo: Responder = (req) => ({ content: `answer to: ${req.userText}` });

/**
 * Fails the first `n` requests for each distinct prompt with `fault`, then echoes. Lets a test
 * know exactly how many requests a run must send.
 */
export function failFirst(n: number, fault: ScriptedReply, then: Responder = echo): Responder {
  const seen = new Map<string, number>();
  return (req) => {
    const k = seen.get(req.userText) ?? 0;
    seen.set(req.userText, k + 1);
    return k < n ? fault : then(req);
  };
}

/** Requests per prompt. */
export function countByPrompt(e: ScriptedEndpoint): Map<string, number> {
  const m = new Map<string, number>();
  for (const r of e.requests) m.set(r.userText, (m.get(r.userText) ?? 0) + 1);
  return m;
}

afterEach(async () => {
  while (open.length > 0) await open.pop()!.close();
});
