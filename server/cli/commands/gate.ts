import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { dashboardUrlSetting } from '../../config.js';
import { EXIT, TunegateError } from '../../errors.js';
import { dashboardBase, gateLinks } from '../../gate/dashboard-links.js';
import type { GateReport } from '../../gate/decide.js';
import { gateHead, type GateHeadOptions } from '../../gate/gate-head.js';
import { gateOptions, GateOptionsSchema } from '../../gate/options.js';
import { gateJunit, gateMarkdown, gateText } from '../../gate/reports.js';
import { reportData } from '../../gate/report-data.js';
import { writeHtmlReport } from '../html-report-file.js';
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
 * The dashboard the reports link to, checked: --dashboard-url, else TUNEGATE_DASHBOARD_URL, else
 * `server` (run --server: the server serves the dashboard); undefined: no links. Called before
 * anything runs, so a bad URL costs no run.
 */
export function dashboardFrom(v: Values, io: Io, server?: string): string | undefined {
  const setting = dashboardUrlSetting(str(v, 'dashboard-url'), io.env) ?? (server !== undefined ? { url: server, from: '--server' } : undefined);
  return setting === undefined ? undefined : dashboardBase(setting.url, setting.from);
}

/**
 * Writes the JUnit/Markdown files asked for and prints the report (unless `print` is false:
 * `run --gate --json` prints it inside one object): the one rendering of a report, whether the
 * gate ran here or on a server, so the files are the same either way. With a `dashboard`, each
 * links to the runs' pages there.
 */
export function writeGateReports(report: GateReport, v: Values, io: Io, print = true, dashboard?: string): void {
  const links = dashboard === undefined ? undefined : gateLinks(dashboard, report);
  const junit = str(v, 'junit');
  const markdown = str(v, 'markdown');
  if (junit !== undefined) writeFileSync(resolve(io.cwd, junit), forOutput(io, gateJunit(report, links, flagWording)));
  if (markdown !== undefined) writeFileSync(resolve(io.cwd, markdown), forOutput(io, gateMarkdown(report, links, flagWording)));
  if (print) println(io.stdout, flag(v, 'json') ? JSON.stringify(report) : gateText(report, links, flagWording));
}

/** Runs the gate for `headId` and writes its reports (writeGateReports). Returns the report. */
export function gateAndReport(store: Store, headId: number, v: Values, io: Io, print = true): GateReport {
  const head = store.runs.get(headId);
  const report = inFlags(() => gateHead(store, head, { ...gateOptionsFrom(v), optionName: flagWording }));
  const dashboard = dashboardFrom(v, io);
  writeGateReports(report, v, io, print, dashboard);
  const html = str(v, 'html');
  // No reference yet: the head against itself, under the banner saying it was not gated.
  if (html !== undefined) writeHtmlReport(io, html, reportData(store, report.baseline?.runId ?? headId, headId, report, dashboard !== undefined ? { dashboardUrl: dashboard } : {}));
  return report;
}

export async function gateCommand(argv: readonly string[], io: Io): Promise<number> {
  const p = parseArgs(argv, GATE_SPEC, 'gate');
  expectPositionals(p, 0, 'gate');
  const runRaw = str(p.values, 'run');
  if (runRaw !== undefined && str(p.values, 'checkpoint') !== undefined) throw new TunegateError('USAGE', 'pass --run or --checkpoint, not both');
  gateOptionsFrom(p.values); // validate before opening anything
  dashboardFrom(p.values, io);
  return withStore(p.values, io, (store) => {
    const head = inFlags(() => resolveHead(store, {
      ...(runRaw !== undefined ? { run: parseRunId(runRaw, '--run') } : {}),
      ...(str(p.values, 'checkpoint') !== undefined ? { checkpoint: str(p.values, 'checkpoint')! } : {}),
    }));
    return gateExitCode(gateAndReport(store, head.id, p.values, io));
  });
}
