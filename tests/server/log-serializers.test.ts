import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { serializeError } from '../../server/log-serializers.js';

const KEY = 'sk-serializer-secret-0123456789';

describe('the log\'s error serializer', () => {
  const throwing = Object.defineProperty(new Error('x'), 'message', { get: () => { throw new Error('getter'); } });
  const circular: Record<string, unknown> = { note: `key ${KEY}` };
  circular.self = circular;
  const proxy = new Proxy({}, { get: () => { throw new Error('trap'); }, ownKeys: () => { throw new Error('trap'); } });
  const cases: Array<[string, unknown, string]> = [
    ['a string', `upstream said Bearer ${KEY}`, 'upstream said Bearer [redacted]'],
    ['an Error', new Error(`bad key ${KEY}`), 'bad key [redacted]'],
    ['a plain object', { status: 401, body: `key ${KEY}` }, '{"status":401,"body":"key [redacted]"}'],
    ['null', null, 'null'],
    ['undefined', undefined, 'undefined'],
    ['a number', 42, '42'],
    ['an Error whose message getter throws', throwing, ''],
    ['a circular object', circular, '[object Object]'],
    ['a proxy whose every read throws', proxy, '[value that cannot be shown]'],
  ];
  for (const [what, value, message] of cases) {
    it(`logs ${what} without throwing, redacted`, () => {
      const out = serializeError(value, [KEY]);
      expect(out.message).toBe(message);
      expect(JSON.stringify(out)).not.toContain(KEY);
      expect(typeof out.type).toBe('string');
      expect(typeof out.stack).toBe('string');
    });
  }

  it('follows an Error\'s cause, redacting it too, and keeps a SQLite error\'s code', () => {
    const db = new Database(':memory:');
    let sqlite: unknown;
    try {
      db.exec(`SELECT * FROM "${KEY}"`);
    } catch (e) {
      sqlite = e;
    }
    db.close();
    const out = serializeError(new Error('storing failed', { cause: sqlite }), [KEY]);
    expect(out.cause).toMatchObject({ type: 'SqliteError', code: 'SQLITE_ERROR' });
    expect(out.cause!.message).toContain('no such table');
    expect(out.stack).toContain('storing failed');
    expect(JSON.stringify(out)).not.toContain(KEY);
  });
});
