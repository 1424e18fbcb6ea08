import { hostname } from 'node:os';
import type { Run } from '../store/types.js';

/**
 * True when a `running` run's recorded owner is a live process on this host other than this
 * one (another CLI, or a server). A run whose owner is gone was killed: it can be resumed.
 */
export function ownerAlive(run: Run): boolean {
  if (run.status !== 'running' || run.ownerPid === null || run.ownerHost !== hostname()) return false;
  if (run.ownerPid === process.pid) return false;
  try {
    process.kill(run.ownerPid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}
