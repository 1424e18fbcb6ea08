import type { Env } from '../config.js';

export interface Out {
  write(text: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

/** Everything a command may touch of its surroundings, passed in so tests run commands in-process. */
export interface Io {
  stdout: Out;
  stderr: Out;
  env: Env;
  cwd: string;
  /** Aborted on Ctrl-C (the binary wires SIGINT/SIGTERM to it). */
  signal?: AbortSignal;
}

export const println = (out: Out, text = '') => out.write(`${text}\n`);
