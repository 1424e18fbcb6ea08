import type { Env } from '../config.js';
import { printable } from '../untrusted-text.js';

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

/**
 * Writes one line. Every line the CLI prints goes through here, so a model's answer, an
 * endpoint's error body or a checkpoint's name can never reach the terminal as a control
 * character: they are shown escaped (see untrusted-text.ts). The CLI prints no colours of its
 * own; JSON stays valid (the escapes are JSON's own).
 */
export const println = (out: Out, text = '') => out.write(`${printable(text)}\n`);
