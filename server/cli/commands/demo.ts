import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, relative, resolve } from 'node:path';
import { DEMO_CHECKPOINTS, demoResponder } from '../../demo/script.js';
import { DEMO_GENERATOR } from '../../demo/generator-script.js';
import { EXIT, TunegateError } from '../../errors.js';
import { loadEvalSets, resolveEvalsetPaths } from '../../evalsets/load.js';
import { startServer, type RunningServer } from '../../main.js';
import { packagePath } from '../../paths.js';
import { planCategorize } from '../../categorize/plan-categorize.js';
import { createRun, currentOwner, DEFAULT_PARAMS } from '../../runner/create-run.js';
import { processAlive } from '../../runner/owner.js';
import { executeRun } from '../../runner/execute-run.js';
import { runPostSteps } from '../../pipeline/post-run.js';
import type { RunMetrics } from '../../scoring/metrics.js';
import { METRIC_SETS } from '../../scoring/metric-registry.js';
import { startScriptedEndpoint, type ScriptedEndpoint } from '../../scripted-endpoint/scripted-endpoint.js';
import { openStore } from '../../store/open.js';
import { expectPositionals, flag, int, parseArgs, str } from '../args.js';
import { fmt, table } from '../format.js';
import { println, type Io } from '../io.js';
import { DEMO_SPEC } from '../specs/demo.js';

const BANNER = 'SCRIPTED DEMO: every answer below comes from a scripted endpoint replaying a fine-tuning story, not from a model.';
const DEFAULT_PORT = 3000;

interface Row { name: string; step: number; tags: Record<string, string>; runId: number; status: string; metrics: RunMetrics; errors: number }

/** Serves the dashboard on the demo database: the requested port, else 3000, else (3000 taken) any free one. */
async function serveDemo(dbPath: string, io: Io, port: number | undefined): Promise<RunningServer> {
  const opts = { host: '127.0.0.1', dbPath, evalsetsDir: packagePath('evalsets'), env: io.env, logger: false };
  try {
    return await startServer({ ...opts, port: port ?? DEFAULT_PORT });
  } catch (e) {
    if (port !== undefined || !(e instanceof TunegateError) || !/EADDRINUSE/.test(e.message)) throw e;
    println(io.stderr, `port ${DEFAULT_PORT} is in use; serving on a free port instead (choose one with --port)`);
    return startServer({ ...opts, port: 0 });
  }
}

/**
 * The demo's database is recreated on every start, so a second demo in the same folder would
 * delete it under a first one that is still serving it. Each demo holds `<db>.lock` (its pid).
 */
function lockDemoDb(dbPath: string, db: string): () => void {
  const lock = `${dbPath}.lock`;
  if (existsSync(lock)) {
    try {
      const owner = JSON.parse(readFileSync(lock, 'utf8')) as { pid: number; host: string };
      if (processAlive(owner.pid, owner.host)) {
        throw new TunegateError('USAGE', `another demo (pid ${owner.pid}) is using ${db}: stop it with Ctrl-C, or give this one its own --db`);
      }
    } catch (e) {
      if (e instanceof TunegateError) throw e; // an unreadable lock is a stale one
    }
  }
  mkdirSync(dirname(dbPath), { recursive: true });
  writeFileSync(lock, JSON.stringify(currentOwner()));
  return () => rmSync(lock, { force: true });
}

export async function demoCommand(argv: readonly string[], io: Io): Promise<number> {
  const p = parseArgs(argv, DEMO_SPEC, 'demo');
  expectPositionals(p, 0, 'demo');
  const json = flag(p.values, 'json');
  // --json is for scripts: it prints and exits, like --no-serve.
  const serve = !flag(p.values, 'no-serve') && !json;
  const port = int(p.values, 'port', 0, 65535);
  // Its own database, recreated each time: the demo never touches the user's runs.
  const dbPath = resolve(io.cwd, str(p.values, 'db') ?? 'runs/demo.db');
  const db = relative(io.cwd, dbPath);
  const unlock = lockDemoDb(dbPath, db);
  let endpoint: ScriptedEndpoint | undefined;
  let server: RunningServer | undefined;
  try {
    for (const suffix of ['', '-wal', '-shm']) rmSync(`${dbPath}${suffix}`, { force: true });
    const shipped = packagePath('evalsets');
    const sets = loadEvalSets(resolveEvalsetPaths([shipped], io.cwd, shipped), io.cwd).map((s) => ({
      ...s,
      path: relative(io.cwd, resolve(io.cwd, s.path)) || s.path,
    }));
    // In vLLM's accent: it gives prompt log-probabilities, so the runs show the likelihood metrics.
    // With runtime LoRA loading on, as vLLM's with VLLM_ALLOW_RUNTIME_LORA_UPDATING: an adapter whose
    // path ends in a demo checkpoint's name answers as that checkpoint, so the training-loop hook can
    // be tried on the demo (tunegate run --base-url ENDPOINT --lora-path /adapters/bio-v2-2000 …).
    const answer = demoResponder(sets);
    const asCheckpoint = (model: string) => {
      const path = endpoint?.adapters.get(model);
      return path === undefined ? model : basename(path.replace(/\/+$/, ''));
    };
    endpoint = await startScriptedEndpoint({
      respond: (req) => answer({ ...req, model: asCheckpoint(req.model) }),
      models: [...DEMO_CHECKPOINTS.map((c) => c.name), DEMO_GENERATOR], record: false, accent: 'vllm', lora: true,
    });
    // The dashboard first: a port that cannot be had fails before any run, and the page fills in as they finish.
    if (serve) server = await serveDemo(dbPath, io, port);
    if (!json) {
      println(io.stdout, `${BANNER}\n\nscripted endpoint: ${endpoint.url}\ndatabase: ${db}`);
      if (server !== undefined) println(io.stdout, `dashboard: ${server.url}/ (it fills in as the runs finish)`);
      println(io.stdout);
    }
    const store = openStore(dbPath);
    const rows: Row[] = [];
    let interrupted = false;
    try {
      const base = DEMO_CHECKPOINTS.find((c) => c.step === 0)!;
      for (const c of DEMO_CHECKPOINTS) {
        const checkpoint = store.checkpoints.add({ name: c.name, baseUrl: endpoint.url, model: c.name, step: c.step, tags: { ...c.tags, demo: 'scripted' }, ...(c === base ? {} : { base: base.name }) });
        if (c === base) {
          store.checkpoints.update(c.name, { baseline: true });
          // Its knowledge categories first (quick settings), so every run reports per-category accuracy.
          const plan = planCategorize(store, checkpoint, sets, { fast: true });
          const catId = createRun(store, checkpoint, plan.sets, { ...plan.params, concurrency: 16 }, 'running', 'categorize');
          const cr = await executeRun({ store, runId: catId, env: io.env, ...(io.signal !== undefined ? { signal: io.signal } : {}) });
          if (!json) println(io.stdout, `run ${catId}: categorized ${c.name}'s knowledge (tunegate categorize --base ${c.name} --fast): ${store.runs.get(catId).notes.find((n) => n.startsWith('categories: ')) ?? cr.status}`);
          if (cr.status === 'interrupted') {
            interrupted = true;
            break;
          }
        }
        const runId = createRun(store, checkpoint, sets, { ...DEFAULT_PARAMS, concurrency: 8 });
        const r = await executeRun({ store, runId, env: io.env, ...(io.signal !== undefined ? { signal: io.signal } : {}) });
        // The likelihood metrics, as `tunegate run` measures them after the run.
        if (r.status === 'completed') await runPostSteps(store, runId, io.env);
        const summary = store.runs.get(runId).summary ?? r.summary;
        rows.push({ name: c.name, step: c.step, tags: c.tags, runId, status: r.status, metrics: summary.metrics, errors: summary.counts.errors });
        if (!json) println(io.stdout, `run ${runId}: ${c.name} (step ${c.step}) — ${c.story}: ${r.summary.counts.items} items, ${r.status}`);
        if (r.status === 'interrupted') {
          interrupted = true;
          break;
        }
      }
    } finally {
      store.close();
    }

    if (json) {
      println(io.stdout, JSON.stringify({ scripted: true, db, checkpoints: rows }));
    } else {
      const metrics = METRIC_SETS.demo;
      const body = rows.map((r) => [r.name, String(r.step), r.tags.mix ?? '-', ...metrics.map((m) => fmt(r.metrics[m]))]);
      println(io.stdout, `\n${table(['checkpoint', 'step', 'mix', ...metrics], body)}\n`);
      println(io.stdout, 'Reading it: the bio-v2 mix learns the bio facts and stops inventing them (bio_accuracy up,');
      println(io.stdout, 'hallucination_rate down); blog-only writes the best posts but forgets more general knowledge');
      println(io.stdout, 'the longer it trains (known_accuracy down, and knowledge_margin, the log-probability lead of true');
      println(io.stdout, 'answers over false ones, falls from its first step on); blog_quality shows what the bio mix costs.');
      println(io.stdout, `\n${BANNER}`);
    }
    const code = interrupted ? EXIT.INTERRUPTED : rows.some((r) => r.errors > 0) ? EXIT.ITEMS_ERRORED : EXIT.OK;
    if (server === undefined || interrupted) {
      if (!json) println(io.stdout, `Explore: npx tunegate serve --db ${db}   ·   npx tunegate show ${rows.at(-1)?.runId ?? 1} --items --db ${db}`);
      return code;
    }
    println(io.stdout, `\nDashboard: ${server.url}/  (before/after: ${server.url}/compare)`);
    println(io.stdout, `The scripted checkpoints stay up at ${endpoint.url}: register one from the page to watch a run live.`);
    println(io.stdout, `A scripted eval-set generator too: npx tunegate evalset generate --facts docs/examples/facts.md --generator openai:${DEMO_GENERATOR}@${endpoint.url} --out-dir /tmp/generated --train-out /tmp/generated-train.jsonl`);
    println(io.stdout, 'Ctrl-C stops the demo.');
    await new Promise<void>((resolveStop) => {
      if (io.signal === undefined || io.signal.aborted) return resolveStop();
      io.signal.addEventListener('abort', () => resolveStop(), { once: true });
    });
    await server.close();
    server = undefined;
    println(io.stderr, 'demo stopped');
    return code;
  } finally {
    await server?.close();
    await endpoint?.close();
    unlock();
  }
}
