import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';

/** The compiled binary that `npx tunegate` runs (built by `npm test` and by `prepare`). */
export const BIN = join(process.cwd(), 'dist/server/cli/bin.js');

if (!existsSync(BIN)) throw new Error(`${BIN} is missing: run \`npm run build\` first (npm test does)`);

export interface Child {
  proc: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Starts `tunegate ARGS` as a real process in `cwd`. */
export function spawnTunegate(args: string[], cwd: string, env: Record<string, string> = {}): Child {
  const proc = spawn(process.execPath, [BIN, ...args], { cwd, env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  proc.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  proc.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => proc.on('exit', (code, signal) => resolve({ code, signal })));
  return { proc, stdout: () => out, stderr: () => err, exit };
}

/** Counts stored results of a run by reading the database file as another process would. */
export function storedResults(dbPath: string, runId: number): number {
  if (!existsSync(dbPath)) return 0;
  const db = new Database(dbPath, { readonly: true, fileMustExist: true });
  try {
    return (db.prepare('SELECT COUNT(*) AS n FROM results WHERE run_id = ?').get(runId) as { n: number }).n;
  } catch {
    return 0; // schema not created yet
  } finally {
    db.close();
  }
}

/** Polls until `cond()` holds, or fails after `ms`. */
export async function waitFor(cond: () => boolean, ms = 15_000, what = 'condition'): Promise<void> {
  const until = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Starts `tunegate serve --port 0 ARGS` (request logging on) in `cwd` and returns its URL from the banner. */
export async function spawnServe(cwd: string, args: string[], env: Record<string, string> = {}): Promise<{ child: Child; url: string }> {
  const child = spawnTunegate(['serve', '--port', '0', ...args], cwd, env);
  let url = '';
  await waitFor(() => {
    url = /tunegate serving (http:\/\/\S+) /.exec(child.stderr())?.[1] ?? '';
    return url !== '';
  }, 15_000, 'the server banner');
  return { child, url };
}
