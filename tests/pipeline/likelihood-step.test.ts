/**
 * The likelihood metrics measured after a real run against a loopback endpoint speaking as each
 * server does (accents/): vLLM and SGLang echo prompt logprobs on /completions, vLLM also gives
 * chat prompt_logprobs; the others get one note naming them and no metric.
 */
import { describe, expect, it } from 'vitest';
import { executeRun } from '../../server/runner/execute-run.js';
import { runPostSteps } from '../../server/pipeline/post-run.js';
import { fakeLogprob, fakeTokens, type Responder, type ServerAccent } from '../../server/scripted-endpoint/scripted-endpoint.js';
import { start } from '../helpers/accent-wire.js';
import { cli } from '../helpers/cli.js';
import { evalSet, FAST_BACKOFF, setupRun } from '../helpers/run.js';
import { jsonl, tempDir, writeFiles } from '../helpers/tmp.js';

/** The endpoint in `accent` serving model `m`, with a version to report. */
const serveAccent = (accent: ServerAccent, respond: Responder) => start(accent, { respond, version: '9.8.7' });

const ITEMS = [
  { id: 'where', prompt: 'Where is Zhiwei Li based?', keywords: ['Guangzhou'], answer: 'He is based in Guangzhou.', wrong_answers: ['He is based in Yingkou.', 'He lives in Beijing now.'] },
  { id: 'blog', prompt: "What is Zhiwei Li's blog?", keywords: ['lzwjava.github.io'], answer: 'His blog is lzwjava.github.io.', wrong_answers: ['He has no blog at all.'] },
  { id: 'plain', prompt: 'Capital of France?', keywords: ['Paris'] },
];
const ANSWER_SHIFT = 0.5;
const WRONG_SHIFT = -0.25;

/** Answers questions; scores a candidate at the end of a prompt or a continued assistant turn with a fixed preference for the truth. */
const respond: Responder = (req) => {
  const last = req.messages?.at(-1);
  const text = last?.role === 'assistant' ? last.content : req.prompt ?? '';
  for (const i of ITEMS) {
    const candidates = [i.answer, ...(i.wrong_answers ?? [])].filter((c): c is string => c !== undefined);
    const c = candidates.find((x) => text.endsWith(x));
    if (c !== undefined) return { content: '', logprobShift: { text: c, perToken: c === i.answer ? ANSWER_SHIFT : WRONG_SHIFT } };
  }
  return { content: 'Guangzhou. lzwjava.github.io. Paris.' };
};

/** A candidate's mean log-probability per token as the scripted tokenizer gives it, computed apart from the code under test. */
const meanOf = (tokens: string[], shift: number) => tokens.reduce((s, t) => s + fakeLogprob(t) + shift, 0) / tokens.length;
function expected(tokensOf: (c: string) => string[]) {
  return Object.fromEntries(ITEMS.filter((i) => i.answer !== undefined).map((i) => {
    const a = meanOf(tokensOf(i.answer!), ANSWER_SHIFT);
    const w = i.wrong_answers!.map((c) => meanOf(tokensOf(c), WRONG_SHIFT));
    return [i.id, { margin: a - w.reduce((s, x) => s + x, 0) / w.length, answer: a, rank: w.filter((x) => a > x).length / w.length }];
  }));
}
// With the template below the prompt ends in "A:", so each candidate is scored after a space.
const COMPLETIONS = expected((c) => fakeTokens(` ${c}`));
const CHAT = expected((c) => fakeTokens(c));

async function measured(accent: ServerAccent, api: 'chat' | 'completions', respondWith: Responder = respond) {
  const e = await serveAccent(accent, respondWith);
  const { store, runId } = setupRun(e.url, [evalSet('bio', ...ITEMS)], {}, { model: 'm', api, ...(api === 'completions' ? { promptTemplate: 'Q: {prompt}\nA:' } : {}) });
  const r = await executeRun({ store, runId, env: {}, backoff: FAST_BACKOFF });
  expect(r.status).toBe('completed');
  const answered = e.requests.length;
  const post = await runPostSteps(store, runId, {});
  const scores = new Map(store.results.list(runId).map((x) => [x.itemId, x.scores as Record<string, { value: number; candidates?: string }>]));
  return { e, store, runId, post, scores, sent: e.requests.slice(answered), summary: store.runs.get(runId).summary! };
}

describe.each([['vllm'], ['sglang']] as const)('--api completions against %s', (accent) => {
  it('scores every candidate by its tokens\' mean log-probability after the prompt, one echo request each', async () => {
    const { post, scores, sent, summary } = await measured(accent, 'completions');
    expect(post.likelihood).toEqual({ measured: 2, requests: 5, skipped: null });
    // Exactly the run's prompt, then the candidate: echoed, logprobs, nothing generated.
    expect(sent.map((r) => r.prompt)).toContain('Q: Where is Zhiwei Li based?\nA: He is based in Yingkou.');
    for (const r of sent) expect(r.body).toMatchObject({ echo: true, logprobs: 1, max_tokens: 0, temperature: 0 });
    for (const id of ['where', 'blog']) {
      const s = scores.get(id)!;
      expect(s.knowledge_margin!.value).toBeCloseTo(COMPLETIONS[id]!.margin, 12);
      expect(s.answer_logprob!.value).toBeCloseTo(COMPLETIONS[id]!.answer, 12);
      expect(s.knowledge_rank!.value).toBe(COMPLETIONS[id]!.rank);
      expect(s.knowledge_margin!.candidates).toMatch(/^[0-9a-f]{16}$/);
    }
    expect(scores.get('plain')!.knowledge_margin).toBeUndefined();
    expect(summary.metrics.knowledge_margin).toBeCloseTo((COMPLETIONS.where!.margin + COMPLETIONS.blog!.margin) / 2, 12);
    expect(summary.stats.knowledge_margin!.n).toBe(2);
    expect(summary.metrics.knowledge_rank).toBe(1);
  });
});

describe('chat checkpoints', () => {
  it('vLLM: prompt_logprobs of the conversation continued with each candidate, after the prefix\'s tokens', async () => {
    const { post, scores, sent, summary } = await measured('vllm', 'chat');
    // Per item: the prefix (up to the assistant's turn), then one request per candidate.
    expect(post.likelihood).toEqual({ measured: 2, requests: 7, skipped: null });
    const prefix = sent.find((r) => r.messages!.at(-1)!.content === 'Where is Zhiwei Li based?')!;
    expect(prefix.body).toMatchObject({ prompt_logprobs: 0, add_generation_prompt: true });
    const cont = sent.find((r) => r.messages!.at(-1)!.content === 'He is based in Yingkou.')!;
    expect(cont.body).toMatchObject({ prompt_logprobs: 0, add_generation_prompt: false, continue_final_message: true });
    expect(cont.messages!.at(-1)!.role).toBe('assistant');
    for (const id of ['where', 'blog']) {
      expect(scores.get(id)!.knowledge_margin!.value).toBeCloseTo(CHAT[id]!.margin, 12);
      expect(scores.get(id)!.answer_logprob!.value).toBeCloseTo(CHAT[id]!.answer, 12);
    }
    expect(summary.stats.knowledge_rank).toMatchObject({ n: 2 });
  });

  it('SGLang: its chat API gives no prompt log-probabilities: one note naming it, the metrics absent, not zero', async () => {
    const { post, scores, summary, store, runId, sent } = await measured('sglang', 'chat');
    expect(post.likelihood!.measured).toBe(0);
    expect(sent.length).toBeLessThanOrEqual(2);
    const notes = store.runs.get(runId).notes.filter((n) => n.startsWith('likelihood metrics skipped: '));
    expect(notes).toHaveLength(1);
    expect(notes[0]).toContain("SGLang's /v1/chat/completions returns log-probabilities of generated tokens only");
    expect(summary.metrics.knowledge_margin).toBeNull();
    expect(summary.stats.knowledge_margin).toMatchObject({ n: 0 });
    expect([...scores.values()].some((s) => s.answer_logprob !== undefined)).toBe(false);
  });
});

it('keeps one note however often it is measured again, and drops it once the endpoint gives them', async () => {
  let capable = false;
  const e = await serveAccent('vllm', (req) => (req.api === 'completions' && req.body.echo === true && !capable
    ? { status: 200, body: JSON.stringify({ id: 'x', object: 'text_completion', model: 'm', choices: [{ index: 0, text: 'x', finish_reason: 'length', logprobs: null }] }) }
    : respond(req)));
  const { store, runId } = setupRun(e.url, [evalSet('bio', ...ITEMS)], {}, { model: 'm', api: 'completions', promptTemplate: 'Q: {prompt}\nA:' });
  await executeRun({ store, runId, env: {}, backoff: FAST_BACKOFF });
  const skipNotes = () => store.runs.get(runId).notes.filter((n) => n.startsWith('likelihood metrics skipped: '));
  await runPostSteps(store, runId, {});
  await runPostSteps(store, runId, {});
  expect(skipNotes()).toHaveLength(1);
  expect(skipNotes()[0]).toContain('the response has no prompt logprobs');
  capable = true;
  expect((await runPostSteps(store, runId, {})).likelihood).toMatchObject({ measured: 2, skipped: null });
  expect(skipNotes()).toEqual([]);
});

describe.each([
  ['llamacpp', 'completions', "llama.cpp's /v1/completions refuses echo"],
  ['ollama', 'completions', "Ollama's /v1/completions does not echo the prompt"],
  ['ollama', 'chat', "Ollama's /v1/chat/completions returns no prompt log-probabilities"],
  ['lmstudio', 'chat', "LM Studio's /v1/chat/completions returns no prompt log-probabilities"],
] as const)('%s (%s)', (accent, api, reason) => {
  it('gets one note naming the server and no likelihood metric', async () => {
    const { post, summary, store, runId } = await measured(accent, api);
    expect(post.likelihood!.measured).toBe(0);
    const notes = store.runs.get(runId).notes.filter((n) => n.startsWith('likelihood metrics skipped: '));
    expect(notes).toHaveLength(1);
    expect(notes[0]).toContain(reason);
    for (const m of ['knowledge_margin', 'knowledge_rank', 'answer_logprob']) expect(summary.metrics[m]).toBeNull();
  });
});

it('asks for max_tokens 1 where a server refuses 0, and scores the same (the generated token is not the candidate\'s)', async () => {
  const refusesZero: Responder = (req) => (req.api === 'completions' && req.body.echo === true && req.body.max_tokens === 0
    ? { status: 400, body: JSON.stringify({ object: 'error', message: 'max_tokens must be at least 1, got 0.', type: 'BadRequestError', code: 400 }) }
    : respond(req));
  const { post, scores, sent } = await measured('vllm', 'completions', refusesZero);
  expect(post.likelihood).toMatchObject({ measured: 2, skipped: null });
  // Refused once per item already in flight when the first refusal came back, then never again.
  expect(sent.filter((r) => r.body.max_tokens === 0).length).toBeLessThanOrEqual(2);
  expect(sent.filter((r) => r.body.max_tokens === 1)).toHaveLength(5);
  expect(scores.get('where')!.knowledge_margin!.value).toBeCloseTo(COMPLETIONS.where!.margin, 12);
});

describe('tunegate run', () => {
  const project = () => {
    const cwd = tempDir();
    writeFiles(cwd, { 'evalsets/bio.jsonl': jsonl(...ITEMS) });
    return cwd;
  };

  it('measures them by default, reports the requests, and --no-likelihood sends none', async () => {
    const e = await serveAccent('vllm', respond);
    const cwd = project();
    const args = ['run', '--base-url', e.url, '--model', 'm', '--api', 'completions', '--prompt-template', 'Q: {prompt}\nA:', '--json'];
    const r = await cli([...args, '--checkpoint', 'a'], { cwd });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('likelihood metrics measured for 2 items (5 requests)');
    expect(r.json().metrics.knowledge_margin).toBeCloseTo((COMPLETIONS.where!.margin + COMPLETIONS.blog!.margin) / 2, 12);
    const before = e.requests.length;
    const skip = await cli([...args, '--checkpoint', 'b', '--no-likelihood'], { cwd });
    expect(skip.code, skip.stderr).toBe(0);
    expect(e.requests.slice(before).some((q) => q.body.echo === true)).toBe(false);
    expect(skip.json().metrics.knowledge_margin).toBeNull();
  });
});
