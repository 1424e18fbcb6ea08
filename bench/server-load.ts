import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { pathToFileURL } from 'node:url';
import Database from 'better-sqlite3';
import { packagePath, packageRoot } from '../server/paths.js';

/**
 * A flood of heavy reads against a server that executes a run, side by side for two builds.
 * For each build: a database with two completed runs of ITEMS keyword items each (seeded
 * through that build's own store) and a third run executed by server A against a slow loopback
 * endpoint, under a short lease (--lease LEASE s, default 3, so a stall shows as a lost lease
 * quickly; the default is 30); server B runs on the same database, ready to take over a run
 * whose lease expired. Both servers are warmed with one compare of the pair the other way round
 * and one small results page. Then, on server A, each scenario while /api/health is polled every 20 ms
 * and a watcher (this process, its own connection) reads the lease every 50 ms:
 *   - C identical GET /api/compare?base=…&head=… at once, for each C (default 200 then 800);
 *   - 200 distinct GET /api/runs/:id/results?limit=1000&offset=k at once (all cold).
 * Scenarios run 11 s apart (the rate-limit window is 10 s) on the same servers, so the 800
 * flood meets what the 200 flood left (a warm cache, on the new code).
 * Usage: npm run bench:load -- [--old PATH_TO_OLD_TUNEGATE_BUILD] [--items 2000] [--c 200,800] [--lease 3]
 */

interface Args { old: string | undefined; items: number; c: number[]; lease: number }

function parse(argv: string[]): Args {
  const a: Args = { old: undefined, items: 2000, c: [200, 800], lease: 3 };
  for (let i = 0; i < argv.length; i++) {
    const v = argv[i + 1] ?? '';
    if (argv[i] === '--old') a.old = resolve(v);
    else if (argv[i] === '--items') a.items = Number(v);
    else if (argv[i] === '--c') a.c = v.split(',').map(Number);
    else if (argv[i] === '--lease') a.lease = Number(v);
    else throw new Error(`unknown argument ${argv[i]}`);
    i++;
  }
  return a;
}

const args = parse(process.argv.slice(2));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** One build's modules, loaded from its dist/ (each seeds its own database: schemas differ). */
async function seed(root: string, dbPath: string, endpointUrl: string, items: number): Promise<{ base: number; head: number; live: number }> {
  const mod = async (p: string) => import(pathToFileURL(join(root, 'dist', 'server', p)).href);
  const { openStore } = await mod('store/open.js');
  const { parseEvalSetText } = await mod('evalsets/parse-file.js');
  const { createRun, DEFAULT_PARAMS } = await mod('runner/create-run.js');
  const { summarizeRun } = await mod('runner/execute-run.js');
  const store = openStore(dbPath);
  // Deterministic pseudo-random outcomes: the head forgets ~8% and learns ~5%.
  let x = 42;
  const rnd = () => ((x = (x * 1103515245 + 12345) % 2147483648) / 2147483648);
  const words = ['Lisbon', 'Porto', 'engineer', 'physicist', '1987', 'Coimbra', 'novelist', 'Braga'];
  const lines = Array.from({ length: items }, (_, i) => JSON.stringify({
    id: `q${i}`, prompt: `Who is person ${i}, and what are they known for? Answer in two sentences.`,
    keywords: [words[i % 8], words[(i + 3) % 8], [words[(i + 5) % 8], 'alias']], forbidden: ['Madrid'],
  }));
  const set = parseEvalSetText(lines.join('\n'), 'bio.jsonl', 'bio').set;
  const answer = (i: number, pass: boolean) =>
    `Person ${i} was born in ${pass ? words[i % 8] : 'Faro'} and worked as a ${pass ? words[(i + 3) % 8] : 'teacher'}; `
    + `later known as ${pass ? words[(i + 5) % 8] : 'someone else'}. ${'More detail follows here. '.repeat(8)}`;
  const runOf = (name: string, step: number, pass: (i: number) => boolean) => {
    const c = store.checkpoints.add({ name, baseUrl: 'http://127.0.0.1:9/v1', model: name, step });
    const id = createRun(store, c, [set], DEFAULT_PARAMS, 'running');
    store.db.transaction(() => {
      for (let i = 0; i < items; i++) {
        const p = pass(i);
        store.results.insert({
          runId: id, set: 'bio', itemId: `q${i}`, sample: 0, prompt: set.items[i].prompt, answer: answer(i, p), reasoning: null,
          scores: { keyword: { value: p ? 1 : 0, explanation: p ? 'all keywords found' : 'missed' } }, score: p ? 1 : 0,
          hallucinated: false, passed: p, error: null, attempts: 1, latencyMs: 100, promptTokens: 30, completionTokens: 60, finishReason: 'stop',
        });
      }
    })();
    store.runs.finish(id, 'completed', summarizeRun(store, id));
    return id;
  };
  const basePass = Array.from({ length: items }, () => rnd() < 0.7);
  const base = runOf('ckpt-base', 1, (i) => basePass[i]!);
  const head = runOf('ckpt-head', 2, (i) => (basePass[i] ? rnd() > 0.08 : rnd() < 0.05));
  const liveSet = parseEvalSetText(lines.slice(0, 400).join('\n'), 'live.jsonl', 'live').set;
  const lc = store.checkpoints.add({ name: 'ckpt-live', baseUrl: endpointUrl, model: 'live', step: 3 });
  const live = createRun(store, lc, [liveSet], { ...DEFAULT_PARAMS, concurrency: 1, retries: 0 }, 'queued');
  store.close();
  return { base, head, live };
}

function startProcess(cmd: string, argv: string[], cwd: string): { child: ChildProcess; firstLine: Promise<string> } {
  const child = spawn(cmd, argv, { cwd, stdio: ['pipe', 'pipe', 'pipe'] });
  const lines = createInterface({ input: child.stdout! });
  const firstLine = new Promise<string>((res) => lines.once('line', res));
  child.stderr!.resume();
  return { child, firstLine };
}

interface Reply { status: number; ms: number; bytes: number }

/** One GET on its own connection (no pooling: each of a flood's requests is a client). */
function get(url: string): Promise<Reply> {
  const t0 = performance.now();
  return new Promise((res) => {
    const req = request(url, { agent: false }, (r) => {
      let bytes = 0;
      r.on('data', (d: Buffer) => { bytes += d.length; });
      r.on('end', () => res({ status: r.statusCode ?? 0, ms: performance.now() - t0, bytes }));
      r.on('error', () => res({ status: -1, ms: performance.now() - t0, bytes }));
    });
    req.on('error', () => res({ status: -1, ms: performance.now() - t0, bytes: 0 }));
    req.end();
  });
}

/** A JSON POST with an empty body (what the API's writes need). */
function post(url: string): Promise<number> {
  return new Promise((res) => {
    const req = request(url, { method: 'POST', agent: false, headers: { 'content-type': 'application/json' } }, (r) => {
      r.resume();
      r.on('end', () => res(r.statusCode ?? 0));
    });
    req.on('error', () => res(-1));
    req.end('{}');
  });
}

/** Whether process `pid` executes the run (status running, its owner). */
async function heldBy(dbPath: string, runId: number, pid: number): Promise<boolean> {
  const db = new Database(dbPath, { readonly: true, fileMustExist: true });
  try {
    const h = db.prepare('SELECT status, owner_pid FROM runs WHERE id = ?').get(runId) as { status: string; owner_pid: number | null } | undefined;
    return h?.status === 'running' && h.owner_pid === pid;
  } finally {
    db.close();
  }
}

async function waitHealthy(url: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if ((await get(`${url}/api/health`)).status === 200) return;
    await sleep(100);
  }
  throw new Error(`${url} never became healthy`);
}

const pct = (xs: number[], p: number) => {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)]!;
};
const fmt = (ms: number) => (Number.isNaN(ms) ? '–' : ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(0)} ms`);

interface LeaseWatch { minMarginMs: number; expired: boolean; lost: string | null }

/** Reads the live run's hold every 50 ms from this process: the worst margin left on the lease, and whether A lost the run. */
function watchLease(dbPath: string, runId: number, ownerPid: number): { stop: () => LeaseWatch } {
  const db = new Database(dbPath, { readonly: true, fileMustExist: true });
  db.pragma('busy_timeout = 5000');
  const hold = db.prepare<[number], { status: string; owner_pid: number | null; lease_until: number | null }>('SELECT status, owner_pid, lease_until FROM runs WHERE id = ?');
  const w: LeaseWatch = { minMarginMs: Infinity, expired: false, lost: null };
  const tick = () => {
    const h = hold.get(runId);
    if (h === undefined) return;
    if (h.status !== 'running' || h.owner_pid !== ownerPid) {
      w.lost ??= `run is ${h.status}${h.owner_pid !== null && h.owner_pid !== ownerPid ? ` owned by pid ${h.owner_pid}` : ''}`;
      return;
    }
    const margin = (h.lease_until ?? 0) - Date.now();
    w.minMarginMs = Math.min(w.minMarginMs, margin);
    if (margin < 0) w.expired = true;
  };
  const timer = setInterval(tick, 50);
  return { stop: () => { clearInterval(timer); tick(); db.close(); return w; } };
}

interface Row { build: string; scenario: string; n: number; ok: number; r429: number; r503: number; other: number; p50: number; p95: number; max: number; h50: number; h95: number; hmax: number; lease: string }

async function flood(build: string, scenario: string, urls: string[], serverUrl: string, watch: () => LeaseWatch): Promise<Row> {
  const health: number[] = [];
  let done = false;
  const poll = (async () => {
    while (!done) {
      const r = await get(`${serverUrl}/api/health`);
      health.push(r.status === 200 ? r.ms : Infinity);
      await sleep(20);
    }
  })();
  const replies = await Promise.all(urls.map((u) => get(u)));
  done = true;
  await poll;
  const w = watch();
  const ok = replies.filter((r) => r.status === 200).map((r) => r.ms);
  return {
    build, scenario, n: urls.length, ok: ok.length,
    r429: replies.filter((r) => r.status === 429).length, r503: replies.filter((r) => r.status === 503).length,
    other: replies.filter((r) => ![200, 429, 503].includes(r.status)).length,
    p50: pct(ok, 50), p95: pct(ok, 95), max: pct(ok, 100), h50: pct(health, 50), h95: pct(health, 95), hmax: pct(health, 100),
    lease: w.lost !== null ? `LOST (${w.lost})` : w.expired ? 'expired, not taken' : `held (min margin ${fmt(w.minMarginMs)})`,
  };
}

async function measure(build: string, root: string): Promise<Row[]> {
  const dir = mkdtempSync(join(tmpdir(), 'tunegate-bench-load-'));
  const dbPath = join(dir, 'load.db');
  const children: ChildProcess[] = [];
  try {
    const endpoint = startProcess(process.execPath, [packagePath('dist', 'bench', 'fixed-latency-endpoint.js'), '1000'], dir);
    children.push(endpoint.child);
    const endpointUrl = (JSON.parse(await endpoint.firstLine) as { url: string }).url;
    const t0 = performance.now();
    const { base, head, live } = await seed(root, dbPath, endpointUrl, args.items);
    console.error(`[${build}] seeded 2 × ${args.items} items in ${fmt(performance.now() - t0)}`);
    const bin = join(root, 'dist', 'server', 'cli', 'bin.js');
    // Port 0: the server prints the URL it got ("tunegate serving http://…") on stderr.
    const serve = async (): Promise<{ child: ChildProcess; url: string }> => {
      const child = spawn(process.execPath, [bin, 'serve', '--port', '0', '--db', dbPath, '--lease', String(args.lease), '--quiet'], { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
      children.push(child);
      const lines = createInterface({ input: child.stderr! });
      const url = await new Promise<string>((res, rej) => {
        lines.on('line', (l) => {
          const m = /serving (http:\/\/\S+)/.exec(l);
          if (m !== null) res(m[1]!);
        });
        child.once('exit', (code) => rej(new Error(`${build}: serve exited with ${code}`)));
      });
      await waitHealthy(url);
      return { child, url };
    };
    const { child: a, url: urlA } = await serve();
    for (let i = 0; i < 100 && !(await heldBy(dbPath, live, a.pid!)); i++) await sleep(100);
    await serve();
    // Warm (JIT, SQLite's page cache) on requests the floods do not make, as a long-running server would be.
    await get(`${urlA}/api/compare?base=${head}&head=${base}`);
    await get(`${urlA}/api/runs/${base}/results?limit=10`);
    const rows: Row[] = [];
    const scenarios: Array<[string, string[]]> = [
      ...args.c.map((c): [string, string[]] => [`${c} × same compare`, Array.from({ length: c }, () => `${urlA}/api/compare?base=${base}&head=${head}`)]),
      ['200 × distinct results pages', Array.from({ length: 200 }, (_, k) => `${urlA}/api/runs/${head}/results?limit=1000&offset=${k}`)],
    ];
    for (const [name, urls] of scenarios) {
      await sleep(11_000);
      // A run lost in an earlier flood is resumed on A first, so each flood starts with A holding it.
      if (!(await heldBy(dbPath, live, a.pid!))) {
        await post(`${urlA}/api/runs/${live}/resume`);
        for (let i = 0; i < 100 && !(await heldBy(dbPath, live, a.pid!)); i++) await sleep(100);
        if (!(await heldBy(dbPath, live, a.pid!))) console.error(`[${build}] ${name}: server A could not take the run back`);
      }
      const watcher = watchLease(dbPath, live, a.pid!);
      const row = await flood(build, name, urls, urlA, watcher.stop);
      rows.push(row);
      console.error(`[${build}] ${name}: ok ${row.ok}/${row.n}, p95 ${fmt(row.p95)}, health p95 ${fmt(row.h95)}, lease ${row.lease}`);
    }
    return rows;
  } finally {
    for (const c of children) c.kill('SIGTERM');
    await sleep(500);
    rmSync(dir, { recursive: true, force: true });
  }
}

const builds: Array<[string, string]> = [['new', packageRoot()], ...(args.old !== undefined ? [['old', args.old] as [string, string]] : [])];
console.error(`${new Date().toISOString()}, ${cpus().length} cores (${cpus()[0]?.model ?? '?'}), load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}, Node ${process.version}`);
const rows: Row[] = [];
for (const [name, root] of builds) rows.push(...(await measure(name, root)));
console.log('| build | flood | served | 429 | 503 | other | p50 | p95 | max | health p50 | health p95 | health max | lease of the executing server |');
console.log('|---|---|---|---|---|---|---|---|---|---|---|---|---|');
for (const r of rows) {
  console.log(`| ${r.build} | ${r.scenario} | ${r.ok}/${r.n} | ${r.r429} | ${r.r503} | ${r.other} | ${fmt(r.p50)} | ${fmt(r.p95)} | ${fmt(r.max)} | ${fmt(r.h50)} | ${fmt(r.h95)} | ${fmt(r.hmax)} | ${r.lease} |`);
}
console.error(`load average after: ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
