import { describeCause, storedCause } from '../http/failure-cause.js';

const MARK = 'errored: ';
/** Distinct failure messages reported besides the causes; the rest are counted in the last line. */
const MAX_MESSAGES = 3;

/**
 * A run's errored results as a few notes, one per cause (context overflow, unknown model,
 * credentials, invalid request) and one per distinct other failure, most frequent first, so 23
 * identical failures read as one line with a count. Derived from the stored rows, so a resume
 * replaces them with the run's whole picture.
 */
export function errorNotes(errors: readonly string[], model: string): string[] {
  const causes = new Map<string, { count: number; example: string; line: (n: number, ex: string) => string }>();
  const others = new Map<string, number>();
  for (const error of errors) {
    const cause = storedCause(error);
    if (cause === null) {
      others.set(error, (others.get(error) ?? 0) + 1);
      continue;
    }
    // By kind and status only: messages that differ in a number are still one cause.
    const key = `${cause.kind}\u0000${cause.status}`;
    const c = causes.get(key);
    if (c !== undefined) c.count++;
    else causes.set(key, { count: 1, example: shortExample(error.replace(/^HTTP \d{3}: /, '')), line: (n, ex) => describeCause(cause, n, ex, model) });
  }
  const lines = [...causes.values()].sort((a, b) => b.count - a.count).map((c) => MARK + c.line(c.count, c.example));
  const rest = [...others.entries()].sort((a, b) => b[1] - a[1]);
  for (const [message, count] of rest.slice(0, MAX_MESSAGES)) {
    lines.push(`${MARK}${count} ${count === 1 ? 'item' : 'items'} failed: ${message}`);
  }
  const left = rest.slice(MAX_MESSAGES).reduce((s, [, n]) => s + n, 0);
  if (left > 0) lines.push(`${MARK}${left} more ${left === 1 ? 'item' : 'items'} failed with other messages (the run's answers list them)`);
  return lines;
}

function shortExample(text: string): string {
  return text.length > 200 ? `${text.slice(0, 199)}…` : text;
}

/** Whether a note is one of errorNotes' (a resume replaces them). */
export function isErrorNote(note: string): boolean {
  return note.startsWith(MARK);
}
