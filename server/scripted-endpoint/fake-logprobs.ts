/**
 * Deterministic tokens and log-probabilities for the scripted endpoint: the same text always gets
 * the same tokens and values, in every accent that returns them, so a test can recompute what the
 * code under test should have read.
 */

/**
 * A deterministic fake tokenizer: each word with the whitespace before it, cut into runs of at
 * most 4 code points. The tokens concatenate back to the text exactly, so tests can recompute a
 * perplexity from the same text independently.
 */
export function fakeTokens(text: string): string[] {
  const words = text.match(/\s*\S+|\s+/gu) ?? [];
  const tokens: string[] = [];
  for (const word of words) {
    const cps = Array.from(word);
    for (let i = 0; i < cps.length; i += 4) tokens.push(cps.slice(i, i + 4).join(''));
  }
  return tokens;
}

/** A deterministic, negative logprob per token: longer tokens are less likely. */
export function fakeLogprob(token: string): number {
  return -(1 + Array.from(token).length) / 4;
}

/**
 * The legacy completions logprobs object (vLLM's CompletionLogProbs) over the echoed prompt and the
 * generated text: the first prompt token has no logprob (null, and null top_logprobs), offsets
 * count code points as Python's len() does, or are all -1 (SGLang).
 */
export function legacyLogprobs(prompt: string, generated: string, offsets: 'code-points' | 'none', shift?: LogprobShift) {
  const tokens = [...fakeTokens(prompt), ...fakeTokens(generated)];
  // The candidate being scored is the prompt's end: every token covering some of it gets the shift.
  const shiftFrom = shift !== undefined && prompt.endsWith(shift.text) ? Array.from(prompt).length - Array.from(shift.text).length : Infinity;
  const promptLength = Array.from(prompt).length;
  const text_offset: number[] = [];
  const token_logprobs: Array<number | null> = [];
  const top_logprobs: Array<Record<string, number> | null> = [];
  let at = 0;
  let nth = 0;
  tokens.forEach((token, i) => {
    const shifted = at + Array.from(token).length > shiftFrom && at < promptLength ? shiftOf(shift!, nth++) : 0;
    const lp = i === 0 ? null : fakeLogprob(token) + shifted;
    text_offset.push(offsets === 'none' ? -1 : at);
    token_logprobs.push(lp);
    top_logprobs.push(lp === null ? null : { [token]: lp });
    at += Array.from(token).length;
  });
  return { text_offset, token_logprobs, tokens, top_logprobs };
}

/** A scripted checkpoint's preference for the candidate answer at the end of a scored prompt: added to each of its tokens' log-probability. */
export interface LogprobShift {
  text: string;
  perToken: number;
  /** Added on top to the candidate's n-th token (n from 0): noise that differs token by token; none when absent. */
  tokenNoise?: (n: number) => number;
}

const shiftOf = (shift: LogprobShift, nth: number) => shift.perToken + (shift.tokenNoise?.(nth) ?? 0);

/** A fake token id: the same token always has the same id. */
export function fakeTokenId(token: string): number {
  let h = 2166136261;
  for (const ch of token) h = Math.imul(h ^ ch.codePointAt(0)!, 16777619) >>> 0;
  return h % 150000;
}

/**
 * vLLM's chat `prompt_logprobs` over a fake chat template: each message is a role token, its
 * content's fake tokens and an end token (none after a continued final message); the generation
 * prompt is the assistant role token. The first position is null, each other one maps the prompt
 * token's id to {logprob, rank, decoded_token}, as vLLM's Logprob serializes.
 */
export function chatPromptLogprobs(
  messages: ReadonlyArray<{ role: string; content: string }>, opts: { addGenerationPrompt: boolean; continueFinal: boolean }, shift?: LogprobShift,
) {
  const tokens: Array<{ token: string; shifted: number }> = [];
  messages.forEach((m, i) => {
    const continued = opts.continueFinal && i === messages.length - 1;
    tokens.push({ token: `<|${m.role}|>`, shifted: 0 });
    const scored = continued && shift !== undefined && m.content === shift.text;
    fakeTokens(m.content).forEach((t, n) => tokens.push({ token: t, shifted: scored ? shiftOf(shift, n) : 0 }));
    if (!continued) tokens.push({ token: '<|end|>', shifted: 0 });
  });
  if (opts.addGenerationPrompt) tokens.push({ token: '<|assistant|>', shifted: 0 });
  return tokens.map(({ token, shifted }, i) => (i === 0 ? null : {
    [String(fakeTokenId(token))]: { logprob: fakeLogprob(token) + shifted, rank: 1, decoded_token: token },
  }));
}
