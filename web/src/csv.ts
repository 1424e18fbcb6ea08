/*
 * Tables as CSV files (RFC 4180), for spreadsheets: UTF-8 with a byte-order mark (Excel reads
 * Chinese and every other script only with it), CRLF line ends, and each cell quoted when it holds
 * a comma, a quote or a line end. Pure: the page's download button (download.ts) and the tests
 * call the same functions.
 */

/** The byte-order mark that tells a spreadsheet the file is UTF-8. */
export const BOM = '\uFEFF';

const PLAIN_NUMBER = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;

/**
 * A cell's text made safe for a spreadsheet: a cell that starts with = + - @, a tab or a carriage
 * return is a formula to Excel, LibreOffice and Google Sheets (model output such as
 * `=HYPERLINK(...)` would run), so it gets a leading apostrophe, unless it is a plain number
 * ("-0.25", "+0.100"), which stays a number. OWASP's advice for CSV injection.
 */
export function guardFormula(text: string): string {
  return /^[=+\-@\t\r]/.test(text) && !PLAIN_NUMBER.test(text) ? `'${text}` : text;
}

/** One cell as RFC 4180 writes it: quoted (quotes doubled) when it holds a comma, a quote or a line end. */
export function csvCell(text: string): string {
  const safe = guardFormula(text);
  return /[",\r\n]/.test(safe) ? `"${safe.replaceAll('"', '""')}"` : safe;
}

/** The whole file: BOM, then each row's cells joined by commas, every row ended by CRLF. */
export function toCsv(rows: ReadonlyArray<readonly string[]>): string {
  return BOM + rows.map((r) => `${r.map(csvCell).join(',')}\r\n`).join('');
}

/** A file name from its parts ("run", 12, "results" → run-12-results.csv): letters, digits, . _ - only. */
export function csvFileName(...parts: ReadonlyArray<string | number>): string {
  const name = parts.map((p) => String(p).replace(/[^\p{L}\p{N}._-]+/gu, '_').replace(/^_+|_+$/g, '')).filter((p) => p !== '').join('-');
  return `${name === '' ? 'table' : name}.csv`;
}
