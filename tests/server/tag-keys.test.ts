import { describe, expect, it } from 'vitest';
import { cli } from '../helpers/cli.js';
import { JSON_TYPE, post, testApp } from '../helpers/server.js';
import { tempDir } from '../helpers/tmp.js';

// Keys that name object machinery: assigned into a plain object, `__proto__` vanished and
// `constructor` read Object's own, so a tag was dropped or matched differently without a word.
const RESERVED = ['__proto__', 'constructor', 'prototype'];

/** A JSON body with `key` as an own property (an object literal would set the prototype instead). */
function bodyWithTag(fields: Record<string, unknown>, key: string) {
  return JSON.stringify({ ...fields, tags: Object.fromEntries([[key, 'evil']]) });
}

describe('tag keys: refused with an error naming the field, never dropped or matched differently', () => {
  it.each(RESERVED)('the API refuses the tag key %s in POST and PATCH bodies and in ?tag= filters', async (key) => {
    const { app } = await testApp();
    const created = await app.inject({ method: 'POST', url: '/api/checkpoints', headers: JSON_TYPE, payload: bodyWithTag({ name: 'c', baseUrl: 'http://127.0.0.1:1/v1', model: 'm' }, key) });
    expect(created.statusCode).toBe(400);
    expect(created.json().error).toMatch(/^body\/tags/);
    expect(created.json().error).toContain(key);
    expect((await app.inject({ method: 'GET', url: '/api/checkpoints' })).json().checkpoints).toEqual([]);

    expect((await post(app, '/api/checkpoints', { name: 'c', baseUrl: 'http://127.0.0.1:1/v1', model: 'm', tags: { run: 'a' } })).statusCode).toBe(201);
    const patched = await app.inject({ method: 'PATCH', url: '/api/checkpoints/c', headers: JSON_TYPE, payload: bodyWithTag({}, key) });
    expect(patched.statusCode).toBe(400);
    expect(patched.json().error).toMatch(/^body\/tags/);
    expect((await app.inject({ method: 'GET', url: '/api/checkpoints/c' })).json().tags).toEqual({ run: 'a' });

    for (const url of [`/api/trend?metric=bio_accuracy&tag=${key}=1`, `/api/advise?tag=${key}=1`]) {
      const r = await app.inject({ method: 'GET', url });
      expect(r.statusCode, url).toBe(400);
      expect(r.json().error, url).toContain('querystring/tag');
      expect(r.json().error, url).toContain(key);
    }
  });

  it.each(RESERVED)('the CLI refuses --tag %s=… with exit 2 naming --tag, and registers nothing', async (key) => {
    const cwd = tempDir();
    const add = await cli(['checkpoint', 'add', 'c', '--base-url', 'http://127.0.0.1:1/v1', '--model', 'm', '--tag', `${key}=evil`], { cwd });
    expect(add.code).toBe(2);
    expect(add.stderr).toContain('--tag');
    expect(add.stderr).toContain(key);
    const list = await cli(['checkpoint', 'list', '--json'], { cwd });
    expect(list.json()).toEqual([]);
    const advise = await cli(['advise', '--tag', `${key}=1`], { cwd });
    expect(advise.code).toBe(2);
    expect(advise.stderr).toContain('--tag');
  });

  it('an ordinary tag still filters trend and is kept as given', async () => {
    const { app } = await testApp();
    await post(app, '/api/checkpoints', { name: 'a', baseUrl: 'http://127.0.0.1:1/v1', model: 'm', tags: { run: 'x', 'has space': 'y' } });
    expect((await app.inject({ method: 'GET', url: '/api/checkpoints/a' })).json().tags).toEqual({ run: 'x', 'has space': 'y' });
    const r = await app.inject({ method: 'GET', url: '/api/trend?metric=bio_accuracy&tag=run=x' });
    expect(r.statusCode).toBe(200);
  });
});

describe('a "__proto__" key anywhere in a request body', () => {
  it('is refused by the closed body schemas, naming the field, on every route with a body', async () => {
    const { app } = await testApp();
    await post(app, '/api/checkpoints', { name: 'c', baseUrl: 'http://127.0.0.1:1/v1', model: 'm' });
    for (const [method, url, payload] of [
      ['POST', '/api/checkpoints', '{"name":"d","baseUrl":"http://127.0.0.1:1/v1","model":"m","__proto__":{"x":1}}'],
      ['PATCH', '/api/checkpoints/c', '{"__proto__":{"baseline":true}}'],
      ['POST', '/api/runs', '{"checkpoint":"c","judge":{"spec":"anthropic:m","__proto__":{}}}'],
      ['POST', '/api/categorize', '{"base":"c","__proto__":{}}'],
      ['POST', '/api/runs/1/resume', '{"__proto__":{}}'],
    ] as const) {
      const r = await app.inject({ method, url, headers: JSON_TYPE, payload });
      expect(r.statusCode, url).toBe(400);
      expect(r.json().error, url).toMatch(/^body.*unknown field "__proto__"/);
    }
    expect((await app.inject({ method: 'GET', url: '/api/runs' })).json().runs).toEqual([]);
  });
});
