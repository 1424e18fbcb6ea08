import { describe, expect, it } from 'vitest';
import { serverEnv } from '../../server/config.js';
import { createJsonClient } from '../../server/http/ask-json.js';
import { parseJudgeSpec } from '../../server/judge/spec.js';
import { endpoint } from '../helpers/endpoint.js';

const KEY = 'sk-judge-Echo/0123456789+abcdef';
const PROMPT = { system: 's', user: 'judge this', schema: { type: 'object' } };

describe('a judge (or generator) that echoes its key', () => {
  it('has the key taken out of its reply in every form, for the OpenAI-compatible and the anthropic client', async () => {
    const echoed = (auth: string) => {
      const key = auth.replace(/^Bearer /, '');
      return `verdict for ${key.toUpperCase()} ${Buffer.from(`Bearer ${key}`).toString('base64')} ${encodeURIComponent(key)}`;
    };
    const judge = await endpoint((req) => ({ content: echoed(String(req.headers.authorization ?? req.headers['x-api-key'] ?? '')) }));
    const env = serverEnv({ JUDGE_KEY: KEY, ANTHROPIC_API_KEY: KEY, ANTHROPIC_BASE_URL: judge.url.replace(/\/v1$/, '') }, { keyEnvs: ['JUDGE_KEY', 'ANTHROPIC_API_KEY'] });
    for (const spec of [parseJudgeSpec(`openai:j@${judge.url}`, 'JUDGE_KEY'), parseJudgeSpec('anthropic:claude')]) {
      const client = createJsonClient(spec, env, { timeoutMs: 5000, maxRetries: 0 });
      try {
        const reply = await client.complete(PROMPT);
        expect(reply, spec.id).toMatch(/^verdict for \[redacted\] QmVhcmVyI.{0,2}\[redacted\].{0,4} \[redacted\]$/);
      } finally {
        client.close();
      }
    }
    expect(judge.requests.length).toBe(2);
  });
});
