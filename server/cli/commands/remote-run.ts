import { oneLine } from '../../untrusted-text.js';
import { EXIT, TunegateError } from '../../errors.js';
import { setNameOf } from '../../evalsets/load.js';
import type { RunJson } from '../../report/run-json.js';
import type { RunOptions } from '../../runs/run-options.js';
import type { Checkpoint, NewCheckpoint } from '../../store/types.js';
import { flag, list, str, type Values } from '../args.js';
import { runOptionsFromFlags } from '../run-flags.js';
import { runText } from '../format.js';
import { everyItemErrored } from '../../runner/final-status.js';
import { println, type Io } from '../io.js';
import { createRunProgressReporter } from '../progress.js';
import type { PostRunPhase } from '../../pipeline/post-run.js';
import type { Progress } from '../../runner/run-progress.js';
import type { ApiClient } from '../remote.js';
import { checkpointRequest, judgeFromOptions } from './checkpoint.js';
import { checkSameEndpoint } from '../same-endpoint.js';
import { remoteGate, remoteReportData } from '../remote-gate.js';
import { writeHtmlReport } from '../html-report-file.js';
import { dashboardFrom, gateExitCode, writeGateReports } from './gate.js';

/** Exit code of a run, the same rules as a local run; 0 only for a completed run without errors. */
export function exitCodeFor(run: Pick<RunJson, 'status' | 'counts'>): number {
  if (run.status === 'interrupted' || run.status === 'cancelled') return EXIT.INTERRUPTED;
  // Every item errored: the run finished with errors, as locally (exit 3), not a server fault.
  if (run.status === 'failed') return run.counts !== null && everyItemErrored(run.counts) ? EXIT.ITEMS_ERRORED : EXIT.INTERNAL;
  if (run.status !== 'completed') return EXIT.UNFINISHED;
  return (run.counts?.errors ?? 0) > 0 ? EXIT.ITEMS_ERRORED : EXIT.OK;
}

/** Waits between reconnections of a dropped stream (about 12 s in all before giving up). */
export const RECONNECT_DELAYS_MS = [250, 500, 1_000, 2_000, 4_000, 4_000];

const TERMINAL = new Set(['completed', 'interrupted', 'failed', 'cancelled']);

type Followed = { run: RunJson } | { lost: string };

/**
 * Follows a run's events until its `finished` event. A stream that drops or ends early is
 * reopened with Last-Event-ID (the server sends what was missed), after a growing wait; only
 * consecutive attempts that bring no event count towards giving up. Then the run is read once
 * (GET): a stopped run is reported as it stands; otherwise the run is lost to this client.
 */
async function followRun(client: ApiClient, id: number, onProgress: (p: Record<string, any>) => void, signal: AbortSignal | undefined): Promise<Followed> {
  let lastId: string | undefined;
  let failures = 0;
  let why = '';
  for (;;) {
    let heard = false;
    try {
      for await (const e of client.events(id, lastId)) {
        heard = true;
        if (e.id !== undefined) lastId = e.id;
        if (e.event === 'progress') onProgress(e.data);
        if (e.event === 'finished') return { run: e.data as RunJson };
      }
      why = 'the server ended the stream before the run finished';
    } catch (e) {
      if (e instanceof TunegateError && (e.code === 'NOT_FOUND' || e.code === 'USAGE')) throw e;
      why = e instanceof TunegateError ? e.message : `the stream broke (${(e as Error).message})`;
    }
    if (heard) failures = 0;
    // After Ctrl-C the cancel is sent; a broken stream is not worth waiting for.
    if (failures >= RECONNECT_DELAYS_MS.length || signal?.aborted === true) break;
    await new Promise((r) => setTimeout(r, RECONNECT_DELAYS_MS[failures++]));
  }
  try {
    const run = await client.request<RunJson>('GET', `/api/runs/${id}`);
    if (TERMINAL.has(run.status)) return { run };
    return { lost: `${why}; run ${id} is still ${run.status} on the server` };
  } catch (e) {
    return { lost: `${why}; ${(e as Error).message}` };
  }
}

/** The POST /api/runs body from the run flags the user gave (the server fills in the defaults). */
function runRequest(checkpoint: string, v: Values): { checkpoint: string } & RunOptions {
  const judge = judgeFromOptions(v);
  // The server offers eval sets by name: a path given here names the set by its file name.
  const sets = list(v, 'evalsets').map(setNameOf);
  return { checkpoint, ...(sets.length > 0 ? { evalsets: sets } : {}), ...runOptionsFromFlags(v), ...(judge !== null ? { judge } : {}) };
}

/**
 * `tunegate run … --server URL`: registers the checkpoint on the server when given an endpoint,
 * queues the run there, follows its events (progress on stderr) and prints the result as a
 * local run would, with the same exit codes; with `--gate`, gates it there (GET /api/gate) and
 * writes the reports here as a local gate does, exiting with the gate's code. Ctrl-C cancels the run on the server. Exits 0 only
 * for a completed run: a run lost to this client (the server gone, the stream gone) is exit 5.
 */
export async function remoteRun(io: Io, client: ApiClient, name: string, wanted: NewCheckpoint | undefined, v: Values): Promise<number> {
  if (str(v, 'judge-pairwise') !== undefined) throw new TunegateError('USAGE', '--judge-pairwise is not available with --server yet; run `tunegate judge RUN --pairwise BASE` against the database');
  if (wanted !== undefined) {
    try {
      await client.request('POST', '/api/checkpoints', checkpointRequest(wanted));
    } catch (e) {
      if (!(e instanceof TunegateError && e.code === 'CONFLICT')) throw e;
      checkSameEndpoint(await client.request<Checkpoint>('GET', `/api/checkpoints/${encodeURIComponent(name)}`), wanted, v);
    }
  }
  const { id, warnings } = await client.request<{ id: number; warnings?: string[] }>('POST', '/api/runs', runRequest(name, v));
  for (const w of warnings ?? []) println(io.stderr, `warning: ${oneLine(w, 500)}`);
  println(io.stderr, `run ${id} queued on ${client.base}; following it (Ctrl-C cancels it on the server)`);

  const onAbort = () => void client.request('POST', `/api/runs/${id}/cancel`).catch(() => undefined);
  io.signal?.addEventListener('abort', onAbort, { once: true });
  const progress = createRunProgressReporter(io.stderr);
  const counts = (p: Record<string, any>): Progress => ({ done: p.done, total: p.total, errors: p.errors ?? 0, requests: p.requests ?? 0, elapsedMs: p.elapsedMs ?? 0 });
  let followed: Followed;
  try {
    // A step after the run (likelihood, perplexity) comes with its own count, shown on its own line.
    followed = await followRun(client, id, (p) => progress.update({
      ...counts(p),
      ...(typeof p.phase === 'string' && typeof p.phaseProgress === 'object' && p.phaseProgress !== null ? { phase: p.phase as PostRunPhase, phaseProgress: counts(p.phaseProgress) } : {}),
    }), io.signal);
  } finally {
    io.signal?.removeEventListener('abort', onAbort);
    progress.finish();
  }
  if ('lost' in followed) {
    println(io.stderr, `tunegate: lost run ${id}: ${followed.lost}`);
    println(io.stderr, `  it may still be running there: GET ${client.base}/api/runs/${id}`);
    return io.signal?.aborted === true ? EXIT.INTERRUPTED : EXIT.UNFINISHED;
  }
  const final = followed.run;
  const code = exitCodeFor(final);
  const json = flag(v, 'json');
  // `--gate`, as a local run: a stopped run is not gated; a run with errored items is, and the
  // gate reports it as untrusted (exit 3) unless --max-errors allows them.
  const gated = flag(v, 'gate') && (code === EXIT.OK || code === EXIT.ITEMS_ERRORED);
  if (!(gated && json)) println(io.stdout, json ? JSON.stringify(final) : runText(final));
  if (code === EXIT.ITEMS_ERRORED) println(io.stderr, `${final.counts?.errors} results errored after retries; see GET ${client.base}/api/runs/${id}/results?outcome=error`);
  if (code === EXIT.INTERRUPTED) println(io.stderr, `run ${id} is ${final.status}; resume it with POST ${client.base}/api/runs/${id}/resume`);
  if (!gated) return code;
  const report = await remoteGate(client, id, v);
  const dashboard = dashboardFrom(v, io, client.base);
  writeGateReports(report, v, io, !json, dashboard);
  const html = str(v, 'html');
  if (html !== undefined) writeHtmlReport(io, html, await remoteReportData(client, report, dashboard));
  if (json) println(io.stdout, JSON.stringify({ run: final, gate: report }));
  return gateExitCode(report);
}
