/** Plain-text helpers shared by the CLI and the gate's reports. */
import { oneLine } from '../untrusted-text.js';
import { fixedDigits } from '../shared/fixed-digits.js';

/**
 * Left-aligned text table; numbers are pre-formatted by the caller. Cells may hold untrusted
 * text (checkpoint names, models, tags): each is made one printable line first, so a newline
 * cannot break a row and widths are those of what is printed.
 */
export function table(header: readonly string[], rawRows: ReadonlyArray<readonly string[]>): string {
  const rows = rawRows.map((r) => r.map((c) => oneLine(c, Infinity)));
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd();
  return [line(header), ...rows.map(line)].join('\n');
}

export function fmt(v: number | null | undefined, digits = 3): string {
  return v === null || v === undefined ? '-' : fixedDigits(v, digits);
}
