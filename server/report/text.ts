/** Plain-text helpers shared by the CLI and the gate's reports. */

/** Left-aligned text table; numbers are pre-formatted by the caller. */
export function table(header: readonly string[], rows: ReadonlyArray<readonly string[]>): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd();
  return [line(header), ...rows.map(line)].join('\n');
}

export function fmt(v: number | null | undefined, digits = 3): string {
  return v === null || v === undefined ? '-' : v.toFixed(digits);
}
