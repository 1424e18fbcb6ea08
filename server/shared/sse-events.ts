/*
 * Reading a Server-Sent Events body: the CLI's --server client and the page (which reads the
 * stream with fetch so it can send a token; EventSource cannot send headers) share this parser.
 * It imports nothing, so the page's bundle can take it as it is.
 */

export interface SseEvent {
  event: string;
  data: any;
  /** The event's `id:` (a tunegate stream's position: send it back as Last-Event-ID). */
  id?: string;
}

/** Parses a Server-Sent Events body into events as they arrive (comment and retry lines are skipped). */
export async function* sseEvents(body: AsyncIterable<Uint8Array>): AsyncGenerator<SseEvent> {
  const decoder = new TextDecoder();
  let buffer = '';
  for await (const chunk of body) {
    buffer += decoder.decode(chunk, { stream: true });
    let cut: number;
    while ((cut = buffer.indexOf('\n\n')) >= 0) {
      const block = buffer.slice(0, cut);
      buffer = buffer.slice(cut + 2);
      const event = /^event: (.*)$/m.exec(block)?.[1];
      const data = /^data: (.*)$/m.exec(block)?.[1];
      const id = /^id: (.*)$/m.exec(block)?.[1];
      if (event !== undefined && data !== undefined) yield { event, data: JSON.parse(data), ...(id !== undefined ? { id } : {}) };
    }
  }
}
