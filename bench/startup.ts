import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Start-up time of the CLI: `npx tunegate --help` (what a user types; includes npm's own
 * start-up) and the compiled binary alone. Median of 10 runs each.
 * Usage: npm run bench:startup
 */
const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const bin = join(root, 'dist', 'server', 'cli', 'bin.js');

function median(cmd: string, args: string[], runs = 10): number {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    const r = spawnSync(cmd, args, { cwd: root, encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed: ${r.stderr}`);
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  return (times[4]! + times[5]!) / 2;
}

const npx = median('npx', ['tunegate', '--help']);
const direct = median(process.execPath, [bin, '--help']);
console.log(JSON.stringify({ npxHelpMs: Math.round(npx), binHelpMs: Math.round(direct) }));
console.log(`| npx tunegate --help | ${Math.round(npx)} ms |`);
console.log(`| node dist/server/cli/bin.js --help | ${Math.round(direct)} ms |`);
