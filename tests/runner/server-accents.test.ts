/**
 * The real runner against a loopback endpoint speaking as each server does (accents/, written
 * from their sources; docs/servers.md). Each `it` backs cells of the
 * compatibility table in docs/servers.md.
 */
import { describe, expect, it } from 'vitest';
import { DEAD_ENDPOINT_FAILURES } from '../../server/runner/dead-endpoint.js';
import { executeRun } from '../../server/runner/execute-run.js';
import {
  fakeLogprob, fakeTokens, type Responder, type ScriptedEndpoint, type ScriptedEndpointOptions, type ServerAccent,
} from '../../server/scripted-endpoint/scripted-endpoint.js';
import { start } from '../helpers/accent-wire.js';
import { cli } from '../helpers/cli.js';
import { evalSet, FAST_BACKOFF, setupRun } from '../helpers/run.js';
import { jsonl, tempDir, writeFiles } from '../helpers/tmp.js';

const SERVERS = ['vllm', 'sglang', 'llamacpp', 'ollama', 'tgi', 'lmstudio'] as const satisfies readonly ServerAccent[];
/** What the serving probe must call each one, and what it can learn of it. */
const IDENTITY: Record<(typeof SERVERS)[number], { server: string; version: boolean; context: boolean }> = {
  vllm: { server: 'vLLM', version: true, context: true },
  sglang: { server: 'SGLang', version: true, context: true },
  llamacpp: { server: 'llama.cpp', version: true, context: true },
  ollama: { server: 'Ollama', version: true, context: false },
  tgi: { server: 'TGI', version: true, context: true },
  lmstudio: { server: 'LM Studio', version: false, context: true },
};

/** The endpoint in `accent` serving model `m`, with a version and a context length to report. */
const serveAccent = (accent: ServerAccent, respond: Responder, opts: Partial<ScriptedEndpointOptions> = {}) =>
  start(accent, { respond, version: '9.8.7', contextLength: 32_768, ...opts });
const completionsSent = (e: ScriptedEndpoint) => e.requests.filter((r) => r.api !== 'messages').length;

// Bio items whose keyword is in the answer for even i and only in the reasoning for odd i (never
// scored); two with a forbidden string; blog posts answered with their reference.
const BIO = Array.from({ length: 8 }, (_, i) => ({ id: `q${i}`, prompt: `who is person ${i}?`, keywords: [`fact-${i}`], ...(i < 2 ? { forbidden: ['Yingkou'] } : {}) }));
const BLOG = [{ id: 'p1', title: 'WAL mode', reference: 'Write-ahead logging keeps readers and the writer apart.' }, { id: 'p2', title: '缓存', reference: '缓存保存键和值，读取更快。' }];
const answers: Responder = (req) => {
  const bio = /person (\d+)/.exec(req.userText);
  if (bio !== null) {
    const i = Number(bio[1]);
    const said = i === 1 ? 'born in Yingkou' : '';
    return i % 2 === 0 ? { content: `They are known for fact-${i}. ${said}`, reasoning: 'recalling' } : { content: `I am not sure. ${said}`, reasoning: `maybe fact-${i}?` };
  }
  const post = BLOG.find((p) => req.userText.startsWith(p.title));
  return { content: post?.reference ?? 'x' };
};

describe.each(SERVERS)('against %s', (accent) => {
  it('measures the same answers identically: reasoning in its field (or inline <think>) is never scored', async () => {
    const e = await serveAccent(accent, answers);
    const { store, runId } = setupRun(e.url, [evalSet('bio', ...BIO), evalSet('blog', ...BLOG)], {}, { model: 'm' });
    const r = await executeRun({ store, runId, env: {}, backoff: FAST_BACKOFF });
    expect(r.status).toBe('completed');
    expect(r.summary.counts).toMatchObject({ results: 10, errors: 0, truncated: 0 });
    expect(r.summary.metrics.bio_accuracy).toBe(0.5);
    expect(r.summary.metrics.hallucination_rate).toBe(0.5);
    expect(r.summary.metrics.blog_quality).toBeCloseTo(1, 10);
    const q1 = store.results.list(runId).find((x) => x.itemId === 'q1')!;
    expect(q1).toMatchObject({ answer: 'I am not sure. born in Yingkou', reasoning: 'maybe fact-1?', passed: false });
  });

  it('runs a base model through /v1/completions with a prompt template', async () => {
    const e = await serveAccent(accent, (req) => (req.api === 'completions' ? answers({ ...req, userText: req.prompt!.replace(/^Q: /, '') }) : { status: 500 }));
    const { store, runId } = setupRun(e.url, [evalSet('bio', ...BIO)], {}, { model: 'm', api: 'completions', promptTemplate: 'Q: {prompt}\nA:' });
    const r = await executeRun({ store, runId, env: {}, backoff: FAST_BACKOFF });
    expect(r.summary.counts).toMatchObject({ results: 8, errors: 0 });
    expect(r.summary.metrics.bio_accuracy).toBe(0.5);
    expect(e.requests.every((q) => q.api === 'completions' && q.prompt!.startsWith('Q: who is person'))).toBe(true);
  });

  it('reads who serves: server, version and context length, into the run\'s provenance', async () => {
    const e = await serveAccent(accent, answers, { contextLength: 8192 });
    const { store, runId } = setupRun(e.url, [evalSet('bio', ...BIO.slice(0, 1))], {}, { model: 'm' });
    await executeRun({ store, runId, env: {}, backoff: FAST_BACKOFF });
    const id = IDENTITY[accent];
    expect(store.runs.get(runId).provenance.serving).toEqual([expect.objectContaining({
      baseUrl: e.url, server: id.server, version: id.version ? '9.8.7' : null, contextLength: id.context ? 8192 : null, modelCheck: 'passed',
    })]);
  });

  it('a mistyped model name stops `run` with exit 2 before any completion is sent', async () => {
    const e = await serveAccent(accent, answers);
    const cwd = tempDir();
    writeFiles(cwd, { 'evalsets/bio.jsonl': jsonl(...BIO) });
    const r = await cli(['run', '--base-url', e.url, '--model', 'mm', '--checkpoint', 'c'], { cwd });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('does not serve model "mm": it serves "m"');
    expect(completionsSent(e)).toBe(0);
  });

  it('measures perplexity where the server echoes prompt logprobs (vLLM, SGLang), else skips it with a note naming the server', async () => {
    const e = await serveAccent(accent, answers);
    const cwd = tempDir();
    writeFiles(cwd, { 'evalsets/blog.jsonl': jsonl(...BLOG) });
    const r = await cli(['run', '--base-url', e.url, '--model', 'm', '--checkpoint', 'c', '--perplexity', '--json', '--retries', '0'], { cwd });
    expect(r.code, r.stderr).toBe(0);
    const out = r.json();
    if (accent === 'vllm' || accent === 'sglang') {
      // Recomputed here from the endpoint's tokenizer: the reference's tokens, not the prompt's.
      const expected = BLOG.map((p) => {
        const prefix = `${p.title}\n\n`;
        let at = 0;
        const lps: number[] = [];
        for (const t of fakeTokens(prefix + p.reference)) {
          if (at >= Array.from(prefix).length) lps.push(fakeLogprob(t));
          at += Array.from(t).length;
        }
        return -lps.reduce((s, v) => s + v, 0) / lps.length; // log perplexity
      });
      expect(out.metrics.blog_perplexity).toBeCloseTo(Math.exp((expected[0]! + expected[1]!) / 2), 8);
      expect(out.notes).toEqual([]);
    } else {
      expect(out.metrics.blog_perplexity).toBeNull();
      expect(out.notes).toEqual([expect.stringMatching(new RegExp(`^perplexity skipped: ${IDENTITY[accent].server}'s /v1/completions .*; perplexity is measured on vLLM and SGLang$`))]);
    }
  });

  it('a prompt over the context is one cause with its count (Ollama cuts the prompt silently instead)', async () => {
    const e = await serveAccent(accent, answers, { contextLength: 64 });
    const long = Array.from({ length: 5 }, (_, i) => ({ id: `long${i}`, prompt: `who is person ${i}? ${'background '.repeat(60)}`, keywords: [`fact-${i}`] }));
    const { store, runId } = setupRun(e.url, [evalSet('bio', ...BIO.slice(0, 4), ...long)], { maxTokens: { keyword: 16, blog: 16 } }, { model: 'm' });
    const r = await executeRun({ store, runId, env: {}, backoff: FAST_BACKOFF });
    const notes = store.runs.get(runId).notes.filter((n) => n.startsWith('errored: '));
    if (accent === 'ollama') {
      expect(r.summary.counts.errors).toBe(0);
      expect(notes).toEqual([]);
      expect(e.requests.filter((q) => q.keptPromptTokens !== undefined)).toHaveLength(5);
    } else {
      expect(r.summary.counts).toMatchObject({ results: 9, errors: 5 });
      expect(notes).toEqual([expect.stringMatching(/^errored: 5 items exceed the context of 64 tokens \(prompt \+ max tokens\), not retried; /)]);
      // Not retried: one request per long item.
      expect(e.requests.filter((q) => q.userText.includes('background'))).toHaveLength(5);
    }
  });

  it('an endpoint that dies mid-run interrupts it after a bounded number of failures', async () => {
    let n = 0;
    const items = Array.from({ length: 120 }, (_, i) => ({ id: `d${i}`, prompt: `who is person ${i}?`, keywords: [`fact-${i}`] }));
    const e: ScriptedEndpoint = await serveAccent(accent, (req) => {
      if (++n === 6) setImmediate(() => void e.close());
      return answers(req);
    });
    const { store, runId } = setupRun(e.url, [evalSet('bio', ...items)], { concurrency: 2 }, { model: 'm' });
    // A short quiet time: the default (10 s) is proved in dead-endpoint-replicas.test.ts.
    const r = await executeRun({ store, runId, env: {}, backoff: FAST_BACKOFF, deadAfterMs: 200 });
    expect(r.status).toBe('interrupted');
    expect(store.runs.get(runId).error).toMatch(new RegExp(`^the endpoint stopped answering: every replica failed ${DEAD_ENDPOINT_FAILURES}\\+ connections in a row`));
    expect(store.results.counts(runId).results).toBeLessThan(120);
  });
});

describe('TGI', () => {
  it('"tgi", the name its documentation sends, is accepted (it serves one model under any name)', async () => {
    const e = await serveAccent('tgi', answers);
    const { store, runId } = setupRun(e.url, [evalSet('bio', ...BIO)], {}, { model: 'tgi' });
    const r = await executeRun({ store, runId, env: {}, backoff: FAST_BACKOFF });
    expect(r.summary.counts).toMatchObject({ results: 8, errors: 0 });
    expect(store.runs.get(runId).provenance.serving![0]).toMatchObject({ server: 'TGI', modelCheck: 'passed' });
  });

});

describe('a model the server does not serve, with the check skipped', () => {
  /** What each server does with a name it does not serve: fail every item, or answer with its own model. */
  const FAILS: Record<(typeof SERVERS)[number], RegExp | null> = {
    vllm: /\(HTTP 404\): The model `typo` does not exist\.$/,
    ollama: /\(HTTP 404\): model 'typo' not found$/,
    lmstudio: /\(HTTP 400\): Invalid model identifier "typo"/,
    sglang: null,
    llamacpp: null,
    tgi: null,
  };
  it.each(SERVERS)('%s: an error reported once as a cause, or an answer from another model (why the check exists)', async (accent) => {
    const e = await serveAccent(accent, answers);
    const { store, runId } = setupRun(e.url, [evalSet('bio', ...BIO)], { modelCheck: false }, { model: 'typo' });
    const r = await executeRun({ store, runId, env: {}, backoff: FAST_BACKOFF });
    const run = store.runs.get(runId);
    expect(run.provenance.serving![0]!.modelCheck).toBe('skipped');
    const fails = FAILS[accent];
    if (fails === null) {
      expect(r.summary.counts.errors).toBe(0); // nothing says another model answered
      return;
    }
    expect(r.summary.counts.errors).toBe(8);
    expect(run.notes).toEqual([expect.stringMatching(/^errored: 8 items: the server does not serve model "typo", not retried; check the checkpoint's model name against GET \/v1\/models\. the server said /)]);
    expect(run.notes[0]).toMatch(fails);
    expect(completionsSent(e)).toBe(8); // not retried
  });
});
