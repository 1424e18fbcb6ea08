import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { htmlReport, type ReportData } from '../gate/html-report.js';
import { readReportBundle } from '../gate/report-bundle.js';
import { forOutput, type Io } from './io.js';

/** Every string of `v` through `clean` (the data's text, never the bundle: its hash is in the CSP). */
function mapStrings<T>(v: T, clean: (s: string) => string): T {
  if (typeof v === 'string') return clean(v) as T;
  if (Array.isArray(v)) return v.map((x: unknown) => mapStrings(x, clean)) as T;
  if (v !== null && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, mapStrings(x, clean)])) as T;
  return v;
}

/**
 * Writes the HTML report of `data` to `file` (relative to the working directory): `report --html`,
 * `gate --html` and `run --gate --html` (local or against a server, which fetches the data) all
 * write it here. The keys this process knows are removed from the data first, as from every file it writes.
 */
export function writeHtmlReport(io: Io, file: string, data: ReportData): void {
  writeFileSync(resolve(io.cwd, file), htmlReport(mapStrings(data, (s) => forOutput(io, s)), readReportBundle()));
}
