/** The scripted endpoint's deterministic tokens and log-probabilities, and what each accent does with echo + logprobs. */
import { describe, expect, it } from 'vitest';
import { referencePerplexity } from '../../server/pipeline/perplexity.js';
import { fakeLogprob, fakeTokens } from '../../server/scripted-endpoint/scripted-endpoint.js';
import { post, script, start } from '../helpers/accent-wire.js';

describe('fakeTokens / fakeLogprob', () => {
  it('tokens concatenate back to the text, at most 4 code points each, whitespace riding with the next word', () => {
    for (const text of ['', 'a', 'hello world', '  leading and trailing  ', 'KV cache\n\nThe cache keeps keys.', '缓存保存键和值。', '𠀀 title\n\n𠀀𠀀𠀀𠀀𠀀 x', 'tab\tand\r\nnewline']) {
      const tokens = fakeTokens(text);
      expect(tokens.join('')).toBe(text);
      for (const t of tokens) {
        expect(Array.from(t).length).toBeGreaterThan(0);
        expect(Array.from(t).length).toBeLessThanOrEqual(4);
      }
    }
    expect(fakeTokens('hello world')).toEqual(['hell', 'o', ' wor', 'ld']);
  });

  it('logprobs are deterministic, negative and count code points', () => {
    expect(fakeLogprob('ab')).toBe(-0.75);
    expect(fakeLogprob('𠀀')).toBe(-0.5);
    for (const t of fakeTokens('any text at all')) expect(fakeLogprob(t)).toBeLessThan(0);
  });
});

describe('completions with echo + logprobs (the perplexity request)', () => {
  const prefix = 'KV cache\n\n';
  const reference = 'The cache keeps 𠀀 keys and values.';
  const request = { model: 'm', prompt: prefix + reference, max_tokens: 1, temperature: 0, echo: true, logprobs: 1 };
  const generated = { content: 'x', finishReason: 'length' };

  /** The perplexity of the reference, from fakeTokens alone: tokens starting inside it count. */
  function expectedPerplexity(): number {
    const start = Array.from(prefix).length;
    const end = start + Array.from(reference).length;
    let at = 0;
    const picked: number[] = [];
    fakeTokens(prefix + reference).forEach((t, i) => {
      if (i > 0 && at >= start && at < end) picked.push(fakeLogprob(t));
      at += Array.from(t).length;
    });
    return Math.exp(-picked.reduce((s, v) => s + v, 0) / picked.length);
  }

  it('vLLM: the prompt echoed, legacy logprobs over prompt + answer, offsets in code points', async () => {
    const e = await start('vllm', { respond: () => generated });
    const r = await post(e, '/completions', request);
    expect(r.status).toBe(200);
    const choice = r.json.choices[0];
    expect(choice.text).toBe(prefix + reference + 'x');
    expect(choice.finish_reason).toBe('length');
    const lp = choice.logprobs;
    expect(Object.keys(lp)).toEqual(['text_offset', 'token_logprobs', 'tokens', 'top_logprobs']);
    expect(lp.tokens).toEqual([...fakeTokens(prefix + reference), 'x']);
    expect(lp.tokens.join('')).toBe(choice.text);
    expect(lp.token_logprobs[0]).toBeNull();
    expect(lp.top_logprobs[0]).toBeNull();
    expect(lp.token_logprobs.slice(1)).toEqual(lp.tokens.slice(1).map(fakeLogprob));
    expect(lp.top_logprobs[1]).toEqual({ [lp.tokens[1]]: fakeLogprob(lp.tokens[1]) });
    expect(lp.text_offset.at(-1)).toBe(Array.from(prefix + reference).length);
    expect(referencePerplexity(prefix, reference, lp)).toBeCloseTo(expectedPerplexity(), 12);
  });

  it('SGLang: the same shape, but every text_offset is -1; the offsets are rebuilt from the tokens, giving vLLM\'s perplexity', async () => {
    const e = await start('sglang', { respond: () => generated });
    const lp = (await post(e, '/completions', request)).json.choices[0].logprobs;
    expect(lp.tokens).toEqual([...fakeTokens(prefix + reference), 'x']);
    expect(lp.token_logprobs[0]).toBeNull();
    expect(new Set(lp.text_offset)).toEqual(new Set([-1]));
    expect(referencePerplexity(prefix, reference, lp)).toBeCloseTo(expectedPerplexity(), 12);
  });

  it('llama.cpp: refused with its runtime_error, a 500', async () => {
    const s = script(generated);
    const e = await start('llamacpp', { respond: s.respond });
    const r = await post(e, '/completions', request);
    expect(r.status).toBe(500);
    expect(r.json).toEqual({ error: { code: 500, message: 'Only no echo is supported', type: 'server_error' } });
    expect(s.calls.n).toBe(0);
    // Without echo it answers.
    expect((await post(e, '/completions', { ...request, echo: false })).json.choices[0]).toMatchObject({ text: 'x', logprobs: null });
  });

  it('Ollama, TGI, LM Studio: echo is not read; logprobs absent (Ollama) or null', async () => {
    const ollama = (await post(await start('ollama', { respond: () => generated }), '/completions', request)).json.choices[0];
    expect(ollama.text).toBe('x');
    expect('logprobs' in ollama).toBe(false);
    for (const accent of ['tgi', 'lmstudio'] as const) {
      const choice = (await post(await start(accent, { respond: () => generated }), '/completions', request)).json.choices[0];
      expect(choice).toMatchObject({ text: 'x', logprobs: null });
    }
  });

  it('vLLM echo without logprobs: the prompt echoed, logprobs null', async () => {
    const e = await start('vllm', { respond: () => generated });
    const choice = (await post(e, '/completions', { ...request, logprobs: undefined })).json.choices[0];
    expect(choice).toMatchObject({ text: prefix + reference + 'x', logprobs: null });
  });
});
