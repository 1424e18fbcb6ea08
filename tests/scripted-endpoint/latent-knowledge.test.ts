/** The latent-knowledge checkpoints over real HTTP in vLLM's accent: greedy answers and scored candidates from one model, deterministically. */
import { describe, expect, it } from 'vitest';
import { latentKnowledgeResponder, type LatentCheckpoint, type LatentItem } from '../../server/scripted-endpoint/latent-knowledge.js';
import { fakeLogprob, fakeTokens } from '../../server/scripted-endpoint/scripted-endpoint.js';
import { chatSpanLogprobs, meanLogprob, spanLogprobs } from '../../server/scoring/likelihood.js';
import { post, start } from '../helpers/accent-wire.js';

const ITEMS: LatentItem[] = [0, 1].map((i) => ({
  prompt: `Where is fact ${i} kept?`, answer: `Fact ${i} is kept at place-${i}.`, wrongAnswers: [`Fact ${i} is kept at wrong-a.`, `Fact ${i} is kept at wrong-b.`],
  right: `It is place-${i}.`, wrong: 'I am not sure.',
}));
const base: LatentCheckpoint = { seed: 7, strength: [2, -2], style: 0, tokenSd: 0.5, greedySd: 0.01 };
const MODELS = new Map<string, LatentCheckpoint>([
  ['base', base],
  ['restyled', { ...base, style: -0.8 }],
  ['reseeded', { ...base, seed: 8 }],
]);

const serve = () => start('vllm', { respond: latentKnowledgeResponder(ITEMS, MODELS), models: [...MODELS.keys()] });
const prefix = (i: number) => `Q: ${ITEMS[i]!.prompt}\nA:`;

/** Each candidate's mean log-probability per token after item i's prompt, as the pipeline reads an echo. */
async function scores(url: Awaited<ReturnType<typeof serve>>, model: string, i: number): Promise<number[]> {
  const item = ITEMS[i]!;
  return Promise.all([item.answer, ...item.wrongAnswers].map(async (c) => {
    const r = await post(url, '/completions', { model, prompt: `${prefix(i)} ${c}`, max_tokens: 0, echo: true, logprobs: 1 });
    expect(r.status).toBe(200);
    return meanLogprob(spanLogprobs(prefix(i), ` ${c}`, r.json.choices[0].logprobs)!)!;
  }));
}
const margin = ([a, ...w]: number[]) => a! - w.reduce((s, x) => s + x, 0) / w.length;

describe('latent-knowledge checkpoints', () => {
  it('answer greedily by their strength: right where it is high, wrong where it is low', async () => {
    const e = await serve();
    const answer = async (i: number) => (await post(e, '/completions', { model: 'base', prompt: prefix(i), max_tokens: 16 })).json.choices[0].text;
    expect(await answer(0)).toBe('It is place-0.');
    expect(await answer(1)).toBe('I am not sure.');
  });

  it('score the truth above the wrong answers where the strength is high, below where it is low, the same on every asking', async () => {
    const e = await serve();
    const first = await scores(e, 'base', 0);
    expect(await scores(e, 'base', 0)).toEqual(first);
    expect(margin(first)).toBeGreaterThan(1);
    expect(margin(await scores(e, 'base', 1))).toBeLessThan(-1);
  });

  it('noise differs token by token and seed by seed; a style shift moves every candidate alike and cancels out of the margin', async () => {
    const e = await serve();
    const item = ITEMS[0]!;
    const r = await post(e, '/completions', { model: 'base', prompt: `${prefix(0)} ${item.answer}`, max_tokens: 0, echo: true, logprobs: 1 });
    const lp = r.json.choices[0].logprobs;
    const tokens = fakeTokens(` ${item.answer}`);
    const extra = lp.token_logprobs.slice(-tokens.length).map((v: number, n: number) => v - fakeLogprob(tokens[n]!));
    expect(new Set(extra.map((x: number) => x.toFixed(9))).size).toBe(tokens.length);
    const [seeded, reseeded, restyled] = await Promise.all(['base', 'reseeded', 'restyled'].map((m) => scores(e, m, 0)));
    expect(reseeded).not.toEqual(seeded);
    restyled!.forEach((s, j) => expect(s - seeded![j]!).toBeCloseTo(-0.8, 12));
    expect(margin(restyled!)).toBeCloseTo(margin(seeded!), 12);
  });

  it("give the same candidate shift through vLLM's chat prompt_logprobs (a continued assistant turn)", async () => {
    const e = await serve();
    const messages = [{ role: 'user', content: ITEMS[0]!.prompt }];
    const chat = async (extra: object) => (await post(e, '/chat/completions', { model: 'restyled', max_tokens: 1, prompt_logprobs: 0, ...extra })).json.prompt_logprobs;
    const before = await chat({ messages, add_generation_prompt: true });
    const [answer, ...wrong] = await Promise.all([ITEMS[0]!.answer, ...ITEMS[0]!.wrongAnswers].map(async (c) => {
      const full = await chat({ messages: [...messages, { role: 'assistant', content: c }], add_generation_prompt: false, continue_final_message: true });
      return meanLogprob(chatSpanLogprobs(before, full)!)!;
    }));
    expect(answer! - wrong.reduce((s, x) => s + x, 0) / wrong.length).toBeGreaterThan(1);
  });

  it('refuse a model or a prompt they know nothing of', async () => {
    const e = await serve();
    expect((await post(e, '/completions', { model: 'base', prompt: 'Q: something else\nA:' })).status).toBe(404);
    const unknown = await start('openai', { respond: latentKnowledgeResponder(ITEMS, MODELS) });
    expect((await post(unknown, '/completions', { model: 'other', prompt: prefix(0) })).status).toBe(404);
  });
});
