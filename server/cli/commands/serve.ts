import { DEFAULT_EVALSETS_DIR } from '../../config.js';
import { SETTING_RANGES } from '../../settings/setting-limits.js';
import { startServer } from '../../main.js';
import { expectPositionals, flag, int, list, parseArgs, str } from '../args.js';
import { resolve } from 'node:path';
import { resolveDbPath } from '../../config.js';
import { LORA_KEEP, loraKeepOf } from '../../config.js';
import { println, type Io } from '../io.js';
import { leaseMsFrom } from '../context.js';
import { SERVE_SPEC } from '../specs/serve.js';

export async function serveCommand(argv: readonly string[], io: Io): Promise<number> {
  const p = parseArgs(argv, SERVE_SPEC, 'serve');
  const leaseMs = leaseMsFrom(p.values);
  const maxResponseBytes = int(p.values, 'max-response-bytes', 1024, 1024 * 1024 * 1024);
  const maxAnswerChars = int(p.values, 'max-answer-chars', 1024, 64 * 1024 * 1024);
  const rateLimit = int(p.values, 'rate-limit', SETTING_RANGES.rateLimit.min, SETTING_RANGES.rateLimit.max);
  const maxEventLoopDelay = int(p.values, 'max-event-loop-delay', SETTING_RANGES.maxEventLoopDelay.min, SETTING_RANGES.maxEventLoopDelay.max);
  expectPositionals(p, 0, 'serve');
  const server = await startServer({
    host: str(p.values, 'host') ?? '127.0.0.1',
    port: int(p.values, 'port', 0, 65535) ?? 3000,
    dbPath: resolve(io.cwd, resolveDbPath(str(p.values, 'db'), io.env)),
    evalsetsDir: resolve(io.cwd, str(p.values, 'evalsets') ?? DEFAULT_EVALSETS_DIR),
    env: io.env,
    perEndpoint: int(p.values, 'per-endpoint', 1, 64) ?? 1,
    loraKeep: loraKeepOf(int(p.values, 'lora-keep', LORA_KEEP.min, LORA_KEEP.max), io.env),
    insecureNoAuth: flag(p.values, 'insecure-no-auth'),
    logger: !flag(p.values, 'quiet'),
    keyEnvs: list(p.values, 'key-env'),
    allowedHosts: list(p.values, 'allowed-host'),
    ...(flag(p.values, 'protect-reads') ? { protectReads: true } : {}),
    ...(maxResponseBytes !== undefined ? { maxResponseBytes } : {}),
    ...(maxAnswerChars !== undefined ? { maxAnswerChars } : {}),
    ...(leaseMs !== undefined ? { leaseMs } : {}),
    ...(rateLimit !== undefined ? { rateLimit } : {}),
    ...(maxEventLoopDelay !== undefined ? { maxEventLoopDelay } : {}),
  });
  println(io.stderr, `tunegate serving ${server.url} (API docs: ${server.url}/api/docs); Ctrl-C stops it, running runs become resumable`);
  if (server.settings.protectReads) println(io.stderr, 'reads need the token too (--protect-reads): every /api request but /api/health, the docs and the event streams');
  const keys = server.settings.keyBindings;
  println(io.stderr, keys.length > 0
    ? `key variables checkpoints and judges may name: ${keys.map((k) => (k.prefixes === null ? k.name : `${k.name} (to ${k.prefixes.join(', ')})`)).join(', ')}`
    : 'no key variables allowed: checkpoints and judges that need a key are refused (allow one with --key-env NAME=URL_PREFIX)');
  // Any token holder can point an unbound key at a URL of their choosing: say so at every start.
  for (const k of keys) if (k.prefixes === null) println(io.stderr, `warning: key ${k.name} may be sent to any URL; bind it with --key-env ${k.name}=URL_PREFIX`);
  // Runs until the process is told to stop (SIGINT/SIGTERM abort io.signal in bin.ts).
  await new Promise<void>((resolveStop) => {
    if (io.signal === undefined || io.signal.aborted) return resolveStop();
    io.signal.addEventListener('abort', () => resolveStop(), { once: true });
  });
  await server.close();
  println(io.stderr, 'tunegate server stopped');
  return 0;
}
