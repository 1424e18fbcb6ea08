import { DEFAULT_DB_PATH } from '../../config.js';
import { DEFAULT_LIMITS, REQUEST_WINDOW_MS } from '../../settings/setting-limits.js';
import type { Spec } from '../args.js';

/**
 * What `tunegate CMD --help` and docs/cli.md say about a command, beside the options it parses.
 * Kept in modules that import nothing heavy: help must start without the SQLite driver or the
 * HTTP client.
 */
export interface CommandDoc {
  /** The command path: "run", "checkpoint add". */
  readonly name: string;
  /** The command with its key arguments, for the main command list: "run CHECKPOINT". */
  readonly synopsis: string;
  /** One line, for the main command list. */
  readonly summary: string;
  /** Usage lines, without the leading "tunegate ". */
  readonly usage: readonly string[];
  /** Free text before the options (what it does), line breaks kept. */
  readonly about?: string;
  /** The options, in help order; a titled group is printed under its own heading. */
  readonly options: readonly OptionGroup[];
  /** Free text after the options (metrics, security, …), line breaks kept. */
  readonly notes?: string;
  /** "common": the exit codes every command shares (printed in full); else this command's own. */
  readonly exit?: 'common' | string;
}

export interface OptionGroup {
  readonly title?: string;
  readonly options: Spec;
}

/** The options a command parses: every group's, merged. */
export function specOf(doc: CommandDoc): Spec {
  return Object.assign({}, ...doc.options.map((g) => g.options)) as Spec;
}

export const DB_OPTION = {
  db: { type: 'string', value: 'PATH', help: 'SQLite database', default: `$TUNEGATE_DB, else ${DEFAULT_DB_PATH}` },
} as const satisfies Spec;

// The lease's length and renewal are the runner's (DEFAULT_LEASE_MS); runner/owner.ts loads the
// runner, so help says them in words.
export const LEASE_OPTION = {
  lease: {
    type: 'string',
    value: 'SECONDS',
    help: "this process's claim on the run lasts this long without renewal (renewed every 2 s). Another process may take over a run whose lease expired",
    default: 30,
  },
} as const satisfies Spec;

export const JSON_OPTION = { json: { type: 'boolean', help: 'print JSON' } } as const satisfies Spec;

/** The exit codes every command shares (errors.ts EXIT); a command with its own lists them in its doc. */
export const EXIT_CODES: readonly (readonly [code: number, meaning: string])[] = [
  [0, 'success'],
  [1, "gate: a metric regressed; evalset check-leak (and the imports with --train): an eval item's prompt or reference is in the training file"],
  [2, 'bad usage or invalid input (nothing was sent to any model)'],
  [3, 'the run finished but some items errored (results are stored and printed); gate: the head run has more errored items than --max-errors'],
  [4, 'internal error (a bug, or a database that cannot be used)'],
  [5, 'run --server: the run was not seen to stop (the server or its stream was lost after retries); it may still be running there'],
  [130, 'interrupted (Ctrl-C) or cancelled; resume with `tunegate resume RUN_ID`'],
];

/** The environment variables tunegate reads (config.ts reads them; this says what they do). */
export const ENVIRONMENT: readonly (readonly [name: string, meaning: string])[] = [
  ['TUNEGATE_DB', 'default database path (overridden by --db)'],
  ['TUNEGATE_TOKEN', 'serve: bearer token every non-GET request needs; client: sent by --server'],
  ['TUNEGATE_DASHBOARD_URL', 'gate, run --gate: the dashboard the reports link to (as --dashboard-url)'],
  ['TUNEGATE_PROTECT_READS', 'serve: 1 = reads need the token too (as --protect-reads)'],
  ['TUNEGATE_KEY_ENVS', 'serve: key variables the server may read (as --key-env; A=URL_PREFIX,B)'],
  ['TUNEGATE_ALLOWED_HOSTS', 'serve: extra Host names (as --allowed-host; a,b)'],
  ['TUNEGATE_RATE_LIMIT', `serve: requests per client per ${REQUEST_WINDOW_MS / 1000} s (as --rate-limit)`],
  ['TUNEGATE_MAX_EVENT_LOOP_DELAY', 'serve: ms of event-loop delay before 503s (as --max-event-loop-delay)'],
  ['TUNEGATE_MAX_RESPONSE_BYTES', `cap on an endpoint's response body (default ${DEFAULT_LIMITS.maxResponseBytes / 2 ** 20} MiB)`],
  ['TUNEGATE_MAX_ANSWER_CHARS', `cap on a stored answer (default ${DEFAULT_LIMITS.maxAnswerChars} characters)`],
  ['ANTHROPIC_API_KEY', 'key for --judge anthropic:MODEL (serve: only with --key-env ANTHROPIC_API_KEY)'],
  ['ANTHROPIC_BASE_URL', 'base URL for the anthropic judge (proxies, test servers)'],
];
