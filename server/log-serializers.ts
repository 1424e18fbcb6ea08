import { redactSecrets } from './http/redact.js';

/** What the log shows of an error: always plain, redacted strings. */
export type LoggedError = {
  type: string;
  message: string;
  /** Empty when the value has none (Fastify's logger type wants a string). */
  stack: string;
  code?: string;
  cause?: LoggedError;
};

/** Text longer than this is cut before redaction (its patterns cost time on huge strings). */
const MAX_LOGGED_CHARS = 4000;
/** How many `cause` links are followed (a cycle or a long chain stops here). */
const MAX_CAUSES = 3;

/** Reads a property without letting a throwing getter or proxy escape. */
function read(value: object, key: string): unknown {
  try {
    return (value as Record<string, unknown>)[key];
  } catch {
    return undefined;
  }
}

/** Any value as text: JSON for plain objects, String() otherwise, a placeholder when even that throws. */
function textOf(value: unknown): string {
  try {
    if (typeof value === 'string') return value;
    if (typeof value === 'object' && value !== null) return JSON.stringify(value) ?? Object.prototype.toString.call(value);
    return String(value);
  } catch {
    try {
      return Object.prototype.toString.call(value);
    } catch {
      return '[value that cannot be shown]';
    }
  }
}

function describe(value: unknown, secrets: readonly (string | null | undefined)[], depth: number): LoggedError {
  const clean = (text: string) => redactSecrets(text.slice(0, MAX_LOGGED_CHARS), secrets);
  if (value === null || typeof value !== 'object') {
    return { type: value === null ? 'null' : typeof value, message: clean(textOf(value)), stack: '' };
  }
  const isError = value instanceof Error;
  const name = read(value, 'name');
  const message = read(value, 'message');
  const out: LoggedError = {
    type: typeof name === 'string' && name !== '' ? name : isError ? 'Error' : 'object',
    message: clean(typeof message === 'string' ? message : isError ? '' : textOf(value)),
    stack: '',
  };
  const stack = read(value, 'stack');
  if (typeof stack === 'string') out.stack = clean(stack);
  const code = read(value, 'code');
  if (typeof code === 'string' || typeof code === 'number') out.code = clean(String(code));
  const cause = read(value, 'cause');
  if (cause !== undefined && depth < MAX_CAUSES) out.cause = describe(cause, secrets, depth + 1);
  return out;
}

/**
 * The `err` serializer of the server's log: any value (an Error, one with a cause, a string, a
 * plain object, null, a value whose getters throw) becomes a plain object with every known
 * secret and credential pattern removed. It never throws: a log call must not stop the server.
 */
export function serializeError(value: unknown, secrets: readonly (string | null | undefined)[] = []): LoggedError {
  try {
    return describe(value, secrets, 0);
  } catch {
    return { type: 'unknown', message: '[an error that could not be logged]', stack: '' };
  }
}
