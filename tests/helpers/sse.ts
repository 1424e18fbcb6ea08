import { sseEvents, type SseEvent } from '../../server/cli/remote.js';

export type { SseEvent };

/**
 * Reads a Server-Sent Events stream over real HTTP until `until` says stop (or the server ends
 * the stream). Returns every event in order. `lastEventId` is sent as Last-Event-ID.
 */
export async function readSse(url: string, until: (e: SseEvent) => boolean = () => false, timeoutMs = 20_000, lastEventId?: string): Promise<SseEvent[]> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), timeoutMs);
  const headers: Record<string, string> = { accept: 'text/event-stream', ...(lastEventId !== undefined ? { 'last-event-id': lastEventId } : {}) };
  const res = await fetch(url, { signal: controller.signal, headers });
  if (!res.ok || res.body === null) throw new Error(`GET ${url}: HTTP ${res.status}`);
  const events: SseEvent[] = [];
  try {
    for await (const e of sseEvents(res.body as unknown as AsyncIterable<Uint8Array>)) {
      events.push(e);
      if (until(e)) break;
    }
    return events;
  } finally {
    clearTimeout(timer);
    controller.abort();
  }
}
