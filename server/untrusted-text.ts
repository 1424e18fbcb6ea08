/*
 * Text that comes from outside the tool (a model's answer, an endpoint's reported model name
 * or system_fingerprint) made safe for a terminal and bounded in size. An answer or a header
 * may carry escape sequences that recolour, move the cursor or retitle a terminal window; a
 * misbehaving server may send megabytes where one word was expected.
 */

// C0 controls except tab and newline, DEL, C1 controls, and the bidirectional marks, overrides and
// isolates that can make printed text read differently from what it is.
const CONTROL = /[\u0000-\u0008\u000B-\u001F\u007F-\u009F\u200E\u200F\u202A-\u202E\u2066-\u2069]/g;

// Whole escape sequences go first, so no "[31m" is left behind: CSI (colours, cursor moves),
// OSC (window titles, hyperlinks; ended by BEL or ESC \) and two-character escapes.
const ESCAPE = /\u001b(?:\[[0-?]*[ -/]*[@-~]|\][^\u0007\u001b]*(?:\u0007|\u001b\\)?|[@-Z\\-_])/g;

/** Untrusted text without escape sequences or control characters (tabs and newlines kept). */
export function printable(text: string): string {
  return text.replace(ESCAPE, '').replace(CONTROL, '');
}

/** Untrusted text as one printable line of at most `max` characters (… marks a cut). */
export function oneLine(text: string, max: number): string {
  const line = printable(text).replace(/\s+/g, ' ').trim();
  return line.length > max ? `${line.slice(0, max)}…` : line;
}
