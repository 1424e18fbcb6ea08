import { describe, expect, it } from 'vitest';
import { DEAD_ENDPOINT_FAILURES, DEAD_ENDPOINT_QUIET_MS } from '../../server/runner/dead-endpoint.js';
import { executeRun } from '../../server/runner/execute-run.js';
import { startScriptedEndpoint, type ScriptedEndpoint } from '../../server/scripted-endpoint/scripted-endpoint.js';
import { echo, endpoint } from '../helpers/endpoint.js';
import { evalSet, FAST_BACKOFF, keywordItems, setupRun } from '../helpers/run.js';

/** A port nothing listens on any more (a server started and closed). */
async function closedPortUrl(): Promise<{ url: string; port: number }> {
  const gone = await startScriptedEndpoint({ respond: echo });
  await gone.close();
  return { url: gone.url, port: gone.port };
}

describe('an endpoint that dies mid-run', () => {
  it(`stops the run interrupted once every replica failed ${DEAD_ENDPOINT_FAILURES} connections and answered nothing for ${DEAD_ENDPOINT_QUIET_MS / 1000} s; resume finishes it`, async () => {
    let answered = 0;
    let server: ScriptedEndpoint | null = null;
    server = await startScriptedEndpoint({
      respond: (req) => {
        if (++answered === 10) setImmediate(() => void server!.close());
        return echo(req);
      },
    });
    const port = server.port;
    const { store, runId } = setupRun(server.url, [evalSet('bio', ...keywordItems(200))], { concurrency: 4, retries: 100 });
    const r = await executeRun({ store, runId, env: {}, backoff: FAST_BACKOFF });

    expect(r.status).toBe('interrupted');
    const run = store.runs.get(runId);
    expect(run.error).toMatch(new RegExp(`^the endpoint stopped answering: every replica failed ${DEAD_ENDPOINT_FAILURES}\\+ connections in a row and answered nothing for 10 s \\(last: connection failed \\(.*\\)\\); resume with \`tunegate resume ${runId}\``));
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
  }, 30_000);

  it('a server restarted within seconds is not a dead one: the run completes', async () => {
    let answered = 0;
    let server: ScriptedEndpoint | null = null;
    const respond = (req: Parameters<typeof echo>[0]) => {
      if (++answered === 40) {
        setImmediate(async () => {
          const port = server!.port;
          await server!.close();
          await new Promise((r) => setTimeout(r, 50));
          server = await startScriptedEndpoint({ respond, port });
        });
      }
      return echo(req);
    };
    server = await startScriptedEndpoint({ respond });
    try {
      const { store, runId } = setupRun(server.url, [evalSet('bio', ...keywordItems(300))], { concurrency: 32, retries: 6 });
      const r = await executeRun({ store, runId, env: {}, backoff: FAST_BACKOFF });
      expect(r.status).toBe('completed');
      expect(r.summary.counts).toMatchObject({ results: 300, errors: 0 });
    } finally {
      await server.close();
    }
  });

  it('a slow but alive server is never taken for dead: its timeouts are stored as errors and the run completes', async () => {
    const e = await endpoint(async (req) => {
      if (/q[0-9]$/.test(req.userText)) await new Promise((r) => setTimeout(r, 400));
      return echo(req);
    });
    const { store, runId } = setupRun(e.url, [evalSet('bio', ...keywordItems(40))], { concurrency: 1, retries: 1, timeoutMs: 150 });
    const r = await executeRun({ store, runId, env: {}, backoff: FAST_BACKOFF, deadAfterMs: 0 });
    expect(r.status).toBe('completed');
    expect(r.summary.counts).toMatchObject({ results: 40, errors: 10 });
    expect(store.runs.get(runId).notes).toEqual(['errored: 10 items failed: timed out after 0.15 s']);
  });

  it('a server that does not answer before a queued run starts gets nothing: the run is interrupted at once', async () => {
    const { url } = await closedPortUrl();
    const { store, runId } = setupRun(url, [evalSet('bio', ...keywordItems(50))], { concurrency: 2, retries: 100 });
    const r = await executeRun({ store, runId, env: {}, backoff: FAST_BACKOFF });
    expect(r.status).toBe('interrupted');
    expect(r.requests).toBe(0);
    expect(store.runs.get(runId).error).toMatch(/^the endpoint did not answer before the run \(.*ECONNREFUSED\)\); nothing was sent: resume the run once it answers$/);
    expect(store.runs.get(runId).provenance.serving).toEqual([expect.objectContaining({ modelCheck: 'unreachable' })]);
  });
});

describe('a checkpoint served by several replicas', () => {
  /** An endpoint that records the most requests it had in flight at once. */
  async function replica(latencyMs: number, models?: string[]) {
    const state = { inFlight: 0, max: 0, answered: 0 };
    const e = await startScriptedEndpoint({
      models,
      respond: async (req) => {
        state.inFlight++;
        state.max = Math.max(state.max, state.inFlight);
        await new Promise((r) => setTimeout(r, latencyMs));
        state.inFlight--;
        state.answered++;
        return echo(req);
      },
    });
    return { e, state };
  }

  it('spreads requests by least outstanding with the concurrency per replica, and lists the replicas in provenance', async () => {
    const a = await replica(15);
    const b = await replica(15);
    try {
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
    } finally {
      await Promise.all([a.e.close(), b.e.close()]);
    }
  });

  it.each([2, 24])('a replica that dies mid-run (concurrency %i each) is rested and its items go to the others: the run completes with no error', async (concurrency) => {
    const a = await replica(5);
    const b = await replica(5);
    const watch = setInterval(() => {
      if (b.state.answered >= 10) {
        clearInterval(watch);
        void b.e.close();
      }
    }, 1);
    try {
      const { store, runId } = setupRun(a.e.url, [evalSet('bio', ...keywordItems(300))], { concurrency, retries: 6 }, { baseUrls: [a.e.url, b.e.url] });
      const r = await executeRun({ store, runId, env: {}, backoff: FAST_BACKOFF, deadAfterMs: 0 });
      expect(r.status).toBe('completed');
      expect(r.summary.counts).toMatchObject({ results: 300, errors: 0 });
      expect(a.state.answered).toBeGreaterThan(150);
    } finally {
      clearInterval(watch);
      await Promise.all([a.e.close(), b.e.close()]);
    }
  });

  it('a replica that did not answer the model check gets no completion, even once it is up serving another model', async () => {
    const a = await replica(2, ['test-model']);
    const { url, port } = await closedPortUrl();
    let late: ScriptedEndpoint | null = null;
    try {
      const { store, runId } = setupRun(a.e.url, [evalSet('bio', ...keywordItems(120))], { concurrency: 4 }, { baseUrls: [a.e.url, url] });
      const running = executeRun({ store, runId, env: {}, backoff: FAST_BACKOFF });
      await new Promise((r) => setTimeout(r, 30));
      late = await startScriptedEndpoint({ respond: echo, port, models: ['other-model'] });
      const r = await running;
      expect(r.status).toBe('completed');
      expect(late.requests).toHaveLength(0);
      expect(a.state.answered).toBe(120);
      expect(store.runs.get(runId).provenance.serving!.map((s) => s.modelCheck)).toEqual(['passed', 'unreachable']);
    } finally {
      await Promise.all([a.e.close(), late?.close()]);
    }
  });
});
