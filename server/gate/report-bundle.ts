import { readFileSync } from 'node:fs';
import { packagePath } from '../paths.js';
import type { ReportBundle } from './html-report.js';

/** The built report script and stylesheet from the package (web/dist, written by `npm run build`). */
export function readReportBundle(): ReportBundle {
  const read = (name: string) => {
    try {
      return readFileSync(packagePath('web', 'dist', name), 'utf8');
    } catch (e) {
      throw new Error(`tunegate: the HTML report's ${name} is missing from web/dist (run npm run build): ${(e as Error).message}`);
    }
  };
  return { js: read('report.js'), css: read('report.css') };
}
