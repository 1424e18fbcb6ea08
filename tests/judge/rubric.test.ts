import { describe, expect, it } from 'vitest';
import { absolutePrompt, pairwisePrompt, parseVerdict, parseWinner } from '../../server/judge/rubric.js';
import { VerdictError } from '../../server/http/ask-json.js';
import { parseJudgeSpec } from '../../server/judge/spec.js';

const valid = { on_topic: 5, coherence: 4, structure: 3, no_repetition: 5, voice: 3, rationale: 'ok' };

describe('judge rubric', () => {
  it('scores a valid verdict as the mean criterion rescaled to 0–1', () => {
    const v = parseVerdict(JSON.stringify(valid));
    expect(v.score).toBeCloseTo((4 - 1) / 4, 12);
    expect(v.criteria).toEqual({ on_topic: 5, coherence: 4, structure: 3, no_repetition: 5, voice: 3 });
    expect(parseVerdict('Sure!\n```json\n' + JSON.stringify(valid) + '\n```').score).toBeCloseTo(0.75, 12);
  });

  it.each([
    ['no JSON here', 'no JSON object'],
    ['{"on_topic": 5,', 'no JSON object'],
    ['{"on_topic": 5, oops}', 'does not parse'],
    [JSON.stringify({ ...valid, voice: 6 }), '"voice" must be a number from 1 to 5, got 6'],
    [JSON.stringify({ ...valid, coherence: 'good' }), '"coherence" must be a number from 1 to 5'],
    [JSON.stringify({ on_topic: 5 }), '"coherence" must be a number'],
  ])('rejects %j', (text, message) => {
    expect(() => parseVerdict(text)).toThrow(VerdictError);
    expect(() => parseVerdict(text)).toThrow(message);
  });

  it('reads pairwise winners and rejects anything else', () => {
    expect(parseWinner('{"winner": "B", "reason": "less repetitive"}')).toEqual({ winner: 'B', reason: 'less repetitive' });
    expect(parseWinner('{"winner": "Tie"}').winner).toBe('tie');
    expect(() => parseWinner('{"winner": "both"}')).toThrow('"winner" must be "A", "B" or "tie"');
  });

  it('puts title, reference and post in the prompt, and asks for structured JSON', () => {
    const p = absolutePrompt('KV cache', 'ref body', 'model body');
    expect(p.user).toContain('Title: KV cache');
    expect(p.user).toContain('<reference>\nref body\n</reference>');
    expect(p.user).toContain('<post>\nmodel body\n</post>');
    expect(p.schema).toMatchObject({ required: expect.arrayContaining(['on_topic', 'voice']) });
    const pw = pairwisePrompt('T', 'r', 'first', 'second');
    expect(pw.user.indexOf('first')).toBeLessThan(pw.user.indexOf('second'));
  });

  it('parses judge specs and explains bad ones', () => {
    expect(parseJudgeSpec('anthropic:claude-sonnet-4-5')).toMatchObject({ provider: 'anthropic', model: 'claude-sonnet-4-5', id: 'anthropic:claude-sonnet-4-5' });
    expect(parseJudgeSpec('openai:qwen@http://127.0.0.1:8001/v1', 'JUDGE_KEY')).toMatchObject({ provider: 'openai', model: 'qwen', baseUrl: 'http://127.0.0.1:8001/v1', apiKeyEnv: 'JUDGE_KEY' });
    for (const bad of ['gpt-4', 'openai:qwen', 'openai:@http://x/v1', 'openai:m@ftp://x', 'anthropic:', 'google:gemini']) {
      expect(() => parseJudgeSpec(bad), bad).toThrow(/is not a judge; use anthropic:MODEL/);
    }
  });
});
