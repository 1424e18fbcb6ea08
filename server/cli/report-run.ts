import { EXIT } from '../errors.js';
import { executeRun } from '../runner/execute-run.js';
import type { Store } from '../store/open.js';
import { runJson, runText } from './format.js';
import { println, type Io } from './io.js';
import { createProgressReporter } from './progress.js';

/**
 * Executes a stored run with progress on stderr, prints the result (text or `--json`) on stdout
 * and returns the exit code: 0, 3 when items errored, 130 when interrupted. Shared by `run`,
 * `resume` and `demo` so all three behave alike.
 */
export async function executeAndReport(store: Store, runId: number, io: Io, opts: { json: boolean; retryErrors?: boolean; quiet?: boolean }): Promise<number> {
  const run = store.runs.get(runId);
  if (opts.quiet !== true) {
    const e = run.provenance.endpoint;
    println(
      io.stderr,
      `run ${run.id}: checkpoint ${run.checkpoint}, ${run.provenance.evalsets.map((s) => `${s.name} (${s.items})`).join(', ')}` +
        `${run.params.samples > 1 ? ` × ${run.params.samples} samples` : ''} → ${e.model} at ${e.baseUrl} (${e.api}), concurrency ${run.params.concurrency}`,
    );
  }
  const progress = createProgressReporter(io.stderr);
  const result = await executeRun({
    store,
    runId,
    env: io.env,
    ...(io.signal !== undefined ? { signal: io.signal } : {}),
    retryErrors: opts.retryErrors === true,
    onProgress: opts.quiet === true ? undefined : (p) => progress.update(p),
  });
  progress.finish();

  if (opts.json) println(io.stdout, JSON.stringify(runJson(result.run, result.summary)));
  else println(io.stdout, runText(result.run, result.summary));

  if (result.status === 'interrupted') {
    const c = result.summary.counts;
    println(io.stderr, `interrupted: ${c.results} results stored, ${c.missing} items not yet run; finish with: tunegate resume ${runId}`);
    return EXIT.INTERRUPTED;
  }
  if (result.summary.counts.errors > 0) {
    println(io.stderr, `${result.summary.counts.errors} results errored after retries; see: tunegate show ${runId} --items`);
    return EXIT.ITEMS_ERRORED;
  }
  return EXIT.OK;
}
