import { secretValues, type Env } from '../config.js';
import { redactKnownSecrets } from '../http/redact.js';
import { splitKeyValue } from '../key-value.js';
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
  /** Key values this process knows (see withKnownSecrets): removed from all it prints or writes. */
  secrets?: Set<string>;
}

/** `text` without any form of the keys this process knows: for what the CLI writes to a file. */
export function forOutput(io: Io, text: string): string {
  return io.secrets === undefined || io.secrets.size === 0 ? text : redactKnownSecrets(text, [...io.secrets]);
}

/** Adds the values of the named key variables to what this process removes from its output. */
export function knowSecrets(io: Io, names: readonly (string | null | undefined)[]): void {
  for (const v of secretValues(io.env, names)) io.secrets?.add(v);
}

/**
 * The Io a command runs with: everything written to stdout and stderr loses the keys this
 * process knows (TUNEGATE_TOKEN, ANTHROPIC_API_KEY, the variables named on the command line,
 * and those the database's checkpoints name, added when it is opened). A second layer: what an
 * endpoint echoed is removed before it is stored (http/transport.ts), but a row stored by an older
 * version may still hold it.
 */
export function withKnownSecrets(io: Io, argv: readonly string[]): Io {
  // --api-key-env NAME, --judge-key-env=NAME, --key-env NAME=URL_PREFIX: the variable's name.
  const named = argv.flatMap((a, i) => {
    const eq = /^--[a-z-]*key-env=(.*)$/.exec(a);
    const value = eq !== null ? eq[1]! : /^--[a-z-]*key-env$/.test(a) ? argv[i + 1] : undefined;
    return value === undefined ? [] : [splitKeyValue(value).key];
  });
  const secrets = new Set(secretValues(io.env, named));
  const wrap = (out: Out): Out => ({
    write: (text: string) => out.write(secrets.size === 0 ? text : redactKnownSecrets(text, [...secrets])),
    get isTTY() {
      return out.isTTY;
    },
    get columns() {
      return out.columns;
    },
  });
  return { ...io, stdout: wrap(io.stdout), stderr: wrap(io.stderr), secrets };
}

/**
 * Writes one line. Every line the CLI prints goes through here, so a model's answer, an
 * endpoint's error body or a checkpoint's name can never reach the terminal as a control
 * character: they are shown escaped (see untrusted-text.ts). The CLI prints no colours of its
 * own; JSON stays valid (the escapes are JSON's own).
 */
export const println = (out: Out, text = '') => out.write(`${printable(text)}\n`);
