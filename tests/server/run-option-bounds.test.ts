import { describe, expect, it } from 'vitest';
import { runOptionsFromFlags as paramsFromOptions } from '../../server/cli/run-flags.js';
import { post, testApp } from '../helpers/server.js';

// The documented range of every run option, written out here so a change to the shared table
// shows up as a failing test: [API field, CLI flag, lowest allowed, highest allowed, step outside].
const BOUNDS: Array<[string, string, number, number, number]> = [
  ['timeout', 'timeout', 0.001, 86_400, 0.0006],
  ['temperature', 'temperature', 0, 2, 0.1],
  ['maxTokens', 'max-tokens', 1, 1_000_000, 1],
  ['samples', 'samples', 1, 1000, 1],
  ['concurrency', 'concurrency', 1, 1024, 1],
  ['retries', 'retries', 0, 100, 1],
  ['seed', 'seed', 0, Number.MAX_SAFE_INTEGER - 1000, 1],
];

function cliRefuses(flag: string, value: number): string | null {
  try {
    paramsFromOptions({ [flag]: String(value) });
    return null;
  } catch (e) {
    return (e as Error).message;
  }
}

describe('run options: the API and the CLI accept exactly the same values', () => {
  it.each(BOUNDS)('%s / --%s from %d to %d', async (field, flag, min, max, step) => {
    const { app } = await testApp();
    await post(app, '/api/checkpoints', { name: 'c', baseUrl: 'http://127.0.0.1:1/v1', model: 'm' });
    for (const [value, allowed] of [[min - step, false], [min, true], [max, true], [max + step, false]] as const) {
      // An unknown eval set makes a request that passes the schema fail after it, so nothing is queued.
      const r = await post(app, '/api/runs', { checkpoint: 'c', evalsets: ['none'], [field]: value });
      expect(r.statusCode).toBe(400);
      const cli = cliRefuses(flag, value);
      if (allowed) {
        expect(r.json().error, `API ${field}=${value}`).toContain('unknown eval set');
        expect(cli, `--${flag} ${value}`).toBeNull();
      } else {
        expect(r.json().error, `API ${field}=${value}`).toContain(`body/${field}`);
        expect(cli, `--${flag} ${value}`).toContain(`--${flag}`);
      }
    }
  });

  it('a timeout below 1 ms is refused by the API (it would round to 0 ms and blame a healthy endpoint)', async () => {
    const { app, store } = await testApp();
    await post(app, '/api/checkpoints', { name: 'c', baseUrl: 'http://127.0.0.1:1/v1', model: 'm' });
    const r = await post(app, '/api/runs', { checkpoint: 'c', evalsets: ['bio'], timeout: 0.0004 });
    expect(r.statusCode).toBe(400);
    expect(r.json().error).toContain('body/timeout must be >= 0.001');
    expect(store.runs.list({}).length).toBe(0);
  });
});
