import { TunegateError } from '../../errors.js';
import { gate } from '../../gate/gate-head.js';
import { reportData } from '../../gate/report-data.js';
import { expectPositionals, parseArgs, str } from '../args.js';
import { withStore } from '../context.js';
import { inFlags } from '../schema-options.js';
import { writeHtmlReport } from '../html-report-file.js';
import type { Io } from '../io.js';
import { REPORT_SPEC } from '../specs/report.js';
import { gateOptionsFrom } from './gate.js';
import { parseRunId } from './resume.js';

/** Why the gate may refuse a pair whose report is still worth reading. */
const REFUSALS: ReadonlySet<string> = new Set(['PROVENANCE_MISMATCH', 'INVALID_INPUT']);

/** `tunegate report --base RUN --head RUN --html FILE`: the compare view of a pair as one HTML file. */
export async function reportCommand(argv: readonly string[], io: Io): Promise<number> {
  const p = parseArgs(argv, REPORT_SPEC, 'report');
  expectPositionals(p, 0, 'report');
  const required = (name: string) => {
    const v = str(p.values, name);
    if (v === undefined) throw new TunegateError('USAGE', `report needs --${name} (see tunegate report --help)`);
    return v;
  };
  const baseId = parseRunId(required('base'), '--base');
  const headId = parseRunId(required('head'), '--head');
  const file = required('html');
  const options = gateOptionsFrom(p.values); // validate before opening anything
  return withStore(p.values, io, (store) => {
    store.runs.get(baseId);
    store.runs.get(headId);
    // A pair the gate refuses (measured differently, nothing in common) still gets its report, saying why.
    let verdict;
    try {
      verdict = inFlags(() => gate(store, headId, baseId, options));
    } catch (e) {
      if (!(e instanceof TunegateError) || !REFUSALS.has(e.code)) throw e;
      verdict = e;
    }
    writeHtmlReport(io, file, reportData(store, baseId, headId, verdict));
    return 0;
  });
}
