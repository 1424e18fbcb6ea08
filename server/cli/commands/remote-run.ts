import { EXIT, TunegateError } from '../../errors.js';
import { setNameOf } from '../../evalsets/load.js';
import type { RunJson } from '../../report/run-json.js';
import type { Checkpoint, NewCheckpoint } from '../../store/types.js';
import { flag, int, list, num, str, type Values } from '../args.js';
import { runText } from '../format.js';
import { println, type Io } from '../io.js';
import { createProgressReporter } from '../progress.js';
import type { ApiClient } from '../remote.js';
import { checkpointRequest, judgeFromOptions } from './checkpoint.js';
import { checkSameEndpoint } from './run.js';

/** Exit code of a finished run, the same rules as a local run. */
export function exitCodeFor(run: Pick<RunJson, 'status' | 'counts'>): number {
  if (run.status === 'interrupted' || run.status === 'cancelled') return EXIT.INTERRUPTED;
  if (run.status === 'failed') return EXIT.INTERNAL;
  return (run.counts?.errors ?? 0) > 0 ? EXIT.ITEMS_ERRORED : EXIT.OK;
}

/** The POST /api/runs body from the run flags the user gave (the server fills in the defaults). */
function runRequest(checkpoint: string, v: Values): Record<string, unknown> {
  const judge = judgeFromOptions(v);
  const body: Record<string, unknown> = { checkpoint };
  // The server offers eval sets by name: a path given here names the set by its file name.
  const sets = list(v, 'evalsets').map(setNameOf);
  if (sets.length > 0) body.evalsets = sets;
  const add = (key: string, value: unknown) => { if (value !== undefined) body[key] = value; };
  add('temperature', num(v, 'temperature', 0, 2));
  add('maxTokens', int(v, 'max-tokens', 1));
  add('samples', int(v, 'samples', 1, 1000));
  add('concurrency', int(v, 'concurrency', 1, 1024));
  add('seed', int(v, 'seed', 0));
  add('timeout', num(v, 'timeout', 0.001, 86_400));
  add('retries', int(v, 'retries', 0, 100));
  if (judge !== null) body.judge = judge;
  if (flag(v, 'perplexity')) body.perplexity = true;
  return body;
}

/**
 * `tunegate run … --server URL`: registers the checkpoint on the server when given an endpoint,
 * queues the run there, follows its events (progress on stderr) and prints the result as a
 * local run would, with the same exit codes. Ctrl-C cancels the run on the server.
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
  const { id } = await client.request<{ id: number }>('POST', '/api/runs', runRequest(name, v));
  println(io.stderr, `run ${id} queued on ${client.base}; following it (Ctrl-C cancels it on the server)`);

  const onAbort = () => void client.request('POST', `/api/runs/${id}/cancel`).catch(() => undefined);
  io.signal?.addEventListener('abort', onAbort, { once: true });
  const progress = createProgressReporter(io.stderr);
  let final: RunJson | undefined;
  try {
    for await (const e of client.events(id)) {
      if (e.event === 'progress') progress.update({ ...e.data, requests: e.data.requests ?? 0, elapsedMs: e.data.elapsedMs ?? 0 });
      if (e.event === 'finished') final = e.data as RunJson;
    }
  } finally {
    io.signal?.removeEventListener('abort', onAbort);
    progress.finish();
  }
  final ??= await client.request<RunJson>('GET', `/api/runs/${id}`);
  println(io.stdout, flag(v, 'json') ? JSON.stringify(final) : runText(final));
  const code = exitCodeFor(final);
  if (code === EXIT.ITEMS_ERRORED) println(io.stderr, `${final.counts?.errors} results errored after retries; see GET ${client.base}/api/runs/${id}/results?outcome=error`);
  if (code === EXIT.INTERRUPTED) println(io.stderr, `run ${id} is ${final.status}; resume it with POST ${client.base}/api/runs/${id}/resume`);
  return code;
}
