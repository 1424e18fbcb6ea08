import { spawnSync } from 'node:child_process';
import { hostname } from 'node:os';
import { describe, expect, it } from 'vitest';
import { TunegateError } from '../../server/errors.js';
import { executeRun } from '../../server/runner/execute-run.js';
import { claimRun, stopAbandoned, thisProcess, type Lease } from '../../server/runner/owner.js';
import { openStore } from '../../server/store/open.js';
import { echo, endpoint } from '../helpers/endpoint.js';
import { evalSet, keywordItems, setupRun } from '../helpers/run.js';

const noop = { onCancel: () => undefined, onLost: () => undefined };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A PID that belonged to a process on this host and no longer does. */
function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', '0']);
  return r.pid!;
}

function busy(fn: () => unknown): TunegateError {
  try {
    fn();
  } catch (e) {
    if (e instanceof TunegateError) return e;
    throw e;
  }
  throw new Error('expected RUN_BUSY, the claim was won');
}

/** A stopped run in a database file, and a second handle on the same file. */
function stoppedRun(url = 'http://127.0.0.1:9/v1') {
  const r = setupRun(url, [evalSet('bio', ...keywordItems(3))]);
  r.store.runs.finish(r.runId, 'interrupted', null);
  const other = openStore(r.dbPath);
  return { ...r, other };
}

describe('run ownership: a claim is a compare-and-set with a lease', () => {
  it('two handles on one file claim one run: exactly one wins, the other is told who holds it', () => {
    const { store, other, runId } = stoppedRun();
    const leases: Lease[] = [];
    try {
      leases.push(claimRun(store, runId, noop));
      const e = busy(() => leases.push(claimRun(other, runId, noop)));
      expect(e.code).toBe('RUN_BUSY');
      expect(e.message).toMatch(new RegExp(`^run ${runId} is being executed by pid ${process.pid} on host ${hostname()} \\(lease until \\d{4}-\\d\\d-\\d\\dT`));
      expect(leases).toHaveLength(1);
      expect(store.runs.get(runId).status).toBe('running');
    } finally {
      for (const l of leases) l.stop();
      store.close();
      other.close();
    }
  });

  it('an owner on another host is respected while its lease runs, and taken over once it expires', async () => {
    const { store, other, runId } = stoppedRun();
    // A process on another machine sharing the file: its PID means nothing here, and is dead here.
    const remote = { pid: deadPid(), host: `not-${hostname()}`, pidns: null };
    expect(other.runs.claim(runId, remote, 'remote-token', 400)).toBe(true);
    try {
      expect(busy(() => claimRun(store, runId, noop)).message).toContain(`on host not-${hostname()}`);
      expect(stopAbandoned(store, runId, 'interrupted')).toBe(false);
      expect(other.runs.renew(runId, 'remote-token', 400)).toBe('renewed');
      await sleep(500);
      const lease = claimRun(store, runId, noop);
      lease.stop();
      expect(store.runs.hold(runId)).toMatchObject({ status: 'running', ownerPid: process.pid, ownerToken: lease.token });
      // The old owner's next heartbeat learns it lost the run; its finish changes nothing.
      expect(other.runs.renew(runId, 'remote-token', 400)).toBe('lost');
      expect(other.runs.finishOwned(runId, 'remote-token', 'completed', null)).toBe(false);
      expect(store.runs.get(runId).status).toBe('running');
    } finally {
      store.close();
      other.close();
    }
  });

  it('an owner on this host whose PID is gone is taken over at once, lease or not', () => {
    const { store, other, runId } = stoppedRun();
    const killed = { ...thisProcess(), pid: deadPid() };
    expect(other.runs.claim(runId, killed, 'killed-token', 60_000)).toBe(true);
    try {
      const lease = claimRun(store, runId, noop);
      lease.stop();
      expect(store.runs.hold(runId)?.ownerToken).toBe(lease.token);
    } finally {
      store.close();
      other.close();
    }
  });

  it('a run created by another process is not executed here while that process lives', async () => {
    const e = await endpoint(echo);
    const { store, other, runId } = stoppedRun(e.url);
    try {
      // Reserved by a live process elsewhere (its lease still runs): executeRun sends nothing.
      other.runs.claim(runId, { pid: process.pid, host: 'ci-runner-7', pidns: null }, 'tok', 60_000);
      await expect(executeRun({ store, runId, env: {} })).rejects.toThrow(/run \d+ is being executed by pid \d+ on host ci-runner-7/);
      expect(e.requests).toHaveLength(0);
      expect(store.runs.hold(runId)?.ownerToken).toBe('tok');
    } finally {
      store.close();
      other.close();
    }
  });

  it('a cancel asked for by another process stops the owner at its next heartbeat, as cancelled', async () => {
    const e = await endpoint(echo, { latencyMs: 30 });
    const { store, runId, dbPath } = setupRun(e.url, [evalSet('bio', ...keywordItems(60))], { concurrency: 1 });
    const other = openStore(dbPath);
    try {
      const run = executeRun({ store, runId, env: {}, leaseMs: 300 });
      await sleep(200);
      expect(other.runs.requestCancel(runId)).toBe(true);
      const r = await run;
      expect(r.status).toBe('cancelled');
      expect(r.summary.counts.results).toBeLessThan(60);
      expect(other.runs.hold(runId)).toMatchObject({ status: 'cancelled', ownerToken: null, leaseUntil: null, cancelRequested: false });
    } finally {
      store.close();
      other.close();
    }
  });
});
