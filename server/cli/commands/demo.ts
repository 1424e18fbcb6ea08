import { rmSync } from 'node:fs';
import { relative, resolve } from 'node:path';
import { demoResponder, DEMO_CHECKPOINTS } from '../../demo/script.js';
import { loadEvalSets, resolveEvalsetPaths } from '../../evalsets/load.js';
import { packagePath } from '../../paths.js';
import { createRun, DEFAULT_PARAMS } from '../../runner/create-run.js';
import { executeRun } from '../../runner/execute-run.js';
import type { RunMetrics } from '../../scoring/metrics.js';
import { startScriptedEndpoint } from '../../scripted-endpoint/scripted-endpoint.js';
import { openStore } from '../../store/open.js';
import { expectPositionals, flag, parseArgs, str } from '../args.js';
import { fmt, HEADLINE_METRICS, table } from '../format.js';
import { println, type Io } from '../io.js';
import { EXIT } from '../../errors.js';

const BANNER = 'SCRIPTED DEMO: every answer below comes from a scripted endpoint replaying a fine-tuning story, not from a model.';

export async function demoCommand(argv: readonly string[], io: Io): Promise<number> {
  const p = parseArgs(argv, { db: { type: 'string' }, json: { type: 'boolean' } }, 'demo');
  expectPositionals(p, 0, 'demo');
  const json = flag(p.values, 'json');
  // Its own database, recreated each time: the demo never touches the user's runs.
  const dbPath = resolve(io.cwd, str(p.values, 'db') ?? 'runs/demo.db');
  for (const suffix of ['', '-wal', '-shm']) rmSync(`${dbPath}${suffix}`, { force: true });

  const shipped = packagePath('evalsets');
  const sets = loadEvalSets(resolveEvalsetPaths([shipped], io.cwd, shipped), io.cwd).map((s) => ({
    ...s,
    path: relative(io.cwd, resolve(io.cwd, s.path)) || s.path,
  }));
  const endpoint = await startScriptedEndpoint({ respond: demoResponder(sets), models: DEMO_CHECKPOINTS.map((c) => c.name), record: false });
  const store = openStore(dbPath);
  if (!json) println(io.stdout, `${BANNER}\n\nscripted endpoint: ${endpoint.url}\ndatabase: ${relative(io.cwd, dbPath)}\n`);
  const rows: Array<{ name: string; step: number; runId: number; status: string; metrics: RunMetrics; errors: number }> = [];
  try {
    for (const c of DEMO_CHECKPOINTS) {
      const checkpoint = store.checkpoints.add({ name: c.name, baseUrl: endpoint.url, model: c.name, step: c.step, tags: { demo: 'scripted' } });
      const runId = createRun(store, checkpoint, sets, { ...DEFAULT_PARAMS, concurrency: 8 });
      const r = await executeRun({ store, runId, env: io.env, ...(io.signal !== undefined ? { signal: io.signal } : {}) });
      rows.push({ name: c.name, step: c.step, runId, status: r.status, metrics: r.summary.metrics, errors: r.summary.counts.errors });
      if (!json) println(io.stdout, `run ${runId}: ${c.name} (step ${c.step}) — ${c.story}: ${r.summary.counts.items} items, ${r.status}`);
      if (r.status === 'interrupted') break;
    }
  } finally {
    store.close();
    await endpoint.close();
  }

  if (json) {
    println(io.stdout, JSON.stringify({ scripted: true, db: relative(io.cwd, dbPath), checkpoints: rows }));
  } else {
    const header = ['metric', ...rows.map((r) => `${r.name} (${r.step})`), 'change'];
    const body = HEADLINE_METRICS.map((m) => {
      const digits = m === 'blog_chrf' ? 1 : 3;
      const a = rows[0]?.metrics[m] ?? null;
      const b = rows.at(-1)?.metrics[m] ?? null;
      const change = a === null || b === null ? '-' : `${b - a >= 0 ? '+' : ''}${(b - a).toFixed(digits)}`;
      return [m, ...rows.map((r) => fmt(r.metrics[m], digits)), change];
    });
    println(io.stdout, `\n${table(header, body)}\n`);
    println(io.stdout, 'Reading it: bio_accuracy and hallucination_rate are fixed by the bio mix; known_accuracy');
    println(io.stdout, 'shows forgetting; blog_quality (chrF against held-out posts) shows what the mix cost.');
    println(io.stdout, `\n${BANNER}`);
    const db = relative(io.cwd, dbPath);
    println(io.stdout, `Explore: npx tunegate runs --db ${db}   ·   npx tunegate show ${rows.at(-1)?.runId ?? 1} --items --db ${db}`);
  }
  return rows.some((r) => r.status === 'interrupted') ? EXIT.INTERRUPTED : rows.some((r) => r.errors > 0) ? EXIT.ITEMS_ERRORED : EXIT.OK;
}
