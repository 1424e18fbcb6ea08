import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { expect } from 'vitest';
import { BIN } from './bin.js';
import { cli } from './cli.js';
import { echo, endpoint } from './endpoint.js';
import { testApp } from './server.js';
import { jsonl, writeFiles } from './tmp.js';

/**
 * What a model, an endpoint or an API client may send to attack a terminal: a screen clear,
 * an OSC 52 clipboard write, an OSC 8 hyperlink, NUL, a carriage return that overwrites the
 * line, a C1 CSI (U+009B, bytes C2 9B), DEL and a bidirectional override.
 */
export const HOSTILE =
  'clear\u001b[2J clip\u001b]52;c;SGVsbG8=\u0007 link\u001b]8;;http://x\u001b\\here\u001b]8;;\u001b\\ nul\u0000 cr\rover c1\u009b31m del\u007f bidi\u202eevil';
/** HOSTILE without NUL, which a command-line argument cannot carry. */
export const HOSTILE_ARG = HOSTILE.replace('\u0000', '');
/**
 * The head's answers to items q0…q4 (then again): terminal attacks with a lone surrogate, XML's
 * CDATA end and a noncharacter; then Markdown that renders as an image, links and autolinks, as
 * HTML, a mention and an issue reference, as emphasis, or breaks a table cell or a code span.
 */
export const HOSTILE_ANSWERS = [
  `${HOSTILE} lone\ud800 ]]> nonchar\uffff end`,
  '![img](http://x.example/i.png) [link](http://x.example) http://bare.example/x www.example.com a@b.example',
  '<img src=x onerror=alert(1)> <b>bold</b> <script>alert(1)</script> @someone #123 <!-- c -->',
  '**strong** _em_ `code` ``` fence | pipe a\\|b &amp; &lt; ]]>',
  '`starts with a backtick | ends with one`',
];

/** A C0 control other than tab and newline, or DEL: what no terminal output may carry. */
export const C0_CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f]/;
/** C0_CONTROL or a C1 control (U+0080–U+009F), as text rather than bytes. */
export const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/;

/**
 * Asserts that output is inert: valid UTF-8, no C0 control but tab and newline, no DEL, no C1
 * control (bytes C2 80–C2 9F), no bidirectional override, no lone surrogate.
 */
export function expectInert(output: Buffer | string, what: string): void {
  const bytes = typeof output === 'string' ? Buffer.from(output, 'utf8') : output;
  const text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i]!;
    if ((b < 0x20 && b !== 0x09 && b !== 0x0a) || b === 0x7f) {
      throw new Error(`${what}: byte 0x${b.toString(16).padStart(2, '0')} at ${i}: …${JSON.stringify(text.slice(Math.max(0, i - 40), i + 20))}`);
    }
    if (b === 0xc2 && bytes[i + 1]! >= 0x80 && bytes[i + 1]! <= 0x9f) throw new Error(`${what}: C1 control (c2 ${bytes[i + 1]!.toString(16)}) at ${i}`);
  }
  expect(text, what).not.toMatch(/[\u200e\u200f\u202a-\u202e\u2066-\u2069]/);
  if (typeof output === 'string') expect(output, what).not.toMatch(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/);
  expect(C0_CONTROL.test(text)).toBe(false);
}

export interface BinResult {
  code: number | null;
  stdout: Buffer;
  stderr: Buffer;
}

/** Runs the compiled binary and keeps its output as the bytes it wrote. */
export function runBin(args: string[], cwd: string): Promise<BinResult> {
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, [BIN, ...args], { cwd, env: { PATH: process.env.PATH ?? '' }, stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    proc.stdout.on('data', (d: Buffer) => out.push(d));
    proc.stderr.on('data', (d: Buffer) => err.push(d));
    proc.on('error', reject);
    proc.on('close', (code) => resolve({ code, stdout: Buffer.concat(out), stderr: Buffer.concat(err) }));
  });
}

export interface HostileProject {
  cwd: string;
  db: string;
  url: string;
  /** Output of `run base` and `run head` (progress on stderr). */
  runs: { base: BinResult; head: BinResult };
}

/**
 * A project whose head checkpoint is hostile throughout: registered through the API with a
 * model name and tags carrying HOSTILE, answered by a scripted endpoint with HOSTILE_ANSWERS and
 * a hostile reported model and system_fingerprint. The baseline checkpoint answers correctly,
 * so the gate finds a regression and lists the head's answers. Both runs go through the binary.
 */
export async function hostileProject(items = 12): Promise<HostileProject> {
  const e = await endpoint((req) => {
    if (req.model === 'good') return echo(req);
    const n = Number(/^question q(\d+)/.exec(req.userText)?.[1] ?? 0);
    return { content: HOSTILE_ANSWERS[n % HOSTILE_ANSWERS.length]!, model: `proxy ${HOSTILE}`, systemFingerprint: `fp ${HOSTILE}` };
  }, { systemFingerprint: 'fp_a' });
  const t = await testApp();
  const rows = Array.from({ length: items }, (_, i) => ({ id: `q${i}`, prompt: `question q${i}${i === 0 ? ` ${HOSTILE}` : ''}`, keywords: [`question q${i}`] }));
  writeFiles(t.dir, { 'evalsets/bio.jsonl': jsonl(...rows) });
  const add = await t.app.inject({
    method: 'POST', url: '/api/checkpoints',
    // A tag key has no "=" (it could not be named as KEY=VALUE): the rest of the hostile text stays.
    payload: { name: 'head', baseUrl: e.url, model: `model ${HOSTILE}`, step: 2, tags: { mix: HOSTILE, [`key${HOSTILE_ARG.replaceAll('=', '')}`]: 'v' } },
  });
  expect(add.statusCode, add.body).toBe(201);
  const db = t.dbPath;
  expect((await cli(['checkpoint', 'add', 'base', '--base-url', e.url, '--model', 'good', '--step', '1', '--db', db], { cwd: t.dir })).code).toBe(0);
  const base = await runBin(['run', 'base', '--db', db, '--concurrency', '2'], t.dir);
  expect(base.code, base.stderr.toString()).toBe(0);
  const head = await runBin(['run', 'head', '--db', db, '--concurrency', '2'], t.dir);
  expect(head.code, head.stderr.toString()).toBe(0);
  return { cwd: t.dir, db: join(t.dir, 'server.db'), url: e.url, runs: { base, head } };
}
