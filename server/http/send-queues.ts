import { readFileSync } from 'node:fs';

/**
 * Bytes each TCP connection of this host has sent that its peer has not acknowledged (tx_queue
 * in Linux's /proc/net/tcp and tcp6), keyed by `localPort remotePort`; a key two connections
 * share is left out, since it cannot tell them apart. null where /proc is not available.
 *
 * Why: the kernel buffers hundreds of KB (on loopback, MBs) for a client that stops reading, so
 * the socket keeps accepting writes; only the peer's acknowledgements show whether it takes data.
 */
export function sendQueues(): Map<string, number> | null {
  const queues = new Map<string, number>();
  const shared = new Set<string>();
  let found = false;
  for (const file of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text: string;
    try {
      text = readFileSync(file, 'latin1');
    } catch {
      continue;
    }
    found = true;
    for (const line of text.split('\n').slice(1)) {
      // "sl local_address rem_address st tx_queue:rx_queue …", addresses as HEXADDR:HEXPORT.
      const f = line.trim().split(/\s+/);
      if (f.length < 5) continue;
      const key = `${portOf(f[1]!)} ${portOf(f[2]!)}`;
      const tx = parseInt(f[4]!.split(':')[0]!, 16);
      if (queues.has(key)) shared.add(key);
      queues.set(key, tx);
    }
  }
  for (const key of shared) queues.delete(key);
  return found ? queues : null;
}

function portOf(address: string): number {
  return parseInt(address.slice(address.lastIndexOf(':') + 1), 16);
}
