import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Responder } from '../../server/scripted-endpoint/scripted-endpoint.js';
import { cli } from '../helpers/cli.js';
import { echo, endpoint } from '../helpers/endpoint.js';
import { readSse } from '../helpers/sse.js';
import { post, testApp, waitForStatus } from '../helpers/server.js';
import { jsonl } from '../helpers/tmp.js';

/** Mixed case, and characters that percent-encoding and base64 change. */
const KEY = 'sk-Echo/Key+0123456789=abcdefXYZ:tail';

const b64 = (s: string) => Buffer.from(s, 'utf8').toString('base64');
const b64url = (s: string) => Buffer.from(s, 'utf8').toString('base64url');

/** How an endpoint may send the key back. */
const ECHOED = {
  raw: KEY,
  upper: KEY.toUpperCase(),
  lower: KEY.toLowerCase(),
  percent: encodeURIComponent(KEY),
  percentLower: encodeURIComponent(KEY).replace(/%[0-9A-F]{2}/g, (m) => m.toLowerCase()),
  base64: b64(KEY),
  base64url: b64url(KEY),
  bearerBase64: b64(`Bearer ${KEY}`),
  basicBase64: b64(`user:${KEY}`),
  hex: Buffer.from(KEY).toString('hex'),
};

/**
 * What must appear nowhere: every echoed form, and a stretch of each base64 form that encodes
 * the key's bytes alone (a partial leak would show it even if the whole string was cut).
 */
const FORBIDDEN = [
  ...Object.values(ECHOED),
  ECHOED.base64.slice(4, 28),
  ECHOED.base64url.slice(4, 28),
  ECHOED.bearerBase64.slice(12, 36),
  ECHOED.basicBase64.slice(8, 32),
];

function expectNoKey(text: string | Buffer, what: string): void {
  const s = typeof text === 'string' ? text : text.toString('latin1');
  for (const f of FORBIDDEN) expect(s.includes(f), `${what} holds ${f}`).toBe(false);
  // The same in any letter case (a server that upper-cases what it echoes).
  expect(s.toLowerCase().includes(KEY.toLowerCase()), `${what} holds the key in some case`).toBe(false);
}

const FORMS = Object.values(ECHOED);
const ITEMS = Array.from({ length: 12 }, (_, i) => ({ id: `q${i}`, prompt: `question q${i}`, keywords: [`question q${i}`] }));

/**
 * An endpoint that sends back, in every field it has, the key it received in all its forms: the
 * answer and reasoning, the reported model and system_fingerprint, the model list, its version
 * route, and an error body.
 */
const echoKey: Responder = (req) => {
  const sent = String(req.headers.authorization ?? '').replace(/^Bearer /, '');
  const forms = FORMS.map((f) => f.replace(KEY, sent));
  const n = Number(/q(\d+)/.exec(req.userText)?.[1] ?? 0);
  if (n === 11) return { status: 400, body: JSON.stringify({ error: { message: `bad request from ${forms.join(' ')}`, type: 'invalid_request_error' } }) };
  return {
    content: `answer to: ${req.userText} ${forms[n % forms.length]}`,
    reasoning: `thinking about ${forms.join(' ')}`,
    model: forms[n % forms.length]!,
    systemFingerprint: forms[(n + 3) % forms.length]!,
  };
};

describe('a key the endpoint echoes, in any field and any common encoding, is stored, served and printed nowhere', () => {
  it('through the server and the CLI: runs, compare, gate, checkpoints, show, gate reports and the database file', async () => {
    const model = await endpoint(echoKey, { accent: 'vllm', models: ['m', ...FORMS], version: `v ${KEY}` });
    const t = await testApp({ env: { MODEL_KEY: KEY }, keyEnvs: ['MODEL_KEY'], files: { 'evalsets/bio.jsonl': jsonl(...ITEMS) } });
    const seen: Array<[string, string]> = [];
    for (const [name, step] of [['base', 1], ['head', 2]] as const) {
      const r = await post(t.app, '/api/checkpoints', { name, baseUrl: model.url, model: 'm', step, apiKeyEnv: 'MODEL_KEY', autoRun: true });
      expect(r.statusCode, r.body).toBe(201);
      seen.push([`POST checkpoint ${name}`, r.body]);
      await waitForStatus(t.app, r.json().run.id, ['completed']);
    }
    // The key was sent, and came back in every field.
    expect(model.requests[0]!.headers.authorization).toBe(`Bearer ${KEY}`);

    // The CLI runs a third time with the key it reads itself.
    const run = await cli(['run', 'head', '--db', t.dbPath, '--retries', '0'], { cwd: t.dir, env: { MODEL_KEY: KEY } });
    expect(run.code, run.stderr).toBe(3); // one item errored, as the endpoint wants
    seen.push(['cli run', run.stdout + run.stderr]);

    for (const url of ['/api/runs/1', '/api/runs/2', '/api/runs/3', '/api/runs', '/api/runs/2/results?limit=1000', '/api/compare?base=1&head=2', '/api/checkpoints', '/api/checkpoints/head', '/api/gate?run=2&baseline=1']) {
      const r = await t.app.inject({ method: 'GET', url });
      expect(r.statusCode, `${url}: ${r.body}`).toBe(200);
      seen.push([url, r.body]);
    }
    const run2 = JSON.parse(seen.find(([w]) => w === '/api/runs/2')![1]);
    // What the endpoint reported is kept, with the key taken out of it.
    expect(run2.provenance.reported.models.length).toBeGreaterThan(3);
    expect(run2.provenance.reported.models).toContain('[redacted]');
    expect(run2.provenance.serving[0].models).toContain('m');
    expect(run2.provenance.serving[0].version).toBe('v [redacted]');

    // The CLI reads the database with no key in its environment: only what was stored is shown.
    for (const args of [['show', '2'], ['show', '2', '--json'], ['show', '2', '--items'], ['show', '3', '--items', '--json'], ['gate', '--run', '2', '--baseline', '1', '--max-errors', '5', '--markdown', 'gate.md', '--junit', 'gate.xml'], ['gate', '--run', '2', '--baseline', '1', '--max-errors', '5', '--json'], ['checkpoint', 'list'], ['runs']]) {
      const r = await cli([...args, '--db', t.dbPath], { cwd: t.dir });
      expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBeLessThan(2);
      seen.push([args.join(' '), r.stdout + r.stderr]);
    }
    seen.push(['gate.md', readFileSync(join(t.dir, 'gate.md'), 'utf8')], ['gate.xml', readFileSync(join(t.dir, 'gate.xml'), 'utf8')]);
    const items = seen.find(([w]) => w === 'show 2 --items')![1];
    expect(items).toContain('answer to: question q1 [redacted]');
    expect(items).toMatch(/HTTP 400: bad request from \[redacted\]/);

    for (const [what, text] of seen) expectNoKey(text, what);
    t.store.db.pragma('wal_checkpoint(TRUNCATE)');
    expectNoKey(readFileSync(t.dbPath), 'the database file');
  });

  it('rows an older version stored with a leaked key: the server and the CLI remove the keys they know on the way out', async () => {
    const TOKEN = 'tg-token-0123456789abcdef';
    const model = await endpoint(echo);
    const t = await testApp({ env: { MODEL_KEY: KEY }, keyEnvs: ['MODEL_KEY'], token: TOKEN });
    const auth = { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' };
    const r = await t.app.inject({ method: 'POST', url: '/api/checkpoints', headers: auth, payload: { name: 'c', baseUrl: model.url, model: 'm', apiKeyEnv: 'MODEL_KEY', autoRun: true } });
    expect(r.statusCode, r.body).toBe(201);
    await waitForStatus(t.app, r.json().run.id, ['completed']);
    // What an older tunegate may have stored: the key in answers, errors, the reported model and a note.
    t.store.db.prepare("UPDATE results SET answer = 'old answer ' || ?, error = CASE WHEN item_id = 'q3' THEN 'HTTP 401: bad key ' || ? END").run(ECHOED.base64, ECHOED.upper);
    t.store.db.prepare("UPDATE runs SET provenance = json_set(provenance, '$.reported.models', json_array(?)), notes = json_array(?)").run(KEY, `note ${ECHOED.percent} and ${TOKEN}`);

    const seen: Array<[string, string]> = [];
    for (const url of ['/api/runs/1', '/api/runs', '/api/runs/1/results?limit=1000', '/api/runs/1/results.jsonl', '/api/checkpoints']) seen.push([url, (await t.app.inject({ method: 'GET', url })).body]);
    expect(seen[0]![1]).toContain('"models":["[redacted]"]');
    const address = await t.app.listen({ port: 0, host: '127.0.0.1' });
    const events = await readSse(`${address}/api/runs/1/events`, (e) => e.event === 'finished', 10_000, '0');
    expect(events.some((e) => e.event === 'item')).toBe(true);
    seen.push(['events', JSON.stringify(events)]);
    for (const args of [['show', '1', '--items'], ['show', '1', '--items', '--json'], ['runs', '--json']]) {
      const c = await cli([...args, '--db', t.dbPath], { cwd: t.dir, env: { MODEL_KEY: KEY, TUNEGATE_TOKEN: TOKEN } });
      expect(c.code, c.stderr).toBe(0);
      seen.push([args.join(' '), c.stdout + c.stderr]);
    }
    expect(seen.find(([w]) => w === 'show 1 --items')![1]).toContain('old answer [redacted]');
    for (const [what, text] of seen) {
      expectNoKey(text, what);
      expect(text, what).not.toContain(TOKEN);
    }
  });
});
