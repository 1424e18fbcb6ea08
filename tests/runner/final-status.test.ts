/*
 * A run whose every item errored measured nothing: it ends `failed`, never `completed`, and stays
 * resumable with --retry-errors. Runs against a real loopback endpoint and a real SQLite file.
 */
import { describe, expect, it } from 'vitest';
import { executeRun } from '../../server/runner/execute-run.js';
import { finalStatus } from '../../server/runner/final-status.js';
import { latestCompleted } from '../../server/runs/select.js';
import { echo, endpoint } from '../helpers/endpoint.js';
import { evalSet, FAST_BACKOFF, keywordItems, setupRun } from '../helpers/run.js';

describe('the end-of-run status', () => {
  it('is failed when every item errored, completed when one did not, and stopping early wins', () => {
    const end = { runId: 7, stoppedEarly: false, cancelled: () => false, dead: null };
    // The stored cause reaches the page too: it names the API request and the CLI command, never a flag.
    const failed = finalStatus({ ...end, counts: { results: 3, errors: 3 } });
    expect(failed).toMatchObject({ status: 'failed', error: expect.stringContaining('POST /api/runs/7/resume with {"retryErrors": true}') });
    expect(failed.error).toContain('tunegate resume 7');
    expect(failed.error).not.toMatch(/--[a-z]/);
    expect(finalStatus({ ...end, counts: { results: 3, errors: 2 } })).toEqual({ status: 'completed', error: null });
    expect(finalStatus({ ...end, counts: { results: 0, errors: 0 } })).toEqual({ status: 'completed', error: null });
    expect(finalStatus({ ...end, stoppedEarly: true, counts: { results: 1, errors: 1 } })).toEqual({ status: 'interrupted', error: null });
    expect(finalStatus({ ...end, stoppedEarly: true, cancelled: () => true, counts: { results: 1, errors: 1 } })).toEqual({ status: 'cancelled', error: null });
    expect(finalStatus({ ...end, stoppedEarly: true, cancelled: () => true, dead: 'gone', counts: { results: 1, errors: 1 } })).toEqual({ status: 'interrupted', error: 'gone' });
  });

  it('a run whose every request errored ends failed, is no latest completed run, and --retry-errors completes it', async () => {
    let healthy = false;
    const e = await endpoint((req) => (healthy ? echo(req) : { status: 400 }));
    const { store, runId } = setupRun(e.url, [evalSet('bio', ...keywordItems(3))], { retries: 0 });
    const r = await executeRun({ store, runId, env: {}, backoff: FAST_BACKOFF });
    expect(r.status).toBe('failed');
    expect(r.summary.counts).toMatchObject({ items: 3, results: 3, errors: 3 });
    const stored = store.runs.get(runId);
    expect(stored.status).toBe('failed');
    expect(stored.error).toContain(`every item errored (3 of 3`);
    expect(stored.error).toContain(`POST /api/runs/${runId}/resume with {"retryErrors": true}`);
    expect(latestCompleted(store, store.checkpoints.get('ckpt'))).toBeUndefined();

    // Resumed without retrying errors: nothing new is sent, and it is still failed.
    const sent = e.requests.length;
    expect((await executeRun({ store, runId, env: {}, backoff: FAST_BACKOFF })).status).toBe('failed');
    expect(e.requests.length).toBe(sent);

    healthy = true;
    const again = await executeRun({ store, runId, env: {}, backoff: FAST_BACKOFF, retryErrors: true });
    expect(again.status).toBe('completed');
    expect(again.summary.counts).toMatchObject({ results: 3, errors: 0 });
    expect(store.runs.get(runId)).toMatchObject({ status: 'completed', error: null });
  });
});
