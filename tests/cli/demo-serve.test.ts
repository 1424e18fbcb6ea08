import { describe, expect, it } from 'vitest';
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
    child.proc.kill('SIGINT');
    const { code } = await child.exit;
    expect(code, child.stderr()).toBe(0);
    expect(child.stderr()).toContain('demo stopped');
  });
});
