import { spawnSync } from 'node:child_process';

/** True when python3 is on this machine (it is on the node image; the reference tests need it). */
export const hasPython = spawnSync('python3', ['--version']).status === 0;

/** Runs a Python program with JSON on stdin and returns its JSON stdout. */
export function python<T>(program: string, input: unknown): T {
  const r = spawnSync('python3', ['-c', program], { input: JSON.stringify(input), encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`python3 failed: ${r.stderr}`);
  return JSON.parse(r.stdout) as T;
}
