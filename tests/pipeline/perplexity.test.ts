import { describe, expect, it } from 'vitest';
import { referencePerplexity } from '../../server/pipeline/perplexity.js';
import type { Responder } from '../../server/scripted-endpoint/scripted-endpoint.js';
import { cli } from '../helpers/cli.js';
import { endpoint } from '../helpers/endpoint.js';
import { jsonl, tempDir, writeFiles } from '../helpers/tmp.js';

/** Logprobs as vLLM echoes them: one token per 3 code points, offsets in code points. */
function echoLogprobs(text: string, prefixLen: number, refLogprob: number) {
  const chars = Array.from(text);
  const tokens: string[] = [];
  const offsets: number[] = [];
  const lps: Array<number | null> = [];
  for (let i = 0; i < chars.length; i += 3) {
    tokens.push(chars.slice(i, i + 3).join(''));
    offsets.push(i);
    lps.push(i === 0 ? null : i >= prefixLen ? refLogprob : -9);
  }
  // The one generated token (max_tokens 1) comes after the prompt and must not count.
  tokens.push('x');
  offsets.push(chars.length);
  lps.push(-20);
  return { tokens, token_logprobs: lps, text_offset: offsets };
}

describe('referencePerplexity', () => {
  it('uses only the reference tokens, counting offsets in code points', () => {
    const prefix = '𠀀 title\n\n'; // an astral character: 1 code point, 2 UTF-16 units
    const reference = 'body of the post';
    const lp = echoLogprobs(prefix + reference, Array.from(prefix).length, -1);
    expect(referencePerplexity(prefix, reference, lp)).toBeCloseTo(Math.E, 10);
  });

  it('refuses a response without prompt logprobs', () => {
    expect(() => referencePerplexity('p', 'r', {})).toThrow('no prompt logprobs');
  });
});

describe('tunegate run --perplexity', () => {
  const project = () => {
    const cwd = tempDir();
    writeFiles(cwd, { 'evalsets/blog.jsonl': jsonl({ id: 'a', title: 'KV cache', reference: 'The cache keeps keys and values.' }, { id: 'b', title: '缓存', reference: '缓存保存键和值。' }) });
    return cwd;
  };

  it('reports blog_perplexity from echoed logprobs (geometric mean over posts)', async () => {
    const cwd = project();
    const lpFor: Record<string, number> = { 'KV cache': -1, '缓存': -2 };
    const responder: Responder = (req) => {
      if (req.api === 'chat') return { content: 'a post' };
      const prompt = req.prompt!;
      const title = Object.keys(lpFor).find((t) => prompt.startsWith(`${t}\n\n`))!;
      const body = { choices: [{ index: 0, text: 'x', finish_reason: 'length', logprobs: echoLogprobs(prompt, Array.from(`${title}\n\n`).length, lpFor[title]!) }] };
      return { status: 200, body: JSON.stringify(body) };
    };
    const e = await endpoint(responder);
    const r = await cli(['run', '--base-url', e.url, '--model', 'm', '--checkpoint', 'c', '--perplexity', '--json'], { cwd });
    expect(r.code, r.stderr).toBe(0);
    const out = r.json();
    expect(out.metrics.blog_perplexity).toBeCloseTo(Math.exp(1.5), 8); // exp(mean(1, 2))
    expect(out.params.perplexity).toBe(true);
    expect(out.notes).toEqual([]);
    const echoed = e.requests.filter((q) => q.api === 'completions');
    expect(echoed).toHaveLength(2);
    expect(echoed[0]!.body).toMatchObject({ echo: true, logprobs: 1, max_tokens: 1 });
  });

  it('skips cleanly with a note when the endpoint cannot echo logprobs', async () => {
    const cwd = project();
    const e = await endpoint((req) => (req.api === 'chat' ? { content: 'a post' } : { status: 400, body: '{"error":{"message":"echo is not supported"}}' }));
    const r = await cli(['run', '--base-url', e.url, '--model', 'm', '--checkpoint', 'c', '--perplexity', '--json'], { cwd });
    expect(r.code).toBe(0);
    const out = r.json();
    expect(out.metrics.blog_perplexity).toBeNull();
    expect(out.notes).toHaveLength(1);
    expect(out.notes[0]).toMatch(/^perplexity skipped: HTTP 400: .*echo is not supported/);
    expect(out.counts.errors).toBe(0);
    expect(r.stderr).toContain('perplexity skipped');
  });
});
