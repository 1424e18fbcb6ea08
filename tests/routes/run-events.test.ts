import { readFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { spawnTunegate, storedResults, waitFor } from '../helpers/bin.js';
import { echo, endpoint } from '../helpers/endpoint.js';
import { keywordItems } from '../helpers/run.js';
import { postJson, serve } from '../helpers/server.js';
import { readSse } from '../helpers/sse.js';
import { jsonl } from '../helpers/tmp.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The server over one bio set of `items`. */
const serveItems = (items: object[], eventStreams?: { stallMs: number }) =>
  serve({ files: { 'evalsets/bio.jsonl': jsonl(...items) }, ...(eventStreams !== undefined ? { eventStreams } : {}) });

/** A client that asks for a run's events and never reads a byte of them. */
function nonReader(port: number, runId: number, lastEventId?: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = connect(port, '127.0.0.1', () => {
      const replay = lastEventId === undefined ? '' : `Last-Event-ID: ${lastEventId}\r\n`;
      s.write(`GET /api/runs/${runId}/events HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nAccept: text/event-stream\r\n${replay}\r\n`);
      s.pause();
      resolve(s);
    });
    s.on('error', reject);
  });
}

/**
 * Bytes the kernel holds, send and receive queues at both ends, for the TCP connections between
 * `serverPort` and any of the client `ports` (Linux /proc/net/tcp; other processes' connections
 * may reuse a port number, hence both ends).
 */
function kernelQueued(serverPort: number, ports: ReadonlySet<number>): number {
  let total = 0;
  for (const file of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text = '';
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const f = line.trim().split(/\s+/);
      if (f.length < 5) continue;
      const port = (addr: string) => parseInt(addr.split(':').at(-1)!, 16);
      const [local, remote] = [port(f[1]!), port(f[2]!)];
      if (!(local === serverPort && ports.has(remote)) && !(remote === serverPort && ports.has(local))) continue;
      const [tx, rx] = f[4]!.split(':').map((h) => parseInt(h, 16));
      total += tx! + rx!;
    }
  }
  return total;
}

// A real collection before each measure, so only memory something still holds is counted.
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/** Memory this process still holds after a full collection (JS heap and buffers), in MB. */
function liveMb(): number {
  gc();
  gc();
  const m = process.memoryUsage();
  return (m.heapUsed + m.external) / 2 ** 20;
}

describe('run events (Server-Sent Events)', () => {
  it('every event carries an id; a client reconnecting with Last-Event-ID gets exactly what it missed, from the store', async () => {
    const model = await endpoint(echo, { latencyMs: 5 });
    const { server } = await serveItems(keywordItems(20));
    try {
      await postJson(`${server.url}/api/checkpoints`, { name: 'c', baseUrl: model.url, model: 'm', autoRun: true });
      const all = await readSse(`${server.url}/api/runs/1/events`, (e) => e.event === 'finished');
      expect(all.every((e) => e.id !== undefined && /^\d+$/.test(e.id))).toBe(true);
      const ids = all.map((e) => Number(e.id));
      expect(ids).toEqual([...ids].sort((a, b) => a - b)); // never goes back
      const items = all.filter((e) => e.event === 'item');
      const itemIds = items.map((e) => Number(e.id));
      expect(new Set(itemIds).size).toBe(itemIds.length); // one id per stored result
      expect(all.at(-1)).toMatchObject({ event: 'finished', id: '20', data: { status: 'completed', progress: { done: 20 } } });

      // Every result, replayed in the order stored, to a client that saw none…
      const replay = await readSse(`${server.url}/api/runs/1/events`, (e) => e.event === 'finished', 20_000, '0');
      const replayed = replay.filter((e) => e.event === 'item');
      expect(replayed.map((e) => e.id)).toEqual(Array.from({ length: 20 }, (_, i) => String(i + 1)));
      expect(new Set(replayed.map((e) => e.data.itemId)).size).toBe(20);
      // …only what came after 12 to one that saw 12…
      const rest = await readSse(`${server.url}/api/runs/1/events`, (e) => e.event === 'finished', 20_000, '12');
      expect(rest.map((e) => `${e.event}:${e.id}`)).toEqual([...Array.from({ length: 8 }, (_, i) => `item:${i + 13}`), 'progress:20', 'finished:20']);
      expect(rest.slice(0, 8).map((e) => e.data)).toEqual(replayed.slice(12).map((e) => e.data));
      // …and nothing but the state to one that saw everything, or sends no id.
      expect((await readSse(`${server.url}/api/runs/1/events`, undefined, 20_000, '20')).map((e) => e.event)).toEqual(['progress', 'finished']);
      expect((await readSse(`${server.url}/api/runs/1/events`)).map((e) => e.event)).toEqual(['progress', 'finished']);
    } finally {
      await server.close();
    }
  });

  it('shutdown finishes in bounded time with clients attached, one following a run a CLI owns', async () => {
    const model = await endpoint(echo, { latencyMs: 40 });
    const { server, dir, db } = await serveItems(keywordItems(200));
    const cli = spawnTunegate(['run', '--db', db, '--base-url', model.url, '--model', 'm', '--checkpoint', 'c', '--evalsets', 'evalsets/bio.jsonl', '--concurrency', '1'], dir);
    const sockets: Socket[] = [];
    try {
      await waitFor(() => storedResults(db, 1) >= 2, 15_000, 'the CLI run to start');
      const port = Number(new URL(server.url).port);
      // A reading follower of the CLI's run, and one that reads nothing.
      const res = await fetch(`${server.url}/api/runs/1/events`);
      const reader = res.body!.getReader();
      expect((await reader.read()).done).toBe(false);
      sockets.push(await nonReader(port, 1));
      await sleep(100);
      const t0 = Date.now();
      const outcome = await Promise.race([server.close().then(() => 'closed'), sleep(5_000).then(() => 'still closing')]);
      expect(outcome).toBe('closed');
      expect(Date.now() - t0).toBeLessThan(3_000);
      // The follower's stream ended (it may reconnect elsewhere with Last-Event-ID).
      for (;;) if ((await reader.read()).done) break;
    } finally {
      for (const s of sockets) s.destroy();
      cli.proc.kill('SIGKILL');
      await cli.exit;
    }
  });

  it('50 clients that never read do not grow the server: a stream waits for drain instead of buffering', async () => {
    // Long ids make every item event ~16 KB: 1,000 of them are ~16 MB per client, 800 MB for 50.
    const items = Array.from({ length: 1_000 }, (_, i) => ({ id: `${String(i).padStart(5, '0')}-${'x'.repeat(16_000)}`, prompt: `question ${i}`, keywords: [`question ${i}`] }));
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const model = await endpoint(async (req) => {
      await gate;
      return echo(req);
    });
    const { server } = await serveItems(items);
    const sockets: Socket[] = [];
    try {
      expect((await postJson(`${server.url}/api/checkpoints`, { name: 'c', baseUrl: model.url, model: 'm' })).status).toBe(201);
      expect((await postJson(`${server.url}/api/runs`, { checkpoint: 'c', concurrency: 16 })).status).toBe(202);
      const port = Number(new URL(server.url).port);
      for (let i = 0; i < 50; i++) sockets.push(await nonReader(port, 1));
      await sleep(300);
      const before = liveMb();
      release();
      let status = '';
      while (status !== 'completed') {
        await sleep(200);
        status = ((await (await fetch(`${server.url}/api/runs/1`)).json()) as { status: string }).status;
      }
      await sleep(300);
      const growth = liveMb() - before;
      expect(growth, `live memory grew ${growth.toFixed(0)} MB`).toBeLessThan(40);
      // Still serving: a client that reads gets the whole run replayed through the same backpressure, to the end.
      const replay = await readSse(`${server.url}/api/runs/1/events`, (e) => e.event === 'finished', 60_000, '0');
      expect(replay.filter((e) => e.event === 'item')).toHaveLength(1_000);
      expect(replay.at(-1)).toMatchObject({ event: 'finished', id: '1000', data: { status: 'completed', progress: { done: 1_000 } } });
    } finally {
      for (const s of sockets) s.destroy();
      await server.close();
    }
  }, 120_000);

  it('clients that stop reading are cut off after stallMs with their kernel buffers freed, while a reading client follows the run to the end', async () => {
    // ~16 KB per item event: a non-reading client fills its kernel buffers within a few items.
    const items = Array.from({ length: 80 }, (_, i) => ({ id: `${String(i).padStart(5, '0')}-${'x'.repeat(16_000)}`, prompt: `question ${i}`, keywords: [`question ${i}`] }));
    const model = await endpoint(async (req) => {
      await sleep(25);
      return echo(req);
    });
    const { server } = await serveItems(items, { stallMs: 300 });
    const sockets: Socket[] = [];
    try {
      expect((await postJson(`${server.url}/api/checkpoints`, { name: 'c', baseUrl: model.url, model: 'm' })).status).toBe(201);
      expect((await postJson(`${server.url}/api/runs`, { checkpoint: 'c', concurrency: 1 })).status).toBe(202);
      const port = Number(new URL(server.url).port);
      for (let i = 0; i < 20; i++) sockets.push(await nonReader(port, 1));
      const ports = new Set(sockets.map((s) => s.localPort!));
      const reader = await readSse(`${server.url}/api/runs/1/events`, (e) => e.event === 'finished', 60_000, '0');
      expect(reader.filter((e) => e.event === 'item')).toHaveLength(80);
      expect(reader.at(-1)).toMatchObject({ event: 'finished', data: { status: 'completed' } });
      // Cut, not left to the kernel: no byte of theirs is still queued at either end.
      await waitFor(() => kernelQueued(port, ports) === 0, 20_000, `the non-readers' kernel buffers to be freed (${kernelQueued(port, ports)} bytes queued)`);
    } finally {
      for (const s of sockets) s.destroy();
      await server.close();
    }
  }, 60_000);

  it('a finished stream whose client never read it is cut off too, not left to the kernel', async () => {
    // ~320 KB of events: the kernel takes it all, so the stream ends without a refused write.
    const items = Array.from({ length: 20 }, (_, i) => ({ id: `${String(i).padStart(5, '0')}-${'x'.repeat(16_000)}`, prompt: `question ${i}`, keywords: [`question ${i}`] }));
    const model = await endpoint(echo);
    const { server } = await serveItems(items, { stallMs: 300 });
    const sockets: Socket[] = [];
    try {
      expect((await postJson(`${server.url}/api/checkpoints`, { name: 'c', baseUrl: model.url, model: 'm' })).status).toBe(201);
      expect((await postJson(`${server.url}/api/runs`, { checkpoint: 'c' })).status).toBe(202);
      await readSse(`${server.url}/api/runs/1/events`, (e) => e.event === 'finished', 30_000);
      const port = Number(new URL(server.url).port);
      for (let i = 0; i < 5; i++) sockets.push(await nonReader(port, 1, 0));
      const ports = new Set(sockets.map((s) => s.localPort!));
      await waitFor(() => kernelQueued(port, ports) > 0, 10_000, 'the replay to reach the non-readers');
      await waitFor(() => kernelQueued(port, ports) === 0, 20_000, `the non-readers' kernel buffers to be freed (${kernelQueued(port, ports)} bytes queued)`);
    } finally {
      for (const s of sockets) s.destroy();
      await server.close();
    }
  }, 60_000);
});
