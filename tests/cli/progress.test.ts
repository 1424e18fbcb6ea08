import { describe, expect, it } from 'vitest';
import { createProgressReporter } from '../../server/cli/progress.js';
import { CONTROL } from '../helpers/hostile.js';

const p = (done: number, total = 100, errors = 0, elapsedMs = 1000) => ({ done, total, errors, requests: done, elapsedMs });

describe('progress reporter', () => {
  it('redraws one bar on a terminal with done/total, errors, rate and ETA', () => {
    let out = '';
    const r = createProgressReporter({ write: (t: string) => (out += t), isTTY: true });
    r.update(p(0, 100, 0, 0));
    r.update(p(50, 100, 2, 5000));
    r.finish();
    expect(out).toContain('\r');
    expect(out).toMatch(/\[#{12}\.{12}\] 50\/100 \(50%\), 2 errors, 10\.0 req\/s, ETA 5s/);
    expect(out.endsWith('\n')).toBe(true);
  });

  it('prints plain lines, at most one per 10% of the run, when not a terminal', () => {
    let out = '';
    const r = createProgressReporter({ write: (t: string) => (out += t) });
    for (let d = 0; d <= 100; d++) r.update(p(d, 100, 0, d * 10));
    const lines = out.trim().split('\n');
    expect(lines.every((l) => l.startsWith('progress: '))).toBe(true);
    expect(lines.length).toBeLessThanOrEqual(12);
    expect(lines.at(-1)).toContain('100/100 (100%)');
    expect(out).not.toContain('\r');
  });

  it('counts that arrive as JSON from a server (run --server) are printed escaped; only the bar redraws', () => {
    const hostile = { done: '1\u001b[2J\u001b]52;c;SGVsbG8=\u0007', total: '9\u009b31m\u0000', errors: '\r0', requests: 1, elapsedMs: 1000 } as never;
    for (const isTTY of [false, true]) {
      let out = '';
      const r = createProgressReporter({ write: (t: string) => (out += t), isTTY });
      r.update(hostile);
      r.update({ ...(hostile as object), done: '2\u001b[2J\u001b]52;c;SGVsbG8=\u0007' } as never);
      r.finish();
      // A terminal's bar starts with its own redraw (CR, ESC [2K); nothing else is a control character.
      const rest = isTTY ? out.replaceAll('\r\u001b[2K', '') : out;
      expect(rest).not.toMatch(CONTROL);
      expect(rest).toContain('2\\u001b[2J\\u001b]52;c;SGVsbG8=\\u0007/9\\u009b31m\\u0000');
    }
  });
});
