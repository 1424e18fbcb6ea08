import { TunegateError } from '../errors.js';
import type { GateReport } from '../gate/decide.js';
import type { ReportData } from '../gate/html-report.js';
import { GateOptionsSchema } from '../gate/options.js';
import type { Values } from './args.js';
import type { ApiClient } from './remote.js';
import { flagWording, readOptions } from './schema-options.js';

/**
 * GET /api/gate's querystring: run `runId` and the gate options given on the command line, read
 * by the schema the server validates them with; options not given are left to the server's
 * defaults, which are the local gate's.
 */
export function gateQuery(runId: number, v: Values): string {
  const q = new URLSearchParams({ run: String(runId) });
  for (const [option, value] of Object.entries(readOptions(GateOptionsSchema, v))) {
    for (const x of Array.isArray(value) ? value : [value]) q.append(option, String(x));
  }
  return q.toString();
}

/** The server names an option as its field (`querystring.allowMismatch=true`); this command's user typed a flag (`--allow-mismatch`). */
const asFlags = (message: string): string =>
  message.replace(/querystring\.([A-Za-z]+)(?:=([^\s,;)]+))?/g, (_m, option: string, value: string | undefined) => flagWording(option, value));

/** Gates run `runId` on the server (the gate a local `run --gate` runs, over the server's database); a refusal names the flags. */
export async function remoteGate(client: ApiClient, runId: number, v: Values): Promise<GateReport> {
  try {
    const report = await client.request<GateReport>('GET', `/api/gate?${gateQuery(runId, v)}`);
    // The server words its warnings for an API caller; this command's user typed flags.
    return { ...report, warnings: report.warnings.map(asFlags) };
  } catch (e) {
    if (e instanceof TunegateError) throw new TunegateError(e.code, asFlags(e.message), e.details);
    throw e;
  }
}

/**
 * The HTML report's data for a pair the server gated, read from its API (the same parts a local
 * report reads from the store: /api/compare, /api/metrics, /api/runs/:id): the file is the same
 * either way. With no reference yet, the head against itself, as locally.
 */
export async function remoteReportData(client: ApiClient, report: GateReport, dashboard: string | undefined): Promise<ReportData> {
  const head = report.head.runId;
  const base = report.baseline?.runId ?? head;
  const [comparison, definitions, baseRun, headRun] = await Promise.all([
    client.request<ReportData['comparison']>('GET', `/api/compare?base=${base}&head=${head}`),
    client.request<ReportData['definitions']>('GET', '/api/metrics'),
    client.request<ReportData['runs']['base']>('GET', `/api/runs/${base}`),
    client.request<ReportData['runs']['head']>('GET', `/api/runs/${head}`),
  ]);
  return {
    comparison: report.baseline?.runId === base ? { ...comparison, reference: report.reference } : comparison,
    gate: report,
    definitions: { metrics: definitions.metrics, pass: definitions.pass, consistency: definitions.consistency },
    runs: { base: baseRun, head: headRun },
    generatedAt: new Date().toISOString(),
    dashboardUrl: dashboard ?? null,
  };
}
