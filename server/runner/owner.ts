import { hostname } from 'node:os';
import type { Run } from '../store/types.js';

/** True when `pid` on `host` is a live process other than this one (only this host's processes can be checked). */
export function processAlive(pid: number, host: string): boolean {
  if (host !== hostname() || pid === process.pid) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * True when a `running` run's recorded owner is a live process on this host other than this
 * one (another CLI, or a server). A run whose owner is gone was killed: it can be resumed.
 */
export function ownerAlive(run: Run): boolean {
  if (run.status !== 'running' || run.ownerPid === null || run.ownerHost === null) return false;
  return processAlive(run.ownerPid, run.ownerHost);
}
