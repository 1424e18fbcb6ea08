import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { packagePath } from '../../server/paths.js';
import { spawnTunegate, waitFor } from '../helpers/bin.js';
import { tempDir } from '../helpers/tmp.js';

describe('tunegate demo (serving)', () => {
  it('builds the story, serves the dashboard on it, prints the URL and stops on Ctrl-C', async () => {
    const cwd = tempDir();
    const child = spawnTunegate(['demo', '--port', '0'], cwd);
    await waitFor(() => /Dashboard: http:\/\/127\.0\.0\.1:\d+\//.test(child.stdout()), 30_000, 'the dashboard URL');
    const url = /Dashboard: (http:\/\/127\.0\.0\.1:\d+)\//.exec(child.stdout())![1]!;
    const page = await fetch(`${url}/`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toContain('text/html');
    expect(await page.text()).toContain('<script type="module" src="/app.js"></script>');
    const trend = (await (await fetch(`${url}/api/trend?metric=bio_accuracy&tag=mix=bio-v2`)).json()) as any;
    expect(trend.series[0].points.map((p: { checkpoint: string }) => p.checkpoint)).toEqual(['bio-v2-1000', 'bio-v2-2000', 'bio-v2-3000']);
    const cmp = (await (await fetch(`${url}/api/compare`)).json()) as any;
    expect([cmp.base.checkpoint, cmp.head.checkpoint]).toEqual(['base', 'bio-v2-3000']);

    // Its endpoint loads LoRA adapters as vLLM does; one whose path names a demo checkpoint answers as it.
    const endpoint = /scripted endpoint: (http:\/\/127\.0\.0\.1:\d+\/v1)/.exec(child.stdout())![1]!;
    const adapter = spawnTunegate(['run', '--db', 'runs/adapters.db', '--base-url', endpoint, '--lora-path', '/adapters/bio-v2-3000', '--checkpoint', 'ad-3000',
      '--evalsets', packagePath('evalsets', 'bio.jsonl'), '--no-likelihood', '--json'], cwd);
    const ran = await adapter.exit;
    expect(ran.code, adapter.stderr()).toBe(0);
    const run = JSON.parse(adapter.stdout()) as any;
    expect(run.metrics.bio_accuracy).toBeGreaterThan(0.8);
    expect(run.provenance.endpoint.lora).toMatchObject({ path: '/adapters/bio-v2-3000' });

    // A second demo in the same folder would recreate the database under this one: refused.
    const second = spawnTunegate(['demo', '--no-serve'], cwd);
    expect((await second.exit).code).toBe(2);
    expect(second.stderr()).toMatch(/another demo \(pid \d+\) is using runs\/demo\.db/);
    expect(((await (await fetch(`${url}/api/runs`)).json()) as any).runs).toHaveLength(7);

    // A taken port fails before any run is made.
    const port = new URL(url).port;
    const third = spawnTunegate(['demo', '--port', port, '--db', 'runs/other.db'], cwd);
    expect((await third.exit).code).toBe(2);
    expect(third.stderr()).toContain(`cannot listen on 127.0.0.1:${port}`);
    expect(third.stdout()).not.toContain('run 1:');

    child.proc.kill('SIGINT');
    const { code } = await child.exit;
    expect(code, child.stderr()).toBe(0);
    expect(child.stderr()).toContain('demo stopped');
    expect(existsSync(join(cwd, 'runs/demo.db.lock'))).toBe(false);
  });
});
