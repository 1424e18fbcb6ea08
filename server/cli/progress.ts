import type { RunProgress } from '../pipeline/post-run.js';
import type { Progress } from '../runner/run-progress.js';
import { oneLine } from '../untrusted-text.js';
import { println, type Out } from './io.js';

function eta(p: Progress, rate: number): string {
  if (rate <= 0 || p.done >= p.total) return '';
  const s = Math.round((p.total - p.done) / rate);
  return s >= 60 ? `, ETA ${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s` : `, ETA ${s}s`;
}

/**
 * Progress on stderr: a redrawn bar on a terminal, plain lines otherwise (at most one every
 * 5 s or 10% of the run, so CI logs stay short). Rates count this process's requests only.
 * With a `step` (a step after the run, e.g. likelihood), the line is labelled with it and counts
 * that step's requests.
 */
export function createProgressReporter(out: Out, step?: string): { update(p: Progress): void; finish(): void } {
  const tty = out.isTTY === true;
  let startDone = -1;
  let lastLineAt = 0;
  let lastDecile = -1;
  let drawn = false;
  return {
    update(p) {
      if (startDone < 0) startDone = p.done;
      const secs = p.elapsedMs / 1000;
      const rate = secs > 0 ? (p.done - startDone) / secs : 0;
      const reqRate = secs > 0 ? p.requests / secs : 0;
      const pct = p.total === 0 ? 100 : Math.floor((100 * p.done) / p.total);
      // Counts followed on a server (`run --server`) arrive as JSON: one printable line, so only
      // the bar below writes control characters (its own redraw).
      const counts = step === undefined ? `${p.done}/${p.total} (${pct}%), ${p.errors} errors` : `${step} ${p.done}/${p.total} requests (${pct}%)`;
      const text = oneLine(`${counts}, ${reqRate.toFixed(1)} req/s${eta(p, rate)}`, 200);
      if (tty) {
        const width = 24;
        const filled = p.total === 0 ? width : Math.round((width * p.done) / p.total);
        out.write(`\r\u001b[2K[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${text}`);
        drawn = true;
        return;
      }
      const decile = Math.floor(pct / 10);
      const now = Date.now();
      if (p.done === p.total || decile !== lastDecile || now - lastLineAt >= 5000) {
        if (p.done === startDone && p.done !== 0 && p.done !== p.total) return;
        println(out, `progress: ${text}`);
        lastDecile = decile;
        lastLineAt = now;
      }
    },
    finish() {
      if (tty && drawn) out.write('\n');
      drawn = false;
    },
  };
}

/**
 * A run's progress followed through its steps: the items' line, then one line per step after
 * the run (perplexity, likelihood) with that step's own count. Used for a local run and for a
 * run followed on a server (whose progress events carry the same fields).
 */
export function createRunProgressReporter(out: Out): { update(p: RunProgress): void; finish(): void } {
  let phase: string | undefined;
  let current = createProgressReporter(out);
  return {
    update(p) {
      if (p.phase !== phase) {
        current.finish();
        phase = p.phase;
        current = createProgressReporter(out, phase);
      }
      current.update(p.phase === undefined || p.phaseProgress === undefined ? p : p.phaseProgress);
    },
    finish() {
      current.finish();
    },
  };
}
