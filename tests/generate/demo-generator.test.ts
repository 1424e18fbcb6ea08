import { copyFileSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEMO_GENERATOR } from '../../server/demo/generator-script.js';
import { demoResponder } from '../../server/demo/script.js';
import { packagePath } from '../../server/paths.js';
import { cli } from '../helpers/cli.js';
import { endpoint } from '../helpers/endpoint.js';
import { tempDir } from '../helpers/tmp.js';

describe("the demo's scripted generator", () => {
  it('turns the example facts file into eval sets and training pairs that check-leak passes, as docs/evalsets.md walks through', async () => {
    const gen = await endpoint(demoResponder([]));
    const cwd = tempDir();
    mkdirSync(join(cwd, 'docs/examples'), { recursive: true });
    for (const f of ['facts.md', 'anchor.txt']) copyFileSync(packagePath('docs', 'examples', f), join(cwd, 'docs/examples', f));
    const r = await cli(['evalset', 'generate', '--facts', 'docs/examples/facts.md', '--generator', `openai:${DEMO_GENERATOR}@${gen.url}`,
      '--system-prompt', 'docs/examples/anchor.txt', '--seed', '1', '--json'], { cwd });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const out = r.json();
    expect(out).toMatchObject({ facts: 4, asked: 8, failures: [] });
    // The script is written to pass the checks: nothing of it is dropped but what the split must drop.
    expect(out.rejected.filter((x: { reason: string }) => !/^held out, but/.test(x.reason))).toEqual([]);
    expect(out.files.bio.lines).toBeGreaterThan(20);
    expect(out.files.refusal.lines).toBeGreaterThan(10);
    const facts = new Set(readFileSync(join(cwd, 'evalsets/bio-generated.jsonl'), 'utf8').split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l).fact_id));
    // Every fact is evaluated; the two with {#id} carry it.
    expect(facts.size).toBe(4);
    expect(facts.has('work-now') && facts.has('work-hsbc')).toBe(true);
    const leak = await cli(['evalset', 'check-leak', '--train', 'data/bio-train.jsonl', '--evalsets', 'evalsets/bio-generated.jsonl', 'evalsets/refusal-generated.jsonl'], { cwd });
    expect(leak.code).toBe(0);
  });
});
