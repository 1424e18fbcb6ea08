import { DEFAULT_EVALSETS_DIR, LORA_KEEP } from '../../config.js';
import { DEFAULT_LIMITS, DEFAULT_REQUEST_LIMITS, REQUEST_WINDOW_MS } from '../../settings/setting-limits.js';
import { DB_OPTION, LEASE_OPTION, specOf, type CommandDoc } from './command-doc.js';

const WINDOW_S = REQUEST_WINDOW_MS / 1000;

export const SERVE_DOC: CommandDoc = {
  name: 'serve',
  synopsis: 'serve',
  summary: 'the HTTP server: API, run queue and dashboard (npm start)',
  usage: [`serve [--host 127.0.0.1] [--port 3000] [--db PATH] [--evalsets DIR] [options]`],
  about: `Serves the HTTP API (OpenAPI docs at /api/docs), runs queued evaluations in the background and
serves the dashboard: / (every checkpoint against training step, and the bio-vs-blog trade-off),
/compare?base=RUN&head=RUN (before/after), /runs/ID (a run, live while it runs) and
/checkpoints/new (register one). All state is in the database, so the CLI, the server and a
restarted server agree. Runs left "running" by a process that died (its PID gone on this host, or
its lease expired) are marked interrupted (resumable), on start and every few seconds after. A run
another live process executes is never taken over. Ctrl-C or SIGTERM stops gracefully: running
runs are interrupted after their results are stored, and event streams end.`,
  options: [{
    options: {
      host: { type: 'string', value: 'HOST', help: 'address to bind', default: '127.0.0.1' },
      port: { type: 'string', value: 'PORT', help: 'port (0 picks a free one)', default: 3000 },
      ...DB_OPTION,
      evalsets: { type: 'string', value: 'DIR', help: 'folder of the eval sets the API offers by name', default: `./${DEFAULT_EVALSETS_DIR}` },
      'per-endpoint': { type: 'string', value: 'N', help: 'runs executed at once against one endpoint', default: 1 },
      'lora-keep': { type: 'string', value: 'N', help: `LoRA adapters this server keeps loaded per model server (else ${LORA_KEEP.env}): after loading a checkpoint's adapter it unloads its own oldest beyond N, so GPU memory stays bounded; what it loaded is kept in the database, so a restarted server knows`, default: LORA_KEEP.default },
      'key-env': {
        type: 'string',
        multiple: true,
        value: 'NAME=URL_PREFIX',
        help: 'an environment variable the server may read as an API key, sent only to URLs under URL_PREFIX (repeatable, several prefixes per name; else TUNEGATE_KEY_ENVS=A=URL,B). Checkpoints (apiKeyEnv) and judges (keyEnv; anthropic: ANTHROPIC_API_KEY) naming any other variable, or a URL outside its prefixes, are refused with a 400. A plain NAME may be sent to any URL (warned at start). TUNEGATE_TOKEN is never allowed',
        default: 'none',
      },
      'allowed-host': {
        type: 'string',
        multiple: true,
        value: 'NAME',
        help: 'a host name the server answers to besides localhost, loopback addresses and the --host address (repeatable; else TUNEGATE_ALLOWED_HOSTS=a,b); requests with any other Host header get 403 (DNS rebinding)',
      },
      'max-response-bytes': {
        type: 'string',
        value: 'N',
        help: 'largest response body read from an endpoint or judge (else TUNEGATE_MAX_RESPONSE_BYTES); a larger one is an item error',
        default: `${DEFAULT_LIMITS.maxResponseBytes}, ${DEFAULT_LIMITS.maxResponseBytes / 2 ** 20} MiB`,
      },
      'max-answer-chars': {
        type: 'string',
        value: 'N',
        help: 'longest answer stored (else TUNEGATE_MAX_ANSWER_CHARS); a longer one is stored cut, marked "[truncated by tunegate: …]"',
        default: DEFAULT_LIMITS.maxAnswerChars,
      },
      'insecure-no-auth': { type: 'boolean', help: 'allow a non-loopback --host without TUNEGATE_TOKEN' },
      'protect-reads': {
        type: 'boolean',
        help: 'reads need the token too: every /api request but /api/health, the API docs and the event streams (the page asks for the token once); needs TUNEGATE_TOKEN (else TUNEGATE_PROTECT_READS=1)',
      },
      quiet: { type: 'boolean', help: 'no request log' },
      lease: { ...LEASE_OPTION.lease, help: "how long the server's claim on a run it executes lasts without renewal (renewed every 2 s)" },
      'rate-limit': {
        type: 'string',
        value: 'N',
        help: `requests one client (address) may make per ${WINDOW_S} s (else TUNEGATE_RATE_LIMIT; 0: no limit); more get 429 with Retry-After. /api/health and event streams are not counted`,
        default: DEFAULT_REQUEST_LIMITS.rateLimit,
      },
      'max-event-loop-delay': {
        type: 'string',
        value: 'MS',
        help: 'above this mean event-loop delay every request but /api/health and event streams gets 503 with Retry-After (else TUNEGATE_MAX_EVENT_LOOP_DELAY; 0: never)',
        default: DEFAULT_REQUEST_LIMITS.maxEventLoopDelay,
      },
    },
  }],
  notes: `Security: with TUNEGATE_TOKEN set, every non-GET request needs "Authorization: Bearer <token>"
(the scheme in any case); with --protect-reads every GET under /api/ too, but /api/health. Without
it the server only binds a loopback address unless --insecure-no-auth is given. Every POST, PATCH
and DELETE needs "Content-Type: application/json" (415 otherwise; an empty body is read as {}). API
calls to endpoints and judges never follow redirects, and keys are redacted from every stored or
logged error text. See docs/security.md.`,
};

export const SERVE_SPEC = specOf(SERVE_DOC);
