#!/usr/bin/env node
import { runCli } from './main.js';

// The binary's only job: wire the process to runCli. The first Ctrl-C stops the run cleanly
// (stored results are kept, the run is marked interrupted); a second one exits at once.
const controller = new AbortController();
let signals = 0;
for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.on(sig, () => {
    signals++;
    if (signals > 1) process.exit(130);
    process.stderr.write(`\ntunegate: ${sig}: stopping; finished results are kept (again to quit at once)\n`);
    controller.abort(new Error(sig));
  });
}

// A reader that goes away (`tunegate show 7 | head`) is not an error: stop as on Ctrl-C, quietly.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code !== 'EPIPE') throw e;
    controller.abort(new Error('EPIPE'));
  });
}

const code = await runCli(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
  cwd: process.cwd(),
  signal: controller.signal,
});
process.exitCode = code;
