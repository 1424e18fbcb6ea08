import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { cli } from '../helpers/cli.js';
import { endpoint } from '../helpers/endpoint.js';
import { expectInert, HOSTILE, HOSTILE_ARG, hostileProject, runBin } from '../helpers/hostile.js';
import { jsonl, tempDir, writeFiles } from '../helpers/tmp.js';

// How the hostile text reads once escaped: every control character as its JSON escape.
const SHOWN = 'clear\\u001b[2J clip\\u001b]52;c;SGVsbG8=\\u0007 link\\u001b]8;;http://x\\u001b\\here\\u001b]8;;\\u001b\\ nul\\u0000 cr\\u000dover c1\\u009b31m del\\u007f bidi\\u202eevil';
const SHOWN_ARG = SHOWN.replace('\\u0000', '');
// On one line (answers, names, table cells) the carriage return is whitespace like a newline.
const LINE = SHOWN.replace('\\u000d', ' ');
const LINE_ARG = SHOWN_ARG.replace('\\u000d', ' ');

describe('terminal output is inert: model output and API-supplied fields are shown escaped', () => {
  it('run (start line, progress), show, show --items, checkpoint list, runs and gate print no control character', async () => {
    const p = await hostileProject();
    const { cwd, db } = p;

    // `run` prints its start line and progress on stderr, the run on stdout.
    expectInert(p.runs.head.stderr, 'run: stderr');
    expectInert(p.runs.head.stdout, 'run: stdout');
    const runErr = p.runs.head.stderr.toString();
    expect(runErr).toMatch(/^progress: \d+\/\d+ /m);
    expect(runErr).toContain(`→ model ${LINE} at `);

    const items = await runBin(['show', '2', '--items', '--db', db], cwd);
    expect(items.code).toBe(0);
    expectInert(items.stdout, 'show --items');
    const shown = items.stdout.toString();
    expect(shown).toContain(`  A: ${LINE} lone\ufffd ]]>`); // escaped; the lone surrogate was stored as U+FFFD
    expect(shown).toContain(`  Q: question q0 ${LINE}`);
    expect(shown).toContain(`endpoint: model ${LINE} at `);
    expect(shown).toContain(`endpoint reported: model proxy ${LINE}; system_fingerprint fp ${LINE}`);

    for (const argv of [['show', '2'], ['show', '2', '--items'], ['checkpoint', 'list'], ['runs'], ['runs', '--checkpoint', 'head']]) {
      const r = await cli([...argv, '--db', db], { cwd });
      expect(r.code, r.stderr).toBe(0);
      expectInert(r.stdout, argv.join(' '));
      expectInert(r.stderr, `${argv.join(' ')}: stderr`);
    }
    const list = (await cli(['checkpoint', 'list', '--db', db], { cwd })).stdout;
    expect(list).toContain(`model ${LINE}`);
    expect(list).toContain(`key${LINE_ARG.replaceAll('=', '')}=v`); // the key as registered: no "=" (see hostileProject)
    expect(list).toContain(`mix=${LINE}`);
    expect(list.split('\n')).toHaveLength(4); // header, two checkpoints, final newline: no line was split

    const gate = await runBin(['gate', '--checkpoint', 'head', '--baseline', 'base', '--db', db, '--allow-mismatch'], cwd);
    expect(gate.code, gate.stderr.toString()).toBe(1);
    expectInert(gate.stdout, 'gate');
    expectInert(gate.stderr, 'gate: stderr');
    expect(gate.stdout.toString()).toContain(`question q0 ${LINE}`.slice(0, 70));
    expect(gate.stdout.toString()).toContain(`fp ${LINE}`.slice(0, 60)); // the reported fingerprint, in a warning
  });

  it('--json stays valid JSON that carries the text as it was, with C1 controls escaped too', async () => {
    const p = await hostileProject(2);
    const r = await runBin(['show', '2', '--items', '--json', '--db', p.db], p.cwd);
    expectInert(r.stdout, 'show --json');
    const out = JSON.parse(r.stdout.toString());
    expect(out.items[0].answer.startsWith(HOSTILE)).toBe(true);
    const list = await runBin(['checkpoint', 'list', '--json', '--db', p.db], p.cwd);
    expectInert(list.stdout, 'checkpoint list --json');
    expect(JSON.parse(list.stdout.toString()).find((c: { name: string }) => c.name === 'head').model).toBe(`model ${HOSTILE}`);
  });

  it('error messages that quote a name, an argument or a server\'s error body are inert', async () => {
    const cwd = tempDir();
    writeFiles(cwd, { 'evalsets/bio.jsonl': jsonl({ id: 'q0', prompt: 'question', keywords: ['x'] }) });
    const bad = await runBin(['checkpoint', 'add', `x${HOSTILE_ARG}`, '--base-url', 'http://127.0.0.1:9/v1', '--model', 'm'], cwd);
    expect(bad.code).toBe(2);
    expectInert(bad.stderr, 'checkpoint add: bad name');
    // A long name is quoted cut to its first 60 characters (escaped, so still inert).
    expect(bad.stderr.toString()).toContain(`checkpoint name "x${SHOWN_ARG.slice(0, 20)}`);
    expect(bad.stderr.toString()).toMatch(/…" must be 1–\d+ letters/);

    for (const argv of [[HOSTILE_ARG], ['runs', '--checkpoint', HOSTILE_ARG], ['show', HOSTILE_ARG], ['run', HOSTILE_ARG], ['gate', '--checkpoint', HOSTILE_ARG]]) {
      const r = await runBin(argv, cwd);
      expect(r.code, argv.join(' ')).not.toBe(0);
      expectInert(r.stderr, `${argv[0]}: error`);
      expect(r.stderr.toString()).toContain(SHOWN_ARG);
    }

    // A tunegate server (or something posing as one) answering with a hostile error.
    const server = createServer((_req, res) => {
      res.writeHead(400, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: `refused: ${HOSTILE}\nsecond line` }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      const r = await runBin(['checkpoint', 'add', 'c', '--base-url', 'http://127.0.0.1:9/v1', '--model', 'm', '--server', url], cwd);
      expect(r.code).toBe(2);
      expectInert(r.stderr, 'server error');
      expect(r.stderr.toString()).toContain(`server: refused: ${SHOWN}`);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('an endpoint\'s hostile error body, stored with the result, is shown escaped', async () => {
    const e = await endpoint(() => ({ status: 400, headers: { 'content-type': 'text/plain' }, body: `bad request ${HOSTILE}` }));
    const cwd = tempDir();
    writeFiles(cwd, { 'evalsets/bio.jsonl': jsonl({ id: 'q0', prompt: 'question', keywords: ['x'] }) });
    expect((await cli(['checkpoint', 'add', 'c', '--base-url', e.url, '--model', 'm'], { cwd })).code).toBe(0);
    const run = await runBin(['run', 'c', '--retries', '0'], cwd);
    expect(run.code).toBe(3);
    expectInert(run.stdout, 'run: stdout');
    expectInert(run.stderr, 'run: stderr');
    const show = await runBin(['show', '1', '--items'], cwd);
    expectInert(show.stdout, 'show --items');
    expect(show.stdout.toString()).toContain('bad request clear\\u001b[2J clip\\u001b]52;c;');
  });
});
