import { describe, expect, it } from 'vitest';
import { DEAD_ENDPOINT_FAILURES, executeRun } from '../../server/runner/execute-run.js';
import { startScriptedEndpoint, type ScriptedEndpoint } from '../../server/scripted-endpoint/scripted-endpoint.js';
import { echo, endpoint } from '../helpers/endpoint.js';
import { evalSet, FAST_BACKOFF, keywordItems, setupRun } from '../helpers/run.js';

describe('an endpoint that dies mid-run', () => {
  it('stops the run interrupted after a bounded number of connection failures; resume finishes it once the server is back', async () => {
    let answered = 0;
    let server: ScriptedEndpoint | null = null;
    server = await startScriptedEndpoint({
      respond: (req) => {
        if (++answered === 10) setImmediate(() => void server!.close());
        return echo(req);
      },
    });
    const port = server.port;
    const { store, runId } = setupRun(server.url, [evalSet('bio', ...keywordItems(200))], { concurrency: 4, retries: 6 });
    const r = await executeRun({ store, runId, env: {}, backoff: FAST_BACKOFF });

    expect(r.status).toBe('interrupted');
    const run = store.runs.get(runId);
    expect(run.error).toMatch(new RegExp(`^the endpoint stopped answering: ${DEAD_ENDPOINT_FAILURES} connection failures in a row \\(last: connection failed \\(.*\\)\\); resume with \`tunegate resume ${runId}\``));
    // Bounded: the failures that decide it, plus at most one in flight per worker; not 190 items × 7 attempts.
    expect(r.requests - answered).toBeLessThanOrEqual(DEAD_ENDPOINT_FAILURES + 4);
    // Nothing given up on because of the outage is kept as an error: resume sends it again.
    expect(store.results.counts(runId).errors).toBe(0);
    const kept = store.results.counts(runId).results;
    expect(kept).toBeGreaterThanOrEqual(9);
    expect(kept).toBeLessThan(200);

    const back = await startScriptedEndpoint({ respond: echo, port });
    try {
      const resumed = await executeRun({ store, runId, env: {}, backoff: FAST_BACKOFF });
      expect(resumed.status).toBe('completed');
      expect(resumed.summary.counts).toMatchObject({ results: 200, errors: 0 });
      expect(resumed.summary.metrics.bio_accuracy).toBe(1);
      expect(store.runs.get(runId).error).toBeNull();
    } finally {
      await back.close();
    }
  });

  it('a server that refuses from the start also stops after the bound (the CLI checks earlier; a queued run meets it here)', async () => {
    const gone = await startScriptedEndpoint({ respond: echo });
    const url = gone.url;
    await gone.close();
    const { store, runId } = setupRun(url, [evalSet('bio', ...keywordItems(50))], { concurrency: 2, retries: 100 });
    const r = await executeRun({ store, runId, env: {}, backoff: FAST_BACKOFF });
    expect(r.status).toBe('interrupted');
    expect(r.requests).toBeLessThanOrEqual(DEAD_ENDPOINT_FAILURES + 2);
    expect(store.results.counts(runId).results).toBe(0);
    expect(store.runs.get(runId).provenance.serving).toEqual([expect.objectContaining({ modelCheck: 'unreachable' })]);
  });
});

describe('a checkpoint served by several replicas', () => {
  /** An endpoint that records the most requests it had in flight at once. */
  async function replica(latencyMs: number) {
    const state = { inFlight: 0, max: 0, answered: 0 };
    const e = await endpoint(async (req) => {
      state.inFlight++;
      state.max = Math.max(state.max, state.inFlight);
      await new Promise((r) => setTimeout(r, latencyMs));
      state.inFlight--;
      state.answered++;
      return echo(req);
    });
    return { e, state };
  }

  it('spreads requests by least outstanding with the concurrency per replica, and lists the replicas in provenance', async () => {
    const a = await replica(15);
    const b = await replica(15);
    const { store, runId } = setupRun(a.e.url, [evalSet('bio', ...keywordItems(60))], { concurrency: 3 }, { baseUrls: [a.e.url, b.e.url] });
    const r = await executeRun({ store, runId, env: {}, backoff: FAST_BACKOFF });
    expect(r.status).toBe('completed');
    expect(r.summary.counts).toMatchObject({ results: 60, errors: 0 });
    expect(a.state.max).toBe(3);
    expect(b.state.max).toBe(3);
    expect(a.state.answered + b.state.answered).toBe(60);
    expect(Math.abs(a.state.answered - b.state.answered)).toBeLessThanOrEqual(6);
    const p = store.runs.get(runId).provenance;
    expect(p.endpoint.baseUrls).toEqual([a.e.url, b.e.url]);
    expect(p.serving!.map((s) => s.baseUrl)).toEqual([a.e.url, b.e.url]);
  });

  it('a replica that dies mid-run is rested and its items go to the others: the run completes with no error', async () => {
    const a = await replica(5);
    const b = await replica(5);
    const slow = setInterval(() => {
      if (b.state.answered >= 10) {
        clearInterval(slow);
        void b.e.close();
      }
    }, 1);
    const { store, runId } = setupRun(a.e.url, [evalSet('bio', ...keywordItems(80))], { concurrency: 2, retries: 3 }, { baseUrls: [a.e.url, b.e.url] });
    const r = await executeRun({ store, runId, env: {}, backoff: FAST_BACKOFF });
    clearInterval(slow);
    expect(r.status).toBe('completed');
    expect(r.summary.counts).toMatchObject({ results: 80, errors: 0 });
    expect(a.state.answered).toBeGreaterThan(40);
  });
});
