import { describe, expect, it } from 'vitest';
import { redactKnownSecrets, redactSecrets, safeErrorText } from '../../server/http/redact.js';

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

describe('every common form of a known key is redacted', () => {
  const K = 'sk-Echo/Key+0123456789=abcdefXYZ:tail';
  const b64 = (s: string) => Buffer.from(s).toString('base64');
  const forms: Array<[string, string]> = [
    ['upper case', K.toUpperCase()],
    ['lower case', K.toLowerCase()],
    ['mixed case', K.replace(/[a-z]/g, (c, i) => (i % 2 === 0 ? c.toUpperCase() : c))],
    ['percent-encoded', encodeURIComponent(K)],
    ['percent-encoded, lower hex', encodeURIComponent(K).replace(/%[0-9A-F]{2}/g, (m) => m.toLowerCase())],
    ['base64', b64(K)],
    ['base64 without padding', b64(K).replace(/=+$/, '')],
    ['url-safe base64', Buffer.from(K).toString('base64url')],
    ['base64 of a Bearer header (offset 1)', b64(`Bearer ${K}`)],
    ['base64 of user:KEY (offset 2)', b64(`user:${K}`)],
    ['base64 at offset 0 inside more', b64(`abc${K}xyz`)],
    ['hex', Buffer.from(K).toString('hex')],
    ['upper-case hex', Buffer.from(K).toString('hex').toUpperCase()],
    ['a JSON string escape', JSON.stringify(`"${K}"`)],
  ];
  it.each(forms)('%s, by redactSecrets and redactKnownSecrets alike', (_what, form) => {
    for (const redact of [redactSecrets, redactKnownSecrets]) {
      const out = redact(`before ${form} after`, [K]);
      expect(out).toContain('[redacted]');
      expect(out.toLowerCase()).not.toContain(K.toLowerCase());
      // No long stretch of the encoded key is left (a base64 string keeps at most a boundary character or two).
      for (let i = 0; i + 12 <= form.length; i++) expect(out, form.slice(i, i + 12)).not.toContain(form.slice(i, i + 12));
    }
  });

  it('leaves text without the key alone, and matches no encoded form of a short secret', () => {
    const text = `answer QmVhcmVy ${b64('something else entirely')} 0123abcd`;
    expect(redactKnownSecrets(text, [K])).toBe(text);
    expect(redactSecrets('the word abcd in base64 is YWJjZA==', ['abcd'])).toBe('the word [redacted] in base64 is YWJjZA==');
  });
});
