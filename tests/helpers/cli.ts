import { runCli } from '../../server/cli/main.js';
import type { Env } from '../../server/config.js';

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
  /** stdout parsed as JSON (throws if it is not). */
  json<T = any>(): T;
}

/** Runs the real CLI in-process, in `cwd`, with its own environment and captured output. */
export async function cli(argv: string[], opts: { cwd: string; env?: Env; signal?: AbortSignal }): Promise<CliResult> {
  let stdout = '';
  let stderr = '';
  const code = await runCli(argv, {
    stdout: { write: (t: string) => (stdout += t) },
    stderr: { write: (t: string) => (stderr += t) },
    env: opts.env ?? {},
    cwd: opts.cwd,
    ...(opts.signal !== undefined ? { signal: opts.signal } : {}),
  });
  return { code, stdout, stderr, json: () => JSON.parse(stdout) };
}
