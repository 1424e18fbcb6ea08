import { spawn } from 'node:child_process';
import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { BIN } from '../helpers/bin.js';
import { tempDir } from '../helpers/tmp.js';

const LATEST = readdirSync(join(process.cwd(), 'server/store/migrations')).filter((f) => /^\d+-.+\.sql$/.test(f)).length;
const OPEN_JS = pathToFileURL(join(BIN, '../../store/open.js')).href;

/**
 * One opener: for each trial it waits (spinning, so the openers start within a millisecond of
 * each other) until that trial's start time, then opens a fresh database file and reports.
 */
const OPENER = `
import { openStore } from ${JSON.stringify(OPEN_JS)};
const [dir, start, trials, gap] = process.argv.slice(2);
const out = [];
for (let t = 0; t < Number(trials); t++) {
  const at = Number(start) + t * Number(gap);
  while (Date.now() < at) {}
  try {
    const s = openStore(dir + '/trial-' + t + '.db');
    const mode = s.db.pragma('journal_mode', { simple: true });
    s.close();
    out.push(mode === 'wal' ? 'ok' : 'journal_mode is ' + mode);
  } catch (e) {
    out.push(String(e && e.message));
  }
}
process.stdout.write(JSON.stringify(out));
`;

function runOpener(script: string, args: string[]): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [script, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    p.stdout.on('data', (d: Buffer) => (out += d.toString()));
    p.stderr.on('data', (d: Buffer) => (err += d.toString()));
    p.on('error', reject);
    p.on('exit', (code) => (code === 0 ? resolve(JSON.parse(out) as string[]) : reject(new Error(`opener exited ${code}: ${err}`))));
  });
}

describe('opening one new database from several processes at once', () => {
  it('every opener succeeds and the schema ends at the latest version (4 openers × 20 trials)', async () => {
    const dir = tempDir();
    const script = join(dir, 'opener.mjs');
    writeFileSync(script, OPENER);
    const openers = 4;
    const trials = 20;
    // Node starts in well under this on a loaded machine; each trial gets its own fresh file.
    const start = Date.now() + 3_000;
    const results = await Promise.all(Array.from({ length: openers }, () => runOpener(script, [dir, String(start), String(trials), '150'])));
    const failures = results.flatMap((r, who) => r.flatMap((x, t) => (x === 'ok' ? [] : [`opener ${who}, trial ${t}: ${x}`])));
    expect(failures).toEqual([]);
    for (let t = 0; t < trials; t++) {
      const db = new Database(join(dir, `trial-${t}.db`), { readonly: true });
      expect(db.pragma('user_version', { simple: true })).toBe(LATEST);
      expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
      db.close();
    }
  }, 60_000);
});
