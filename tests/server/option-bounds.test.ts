import { describe, expect, it } from 'vitest';
import { cli } from '../helpers/cli.js';
import { testApp } from '../helpers/server.js';
import { tempDir } from '../helpers/tmp.js';

// [API field, CLI flag, lowest allowed, highest allowed, a value just outside each end]
const CATEGORIZE: Array<[string, string, number, number, number]> = [
  ['prompts', 'prompts', 1, 100, 1],
  ['shots', 'shots', 0, 32, 1],
  ['samples', 'samples', 0, 256, 1],
  ['temperature', 'temperature', 0, 2, 0.1],
  ['topK', 'top-k', 1, 100_000, 1],
  ['concurrency', 'concurrency', 1, 1024, 1],
  ['seed', 'seed', 0, 2 ** 31 - 1, 1],
  ['maxTokens', 'max-tokens', 1, 32_768, 1],
];

describe('categorize and advise options: the API and the CLI accept exactly the same values', () => {
  it.each(CATEGORIZE)('categorize %s / --%s from %d to %d', async (field, flag, min, max, step) => {
    const { app } = await testApp();
    const cwd = tempDir();
    for (const [value, allowed] of [[min - step, false], [min, true], [max, true], [max + step, false]] as const) {
      // No such base: a request that passes the schema fails after it.
      const r = await app.inject({ method: 'POST', url: '/api/categorize', payload: { base: 'none', [field]: value } });
      expect(r.statusCode).toBe(400);
      const c = await cli(['categorize', '--base', 'none', `--${flag}`, String(value), '--db', `${cwd}/db.sqlite`], { cwd });
      expect(c.code).not.toBe(0);
      if (allowed) {
        expect(r.json().error, `API ${field}=${value}`).toContain('no checkpoint named');
        expect(c.stderr, `--${flag} ${value}`).not.toContain(`--${flag} must`);
      } else {
        expect(r.json().error, `API ${field}=${value}`).toContain(`body/${field}`);
        expect(c.stderr, `--${flag} ${value}`).toContain(`--${flag} must`);
      }
    }
  });

  it('advise --alpha and ?alpha= take the same range: above 0, at most 0.5 (the CLI refused below 0.0001)', async () => {
    const { app } = await testApp();
    const cwd = tempDir();
    for (const [value, allowed] of [[0, false], [0.00005, true], [0.5, true], [0.51, false]] as const) {
      const r = await app.inject({ method: 'GET', url: `/api/advise?tag=run=x&alpha=${value}` });
      const c = await cli(['advise', '--tag', 'run=x', '--alpha', String(value), '--db', `${cwd}/db.sqlite`], { cwd });
      if (allowed) {
        expect(r.statusCode, `alpha=${value}`).toBe(404); // no checkpoint is tagged run=x
        expect(c.stderr, `--alpha ${value}`).toContain('no checkpoint is tagged run=x');
      } else {
        expect(r.statusCode, `alpha=${value}`).toBe(400);
        expect(r.json().error).toContain('querystring/alpha');
        expect(c.stderr, `--alpha ${value}`).toContain('--alpha must be a number > 0 and ≤ 0.5');
      }
    }
  });
});
