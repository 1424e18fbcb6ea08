import { connect } from 'node:net';
import { TunegateError } from '../errors.js';
import { redactUrl } from './create-run.js';

/**
 * Checks that something accepts TCP connections at the endpoint's host and port before a run
 * starts. Without it, a mistyped --base-url would spend every item's retries with backoff
 * (minutes) before saying anything; with it, the user gets exit 2 at once and no run is created.
 */
export async function checkReachable(baseUrl: string, timeoutMs = 5000): Promise<void> {
  const url = new URL(baseUrl);
  const port = url.port !== '' ? Number(url.port) : url.protocol === 'https:' ? 443 : 80;
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  await new Promise<void>((resolve, reject) => {
    const socket = connect({ host, port });
    const timer = setTimeout(() => socket.destroy(Object.assign(new Error('no answer'), { code: 'ETIMEDOUT' })), timeoutMs);
    socket.once('connect', () => {
      clearTimeout(timer);
      socket.end();
      resolve();
    });
    socket.once('error', (e: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      reject(
        new TunegateError(
          'UNREACHABLE',
          `cannot connect to ${redactUrl(baseUrl)} (${e.code ?? e.message}); is the model server running and is --base-url right?`,
        ),
      );
    });
  });
}
