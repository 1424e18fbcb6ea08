import { Readable } from 'node:stream';
import type { Store } from '../store/open.js';
import { resultJsonOf } from './result-json.js';

/** Results read from the store per chunk: small enough to keep memory flat, large enough to keep SQLite busy. */
const CHUNK = 500;

/**
 * Every stored result of run `id` as JSON Lines (one ItemJson per line, in run order), streamed:
 * the Readable asks for the next chunk of rows only when its consumer has taken the last one
 * (backpressure), and each chunk is read in one synchronous step, so the database connection is
 * free between chunks (a running run keeps storing results; what is stored when the stream
 * reaches its place is sent). `redact` is applied to every line (a secret never spans lines: a
 * JSON line holds no newline). Throws NOT_FOUND before anything is sent for an unknown run.
 */
export function streamResultsJsonl(store: Store, id: number, redact: (text: string) => string): Readable {
  const run = store.runs.get(id);
  const { json } = resultJsonOf(store, run);
  function* chunks(): Generator<string> {
    let after: { position: number; sample: number } | null = null;
    for (;;) {
      const rows = store.results.chunkAfter(id, after, CHUNK);
      if (rows.length === 0) return;
      yield redact(rows.map((r) => `${JSON.stringify(json(r.record))}\n`).join(''));
      const last = rows.at(-1)!;
      after = { position: last.position, sample: last.record.sample };
      if (rows.length < CHUNK) return;
    }
  }
  // objectMode false: string chunks become bytes, and the high-water mark counts bytes.
  return Readable.from(chunks(), { objectMode: false });
}
