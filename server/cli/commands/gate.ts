import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { EXIT, TunegateError } from '../../errors.js';
import type { GateReport } from '../../gate/decide.js';
import { gateHead, type GateHeadOptions } from '../../gate/gate-head.js';
import { gateOptions, GateOptionsSchema } from '../../gate/options.js';
import { gateJunit, gateMarkdown, gateText } from '../../gate/reports.js';
import { resolveHead } from '../../runs/select.js';
import type { Store } from '../../store/open.js';
import { expectPositionals, flag, parseArgs, str, type Values } from '../args.js';
import { flagWording, inFlags, readOptions } from '../schema-options.js';
import { withStore } from '../context.js';
import { GATE_SPEC } from '../specs/gate.js';
import { forOutput, println, type Io } from '../io.js';
import { parseRunId } from './resume.js';

export { GATE_OPTIONS } from '../specs/gate.js';

/** The gate's options from the command line, by the schema the API validates with; every bad value names its flag. */
export function gateOptionsFrom(v: Values): GateHeadOptions {
  return inFlags(() => gateOptions(readOptions(GateOptionsSchema, v)));
}

/** Exit code of a gate report: 0 pass or no baseline yet, 1 regression, 3 untrusted (too many errored items, with or without a baseline). */
export function gateExitCode(r: GateReport): number {
  if (r.verdict === 'untrusted' || r.headErrors > r.maxErrors) return EXIT.ITEMS_ERRORED;
  return r.verdict === 'regression' ? EXIT.REGRESSION : EXIT.OK;
}

/**
 * Runs the gate for `headId`, writes the JUnit/Markdown files asked for, and prints the report
 * (unless `print` is false: `run --gate --json` prints it inside one object). Returns the report.
 */
export function gateAndReport(store: Store, headId: number, v: Values, io: Io, print = true): GateReport {
  const head = store.runs.get(headId);
  const report = inFlags(() => gateHead(store, head, { ...gateOptionsFrom(v), optionName: flagWording }));
  const junit = str(v, 'junit');
  const markdown = str(v, 'markdown');
  if (junit !== undefined) writeFileSync(resolve(io.cwd, junit), forOutput(io, gateJunit(report, flagWording)));
  if (markdown !== undefined) writeFileSync(resolve(io.cwd, markdown), forOutput(io, gateMarkdown(report, flagWording)));
  if (print) println(io.stdout, flag(v, 'json') ? JSON.stringify(report) : gateText(report, flagWording));
  return report;
}

export async function gateCommand(argv: readonly string[], io: Io): Promise<number> {
  const p = parseArgs(argv, GATE_SPEC, 'gate');
  expectPositionals(p, 0, 'gate');
  const runRaw = str(p.values, 'run');
  if (runRaw !== undefined && str(p.values, 'checkpoint') !== undefined) throw new TunegateError('USAGE', 'pass --run or --checkpoint, not both');
  gateOptionsFrom(p.values); // validate before opening anything
  return withStore(p.values, io, (store) => {
    const head = inFlags(() => resolveHead(store, {
      ...(runRaw !== undefined ? { run: parseRunId(runRaw, '--run') } : {}),
      ...(str(p.values, 'checkpoint') !== undefined ? { checkpoint: str(p.values, 'checkpoint')! } : {}),
    }));
    return gateExitCode(gateAndReport(store, head.id, p.values, io));
  });
}
