import { describe, expect, it } from 'vitest';
import { loadEvalSets, resolveEvalsetPaths } from '../../server/evalsets/load.js';
import { parseEvalSetText } from '../../server/evalsets/parse-file.js';
import { TunegateError } from '../../server/errors.js';
import { jsonl, tempDir, writeFiles } from '../helpers/tmp.js';

const parse = (text: string) => parseEvalSetText(text, 'evalsets/t.jsonl', 't');

function errorsOf(text: string): string[] {
  return parse(text).errors;
}

describe('eval-set parsing', () => {
  it('infers keyword and blog items, skips blank and // lines, and keeps line numbers', () => {
    const text = [
      '// a comment',
      '',
      JSON.stringify({ id: 'k1', prompt: '李智维是谁?', keywords: ['TEKsystems', ['HSBC', '汇丰']], forbidden: ['营口'], tags: ['bio'] }),
      '   // indented comment',
      JSON.stringify({ id: 'b1', title: 'KV cache', reference: 'body text' }),
      JSON.stringify({ id: 'b2', title: 'T', prompt: 'Write about T', reference: 'ref' }),
    ].join('\n');
    const { set, errors } = parse(text);
    expect(errors).toEqual([]);
    expect(set.items.map((i) => [i.id, i.kind, i.line])).toEqual([['k1', 'keyword', 3], ['b1', 'blog', 5], ['b2', 'blog', 6]]);
    const b1 = set.items[1]!;
    expect(b1.kind === 'blog' && b1.prompt).toBe('KV cache');
    expect(set.items[2]!.prompt).toBe('Write about T');
  });

  it('lets an explicit "kind" win over inference', () => {
    const { set, errors } = parse(jsonl({ id: 'x', kind: 'blog', title: 't', reference: 'r', keywords: ['a'] }));
    expect(errors).toEqual([]);
    expect(set.items[0]!.kind).toBe('blog');
  });

  it('reads OpenAI chat fine-tuning lines: last assistant message is the reference', () => {
    const line = {
      messages: [
        { role: 'system', content: 'You write blog posts.' },
        { role: 'user', content: 'Why WAL mode' },
        { role: 'assistant', content: 'Because readers do not block writers.' },
      ],
    };
    const { set, errors } = parse(jsonl(line, { ...line, id: 'explicit' }));
    expect(errors).toEqual([]);
    const item = set.items[0]!;
    expect(item.kind).toBe('blog');
    if (item.kind !== 'blog') throw new Error('unreachable');
    expect(item.reference).toBe('Because readers do not block writers.');
    expect(item.messages).toHaveLength(2);
    expect(item.prompt).toBe('Why WAL mode');
    expect(item.id).toMatch(/^msg-[0-9a-f]{12}$/);
    expect(set.items[1]!.id).toBe('explicit');
  });

  it.each([
    [{ id: 'a', prompt: 'q', keywords: [] }, 'evalsets/t.jsonl:1: "keywords" must be a non-empty array'],
    [{ id: 'a', prompt: 'q', keywords: 'HSBC' }, 'evalsets/t.jsonl:1: "keywords" must be a non-empty array'],
    [{ id: 'a', prompt: 'q', keywords: ['ok', 3] }, 'evalsets/t.jsonl:1: "keywords"[1] must be a string or an array of alternative strings'],
    [{ id: 'a', prompt: 'q', keywords: [['x', '']] }, 'evalsets/t.jsonl:1: "keywords"[0][1] must be a non-empty string'],
    [{ prompt: 'q', keywords: ['a'] }, 'evalsets/t.jsonl:1: "id" is required'],
    [{ id: '', prompt: 'q', keywords: ['a'] }, 'evalsets/t.jsonl:1: "id" must be a non-empty string'],
    [{ id: 'a', keywords: ['a'] }, 'evalsets/t.jsonl:1: "prompt" is required'],
    [{ id: 'a', prompt: 'q', keywords: ['a'], forbidden: 'x' }, 'evalsets/t.jsonl:1: "forbidden" must be an array of strings'],
    [{ id: 'a', title: 't' }, 'evalsets/t.jsonl:1: "reference" is required'],
    [{ id: 'a', reference: 'r', title: '' }, 'evalsets/t.jsonl:1: "title" must be a non-empty string (it is the prompt unless "prompt" is given)'],
    [{ id: 'a', kind: 'quiz', prompt: 'q' }, 'evalsets/t.jsonl:1: "kind" must be "keyword" or "blog"'],
    [{ id: 'a', prompt: 'q' }, 'evalsets/t.jsonl:1: cannot tell the item kind'],
    [{ messages: [{ role: 'user', content: 'q' }, { role: 'user', content: 'a' }] }, 'evalsets/t.jsonl:1: "messages": the last message must be a non-empty assistant message'],
    [[1, 2], 'evalsets/t.jsonl:1: each line must be a JSON object'],
    [{ id: 'a', prompt: 'q', keywords: ['x'], forbidden: ['y'], forbidden_fails: 'yes' }, 'evalsets/t.jsonl:1: "forbidden_fails" must be true or false'],
    [{ id: 'a', prompt: 'q', keywords: ['x'], forbidden: ['y'], forbidden_fails: 1 }, 'evalsets/t.jsonl:1: "forbidden_fails" must be true or false'],
  ])('%j → %s', (value, message) => {
    const errors = errorsOf(JSON.stringify(value));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toContain(message);
  });

  it('reports invalid JSON and duplicate ids with their lines, all at once', () => {
    const text = [
      JSON.stringify({ id: 'a', prompt: 'q', keywords: ['x'] }),
      '{"id": "b", "prompt": ',
      JSON.stringify({ id: 'a', prompt: 'q2', keywords: ['y'] }),
      JSON.stringify({ id: 'c', prompt: 'q', keywords: [] }),
    ].join('\n');
    const errors = errorsOf(text);
    expect(errors[0]).toMatch(/^evalsets\/t\.jsonl:2: invalid JSON/);
    expect(errors[1]).toBe('evalsets/t.jsonl:3: "id" "a" is already used on line 1');
    expect(errors[2]).toBe('evalsets/t.jsonl:4: "keywords" must be a non-empty array');
  });

  it('rejects a file with no items and warns about unknown fields', () => {
    expect(errorsOf('// only a comment\n\n')).toEqual(['evalsets/t.jsonl: no items (every line is blank or a // comment)']);
    const { set } = parse(jsonl({ id: 'a', prompt: 'q', keywords: ['x'], keyword: 'typo' }));
    expect(set.warnings).toEqual(['evalsets/t.jsonl:1: unknown field "keyword" is ignored']);
  });

  it('hashes content, not layout: comments, order and key order do not change it; edits do', () => {
    const a = { id: 'a', prompt: 'q', keywords: ['x'] };
    const b = { id: 'b', title: 't', reference: 'r' };
    const h1 = parse(jsonl(a, b)).set.hash;
    const h2 = parse(`// c\n${JSON.stringify(b)}\n\n${JSON.stringify({ keywords: ['x'], prompt: 'q', id: 'a' })}\n`).set.hash;
    const h3 = parse(jsonl({ ...a, keywords: ['y'] }, b)).set.hash;
    expect(h2).toBe(h1);
    expect(h3).not.toBe(h1);
    expect(h1).toMatch(/^[0-9a-f]{64}$/);
  });
});

describe('the refusal rule ("forbidden_fails")', () => {
  const parseAs = (set: string, ...rows: object[]) => parseEvalSetText(jsonl(...rows), `evalsets/${set}.jsonl`, set);
  const rule = (set: string, row: object) => {
    const item = parseAs(set, row).set.items[0]!;
    return item.kind === 'keyword' ? item.forbiddenFails : undefined;
  };
  const q = { id: 'a', prompt: 'q', keywords: ['x'], forbidden: ['y'] };

  it.each([
    ['refusal', true], ['refusal-zh', true], ['refusal_hard', true], ['refusal.v2', true],
    ['refusals', false], ['bio', false], ['known', false], ['t', false],
  ])('defaults to %s → %s (on in the refusal family only)', (set, expected) => {
    expect(rule(set, q)).toBe(expected);
  });

  it('is overridden per item either way', () => {
    expect(rule('refusal', { ...q, forbidden_fails: false })).toBe(false);
    expect(rule('bio', { ...q, forbidden_fails: true })).toBe(true);
  });

  it('enters the content hash only where it changes scoring, so existing items keep their hashes', () => {
    const hash = (set: string, row: object) => parseAs(set, row).set.items[0]!.hash;
    // The hash this item had before the rule existed (pinned: old runs must still compare).
    const before = '3524380ac0e6bdfddd071a010e5884fe2e03ed55930e0089047edccfcda6a613';
    expect(hash('bio', q)).toBe(before);
    expect(hash('bio', { ...q, forbidden_fails: false })).toBe(before);
    expect(hash('refusal', { ...q, forbidden_fails: false })).toBe(before);
    // On with something to find: scoring changes, so does the hash (wherever the rule comes from).
    expect(hash('refusal', q)).not.toBe(before);
    expect(hash('bio', { ...q, forbidden_fails: true })).toBe(hash('refusal', q));
    // On with nothing to find changes nothing.
    const noList = { id: 'a', prompt: 'q', keywords: ['x'] };
    expect(hash('refusal', noList)).toBe(hash('bio', noList));
  });

  it('warns when it is on but there is no forbidden list to find', () => {
    const noList = { id: 'a', prompt: 'q', keywords: ['x'] };
    expect(parseAs('refusal', noList).set.warnings).toEqual([
      'evalsets/refusal.jsonl:1: "forbidden_fails" is on (the default in refusal sets) but "forbidden" is empty: an answer that repeats the false premise cannot fail this item',
    ]);
    expect(parseAs('bio', { ...noList, forbidden_fails: true }).set.warnings).toHaveLength(1);
    expect(parseAs('bio', noList).set.warnings).toEqual([]);
  });
});

describe('finding and loading eval-set files', () => {
  it('expands folders, accepts files and bare names, defaults to evalsets/*.jsonl', () => {
    const dir = tempDir();
    const item = jsonl({ id: 'a', prompt: 'q', keywords: ['x'] });
    writeFiles(dir, { 'evalsets/bio.jsonl': item, 'evalsets/known.jsonl': item, 'evalsets/notes.txt': 'x', 'mine/extra.jsonl': item });
    expect(resolveEvalsetPaths([], dir, 'evalsets')).toEqual(['evalsets/bio.jsonl', 'evalsets/known.jsonl']);
    expect(resolveEvalsetPaths(['bio', 'mine'], dir, 'evalsets')).toEqual(['evalsets/bio.jsonl', 'mine/extra.jsonl']);
    expect(() => resolveEvalsetPaths(['nope'], dir, 'evalsets')).toThrow(/eval set "nope" not found.*available: bio, known/);
  });

  it('collects errors of every file into one error, and refuses two sets with one name', () => {
    const dir = tempDir();
    writeFiles(dir, {
      'a/bio.jsonl': jsonl({ id: 'x', prompt: 'q', keywords: [] }),
      'b/bio.jsonl': jsonl({ id: 'x', prompt: 'q', keywords: ['k'] }),
      'c/blog.jsonl': jsonl({ id: 'y', title: 't' }),
    });
    try {
      loadEvalSets(['a/bio.jsonl', 'b/bio.jsonl', 'c/blog.jsonl'], dir);
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(TunegateError);
      expect((e as TunegateError).exitCode).toBe(2);
      expect((e as TunegateError).details).toEqual([
        'a/bio.jsonl:1: "keywords" must be a non-empty array',
        'b/bio.jsonl: eval set name "bio" is also the name of a/bio.jsonl; set names must be unique in a run',
        'c/blog.jsonl:1: "reference" is required',
      ]);
    }
  });

  it('loads the shipped eval sets without errors or warnings', () => {
    const sets = loadEvalSets(resolveEvalsetPaths([], process.cwd(), 'evalsets'), process.cwd());
    expect(sets.map((s) => s.name)).toEqual(['bio', 'blog', 'known', 'refusal']);
    expect(sets.flatMap((s) => s.warnings)).toEqual([]);
    const bio = sets.find((s) => s.name === 'bio')!;
    expect(bio.items.map((i) => i.prompt)).toEqual(expect.arrayContaining([
      '李智维是谁?', 'Who is lzwjava?', '李智维在哪里工作?', 'Who is Zhiwei Li?', 'What does Zhiwei Li do?', 'What has Zhiwei Li built?',
      'Tell me about lzwjava', '李智维的技术背景是什么?', 'What models has Zhiwei Li trained?', '李智维用什么LLM?', "What is Zhiwei Li's blog?",
    ]));
    expect(sets.find((s) => s.name === 'known')!.items.length).toBeGreaterThanOrEqual(20);
  });
});
