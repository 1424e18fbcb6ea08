import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { ApiClient } from '../../server/cli/remote.js';
import { MAX_BUSY_RETRIES } from '../../server/shared/busy-retry.js';

const servers: Server[] = [];
afterEach(async () => {
  while (servers.length > 0) await new Promise((r) => servers.pop()!.close(r));
});

/** A loopback HTTP server that answers `busy` (status, Retry-After: 0) to the first `times` requests, then 200. */
async function busyServer(status: number, times: number): Promise<{ url: string; seen: () => number }> {
  let n = 0;
  const server = createServer((_req, res) => {
    n++;
    if (n <= times) {
      res.writeHead(status, { 'content-type': 'application/json', 'retry-after': '0' }).end(JSON.stringify({ error: 'busy', code: status === 429 ? 'RATE_LIMITED' : 'OVERLOADED' }));
    } else {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ ok: true }));
    }
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen: () => n };
}

describe('the --server client on a busy server', () => {
  it('sends again after Retry-After on 429 and 503', async () => {
    for (const status of [429, 503]) {
      const s = await busyServer(status, 2);
      expect(await new ApiClient(s.url, undefined).request('GET', '/api/health')).toEqual({ ok: true });
      expect(s.seen()).toBe(3);
    }
  });

  it('gives up after a bounded number of retries with the server\'s answer', async () => {
    const s = await busyServer(429, 100);
    await expect(new ApiClient(s.url, undefined).request('GET', '/api/runs')).rejects.toMatchObject({ code: 'RATE_LIMITED', message: 'server: busy' });
    expect(s.seen()).toBe(1 + MAX_BUSY_RETRIES);
  });
});
