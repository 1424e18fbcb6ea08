import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runCli } from '../server/cli/main.js';
import { seededRandom } from '../server/stats/random.js';

/**
 * `tunegate evalset check-leak` on a synthetic training file: LINES chat lines, each a title and a
 * ~2,000-character post (every other one English, the rest Chinese), against ITEMS eval items
 * (half blog posts of the same kind, half short questions). Three items are planted in the
 * training file (two posts, case and spacing changed, and one question), so the leak path runs
 * and the count can be checked. Each measurement is a fresh process running the real CLI
 * in-process: wall time of the command (reading, parsing, indexing, matching, printing), the CPU
 * time it took (user + system; steadier than wall time on a busy machine) and the process's peak
 * RSS. Usage: npm run bench:leak -- [LINES=5000] [ITEMS=200] [RUNS=3]; KEEP=1 keeps the generated
 * folder, to profile one run: node --cpu-prof dist/bench/leak.js --child FOLDER
 */
const child = process.argv[2] === '--child';

if (child) {
  const dir = process.argv[3]!;
  let out = '';
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  const code = await runCli(['evalset', 'check-leak', '--train', 'train.jsonl', '--evalsets', 'evalsets', '--json'], {
    stdout: { write: (t: string) => (out += t) },
    stderr: { write: (t: string) => process.stderr.write(t) },
    env: {},
    cwd: dir,
  });
  const ms = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  const r = JSON.parse(out) as { items: number; leaks: Array<{ id: string }> };
  console.log(JSON.stringify({ code, ms, cpuMs: (cpu.user + cpu.system) / 1000, peakRssMb: process.resourceUsage().maxRSS / 1024, items: r.items, leaking: new Set(r.leaks.map((l) => l.id)).size }));
} else {
  const lines = Number(process.argv[2] ?? 5000);
  const items = Number(process.argv[3] ?? 200);
  const runs = Number(process.argv[4] ?? 3);
  const random = seededRandom(1);
  // A Zipf-like pick: common words and characters often, rare ones seldom, as in real text.
  const zipf = <T>(list: readonly T[]) => list[Math.floor(list.length * random() ** 3)]!;
  const syllables = ['ka', 'to', 'ri', 'en', 'mo', 'sa', 'lu', 'pe', 'in', 'or', 'da', 'ne', 'vi', 'ch', 'st', 'qu'];
  const words = Array.from({ length: 3000 }, () => Array.from({ length: 1 + Math.floor(random() * 3) }, () => syllables[Math.floor(random() * syllables.length)]).join(''));
  const hanzi = Array.from({ length: 3000 }, (_, i) => String.fromCodePoint(0x4e00 + ((i * 7919) % 20000)));
  const post = (zh: boolean) => {
    let s = '';
    while (s.length < 2000) {
      if (zh) s += Array.from({ length: 8 + Math.floor(random() * 20) }, () => zipf(hanzi)).join('') + '。';
      else s += Array.from({ length: 6 + Math.floor(random() * 14) }, () => zipf(words)).join(' ') + '. ';
    }
    return s.slice(0, 2000);
  };
  const title = (zh: boolean) => (zh ? Array.from({ length: 10 }, () => zipf(hanzi)).join('') : Array.from({ length: 6 }, () => zipf(words)).join(' '));

  const dir = mkdtempSync(join(tmpdir(), 'tunegate-bench-leak-'));
  const blog = Array.from({ length: items / 2 }, (_, i) => ({ id: `post-${i}`, title: title(i % 2 === 1), reference: post(i % 2 === 1) }));
  const questions = Array.from({ length: items / 2 }, (_, i) => ({ id: `q-${i}`, prompt: `${title(i % 2 === 1)}?`, keywords: ['x'] }));
  const training = Array.from({ length: lines }, (_, i) => ({ messages: [{ role: 'user', content: title(i % 2 === 1) }, { role: 'assistant', content: post(i % 2 === 1) }] }));
  training[lines / 2] = { messages: [{ role: 'user', content: blog[0]!.title }, { role: 'assistant', content: blog[0]!.reference.toUpperCase().replace(/ /g, '  ') }] };
  training[lines / 2 + 1] = { messages: [{ role: 'user', content: blog[1]!.title }, { role: 'assistant', content: `前言。${blog[1]!.reference}` }] };
  training[lines / 2 + 2] = { messages: [{ role: 'user', content: questions[0]!.prompt.toLowerCase().replace('?', '') }, { role: 'assistant', content: 'x' }] };
  writeFileSync(join(dir, 'train.jsonl'), training.map((t) => JSON.stringify(t)).join('\n') + '\n');
  mkdirSync(join(dir, 'evalsets'));
  writeFileSync(join(dir, 'evalsets', 'blog-mine.jsonl'), blog.map((b) => JSON.stringify(b)).join('\n') + '\n');
  writeFileSync(join(dir, 'evalsets', 'bio.jsonl'), questions.map((q) => JSON.stringify(q)).join('\n') + '\n');
  const mb = statSync(join(dir, 'train.jsonl')).size / 1e6;

  console.log(`training file: ${lines} lines, ${mb.toFixed(1)} MB; ${items} eval items`);
  for (let k = 0; k < runs; k++) {
    const r = spawnSync(process.execPath, [fileURLToPath(import.meta.url), '--child', dir], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`child failed: ${r.stderr}`);
    const m = JSON.parse(r.stdout) as { code: number; ms: number; cpuMs: number; peakRssMb: number; items: number; leaking: number };
    if (m.code !== 1 || m.leaking !== 3) throw new Error(`expected exit 1 and the 3 planted leaks, got exit ${m.code} and ${m.leaking}`);
    console.log(`| ${lines} × 2,000 chars (${mb.toFixed(1)} MB) | ${m.items} | ${(m.ms / 1000).toFixed(2)} s | ${(m.cpuMs / 1000).toFixed(2)} s | ${m.peakRssMb.toFixed(0)} MB | ${m.leaking} planted, ${m.leaking} found |`);
  }
  if (process.env.KEEP === undefined) rmSync(dir, { recursive: true, force: true });
  else console.log(`kept ${dir}`);
}
