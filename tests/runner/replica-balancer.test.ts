import { describe, expect, it } from 'vitest';
import { createBalancer, REST_BASE_MS, type Replica } from '../../server/runner/replica-balancer.js';

describe('replica balancer', () => {
  const urls = ['http://a/v1', 'http://b/v1', 'http://c/v1'];

  it('sends each request to the replica with the fewest in flight, at most perReplica on each', async () => {
    const b = createBalancer(urls, 2, (u) => u);
    const got = [];
    for (let i = 0; i < 6; i++) got.push((await b.acquire()).baseUrl);
    expect(got).toEqual(['http://a/v1', 'http://b/v1', 'http://c/v1', 'http://a/v1', 'http://b/v1', 'http://c/v1']);
    // Full: the seventh waits until a slot frees, and takes the freed replica.
    let seventh: string | null = null;
    const waiting = b.acquire().then((r) => (seventh = r.baseUrl));
    await new Promise((r) => setTimeout(r, 10));
    expect(seventh).toBeNull();
    b.release(b.replicas[1]!, 'answered');
    await waiting;
    expect(seventh).toBe('http://b/v1');
  });

  it('rests a replica whose connection failed: the others take its work until the rest ends', async () => {
    let now = 1_000_000;
    const b = createBalancer(urls.slice(0, 2), 4, (u) => u, () => now);
    const a = await b.acquire();
    expect(a.baseUrl).toBe('http://a/v1');
    b.release(a, 'connection-failure');
    for (let i = 0; i < 4; i++) expect((await b.acquire()).baseUrl).toBe('http://b/v1');
    for (const r of b.replicas) while (r.inFlight > 0) b.release(r, 'dropped');
    now += REST_BASE_MS + 1;
    // Half-open: after its rest, one request at a time until it answers again.
    expect((await b.acquire()).baseUrl).toBe('http://a/v1');
    expect((await b.acquire()).baseUrl).toBe('http://b/v1');
    expect((await b.acquire()).baseUrl).toBe('http://b/v1');
    b.release(b.replicas[0]!, 'answered');
    expect((await b.acquire()).baseUrl).toBe('http://a/v1');
    expect((await b.acquire()).baseUrl).toBe('http://a/v1');
  });

  it('uses resting replicas when every replica rests (one replica behaves like a plain endpoint)', async () => {
    const b = createBalancer(urls.slice(0, 1), 2, (u) => u);
    const r = await b.acquire();
    b.release(r, 'connection-failure');
    expect((await b.acquire()).baseUrl).toBe('http://a/v1');
    expect(b.replicas[0]!.sent).toBe(2);
  });

  it('is dead only when every replica failed enough connections in a row and answered nothing for long enough', () => {
    let now = 0;
    const b = createBalancer(urls.slice(0, 2), 4, (u) => u, () => now);
    const a = b.replicas[0]!;
    const c = b.replicas[1]!;
    const fail = (r: Replica<string>, n: number) => {
      for (let i = 0; i < n; i++) {
        r.inFlight++;
        b.release(r, 'connection-failure');
      }
    };
    fail(a, 20);
    now = 60_000;
    expect(b.dead(20, 10_000)).toBe(false); // c never failed
    fail(c, 19);
    expect(b.dead(20, 10_000)).toBe(false);
    fail(c, 1);
    expect(b.dead(20, 10_000)).toBe(true);
    c.inFlight++;
    b.release(c, 'answered'); // an HTTP error status counts: the server is alive
    expect(b.dead(20, 10_000)).toBe(false);
    fail(c, 20);
    expect(b.dead(20, 10_000)).toBe(false); // it answered just now
    now += 10_000;
    expect(b.dead(20, 10_000)).toBe(true);
  });

  it('a waiting acquire ends when the signal aborts', async () => {
    const b = createBalancer(urls.slice(0, 1), 1, (u) => u);
    await b.acquire();
    const c = new AbortController();
    const waiting = b.acquire(c.signal);
    c.abort(new Error('stop'));
    await expect(waiting).rejects.toThrow('stop');
  });
});
