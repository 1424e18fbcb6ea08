/**
 * One table of error codes for the whole tool. The CLI maps them to exit codes and (later) the
 * HTTP routes map them to status codes, so a given mistake reads the same everywhere.
 */
export const ERROR_CODES = {
  USAGE: { exit: 2, http: 400 },
  INVALID_EVALSET: { exit: 2, http: 400 },
  INVALID_INPUT: { exit: 2, http: 400 },
  NOT_FOUND: { exit: 2, http: 404 },
  CONFLICT: { exit: 2, http: 409 },
  MISSING_SECRET: { exit: 2, http: 400 },
  RUN_BUSY: { exit: 2, http: 409 },
  /** Two runs (or a run and this tool) measured differently: scorer versions, parameters, prompts, rubric. */
  PROVENANCE_MISMATCH: { exit: 2, http: 409 },
  UNREACHABLE: { exit: 2, http: 502 },
  /** The endpoint lists the models it serves and the checkpoint's model is not one of them. */
  MODEL_NOT_SERVED: { exit: 2, http: 400 },
  /** A request whose Host is not a name the server answers to (DNS rebinding). */
  HOST_NOT_ALLOWED: { exit: 2, http: 403 },
  /** A state-changing request that is not JSON (what a cross-site form can send). */
  UNSUPPORTED_MEDIA_TYPE: { exit: 2, http: 415 },
  /** The database file is damaged (found at open by quick_check, or by any query). */
  DATABASE_DAMAGED: { exit: 2, http: 503 },
  /** A client sent more requests than the server's --rate-limit allows (Retry-After says when to try again). */
  RATE_LIMITED: { exit: 2, http: 429 },
  /** The server is too busy to answer now (its event loop lags; Retry-After says when to try again). */
  OVERLOADED: { exit: 2, http: 503 },
  INTERNAL: { exit: 4, http: 500 },
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

/** An error whose message tells the user what to fix; `details` lists further problems. */
export class TunegateError extends Error {
  readonly code: ErrorCode;
  readonly details: string[];

  constructor(code: ErrorCode, message: string, details: string[] = []) {
    super(message);
    this.name = 'TunegateError';
    this.code = code;
    this.details = details;
  }

  get exitCode(): number {
    return ERROR_CODES[this.code].exit;
  }
}

/** Exit codes of every command (documented in docs/runs.md and --help). */
export const EXIT = {
  OK: 0,
  /** Reserved for the regression gate: the head run regressed. */
  REGRESSION: 1,
  /** evalset check-leak (and the imports with --train): an eval item is in the training file. */
  LEAK: 1,
  USAGE: 2,
  ITEMS_ERRORED: 3,
  INTERNAL: 4,
  /** run --server: the run was not seen to stop (the server or the stream was lost); it may still be running there. */
  UNFINISHED: 5,
  INTERRUPTED: 130,
} as const;

/**
 * How an edge names an option: the CLI `--allow-mismatch`, the API `querystring/allowMismatch`;
 * with `value`, the option set to it (`--metrics a,b`, `querystring/allowMismatch=true`).
 */
export type OptionWording = (option: string, value?: string) => string;

/** The core's own wording, for library callers: the option by the name they pass it as. */
export const coreWording: OptionWording = (option, value) => (value === undefined ? `the ${option} option` : `${option}: ${value}`);

/**
 * An error about an option, worded where it reaches the user: a core says "the metrics option",
 * the CLI rewords it with `--metrics`, the API with the request's field (`querystring/metrics`),
 * so an API caller never reads a CLI flag.
 */
export class OptionError extends TunegateError {
  /** The option as the core names it (a key of its options schema: `allowMismatch`). */
  readonly option: string;
  private readonly say: (name: OptionWording) => string;

  constructor(code: ErrorCode, option: string, say: (name: OptionWording) => string, details: string[] = []) {
    super(code, say(coreWording), details);
    this.option = option;
    this.say = say;
  }

  /** The same error, naming options as an edge spells them. */
  worded(name: OptionWording): TunegateError {
    return new TunegateError(this.code, this.say(name), this.details);
  }
}

/**
 * Runs a check that names the field it checks (`requireMetric(m, field)`, `parseTolerances`) as
 * a check of `option`: its error becomes an OptionError, worded again for each edge.
 */
export function checkOption<T>(option: string, check: (field: string) => T): T {
  try {
    return check(coreWording(option));
  } catch (e) {
    if (!(e instanceof TunegateError)) throw e;
    const again = (field: string): string => {
      try {
        check(field);
      } catch (x) {
        return (x as Error).message;
      }
      return e.message;
    };
    throw new OptionError(e.code, option, (name) => again(name(option)), e.details);
  }
}

/** Runs `fn`, rewording an OptionError it throws (or its promise rejects with) with `name` (each edge's wording of options). */
export function wordOptions<T>(name: OptionWording, fn: () => T): T {
  const reword = (e: unknown): never => {
    throw e instanceof OptionError ? e.worded(name) : e;
  };
  try {
    const out = fn();
    return (out instanceof Promise ? out.catch(reword) : out) as T;
  } catch (e) {
    return reword(e);
  }
}
