import { get, type IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import { echo, endpoint } from '../helpers/endpoint.js';
import { keywordItems } from '../helpers/run.js';
import { postJson, serve } from '../helpers/server.js';
import { jsonl } from '../helpers/tmp.js';

describe('the event stream with compression on', () => {
  it('a client that accepts br and gzip gets text/event-stream uncompressed, each event as it happens', async () => {
    // The endpoint answers the first item, then holds every other until released: the run stays running.
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    let answered = 0;
    const model = await endpoint(async (req) => {
      if (answered++ > 0) await held;
      return echo(req);
    });
    // The overload guard off: this test is about the stream, and the machine running it may be busy.
    const { server } = await serve({ files: { 'evalsets/bio.jsonl': jsonl(...keywordItems(3)) }, maxEventLoopDelay: 0 });
    try {
      const reg = await postJson(`${server.url}/api/checkpoints`, { name: 'c', baseUrl: model.url, model: 'm' });
      expect(reg.status, await reg.clone().text()).toBe(201);
      expect((await postJson(`${server.url}/api/runs`, { checkpoint: 'c', concurrency: 1 })).status).toBe(202);
      const res = await new Promise<IncomingMessage>((resolve, reject) =>
        get(`${server.url}/api/runs/1/events`, { headers: { accept: 'text/event-stream', 'accept-encoding': 'br, gzip, deflate' } }, resolve).on('error', reject));
      expect(res.headers['content-type']).toMatch(/^text\/event-stream/);
      expect(res.headers['content-encoding']).toBeUndefined();
      // The first item's event arrives as plain text while the run is still running (nothing buffered for a compressor).
      res.setEncoding('utf8');
      let text = '';
      let waiting: { re: RegExp; done: () => void } | null = null;
      res.on('data', (chunk: string) => {
        text += chunk;
        if (waiting !== null && waiting.re.test(text)) waiting.done();
      });
      const until = (re: RegExp) => new Promise<void>((done) => (re.test(text) ? done() : (waiting = { re, done })));
      await until(/event: item\n/);
      const run = (await (await fetch(`${server.url}/api/runs/1`)).json()) as { status: string };
      expect(run.status).toBe('running');
      release();
      await until(/event: finished\n/);
      expect(text.match(/event: item\n/g)).toHaveLength(3);
      res.destroy();
    } finally {
      release();
      await server.close();
      await model.close();
    }
  }, 60_000);
});
