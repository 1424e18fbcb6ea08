import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cleanBody } from '../../server/evalsets/import-jekyll.js';
import { loadEvalSets } from '../../server/evalsets/load.js';
import { cli } from '../helpers/cli.js';
import { jsonl, tempDir, writeFiles } from '../helpers/tmp.js';

const LONG_EN = 'The KV cache stores keys and values so each new token costs linear time. '.repeat(5);
const LONG_ZH = '微调以后模型会编造事实，因为训练数据里没有问答。'.repeat(10);

function blogFolder(): string {
  const dir = tempDir();
  writeFiles(dir, {
    '_posts/2024-03-01-kv-cache.md': `---\ntitle: "KV cache: why inference is fast"\nlang: en\n---\n${LONG_EN}\n{% highlight python %}\nx = 1\n{% endhighlight %}\n<!-- private note -->\n{{ site.url }}\n`,
    '_posts/2024-05-20-zh-post.md': `---\ntitle: 为什么微调以后模型开始胡说八道\ndate: 2024-05-20 10:00:00 +0800\n---\n${LONG_ZH}`,
    '_posts/2019-01-01-old-post.md': `---\ntitle: Old\n---\n${LONG_EN}`,
    '_posts/2024-06-01-draft.md': `---\ntitle: Draft\ndraft: true\n---\n${LONG_EN}`,
    '_posts/2024-06-02-untitled.md': `---\nlayout: post\n---\n${LONG_EN}`,
    '_posts/2024-06-03-stub.md': `---\ntitle: Stub\n---\nToo short.`,
    '_posts/2024-06-04-broken.md': `---\ntitle: [unclosed\n---\n${LONG_EN}`,
    '_posts/notes.txt': 'not a post',
    'content/posts/hugo-post/index.md': `+++\ntitle = "A Hugo post"\ndate = "2024-07-01"\n+++\n${LONG_EN}`,
  });
  return dir;
}

describe('evalset import-jekyll', () => {
  it('strips Liquid tags and output and HTML comments', () => {
    expect(cleanBody('a {% raw %}b{% endraw %} {{ page.title }} <!-- x -->c\n\n\n\nd')).toBe('a b  c\n\nd');
  });

  it('writes blog items, says what it skipped and why, and the file validates as an eval set', async () => {
    const cwd = blogFolder();
    const r = await cli(['evalset', 'import-jekyll', '.', '--out', 'evalsets/blog-mine.jsonl'], { cwd });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('skipped _posts/2024-06-01-draft.md: draft or unpublished');
    expect(r.stdout).toContain('skipped _posts/2024-06-02-untitled.md: no title in front matter');
    expect(r.stdout).toContain('skipped _posts/2024-06-03-stub.md: body shorter than 200 characters');
    expect(r.stdout).toMatch(/skipped _posts\/2024-06-04-broken\.md: front matter does not parse/);
    expect(r.stdout).toContain('wrote 4 blog items to evalsets/blog-mine.jsonl');
    const [set] = loadEvalSets(['evalsets/blog-mine.jsonl'], cwd);
    expect(set!.warnings).toEqual([]);
    const byId = new Map(set!.items.map((i) => [i.id, i]));
    expect([...byId.keys()].sort()).toEqual(['hugo-post', 'kv-cache', 'old-post', 'zh-post']);
    const kv = byId.get('kv-cache')!;
    expect(kv.kind === 'blog' && kv.title).toBe('KV cache: why inference is fast');
    if (kv.kind !== 'blog') throw new Error('unreachable');
    expect(kv.reference).toContain('The KV cache stores keys');
    expect(kv.reference).toContain('x = 1');
    expect(kv.reference).not.toMatch(/highlight|private note|site\.url/);
    expect(byId.get('zh-post')!.tags).toEqual(['blog', 'zh']);
    const line = readFileSync(join(cwd, 'evalsets/blog-mine.jsonl'), 'utf8').split('\n').find((l) => l.includes('zh-post'))!;
    expect(JSON.parse(line).meta).toEqual({ source: '_posts/2024-05-20-zh-post.md', date: '2024-05-20', lang: 'zh' });
  });

  it('filters by --since and --lang, holds out a seeded sample, and refuses to overwrite without --force', async () => {
    const cwd = blogFolder();
    const since = await cli(['evalset', 'import-jekyll', '.', '--out', 'a.jsonl', '--since', '2024-01-01', '--lang', 'en'], { cwd });
    expect(since.stdout).toContain('skipped _posts/2019-01-01-old-post.md: dated 2019-01-01, before --since 2024-01-01');
    expect(since.stdout).toContain('skipped _posts/2024-05-20-zh-post.md: language zh, not --lang en');
    expect(loadEvalSets(['a.jsonl'], cwd)[0]!.items.map((i) => i.id).sort()).toEqual(['hugo-post', 'kv-cache']);

    const pick = async (out: string, seed: string) => {
      expect((await cli(['evalset', 'import-jekyll', '.', '--out', out, '--holdout', '2', '--seed', seed], { cwd })).code).toBe(0);
      return loadEvalSets([out], cwd)[0]!.items.map((i) => i.id);
    };
    const first = await pick('h1.jsonl', '7');
    expect(first).toHaveLength(2);
    expect(await pick('h2.jsonl', '7')).toEqual(first);

    const again = await cli(['evalset', 'import-jekyll', '.', '--out', 'h1.jsonl'], { cwd });
    expect(again.code).toBe(2);
    expect(again.stderr).toContain('h1.jsonl exists; pass --force to replace it');
    expect((await cli(['evalset', 'import-jekyll', '.', '--out', 'h1.jsonl', '--force'], { cwd })).code).toBe(0);
    expect((await cli(['evalset', 'import-jekyll', 'nope', '--out', 'x.jsonl'], { cwd })).stderr).toContain('nope: cannot read posts');
    expect((await cli(['evalset', 'import-jekyll', '.', '--out', 'x.jsonl', '--since', 'June'], { cwd })).stderr).toContain('--since must be a date');
  });
});

describe('evalset import-sft', () => {
  it('holds out a seeded sample of valid lines, writes the rest for training, and skips bad lines', async () => {
    const cwd = tempDir();
    const pair = (i: number) => ({ messages: [{ role: 'user', content: `title ${i}` }, { role: 'assistant', content: `body ${i}` }] });
    writeFiles(cwd, {
      'train.jsonl': jsonl(pair(0), pair(1), pair(2)) + '{not json\n' + jsonl({ messages: [{ role: 'user', content: 'no answer' }] }, { prompt: 'x' }, pair(3), pair(4)),
    });
    const r = await cli(['evalset', 'import-sft', 'train.jsonl', '--out', 'evalsets/sft-holdout.jsonl', '--holdout', '2', '--seed', '3', '--rest', 'train-rest.jsonl'], { cwd });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('skipped train.jsonl:4: invalid JSON');
    expect(r.stdout).toContain('skipped train.jsonl:5: "messages" must be an array of at least two messages');
    expect(r.stdout).toContain('skipped train.jsonl:6: no "messages" field');
    expect(r.stdout).toContain('wrote 2 held-out pairs to evalsets/sft-holdout.jsonl (seed 3), and the other 3 to train-rest.jsonl');
    const held = loadEvalSets(['evalsets/sft-holdout.jsonl'], cwd)[0]!.items;
    const rest = loadEvalSets(['train-rest.jsonl'], cwd)[0]!.items;
    expect(held).toHaveLength(2);
    expect(held.every((i) => i.kind === 'blog' && /^body \d$/.test(i.reference))).toBe(true);
    const all = [...held, ...rest].map((i) => i.prompt).sort();
    expect(all).toEqual(['title 0', 'title 1', 'title 2', 'title 3', 'title 4']);
    const again = await cli(['evalset', 'import-sft', 'train.jsonl', '--out', 'again.jsonl', '--holdout', '2', '--seed', '3'], { cwd });
    expect(again.code).toBe(0);
    expect(loadEvalSets(['again.jsonl'], cwd)[0]!.items.map((i) => i.id)).toEqual(held.map((i) => i.id));
    // An existing --rest file is refused before --out is written.
    const refused = await cli(['evalset', 'import-sft', 'train.jsonl', '--out', 'new-out.jsonl', '--rest', 'train-rest.jsonl'], { cwd });
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('train-rest.jsonl exists; pass --force');
    expect(existsSync(join(cwd, 'new-out.jsonl'))).toBe(false);
  });
});
