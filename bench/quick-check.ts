import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { parseEvalSetText } from '../server/evalsets/parse-file.js';
import { createRun, DEFAULT_PARAMS } from '../server/runner/create-run.js';
import { openStore } from '../server/store/open.js';

/**
 * What the integrity check at open costs: a database of about MB megabytes of results (1 KB
 * answers), then `PRAGMA quick_check(1)` (what openStore runs) and `integrity_check(1)` on it,
 * and a whole openStore. Median of 3 each, on a warm page cache.
 * Usage: npm run bench:quick-check [MB]
 */
const mb = Number(process.argv[2] ?? 200);
const dir = mkdtempSync(join(tmpdir(), 'tunegate-qc-'));
const path = join(dir, 'big.db');
try {
  const store = openStore(path);
  const set = parseEvalSetText(JSON.stringify({ id: 'q0', prompt: 'p', keywords: ['k'] }), 'bio.jsonl', 'bio').set;
  const c = store.checkpoints.add({ name: 'c', baseUrl: 'http://127.0.0.1:9/v1', model: 'm' });
  const runId = createRun(store, c, [set], DEFAULT_PARAMS);
  const insert = store.db.prepare(`INSERT INTO results (run_id, set_name, item_id, sample, prompt, answer, attempts, created_at, seq)
    VALUES (?, 'bio', ?, 0, 'prompt', ?, 1, '2026-01-01T00:00:00Z', ?)`);
  const answer = 'x'.repeat(1000);
  const rows = Math.round((mb * 2 ** 20) / 1150);
  store.db.transaction(() => {
    for (let i = 0; i < rows; i++) insert.run(runId, `item-${i}`, `${answer}${i}`, i + 1);
  })();
  store.db.pragma('wal_checkpoint(TRUNCATE)');
  store.close();
  const size = statSync(path).size / 2 ** 20;

  const median = (fn: () => void) => {
    const times: number[] = [];
    for (let i = 0; i < 3; i++) {
      const t0 = performance.now();
      fn();
      times.push(performance.now() - t0);
    }
    return Math.round(times.sort((a, b) => a - b)[1]!);
  };
  const db = new Database(path, { readonly: true });
  const quick = median(() => db.pragma('quick_check(1)'));
  const full = median(() => db.pragma('integrity_check(1)'));
  db.close();
  const open = median(() => openStore(path).close());
  console.log(JSON.stringify({ sizeMb: Math.round(size), rows, quickCheckMs: quick, integrityCheckMs: full, openStoreMs: open }));
  console.log(`| ${Math.round(size)} MB | ${rows} | ${quick} ms | ${full} ms | ${open} ms |`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
