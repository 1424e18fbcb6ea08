import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Responder } from '../../server/scripted-endpoint/scripted-endpoint.js';
import { spawnTunegate, waitFor } from '../helpers/bin.js';
import { cli } from '../helpers/cli.js';
import { echo, endpoint } from '../helpers/endpoint.js';
import { JSON_TYPE, post, SERVER_EVALSETS, testApp, waitForStatus } from '../helpers/server.js';
import { readSse } from '../helpers/sse.js';
import { tempDir, writeFiles } from '../helpers/tmp.js';

const results = async (app: any, id: number) => (await app.inject({ method: 'GET', url: `/api/runs/${id}/results?limit=1000` })).json().results as Array<Record<string, any>>;

describe('what an endpoint sends back is bounded and never carries the key into storage', () => {
  it('a key echoed in 401 bodies (whole, as a bearer token, masked) is in no stored row, API answer, `show` output, database byte or log line', async () => {
    const KEY = 'sk-proj-echoed0123456789abcdefWXYZ';
    const unauthorized = (message: string) => ({ status: 401, body: JSON.stringify({ error: { message, type: 'invalid_request_error' } }) });
    const model = await endpoint((req) => {
      const auth = String(req.headers.authorization);
      if (req.api === 'completions') return unauthorized(`Incorrect API key provided: ${auth}`); // the perplexity request
      if (req.userText === 'question two') return unauthorized(`Incorrect API key provided: ${KEY.slice(0, 8)}****${KEY.slice(-4)}; you sent ${auth}`);
      if (req.userText === 'question three') return unauthorized(`key ${KEY} is revoked`);
      return echo(req);
    });
    const cwd = tempDir();
    writeFiles(cwd, SERVER_EVALSETS);
    const child = spawnTunegate(['serve', '--port', '0', '--db', 'server.db', '--key-env', 'MODEL_KEY'], cwd, { MODEL_KEY: KEY });
    const db = join(cwd, 'server.db');
    let url = '';
    const seen: string[] = [];
    try {
      await waitFor(() => (url = /tunegate serving (http:\/\/\S+) /.exec(child.stderr())?.[1] ?? '') !== '', 15_000, 'the server banner');
      const send = async (path: string, body: unknown) => {
        const r = await fetch(`${url}${path}`, { method: 'POST', headers: JSON_TYPE, body: JSON.stringify(body) });
        const text = await r.text();
        seen.push(text);
        return { status: r.status, json: JSON.parse(text) };
      };
      expect((await send('/api/checkpoints', { name: 'c', baseUrl: model.url, model: 'm', apiKeyEnv: 'MODEL_KEY' })).status).toBe(201);
      const run = await send('/api/runs', { checkpoint: 'c', perplexity: true, retries: 0 });
      expect(run.status).toBe(202);
      seen.push((await readSse(`${url}/api/runs/${run.json.id}/events`, (e) => e.event === 'finished')).map((e) => JSON.stringify(e.data)).join('\n'));
      expect(model.requests[0]!.headers.authorization).toBe(`Bearer ${KEY}`); // the key was sent…

      for (const path of ['/api/runs/1', '/api/runs/1/results', '/api/runs', '/api/checkpoints']) seen.push(await (await fetch(`${url}${path}`)).text());
      const stored = JSON.parse(seen.at(-3)!).results as Array<{ id: string; error: string | null }>;
      const errors = Object.fromEntries(stored.filter((r) => r.error !== null).map((r) => [r.id, r.error]));
      expect(errors).toEqual({
        q2: 'HTTP 401: Incorrect API key provided: [redacted]; you sent Bearer [redacted]',
        q3: 'HTTP 401: key [redacted] is revoked',
      });
      expect(JSON.parse(seen.at(-4)!).notes).toContain('perplexity skipped: HTTP 401: Incorrect API key provided: Bearer [redacted] (the endpoint must support /completions with echo and logprobs, as vLLM and SGLang do)');
      const show = await cli(['show', '1', '--items', '--db', db], { cwd });
      expect(show.code, show.stderr).toBe(0);
      expect(show.stdout).toContain('Incorrect API key provided: [redacted]');
      seen.push(show.stdout, show.stderr);
      // While the server runs, the newest rows are in the WAL file.
      for (const f of [db, `${db}-wal`]) if (existsSync(f)) expect(readFileSync(f).includes(KEY), f).toBe(false);
    } finally {
      child.proc.kill('SIGTERM');
      await child.exit;
    }
    for (const f of [db, `${db}-wal`]) if (existsSync(f)) expect(readFileSync(f).includes(KEY), f).toBe(false);
    const masked = `${KEY.slice(0, 8)}****${KEY.slice(-4)}`;
    for (const text of [...seen, child.stdout(), child.stderr()]) {
      expect(text).not.toContain(KEY); // …and is nowhere to be seen
      expect(text).not.toContain(masked);
      expect(text).not.toContain(KEY.slice(0, 16));
    }
    expect(child.stdout()).toContain('"url":"/api/runs"'); // the request log was on
  });

  it("a judge's errors are redacted too: its key echoed by an OpenAI-compatible judge or the anthropic one is stored nowhere", async () => {
    const JUDGE_KEY = 'sk-judge-echoed-0123456789abcdef';
    const ANT_KEY = 'sk-ant-echoed-0123456789abcdefgh';
    const judge = await endpoint((req) => ({
      status: 401,
      body: JSON.stringify({ type: 'error', error: { type: 'authentication_error', message: `invalid key ${String(req.headers['x-api-key'] ?? req.headers.authorization)}` } }),
    }));
    const model = await endpoint(echo);
    const env = { JUDGE_KEY, ANTHROPIC_API_KEY: ANT_KEY, ANTHROPIC_BASE_URL: judge.url.replace(/\/v1$/, '') };
    const { app, store, dbPath } = await testApp({ env, keyEnvs: ['JUDGE_KEY', 'ANTHROPIC_API_KEY'] });
    const runs: number[] = [];
    for (const [name, j] of [['oa', { spec: `openai:j@${judge.url}`, keyEnv: 'JUDGE_KEY' }], ['ant', { spec: 'anthropic:claude' }]] as const) {
      const r = await post(app, '/api/checkpoints', { name, baseUrl: model.url, model: 'm', autoRun: true, evalsets: ['blog'], judge: j });
      expect(r.statusCode, r.body).toBe(201);
      runs.push(r.json().run.id);
      await waitForStatus(app, r.json().run.id, ['completed']);
      await waitFor(() => store.judge.judgments(r.json().run.id).length > 0, 10_000, 'the judge');
    }
    expect(judge.requests.map((q) => q.headers['x-api-key'] ?? q.headers.authorization)).toEqual([`Bearer ${JUDGE_KEY}`, expect.stringContaining(ANT_KEY)]); // both keys were sent
    const errors = runs.map((id) => store.judge.judgments(id)[0]!.error);
    expect(errors).toEqual([expect.stringMatching(/^judge HTTP 401: .*invalid key Bearer \[redacted\]/), expect.stringMatching(/^judge HTTP 401: .*invalid key Bearer \[redacted\]/)]);
    const api = await Promise.all(runs.map(async (id) => (await app.inject({ method: 'GET', url: `/api/runs/${id}/results` })).body));
    store.db.pragma('wal_checkpoint(TRUNCATE)');
    for (const text of [...api, readFileSync(dbPath).toString('latin1')]) {
      expect(text).not.toContain(JUDGE_KEY);
      expect(text).not.toContain(ANT_KEY);
    }
  });

  it('API calls never follow a redirect: the model and the anthropic judge get a clear error and the redirect target hears nothing', async () => {
    const target = await endpoint(echo); // records whatever reaches it
    const redirecting = await endpoint((req) => ({ status: 307, headers: { location: `${target.url}/${req.api === 'messages' ? 'messages' : 'chat/completions'}?key=abc` }, body: '' }));
    const model = await endpoint(echo);
    const env = { MODEL_KEY: 'sk-model-key-must-not-travel', ANTHROPIC_API_KEY: 'sk-ant-key-must-not-travel', ANTHROPIC_BASE_URL: redirecting.url.replace(/\/v1$/, '') };
    const { app, store } = await testApp({ env, keyEnvs: ['MODEL_KEY', 'ANTHROPIC_API_KEY'] });

    const r1 = await post(app, '/api/checkpoints', { name: 'redirected', baseUrl: redirecting.url, model: 'm', apiKeyEnv: 'MODEL_KEY', autoRun: true, evalsets: ['bio'] });
    expect(r1.statusCode).toBe(201);
    // Every item errored: the run measured nothing, so it is failed (issue 22), its errors kept.
    await waitForStatus(app, r1.json().run.id, ['failed']);
    const errors = (await results(app, r1.json().run.id)).map((r) => r.error);
    expect(errors).toHaveLength(3);
    for (const e of errors) {
      expect(e).toBe(`HTTP 307 redirect to ${target.url}/chat/completions?… not followed: tunegate sends API requests only to the URL it was given (use the final URL as the base URL)`);
    }
    expect(redirecting.requests).toHaveLength(3); // one request per item: a redirect is not retried

    const r2 = await post(app, '/api/checkpoints', { name: 'judged', baseUrl: model.url, model: 'm', autoRun: true, evalsets: ['blog'], judge: { spec: 'anthropic:claude' } });
    expect(r2.statusCode).toBe(201);
    await waitForStatus(app, r2.json().run.id, ['completed']);
    await waitFor(() => store.judge.judgments(r2.json().run.id).length > 0, 10_000, 'the judge');
    const judgment = store.judge.judgments(r2.json().run.id)[0]!;
    expect(judgment.error).toContain(`HTTP 307 redirect to ${target.url}/messages?… not followed`);

    expect(target.requests).toEqual([]);
  });

  it('caps what it keeps: an 8 MiB+ body is an item error, a long answer is stored cut with a note, an error body is kept short', async () => {
    const long = `answer to: question two${' lorem ipsum'.repeat(30_000)}`; // 360k characters
    const respond: Responder = (req) => {
      if (req.userText === 'question one') return { content: 'z'.repeat(9 * 1024 * 1024) };
      if (req.userText === 'question two') return { content: long };
      return { status: 400, body: JSON.stringify({ error: { message: 'bad request '.repeat(10_000) } }) };
    };
    const model = await endpoint(respond);
    const { app, store, dbPath } = await testApp();
    const r = await post(app, '/api/checkpoints', { name: 'c', baseUrl: model.url, model: 'm', autoRun: true, evalsets: ['bio'] });
    await waitForStatus(app, r.json().run.id, ['completed']);
    const byId = Object.fromEntries((await results(app, 1)).map((x) => [x.id, x]));
    expect(byId.q1).toMatchObject({ answer: null, error: 'response body larger than 8388608 bytes (the cap; raise it with the TUNEGATE_MAX_RESPONSE_BYTES setting)' });
    expect(model.requests.filter((q) => q.userText === 'question one')).toHaveLength(1); // not retried
    expect(byId.q2.answer).toBe(`${long.slice(0, 262_144)}\n[truncated by tunegate: ${long.length} characters received, the first 262144 kept]`);
    expect(byId.q2.score).toBe(1); // scored as stored
    expect(byId.q3.error.length).toBeLessThanOrEqual(500);
    expect(byId.q3.error).toMatch(/^HTTP 400: bad request bad request .*…$/);
    const run = (await app.inject({ method: 'GET', url: '/api/runs/1' })).json();
    expect(run.notes).toEqual([
      expect.stringMatching(/^errored: 1 item: the server rejected the request as invalid, not retried\. the server said \(HTTP 400\): bad request .{100,200}…$/),
      'errored: 1 item failed: response body larger than 8388608 bytes (the cap; raise it with the TUNEGATE_MAX_RESPONSE_BYTES setting)',
      expect.stringContaining('answers cut by tunegate: some answers or reasoning were longer than 262144 characters')]);
    store.db.pragma('wal_checkpoint(TRUNCATE)');
    expect(readFileSync(dbPath).length).toBeLessThan(4 * 1024 * 1024);

    // Both caps are settings (serve --max-response-bytes / --max-answer-chars, or these variables).
    const small = await testApp({ env: { TUNEGATE_MAX_RESPONSE_BYTES: '65536', TUNEGATE_MAX_ANSWER_CHARS: '4096' } });
    const r2 = await post(small.app, '/api/checkpoints', { name: 'c', baseUrl: model.url, model: 'm', autoRun: true, evalsets: ['bio'] });
    await waitForStatus(small.app, r2.json().run.id, ['failed']); // every item over the small caps errored
    const two = (await results(small.app, 1)).find((x) => x.id === 'q2')!;
    expect(two.error).toBe('response body larger than 65536 bytes (the cap; raise it with the TUNEGATE_MAX_RESPONSE_BYTES setting)');
  });
});
