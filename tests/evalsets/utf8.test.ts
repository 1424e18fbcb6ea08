import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { firstInvalidUtf8 } from '../../server/evalsets/read-utf8.js';
import { cli } from '../helpers/cli.js';
import { testApp } from '../helpers/server.js';
import { jsonl, tempDir, writeFiles } from '../helpers/tmp.js';

const enc = (s: string) => Buffer.from(s, 'utf8');
const LINES_1_2 = enc(jsonl({ id: 'q1', prompt: 'one', keywords: ['one'] }, { id: 'q2', prompt: 'two', keywords: ['two'] }));

/** An eval set whose line 3 holds `bad` after `{"id":"q3","prompt":"李caf` (25 characters). */
const withBadLine3 = (bad: number[]) =>
  Buffer.concat([LINES_1_2, enc('{"id":"q3","prompt":"李caf'), Buffer.from(bad), enc('é","keywords":["x"]}\n'), enc(jsonl({ id: 'q4', prompt: 'four', keywords: ['four'] }))]);

describe('an eval set that is not UTF-8 is an error naming file, line and byte', () => {
  it.each([
    ['0xFF', [0xff], 'evalsets/bad.jsonl:3: invalid UTF-8 (byte 0xFF at column 26)'],
    ['a truncated three-byte sequence', [0xe4, 0xb8], 'evalsets/bad.jsonl:3: invalid UTF-8 (byte 0xE4 at column 26)'],
  ])('%s on line 3: evalset validate and run exit 2 and nothing is stored', async (_label, bad, message) => {
    const cwd = tempDir();
    writeFiles(cwd, { 'evalsets/.keep': '' });
    writeFileSync(join(cwd, 'evalsets/bad.jsonl'), withBadLine3(bad));
    const v = await cli(['evalset', 'validate', 'evalsets/bad.jsonl'], { cwd });
    expect(v.code).toBe(2);
    expect(v.stderr).toBe(`tunegate: error: ${message}\n`);
    const run = await cli(['run', '--base-url', 'http://127.0.0.1:9/v1', '--model', 'm', '--evalsets', 'evalsets/bad.jsonl'], { cwd });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(message);
    expect(existsSync(join(cwd, 'runs/tunegate.db'))).toBe(false);
  });

  it('GET /api/evalsets lists the file with the same error (and a run naming it is refused)', async () => {
    const t = await testApp();
    writeFileSync(join(t.dir, 'evalsets/bad.jsonl'), withBadLine3([0xff]));
    const r = await t.app.inject({ method: 'GET', url: '/api/evalsets' });
    expect(r.json().evalsets).toContainEqual({ name: 'bad', error: 'bad.jsonl:3: invalid UTF-8 (byte 0xFF at column 26)' });
    const c = await t.app.inject({ method: 'POST', url: '/api/checkpoints', payload: { name: 'c', baseUrl: 'http://127.0.0.1:9/v1', model: 'm' } });
    expect(c.statusCode).toBe(201);
    const run = await t.app.inject({ method: 'POST', url: '/api/runs', payload: { checkpoint: 'c', evalsets: ['bad'] } });
    expect(run.statusCode).toBe(400);
    expect(run.body).toContain('bad.jsonl:3: invalid UTF-8 (byte 0xFF at column 26)');
  });

  it('a JSON escape of half a character (a lone surrogate) is an error too', async () => {
    const cwd = tempDir();
    writeFiles(cwd, { 'set.jsonl': `${jsonl({ id: 'q1', prompt: 'one', keywords: ['one'] })}{"id":"q2","prompt":"half \\ud800 a pair","keywords":["x"]}\n` });
    const v = await cli(['evalset', 'validate', 'set.jsonl'], { cwd });
    expect(v.code).toBe(2);
    expect(v.stderr).toContain('set.jsonl:2: a \\uD800–\\uDFFF escape without its other half (a lone surrogate) is not text');
  });

  it('the importers apply the same rule: import-sft fails naming the line, import-jekyll lists the post as skipped with its line', async () => {
    const cwd = tempDir();
    const sft = (text: string) => enc(`${JSON.stringify({ messages: [{ role: 'user', content: text }, { role: 'assistant', content: 'a' }] })}\n`);
    writeFileSync(join(cwd, 'train.jsonl'), Buffer.concat([sft('one'), sft('two'), sft('x').subarray(0, 30), Buffer.from([0xc3]), enc('"}]}\n')]));
    const r = await cli(['evalset', 'import-sft', 'train.jsonl', '--out', 'held.jsonl'], { cwd });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^tunegate: error: train\.jsonl:3: invalid UTF-8 \(byte 0xC3 at column 31\)\n$/);
    expect(existsSync(join(cwd, 'held.jsonl'))).toBe(false);

    const body = 'The KV cache stores keys and values so each new token costs linear time. '.repeat(5);
    writeFiles(cwd, { '_posts/2024-01-01-good.md': `---\ntitle: Good\n---\n${body}` });
    writeFileSync(join(cwd, '_posts/2024-01-02-latin1.md'), Buffer.concat([enc('---\ntitle: Caf'), Buffer.from([0xe9]), enc(`\n---\n${body}`)]));
    const j = await cli(['evalset', 'import-jekyll', '_posts', '--out', 'blog.jsonl'], { cwd });
    expect(j.code, j.stderr).toBe(0);
    expect(j.stdout).toContain('skipped _posts/2024-01-02-latin1.md: invalid UTF-8 on line 2 (byte 0xE9 at column 11)');
    expect(j.stdout).toContain('wrote 1 blog items to blog.jsonl');
  });

  it.each([
    ['valid ASCII, 2-, 3- and 4-byte characters', enc('a é 李 😀'), -1],
    ['a lone continuation byte', Buffer.from([0x61, 0x80]), 1],
    ['an overlong NUL (C0 80)', Buffer.from([0x61, 0xc0, 0x80]), 1],
    ['an overlong three-byte form (E0 80 80)', Buffer.from([0xe0, 0x80, 0x80]), 0],
    ['an encoded surrogate (ED A0 80)', Buffer.from([0x61, 0x62, 0xed, 0xa0, 0x80]), 2],
    ['above U+10FFFF (F4 90 80 80)', Buffer.from([0xf4, 0x90, 0x80, 0x80]), 0],
    ['F5', Buffer.from([0xf5, 0x80, 0x80, 0x80]), 0],
    ['a sequence cut at the end', Buffer.from([0x61, 0xf0, 0x9f, 0x98]), 1],
  ])('firstInvalidUtf8: %s', (_label, bytes, at) => {
    expect(firstInvalidUtf8(bytes)).toBe(at);
    expect(() => new TextDecoder('utf-8', { fatal: true }).decode(bytes)).toSatisfy((f: () => unknown) => {
      try { f(); return at === -1; } catch { return at !== -1; }
    });
  });
});
