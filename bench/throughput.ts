import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseEvalSetText } from '../server/evalsets/parse-file.js';
import { createRun, DEFAULT_PARAMS } from '../server/runner/create-run.js';
import { executeRun } from '../server/runner/execute-run.js';
import { openStore } from '../server/store/open.js';

/**
 * Runner throughput: N keyword items against R loopback endpoints (replicas of one checkpoint)
 * with fixed latency L at concurrency C per replica, through the real runner, balancer, scorer
 * and SQLite store. The floor is N·L/(C·R) (perfect pipelining); the target is within 1.15× of
 * it with peak RSS under 150 MB.
 * Usage: npm run bench -- [N=2000] [C=32] [L_MS=50] [R=1]
 */
const [n = 2000, c = 32, l = 50, replicas = 1] = process.argv.slice(2).map(Number);

const here = dirname(fileURLToPath(import.meta.url));
const servers = Array.from({ length: replicas }, () => spawn(process.execPath, [join(here, 'fixed-latency-endpoint.js'), String(l)], { stdio: ['pipe', 'pipe', 'inherit'] }));
const urls = await Promise.all(servers.map((server) => new Promise<string>((resolve) => {
  server.stdout!.once('data', (d: Buffer) => resolve((JSON.parse(d.toString()) as { url: string }).url));
})));

const dir = mkdtempSync(join(tmpdir(), 'tunegate-bench-'));
const lines = Array.from({ length: n }, (_, i) => JSON.stringify({ id: `q${i}`, prompt: `question ${i}`, keywords: [`question ${i}`], forbidden: ['Yingkou'] }));
const set = parseEvalSetText(lines.join('\n'), 'bench.jsonl', 'bio').set;
const store = openStore(join(dir, 'bench.db'));
const checkpoint = store.checkpoints.add({ name: 'bench', baseUrl: urls[0]!, baseUrls: urls, model: 'bench' });
const runId = createRun(store, checkpoint, [set], { ...DEFAULT_PARAMS, concurrency: c });

const t0 = performance.now();
const r = await executeRun({ store, runId, env: {} });
const wallS = (performance.now() - t0) / 1000;
const floorS = (n * l) / (c * replicas) / 1000;
const peakRssMb = process.resourceUsage().maxRSS / 1024;

store.close();
for (const server of servers) server.stdin!.end();
rmSync(dir, { recursive: true, force: true });

const ok = r.summary.counts.results === n && r.summary.counts.errors === 0;
console.log(JSON.stringify({ n, concurrency: c, replicas, latencyMs: l, wallS: +wallS.toFixed(3), floorS: +floorS.toFixed(3), ratio: +(wallS / floorS).toFixed(3), peakRssMb: +peakRssMb.toFixed(1), results: r.summary.counts.results, errors: r.summary.counts.errors }));
console.log(`| ${n} | ${c} | ${replicas} | ${l} ms | ${wallS.toFixed(2)} s | ${floorS.toFixed(2)} s | ${(wallS / floorS).toFixed(3)}× | ${peakRssMb.toFixed(0)} MB |`);
process.exit(ok ? 0 : 1);
