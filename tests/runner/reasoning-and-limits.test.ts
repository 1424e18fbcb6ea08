import { describe, expect, it } from 'vitest';
import { executeRun } from '../../server/runner/execute-run.js';
import { echo, endpoint } from '../helpers/endpoint.js';
import { evalSet, FAST_BACKOFF, keywordItems, setupRun } from '../helpers/run.js';

describe('reasoning models', () => {
  it('never scores the reasoning; an answer with no opening tag is split; reasoning with no answer counts as cut off, not as a wrong answer silently', async () => {
    const e = await endpoint((req) => {
      const q = req.userText;
      if (q.endsWith('q0')) return { content: `answer to: ${q}`, reasoning: 'the keyword is not in here' }; // separate field
      if (q.endsWith('q1')) return { content: `Let me think about ${q} and nothing else.</think>\n\nThe answer.` }; // R1: no opening tag
      if (q.endsWith('q2')) return { content: '', reasoning: `I should say answer to: ${q} but I ran out`, finishReason: 'stop' }; // budget spent thinking
      if (q.endsWith('q3')) return { content: `<think>answer to: ${q} ... still thinking`, finishReason: 'length' }; // cut inside <think>
      return echo(req);
    });
    const { store, runId } = setupRun(e.url, [evalSet('bio', ...keywordItems(20))]);
    const r = await executeRun({ store, runId, env: {}, backoff: FAST_BACKOFF });
    const rows = new Map(store.results.list(runId).map((x) => [x.itemId, x]));
    expect(rows.get('q0')).toMatchObject({ answer: 'answer to: question q0', reasoning: 'the keyword is not in here', passed: true });
    expect(rows.get('q1')).toMatchObject({ answer: 'The answer.', reasoning: 'Let me think about question q1 and nothing else.', passed: false });
    // The keyword appears only in the reasoning: not scored as found.
    expect(rows.get('q2')).toMatchObject({ answer: '', passed: false, finishReason: 'stop' });
    expect(rows.get('q3')).toMatchObject({ answer: '', passed: false, finishReason: 'length' });
    expect(r.summary.counts.truncated).toBe(2);
    expect(r.summary.sets.bio!.truncated).toBe(2);
    expect(store.runs.get(runId).notes).toEqual([
      expect.stringMatching(/^set bio: 2 of 20 answers \(10%\) were cut off at max tokens \(finish_reason "length"\), 2 of them reasoning with no answer at all/),
    ]);
  });
});

describe('what every request carries', () => {
  it('sets temperature explicitly; switches to max_completion_tokens once when the server refuses max_tokens', async () => {
    const e = await endpoint((req) => {
      if (req.body.max_tokens !== undefined) {
        return {
          status: 400,
          body: JSON.stringify({ error: { message: "Unsupported parameter: 'max_tokens' is not supported with this model. Use 'max_completion_tokens' instead.", type: 'invalid_request_error', param: 'max_tokens', code: 'unsupported_parameter' } }),
        };
      }
      return echo(req);
    });
    const { store, runId } = setupRun(e.url, [evalSet('bio', ...keywordItems(10))], { concurrency: 1, temperature: 0, maxTokens: { keyword: 77, blog: 99 } });
    const r = await executeRun({ store, runId, env: {}, backoff: FAST_BACKOFF });
    expect(r.summary.counts).toMatchObject({ results: 10, errors: 0 });
    expect(e.requests.every((q) => q.body.temperature === 0)).toBe(true);
    expect(e.requests[0]!.body).toMatchObject({ max_tokens: 77 });
    expect(e.requests.slice(1).every((q) => q.body.max_completion_tokens === 77 && q.body.max_tokens === undefined)).toBe(true);
    expect(e.requests).toHaveLength(11);
  });
});
