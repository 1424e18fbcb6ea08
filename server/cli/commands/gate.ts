import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { EXIT, TunegateError } from '../../errors.js';
import type { GateOptions, GateReport } from '../../gate/decide.js';
import { gateHead } from '../../gate/gate-head.js';
import { gateJunit, gateMarkdown, gateText } from '../../gate/reports.js';
import { parseTolerances } from '../../gate/tolerance.js';
import { requireMetric } from '../../scoring/metric-registry.js';
import { resolveHead } from '../../runs/select.js';
import type { Store } from '../../store/open.js';
import { expectPositionals, flag, int, list, num, parseArgs, str, type Spec, type Values } from '../args.js';
import { DB_OPTION, withStore } from '../context.js';
import { forOutput, println, type Io } from '../io.js';
import { parseRunId } from './resume.js';

/** The gate's own options; `run --gate` accepts them too. */
export const GATE_OPTIONS = {
  baseline: { type: 'string' },
  'require-baseline': { type: 'boolean' },
  tolerance: { type: 'string', multiple: true },
  alpha: { type: 'string' },
  'no-significance': { type: 'boolean' },
  'allow-mismatch': { type: 'boolean' },
  'max-errors': { type: 'string' },
  metrics: { type: 'string' },
  junit: { type: 'string' },
  markdown: { type: 'string' },
} as const satisfies Spec;

/** GateOptions from the command line; every bad value names its option. */
export function gateOptionsFrom(v: Values): GateOptions {
  const tolerance = parseTolerances(list(v, 'tolerance'), '--tolerance');
  const metrics = str(v, 'metrics')?.split(',').map((m) => m.trim()).filter((m) => m !== '');
  // Checked here too: a first build (no reference) never reaches the gate's own check.
  for (const m of metrics ?? []) requireMetric(m, '--metrics');
  const alpha = num(v, 'alpha', 0.000001, 0.5);
  const maxErrors = int(v, 'max-errors', 0);
  return {
    tolerance,
    ...(metrics !== undefined ? { metrics } : {}),
    ...(alpha !== undefined ? { alpha } : {}),
    ...(maxErrors !== undefined ? { maxErrors } : {}),
    noSignificance: flag(v, 'no-significance'),
    allowMismatch: flag(v, 'allow-mismatch'),
  };
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
  const baseline = str(v, 'baseline');
  const report = gateHead(store, head, { ...gateOptionsFrom(v), ...(baseline !== undefined ? { baseline } : {}), requireBaseline: flag(v, 'require-baseline') });
  const junit = str(v, 'junit');
  const markdown = str(v, 'markdown');
  if (junit !== undefined) writeFileSync(resolve(io.cwd, junit), forOutput(io, gateJunit(report)));
  if (markdown !== undefined) writeFileSync(resolve(io.cwd, markdown), forOutput(io, gateMarkdown(report)));
  if (print) println(io.stdout, flag(v, 'json') ? JSON.stringify(report) : gateText(report));
  return report;
}

export async function gateCommand(argv: readonly string[], io: Io): Promise<number> {
  const p = parseArgs(argv, { ...DB_OPTION, ...GATE_OPTIONS, run: { type: 'string' }, checkpoint: { type: 'string' }, json: { type: 'boolean' } }, 'gate');
  expectPositionals(p, 0, 'gate');
  const runRaw = str(p.values, 'run');
  if (runRaw !== undefined && str(p.values, 'checkpoint') !== undefined) throw new TunegateError('USAGE', 'pass --run or --checkpoint, not both');
  gateOptionsFrom(p.values); // validate before opening anything
  return withStore(p.values, io, (store) => {
    const head = resolveHead(store, {
      ...(runRaw !== undefined ? { run: parseRunId(runRaw, '--run') } : {}),
      ...(str(p.values, 'checkpoint') !== undefined ? { checkpoint: str(p.values, 'checkpoint')! } : {}),
    });
    return gateExitCode(gateAndReport(store, head.id, p.values, io));
  });
}
