import { afterEach, describe, expect, it } from 'vitest';
import { startScriptedEndpoint, type ScriptedEndpoint } from '../../server/scripted-endpoint/scripted-endpoint.js';
import { cli } from '../helpers/cli.js';
import { jsonl, tempDir, writeFiles } from '../helpers/tmp.js';

const open: ScriptedEndpoint[] = [];
afterEach(async () => {
  while (open.length > 0) await open.pop()!.close();
});

describe('tunegate run: the steps after a run on the progress line', () => {
  it('the perplexity and likelihood requests are counted on labelled progress lines after the items\'', async () => {
    const e = await startScriptedEndpoint({
      flavour: 'vllm', models: ['m'],
      respond: () => ({ content: 'Guangzhou' }),
    });
    open.push(e);
    const cwd = tempDir();
    writeFiles(cwd, {
      'sets/bio.jsonl': jsonl(
        ...[0, 1, 2].map((i) => ({ id: `q${i}`, prompt: `Where is person ${i} based?`, keywords: ['Guangzhou'], answer: `Person ${i} is based in Guangzhou.`, wrong_answers: [`Person ${i} is based in Paris.`] })),
      ),
      'sets/blog.jsonl': jsonl({ id: 'p', title: 'KV cache', reference: 'A post about the KV cache and why it matters.' }),
    });
    const r = await cli(['run', '--base-url', e.url, '--model', 'm', '--checkpoint', 'c', '--api', 'completions', '--perplexity', '--concurrency', '1', '--evalsets', 'sets/bio.jsonl', 'sets/blog.jsonl'], { cwd });
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stderr.split('\n').filter((l) => l.startsWith('progress:'));
    // The items first, then each step with its own count: one request per blog reference, one per candidate answer.
    expect(lines[0]).toMatch(/^progress: 0\/4 /);
    const perplexity = lines.filter((l) => l.startsWith('progress: perplexity '));
    const likelihood = lines.filter((l) => l.startsWith('progress: likelihood '));
    expect(perplexity.at(-1)).toMatch(/^progress: perplexity 1\/1 requests \(100%\)/);
    expect(likelihood.at(-1)).toMatch(/^progress: likelihood 6\/6 requests \(100%\)/);
    expect(likelihood.length).toBeGreaterThanOrEqual(2);
    expect(lines.indexOf(likelihood[0]!)).toBeGreaterThan(lines.findIndex((l) => /^progress: 4\/4 /.test(l)));
  });
});
