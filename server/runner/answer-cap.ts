/**
 * Stored answers have a size cap (TUNEGATE_MAX_ANSWER_CHARS, default 262144 characters), so an
 * endpoint cannot make tunegate keep whatever it sends. A longer answer is stored cut, ending
 * with a marker, and scored as stored (without the marker); the run gets a note.
 */

const MARK = '[truncated by tunegate:';
const NOTE_PREFIX = 'answers cut by tunegate:';

/** The text cut to `max` characters with a marker saying so, or as it is. */
export function capText(text: string, max: number): { stored: string; scored: string; cut: boolean } {
  if (text.length <= max) return { stored: text, scored: text, cut: false };
  const kept = text.slice(0, max);
  return { stored: `${kept}\n${MARK} ${text.length} characters received, the first ${max} kept]`, scored: kept, cut: true };
}

/** The run note for answers cut by the cap. */
export function answerCapNote(max: number): string {
  return `${NOTE_PREFIX} some answers or reasoning were longer than ${max} characters and are stored cut (ending with "${MARK} …]") and scored as stored; raise the server's TUNEGATE_MAX_ANSWER_CHARS setting to keep more`;
}

export const isAnswerCapNote = (note: string): boolean => note.startsWith(NOTE_PREFIX);
