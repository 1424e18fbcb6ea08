import { describe, expect, it } from 'vitest';
import { redactKnownSecrets, redactSecrets, safeErrorText } from '../../server/runner/redact.js';

const KEY = 'sk-proj-ABCDEFGHijklmnop1234abcd';

describe('redactSecrets', () => {
  it.each([
    ['the exact key', `Incorrect API key provided: ${KEY}.`, 'Incorrect API key provided: [redacted].'],
    ['a bearer token, any case', `invalid: bearer ${KEY}`, 'invalid: bearer [redacted]'],
    ['an unknown bearer token', 'got Authorization Bearer abc.def-123', 'got Authorization Bearer [redacted]'],
    ["OpenAI's masked form", 'Incorrect API key provided: sk-proj-****abcd. See docs.', 'Incorrect API key provided: [redacted]. See docs.'],
    ['a dotted masked form', 'key sk-proj-ABCD...abcd given', 'key [redacted] given'],
    ['a prefix a server cut short', `bad key ${KEY.slice(0, 14)}`, 'bad key [redacted]'],
    ['credential fields', '{"api_key": "zzz", "x-api-key": "qqq"}', '{"api_key": "[redacted]", "x-api-key": "[redacted]"}'],
    ['a URL password', 'GET http://user:pw@host/v1 failed', 'GET http://[redacted]@host/v1 failed'],
    ['a key-shaped string that is not ours', 'key sk-ant-api03-abcdefghijklmnopqrstuv rejected', 'key [redacted] rejected'],
  ])('removes %s', (_what, text, expected) => {
    expect(redactSecrets(text, [KEY])).toBe(expected);
  });

  it('leaves ordinary error texts alone', () => {
    for (const t of ['HTTP 400: {"error":{"message":"Token limit exceeded: 9000 > 8192"}}', 'connection failed (ECONNREFUSED)', 'model "abc" not found']) {
      expect(redactSecrets(t, [KEY])).toBe(t);
    }
  });

  it('safeErrorText is one line of at most 500 characters, redacted before it is cut', () => {
    const long = `${'x'.repeat(490)} ${KEY} ${'y'.repeat(1000)}\n\nmore`;
    const out = safeErrorText(long, [KEY]);
    expect(out.length).toBeLessThanOrEqual(500);
    expect(out).not.toContain('sk-proj');
    expect(out).not.toContain('\n');
  });

  it('redactKnownSecrets removes only the known values', () => {
    expect(redactKnownSecrets(`the key is ${KEY}; Bearer x`, [KEY])).toBe('the key is [redacted]; Bearer x');
  });
});
