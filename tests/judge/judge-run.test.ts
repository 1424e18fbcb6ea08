import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { judgeStoredRun } from '../../server/judge/judge-stored-run.js';
import { executeRun } from '../../server/runner/execute-run.js';
import { summarizeRun } from '../../server/runs/summary.js';
import type { Responder, ScriptedRequest } from '../../server/scripted-endpoint/scripted-endpoint.js';
import { cli } from '../helpers/cli.js';
import { endpoint } from '../helpers/endpoint.js';
import { evalSet, setupRun } from '../helpers/run.js';
import { jsonl, tempDir, writeFiles } from '../helpers/tmp.js';
import { BLOG_CASES, withLoop } from '../fixtures/blog-cases.js';

const CASES = BLOG_CASES.slice(0, 3);
const blogSet = () => evalSet('blog', ...CASES.map((c, i) => ({ id: `p${i}`, title: c.title, reference: c.reference })));

/** A checkpoint that writes the faithful post, or (loopy) the faithful post with a loop. */
const writer = (loopy: boolean): Responder => (req) => {
  const c = CASES.find((x) => x.title === req.userText)!;
  return { content: loopy ? withLoop(c.faithful) : c.faithful };
};

const verdict = (score: number) => JSON.stringify({ on_topic: score, coherence: score, structure: score, no_repetition: score, voice: score, rationale: `all ${score}` });
/** The text inside <tag>…</tag> in whichever message of the judge request holds it, or null. */
const postOf = (req: ScriptedRequest, tag: string): string | null => {
  const m = req.messages!.find((x) => x.content.includes(`<${tag}>`));
  return m === undefined ? null : m.content.split(`<${tag}>\n`)[1]!.split(`\n</${tag}>`)[0]!;
};
const loops = (text: string) => /(.{20,}?)(\s*\1){3,}/su.test(text);

/** A judge that gives 5s to posts without a loop and 2s to looping ones. */
const fairJudge: Responder = (req) => ({ content: verdict(loops(postOf(req, 'post')!) ? 2 : 5) });

async function blogRun(loopy = false, dbPath?: string) {
  const model = await endpoint(writer(loopy));
  const r = setupRun(model.url, [blogSet()]);
  await executeRun({ store: r.store, runId: r.runId, env: {} });
  return { ...r, dbPath: dbPath ?? r.dbPath };
}

const anthropicEnv = (url: string) => ({ ANTHROPIC_API_KEY: 'sk-ant-test-secret', ANTHROPIC_BASE_URL: url.replace(/\/v1$/, '') });

describe('LLM judge', () => {
  it('scores blog answers through the Anthropic Messages API with structured output, and reports blog_judge', async () => {
    const judge = await endpoint(fairJudge);
    const { store, runId, dbPath } = await blogRun(false);
    const out = await judgeStoredRun({ store, runId, env: anthropicEnv(judge.url), settings: { spec: 'anthropic:claude-test', keyEnv: null } });
    expect(out.report).toMatchObject({ judged: 3, cached: 0, errors: 0, requests: 3, judge: 'anthropic:claude-test', rubric: 'blog-v1' });
    expect(judge.requests[0]).toMatchObject({ api: 'messages', model: 'claude-test' });
    expect(judge.requests[0]!.headers.authorization).toBe('Bearer sk-ant-test-secret');
    expect(judge.requests[0]!.body.output_config).toMatchObject({ format: { type: 'json_schema' } });
    expect(summarizeRun(store, runId).metrics.blog_judge).toBe(1);
    expect(store.runs.get(runId).summary!.metrics.blog_judge).toBe(1); // the stored summary was refreshed
    store.close();
    expect(readFileSync(dbPath).includes('sk-ant-test-secret')).toBe(false);
  });

  it('retries once on an unparsable verdict, telling the judge what was wrong', async () => {
    let n = 0;
    const judge = await endpoint((req) => (n++ % 2 === 0 ? { content: 'I think it is pretty good!' } : fairJudge(req)));
    const { store, runId } = await blogRun(false);
    const out = await judgeStoredRun({ store, runId, env: anthropicEnv(judge.url), settings: { spec: 'anthropic:m', keyEnv: null }, concurrency: 1 });
    expect(out.report).toMatchObject({ judged: 3, errors: 0 });
    expect(judge.requests).toHaveLength(6);
    const retry = judge.requests[1]!.messages!;
    expect(retry.map((m) => m.role)).toEqual(['user', 'assistant', 'user']);
    expect(retry[1]!.content).toBe('I think it is pretty good!');
    expect(retry[2]!.content).toContain('no JSON object in the reply');
  });

  it('stores judge errors per item (invalid twice, 5xx, timeout) and never fails the run', async () => {
    for (const [respond, message] of [
      [() => ({ content: '{"on_topic": 9}' }), 'unparsable verdict after one retry: "on_topic" must be a number from 1 to 5, got 9'],
      [() => ({ status: 500 }), 'judge HTTP 500'],
      [() => ({ fault: 'hang' as const }), 'judge request failed'],
    ] as Array<[Responder, string]>) {
      const judge = await endpoint(respond);
      const { store, runId } = await blogRun(false);
      const out = await judgeStoredRun({ store, runId, env: anthropicEnv(judge.url), settings: { spec: 'anthropic:m', keyEnv: null }, maxRetries: 0, timeoutMs: 300 });
      expect(out.report).toMatchObject({ judged: 0, errors: 3 });
      const j = store.judge.judgments(runId);
      expect(j).toHaveLength(3);
      expect(j[0]!.error).toContain(message);
      expect(store.runs.get(runId).status).toBe('completed');
      expect(summarizeRun(store, runId).metrics.blog_judge).toBeNull();
      expect(summarizeRun(store, runId).metrics.blog_quality).toBeGreaterThan(0);
    }
  });

  it('falls back to a prompt-only request when the model refuses structured output', async () => {
    const judge = await endpoint((req) => (req.body.output_config !== undefined
      ? { status: 400, body: '{"type":"error","error":{"type":"invalid_request_error","message":"output_config not supported"}}' }
      : fairJudge(req)));
    const { store, runId } = await blogRun(false);
    const out = await judgeStoredRun({ store, runId, env: anthropicEnv(judge.url), settings: { spec: 'anthropic:m', keyEnv: null }, concurrency: 1 });
    expect(out.report).toMatchObject({ judged: 3, errors: 0 });
    expect(judge.requests.filter((r) => r.body.output_config !== undefined)).toHaveLength(1);
  });

  it('works with an OpenAI-compatible judge and its named key, with the same error handling', async () => {
    const judge = await endpoint((req) => (req.messages!.some((m) => m.content.includes('p-broken')) ? { status: 503 } : fairJudge(req)));
    const { store, runId } = await blogRun(true);
    const out = await judgeStoredRun({
      store, runId, env: { JUDGE_KEY: 'sk-judge-1' }, settings: { spec: `openai:judge-model@${judge.url}`, keyEnv: 'JUDGE_KEY' }, maxRetries: 0,
    });
    expect(out.report).toMatchObject({ judged: 3, errors: 0 });
    expect(judge.requests[0]).toMatchObject({ api: 'chat', model: 'judge-model' });
    expect(judge.requests[0]!.headers.authorization).toBe('Bearer sk-judge-1');
    expect(judge.requests[0]!.messages![0]!.role).toBe('system');
    expect(summarizeRun(store, runId).metrics.blog_judge).toBeCloseTo(0.25, 12); // every post loops: 2s → (2-1)/4
  });

  it('caches verdicts: judging again, or judging another run with the same answers, sends no request', async () => {
    const judge = await endpoint(fairJudge);
    const settings = { spec: 'anthropic:m', keyEnv: null };
    const a = await blogRun(false);
    await judgeStoredRun({ store: a.store, runId: a.runId, env: anthropicEnv(judge.url), settings });
    expect(judge.requests).toHaveLength(3);
    const again = await judgeStoredRun({ store: a.store, runId: a.runId, env: anthropicEnv(judge.url), settings });
    expect(again.report).toMatchObject({ judged: 3, requests: 0 });
    // A second run in the same database with identical answers: every verdict from the cache.
    const model = await endpoint(writer(false));
    const c = a.store.checkpoints.add({ name: 'other', baseUrl: model.url, model: 'm' });
    const { createRun, DEFAULT_PARAMS } = await import('../../server/runner/create-run.js');
    const runB = createRun(a.store, c, [blogSet()], DEFAULT_PARAMS);
    await executeRun({ store: a.store, runId: runB, env: {} });
    const b = await judgeStoredRun({ store: a.store, runId: runB, env: anthropicEnv(judge.url), settings });
    expect(b.report).toMatchObject({ judged: 3, cached: 3, requests: 0 });
    expect(judge.requests).toHaveLength(3);
    expect(summarizeRun(a.store, runB).metrics.blog_judge).toBe(1);
  });

  it('compares two runs pairwise in both orders and reports a win rate with an interval', async () => {
    const preferNoLoop: Responder = (req) => {
      const a = postOf(req, 'post_a');
      return a === null ? fairJudge(req) : { content: JSON.stringify({ winner: loops(a) ? 'B' : 'A', reason: 'the other one loops' }) };
    };
    const judge = await endpoint(preferNoLoop);
    const model = await endpoint(writer(true));
    const { store, runId: baseRun } = setupRun(model.url, [blogSet()]);
    await executeRun({ store, runId: baseRun, env: {} });
    const better = await endpoint(writer(false));
    const c = store.checkpoints.add({ name: 'better', baseUrl: better.url, model: 'm' });
    const { createRun, DEFAULT_PARAMS } = await import('../../server/runner/create-run.js');
    const head = createRun(store, c, [blogSet()], DEFAULT_PARAMS);
    await executeRun({ store, runId: head, env: {} });
    const out = await judgeStoredRun({ store, runId: head, env: anthropicEnv(judge.url), settings: { spec: 'anthropic:m', keyEnv: null }, pairwiseBaseline: baseRun });
    expect(out.pairwise).toMatchObject({ baselineRunId: baseRun, n: 3, winRate: 1, wins: 3, ties: 0, losses: 0, errors: 0, agreement: 1, interval: [1, 1] });
    // 3 absolute + 3 items × 2 orders
    expect(judge.requests.filter((r) => r.messages![0]!.content.includes('Post A:'))).toHaveLength(6);

    // A judge that always picks the first post: the two orders cancel to a tie, and disagree.
    const biased = await endpoint((req) => (postOf(req, 'post_a') === null ? fairJudge(req) : { content: '{"winner": "A", "reason": "first"}' }));
    const out2 = await judgeStoredRun({ store, runId: head, env: anthropicEnv(biased.url), settings: { spec: 'anthropic:biased', keyEnv: null }, pairwiseBaseline: baseRun });
    expect(out2.pairwise).toMatchObject({ winRate: 0.5, ties: 3, agreement: 0 });
  });
});

describe('tunegate run --judge and tunegate judge', () => {
  function project(): string {
    const cwd = tempDir();
    writeFiles(cwd, { 'evalsets/blog.jsonl': jsonl(...CASES.map((c, i) => ({ id: `p${i}`, title: c.title, reference: c.reference }))) });
    return cwd;
  }

  it('judges after the run, reports blog_judge, and refuses to start without the judge key', async () => {
    const cwd = project();
    const model = await endpoint(writer(false));
    const judge = await endpoint(fairJudge);
    const env = anthropicEnv(judge.url);
    const args = ['run', '--base-url', model.url, '--model', 'm', '--checkpoint', 'c', '--judge', 'anthropic:claude-test', '--json'];
    const noKey = await cli(args, { cwd, env: { ANTHROPIC_BASE_URL: env.ANTHROPIC_BASE_URL } });
    expect(noKey.code).toBe(2);
    expect(noKey.stderr).toContain('the anthropic judge needs ANTHROPIC_API_KEY');
    expect(model.requests).toHaveLength(0);

    const r = await cli(args, { cwd, env });
    expect(r.code, r.stderr).toBe(0);
    const out = r.json();
    expect(out.metrics.blog_judge).toBe(1);
    expect(out.judge).toMatchObject({ judged: 3, errors: 0 });
    expect(out.params.judge).toEqual({ spec: 'anthropic:claude-test', keyEnv: null });
    expect(JSON.stringify(out)).not.toContain('sk-ant-test-secret');

    // Re-judging the stored run uses the run's judge and the cache: no new request.
    const before = judge.requests.length;
    const again = await cli(['judge', '1', '--json'], { cwd, env });
    expect(again.code, again.stderr).toBe(0);
    expect(again.json().judge).toMatchObject({ judged: 3, requests: 0 });
    expect(judge.requests).toHaveLength(before);

    const show = (await cli(['show', '1', '--items', '--json'], { cwd })).json();
    expect(show.items[0].judge).toMatchObject({ score: 1, rationale: 'all 5', error: null, criteria: { on_topic: 5 } });
    expect(show.metrics.blog_judge).toBe(1);
  });

  it('judge --pairwise compares two stored runs; bad judge specs exit 2', async () => {
    const cwd = project();
    const loopy = await endpoint(writer(true));
    const good = await endpoint(writer(false));
    const judge = await endpoint((req) => {
      const a = postOf(req, 'post_a');
      return a === null ? fairJudge(req) : { content: JSON.stringify({ winner: loops(a) ? 'B' : 'A' }) };
    });
    expect((await cli(['run', '--base-url', loopy.url, '--model', 'm', '--checkpoint', 'a'], { cwd })).code).toBe(0);
    expect((await cli(['run', '--base-url', good.url, '--model', 'm', '--checkpoint', 'b', '--judge', `openai:j@${judge.url}`, '--judge-pairwise', '1'], { cwd })).code).toBe(0);
    const shown = await cli(['show', '2'], { cwd });
    expect(shown.stdout).toMatch(/pairwise vs run 1 \(openai:j@.*\): win rate 1\.00 \[95% 1\.00, 1\.00\] over 3 posts: 3 wins, 0 ties, 0 losses/);
    expect((await cli(['judge', '2', '--judge', 'gpt-4'], { cwd })).stderr).toContain('is not a judge');
    expect((await cli(['judge', '1'], { cwd })).stderr).toContain('run 1 has no judge');
    expect((await cli(['judge', '2', '--pairwise', '99', '--judge', `openai:j@${judge.url}`], { cwd })).stderr).toContain('no run with id 99');
  });
});
