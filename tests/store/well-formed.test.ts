import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { executeRun } from '../../server/runner/execute-run.js';
import { endpoint } from '../helpers/endpoint.js';
import { evalSet, setupRun } from '../helpers/run.js';
import { post, testApp } from '../helpers/server.js';

const fatal = new TextDecoder('utf-8', { fatal: true });

/** Every non-null value of `columns` in `table`, as the bytes SQLite holds, decoded strictly. */
function storedBytes(dbPath: string, table: string, columns: string[]): string[] {
  const db = new Database(dbPath, { readonly: true, fileMustExist: true });
  try {
    const rows = db.prepare(`SELECT ${columns.map((c) => `hex(${c}) AS ${c}`).join(', ')} FROM ${table}`).all() as Array<Record<string, string>>;
    // A lone surrogate stored as ED A0 80 makes the fatal decoder throw.
    return rows.flatMap((r) => columns.map((c) => r[c]!)).filter((h) => h !== '').map((h) => fatal.decode(Buffer.from(h, 'hex')));
  } finally {
    db.close();
  }
}

describe('lone surrogates from outside are stored as valid UTF-8 (U+FFFD)', () => {
  it("a run's error and notes (they can quote an endpoint or a store message)", async () => {
    const { store, runId, dbPath } = setupRun('http://127.0.0.1:9/v1', [evalSet('bio', { id: 'q0', prompt: 'question', keywords: ['x'] })]);
    store.runs.addNote(runId, 'note \ud800 from outside');
    store.runs.replaceNotes(runId, () => false, ['another \udc00']);
    store.runs.finish(runId, 'failed', null, 'endpoint said \udbff');
    expect(store.runs.get(runId)).toMatchObject({ error: 'endpoint said \ufffd', notes: ['note \ufffd from outside', 'another \ufffd'] });
    expect(storedBytes(dbPath, 'runs', ['error', 'notes']).join(' ')).toContain('\ufffd');
  });

  it('answers, reasoning, errors, scores and judge verdicts of a run against an endpoint that sends "\\ud800"', async () => {
    // The scripted endpoint writes its reply with JSON.stringify: the body carries the escape \ud800.
    const e = await endpoint((req) => {
      if (req.userText === 'question q2') return { status: 400, headers: { 'content-type': 'text/plain' }, body: `bad ${'😀'.repeat(200)}` };
      if (req.userText === 'question q3') return { status: 400, headers: { 'content-type': 'text/plain' }, body: `bad!${'😀'.repeat(200)}` };
      return { content: `answer to: ${req.userText} lone\ud800 and \udc00 pair😀`, reasoning: 'think\udbff' };
    });
    const items = [0, 1, 2, 3].map((i) => ({ id: `q${i}`, prompt: `question q${i}`, keywords: [`question q${i}`], forbidden: ['lone\ud800'.slice(0, 4)] }));
    const { store, runId, dbPath } = setupRun(e.url, [evalSet('bio', ...items)], { retries: 0 });
    await executeRun({ store, runId, env: {} });
    const answers = store.results.list(runId).filter((r) => r.answer !== null);
    expect(answers).toHaveLength(2);
    expect(answers[0]!.answer).toBe('answer to: question q0 lone\ufffd and \ufffd pair😀');
    expect(answers[0]!.reasoning).toBe('think\ufffd');
    // A judge's verdict is model output too.
    store.judge.putJudgment({ runId, set: 'bio', itemId: 'q0', sample: 0, judge: 'j', rubric: 'r', score: 1, verdict: { rationale: 'x\ud800', ['k\udc00']: 1 }, error: null, cached: false });
    store.judge.putJudgment({ runId, set: 'bio', itemId: 'q1', sample: 0, judge: 'j', rubric: 'r', score: null, verdict: null, error: 'judge said \udbff', cached: false });
    store.judge.cache('key', 'j', 'r', { rationale: '\ud800' });
    store.close();
    expect(storedBytes(dbPath, 'judgments', ['verdict', 'error'])).toEqual(['{"rationale":"x\ufffd","k\ufffd":1}', 'judge said \ufffd']);
    expect(storedBytes(dbPath, 'judge_cache', ['verdict'])).toEqual(['{"rationale":"\ufffd"}']);

    const texts = storedBytes(dbPath, 'results', ['prompt', 'answer', 'reasoning', 'error', 'scores']);
    expect(texts.filter((t) => t.includes('\ufffd')).length).toBeGreaterThanOrEqual(4);
    expect(texts.some((t) => t.startsWith('HTTP 400'))).toBe(true);
  });

  it('a checkpoint\'s model, prompt template and tags sent to the API with "\\ud800"', async () => {
    const t = await testApp();
    const payload = '{"name":"c","baseUrl":"http://127.0.0.1:9/v1","model":"m\\ud800","promptTemplate":"{prompt}\\udc00","tags":{"k\\ud800":"v\\udfff"}}';
    const r = await post(t.app, '/api/checkpoints', payload);
    expect(r.statusCode, r.body).toBe(201);
    expect(r.json()).toMatchObject({ model: 'm\ufffd', tags: { 'k\ufffd': 'v\ufffd' } });
    const texts = storedBytes(t.dbPath, 'checkpoints', ['model', 'prompt_template', 'tags']);
    expect(texts).toEqual(['m\ufffd', '{prompt}\ufffd', '{"k\ufffd":"v\ufffd"}']);
  });
});
