import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { findLeaks, leakTokens } from '../../server/evalsets/leak.js';
import { loadEvalSets } from '../../server/evalsets/load.js';
import { parseTrainingText } from '../../server/evalsets/training-file.js';
import { cli } from '../helpers/cli.js';
import { jsonl, tempDir, writeFiles } from '../helpers/tmp.js';

const WAL_POST =
  'SQLite is my default database for tools that run on one machine. The first thing I do after opening a connection ' +
  'is to turn on write-ahead logging, because readers then never block the writer and the writer never blocks readers. ' +
  'Checkpoints run in the background, and synchronous=NORMAL is durable enough for results that can be recomputed.';
const KV_POST =
  'When a transformer generates text, every new token attends to every token before it. Keeping the keys and values ' +
  'of the prefix in a cache turns quadratic recomputation into linear work per token, at the price of memory.';
const UNRELATED =
  'Gardening in a small balcony needs pots with drainage holes, soil that does not compact, and patience with tomatoes.';

const chat = (user: string, assistant: string, system?: string) => ({
  messages: [...(system !== undefined ? [{ role: 'system', content: system }] : []), { role: 'user', content: user }, { role: 'assistant', content: assistant }],
});

/** An eval-set folder: a blog set of two held-out posts and a bio set of short questions. */
function evalFolder(): string {
  const cwd = tempDir();
  writeFiles(cwd, {
    'evalsets/blog-mine.jsonl':
      '// held-out posts\n' +
      jsonl(
        { id: 'wal', title: 'Why I turn on WAL mode', reference: WAL_POST },
        { id: 'kv', title: 'How the KV cache works', reference: KV_POST },
      ),
    'evalsets/bio.jsonl': jsonl(
      { id: 'work-en', prompt: 'Where did Zhiwei Li work?', keywords: ['HSBC'] },
      { id: 'who-en', prompt: 'Who is Zhiwei Li?', keywords: ['engineer'] },
    ),
  });
  return cwd;
}

describe('leakTokens', () => {
  it('folds case and width, drops punctuation and whitespace, and splits CJK into characters', () => {
    expect(leakTokens("Don't  PANIC!\tＡＢＣ-42 模型，微调 ﬁne Straße")).toEqual(['don', 't', 'panic', 'abc', '42', '模', '型', '微', '调', 'fine', 'strasse']);
    expect(leakTokens('カタカナーとひらがな、한국어')).toEqual(['カ', 'タ', 'カ', 'ナ', 'ー', 'と', 'ひ', 'ら', 'が', 'な', '한', '국', '어']);
    expect(leakTokens('?!… —')).toEqual([]);
  });
});

describe('evalset check-leak', () => {
  it('finds a planted duplicate post (case and whitespace changed) with its training line and the shared span', async () => {
    const cwd = evalFolder();
    const copied = `  ${WAL_POST.toUpperCase().replace(/ /g, '   ').replace(/\. /g, '.\n\n')}\n\nThanks for reading!`;
    writeFiles(cwd, {
      'data/train.jsonl': jsonl(
        chat('Gardening notes', UNRELATED),
        chat('A post', KV_POST.slice(0, 40) + ' and then something else entirely about gardening'),
        chat('Why WAL is on', copied, 'You write blog posts.'),
      ),
    });
    const r = await cli(['evalset', 'check-leak', '--train', 'data/train.jsonl'], { cwd });
    expect(r.code, r.stderr).toBe(1);
    expect(r.stdout).toContain('blog-mine:wal (evalsets/blog-mine.jsonl:2)');
    expect(r.stdout).toContain(`reference in data/train.jsonl:3 (messages[2]), ${leakTokens(WAL_POST).length} tokens shared: "SQLite is my default database for tools`);
    // The span is quoted from the eval item, cut to one short line.
    expect(r.stdout).toMatch(/tokens shared: "SQLite is my default[^"\n]{60,130}…"/);
    // Six words of the KV post in line 2 are not eight consecutive shared tokens: KV does not leak.
    expect(r.stdout).not.toContain('blog-mine:kv');
    expect(r.stdout).toContain('1 of 4 items leak into data/train.jsonl (ngram 8)');
  });

  it('finds a question copied into training up to case, punctuation and whitespace, but not one merely contained in a post', async () => {
    const cwd = evalFolder();
    writeFiles(cwd, {
      'train.jsonl': jsonl(
        chat('Tell me about him', 'Who is Zhiwei Li? He is an engineer who writes a blog about training small models.'),
        chat('  where did   ZHIWEI li work  ', 'At HSBC and TEKsystems.'),
        { prompt: 'Why I turn on WAL mode, and why you should too in every SQLite database', completion: UNRELATED },
      ),
    });
    const r = await cli(['evalset', 'check-leak', '--train', 'train.jsonl', '--json'], { cwd });
    expect(r.code, r.stderr).toBe(1);
    const leaks = r.json().leaks as Array<{ id: string; field: string; training: Array<{ line: number; message: string; span: string; tokens: number }> }>;
    expect(leaks.map((l) => `${l.id}/${l.field}`)).toEqual(['work-en/prompt']);
    expect(leaks[0]!.training).toEqual([{ line: 2, message: 'messages[0]', span: 'Where did Zhiwei Li work', tokens: 5 }]);
  });

  it('passes a clean split with exit 0', async () => {
    const cwd = evalFolder();
    writeFiles(cwd, {
      'train.jsonl': jsonl(
        chat('Gardening notes', UNRELATED),
        chat('What did Zhiwei Li study?', 'Computer science. SQLite is my default database.'),
        { text: 'When a transformer generates text it is slow' },
      ),
    });
    const r = await cli(['evalset', 'check-leak', '--train', 'train.jsonl'], { cwd });
    expect(r.code, r.stdout).toBe(0);
    expect(r.stdout.trim()).toBe('ok: no item of 4 shares an 8-gram with train.jsonl');
    const j = await cli(['evalset', 'check-leak', '--train', 'train.jsonl', '--json'], { cwd });
    expect(j.code).toBe(0);
    expect(j.json()).toEqual({ train: 'train.jsonl', ngram: 8, items: 4, leaks: [] });
  });

  it('counts Chinese in characters: a shared 8-character span leaks, a 7-character one does not', async () => {
    const cwd = tempDir();
    writeFiles(cwd, {
      'zh.jsonl': jsonl({ id: 'zh-post', title: '微调', reference: '我们今天讨论模型微调以后为什么会编造事实的问题，以及怎样修复它。' }),
      // Line 1 shares 模型微调以后为什 (8), line 2 模型微调以后为 (7); neither shares a neighbouring character.
      'train.jsonl': jsonl({ text: '完全不同的开头模型微调以后为什不同结尾' }, { text: '另一段话模型微调以后为别的内容' }),
    });
    const r = await cli(['evalset', 'check-leak', '--train', 'train.jsonl', '--evalsets', 'zh.jsonl', '--json'], { cwd });
    expect(r.code, r.stderr).toBe(1);
    expect(r.json().leaks).toEqual([{
      set: 'zh', id: 'zh-post', file: 'zh.jsonl', line: 1, field: 'reference',
      training: [{ line: 1, message: 'text', span: '模型微调以后为什', tokens: 8 }],
    }]);
    // The 7-character span is below the threshold of 8, and at it with --ngram 7.
    const seven = await cli(['evalset', 'check-leak', '--train', 'train.jsonl', '--evalsets', 'zh.jsonl', '--ngram', '7', '--json'], { cwd });
    expect(seven.json().leaks[0].training.map((t: { line: number; tokens: number }) => [t.line, t.tokens])).toEqual([[1, 8], [2, 7]]);
  });

  it('does not call a short prompt a leak because a long training post contains it', async () => {
    const cwd = tempDir();
    writeFiles(cwd, {
      'evalsets/blog.jsonl': jsonl({ id: 'wal', title: 'Why I turn on WAL mode', reference: 'A held-out body that appears nowhere in training at all, written only for this test.' }),
      'evalsets/bio.jsonl': jsonl({ id: 'who', prompt: 'Who is Zhiwei Li?', keywords: ['engineer'] }),
      'train.jsonl': jsonl(
        chat('Posts', 'This is why I turn on WAL mode in SQLite, and who is Zhiwei Li anyway? A blogger.'),
        chat('Who is Zhiwei Li, the engineer?', 'An engineer.'),
      ),
    });
    const r = await cli(['evalset', 'check-leak', '--train', 'train.jsonl'], { cwd });
    expect(r.code, r.stdout).toBe(0);
    expect(r.stdout).toContain('ok: no item of 2 shares an 8-gram with train.jsonl');
  });

  it('reads prompt/completion and text lines, and reports the longest span of a line over all its texts', () => {
    const lines = parseTrainingText(
      jsonl(
        { prompt: 'Intro: SQLite is my default database for tools', completion: 'SQLite is my default database for tools that run on one machine.' },
        { text: 'unrelated' },
        { messages: [{ role: 'user', content: [{ type: 'text', text: 'SQLite is my default ' }, { type: 'text', text: 'database for tools that run' }] }, { role: 'assistant', content: null, tool_calls: [] }] },
      ),
      'train.jsonl',
    );
    expect(lines.map((l) => [l.line, l.texts.map((t) => t.label)])).toEqual([[1, ['prompt', 'completion']], [2, ['text']], [3, ['messages[0]']]]);
    const item = { kind: 'blog' as const, id: 'wal', set: 'blog', line: 4, tags: [], title: 't', prompt: 't', reference: WAL_POST, hash: 'h' };
    expect(findLeaks([item], lines, { ngram: 8 })).toEqual([{
      set: 'blog', id: 'wal', line: 4, field: 'reference',
      training: [
        { line: 1, message: 'completion', span: 'SQLite is my default database for tools that run on one machine', tokens: 12 },
        { line: 3, message: 'messages[0]', span: 'SQLite is my default database for tools that run', tokens: 9 },
      ],
    }]);
  });

  it('finds the longest span in repetitive text and reports it from the eval item as written', () => {
    const reference = `${'na '.repeat(40)}BATMAN, the theme song — and more words after it`;
    const item = { kind: 'blog' as const, id: 'bat', set: 'blog', line: 1, tags: [], title: 't', prompt: 't', reference, hash: 'h' };
    const lines = [{ line: 7, texts: [{ label: 'text', text: `${'NA '.repeat(100)}batman the theme song!` }] }];
    const [leak] = findLeaks([item], lines, { ngram: 8 });
    expect(leak!.training).toEqual([{ line: 7, message: 'text', span: `${'na '.repeat(40)}BATMAN, the theme song`, tokens: 44 }]);
  });

  it('quotes a shared span with control characters escaped, never raw', async () => {
    const cwd = tempDir();
    const reference = `Colours: \u001b[31mred text\u001b[0m stays red in every terminal that reads escape codes \u009b2J here.`;
    writeFiles(cwd, {
      'b.jsonl': jsonl({ id: 'esc', title: 'Escapes', reference }),
      'train.jsonl': jsonl({ text: reference }),
    });
    const r = await cli(['evalset', 'check-leak', '--train', 'train.jsonl', '--evalsets', 'b.jsonl'], { cwd });
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('\\u001b[31mred text\\u001b[0m');
    expect(r.stdout).not.toMatch(/[\u001b\u009b]/);
  });

  it('refuses bad input with exit 2 naming the file and line, or the flag', async () => {
    const cwd = evalFolder();
    writeFiles(cwd, {
      'train.jsonl': jsonl(chat('a', 'b')) + '{not json\n' + jsonl({ instruction: 'alpaca', output: 'x' }, { messages: [{ role: 'user', content: 42 }] }, { text: 7 }),
      'one-bad.jsonl': jsonl(chat('a', 'b'), { completion: ['x'] }),
    });
    const r = await cli(['evalset', 'check-leak', '--train', 'train.jsonl'], { cwd });
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('4 bad lines in the training file train.jsonl');
    expect(r.stderr).toContain('train.jsonl:2: invalid JSON');
    expect(r.stderr).toContain('train.jsonl:3: no "messages", "prompt"/"completion" or "text" field');
    expect(r.stderr).toContain('train.jsonl:4: "messages"[0].content must be a string');
    expect(r.stderr).toContain('train.jsonl:5: "text" must be a string');
    const one = await cli(['evalset', 'check-leak', '--train', 'one-bad.jsonl'], { cwd });
    expect(one.code).toBe(2);
    expect(one.stderr).toContain('tunegate: error: one-bad.jsonl:2: "completion" must be a string');

    writeFileSync(join(cwd, 'latin1.jsonl'), Buffer.concat([Buffer.from(jsonl(chat('a', 'b'))), Buffer.from('{"text": "caf'), Buffer.from([0xe9]), Buffer.from('"}\n')]));
    const utf8 = await cli(['evalset', 'check-leak', '--train', 'latin1.jsonl'], { cwd });
    expect(utf8.code).toBe(2);
    expect(utf8.stderr).toContain('latin1.jsonl:2: invalid UTF-8 (byte 0xE9 at column 14)');

    const noTrain = await cli(['evalset', 'check-leak'], { cwd });
    expect(noTrain.code).toBe(2);
    expect(noTrain.stderr).toContain('evalset check-leak needs --train FILE');
    const missing = await cli(['evalset', 'check-leak', '--train', 'nope.jsonl'], { cwd });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('nope.jsonl: cannot read (ENOENT)');
    const ngram = await cli(['evalset', 'check-leak', '--train', 'one-bad.jsonl', '--ngram', '1'], { cwd });
    expect(ngram.code).toBe(2);
    expect(ngram.stderr).toContain('--ngram must be a whole number ≥ 2, got "1"');
  });

  it('refuses a training file with no training line (empty or blank) with exit 2, never "ok"', async () => {
    const cwd = evalFolder();
    writeFiles(cwd, { 'empty.jsonl': '', 'blank.jsonl': '\n  \n\uFEFF\n' });
    for (const file of ['empty.jsonl', 'blank.jsonl']) {
      const r = await cli(['evalset', 'check-leak', '--train', file], { cwd });
      expect(r.code, r.stdout).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr).toContain(`${file}: no training lines`);
    }
  });
});

describe('imports with --train', () => {
  it('import-sft: a held-out line that is also in the training file exits 1 and writes nothing; a clean one writes', async () => {
    const cwd = tempDir();
    const pairs = [chat('Why I turn on WAL mode', WAL_POST), chat('How the KV cache works', KV_POST)];
    writeFiles(cwd, {
      'all.jsonl': jsonl(...pairs),
      'train.jsonl': jsonl(chat('Gardening', UNRELATED), chat('WAL, again', `Reposted: ${WAL_POST}`)),
      'clean-train.jsonl': jsonl(chat('Gardening', UNRELATED)),
    });
    const args = ['evalset', 'import-sft', 'all.jsonl', '--out', 'evalsets/sft.jsonl', '--rest', 'rest.jsonl'];
    const r = await cli([...args, '--train', 'train.jsonl'], { cwd });
    expect(r.code, r.stderr).toBe(1);
    expect(r.stdout).toMatch(/^sft:msg-[0-9a-f]{12} \(all\.jsonl:1\)$/m);
    expect(r.stdout).toContain(`reference in train.jsonl:2 (messages[1]), ${leakTokens(WAL_POST).length} tokens shared`);
    expect(r.stdout).toContain('1 of 2 held-out items leak into train.jsonl (ngram 8); nothing was written.');
    expect(r.stdout).toContain('--rest PATH writes one');
    expect(existsSync(join(cwd, 'evalsets/sft.jsonl'))).toBe(false);
    expect(existsSync(join(cwd, 'rest.jsonl'))).toBe(false);

    const ok = await cli([...args, '--train', 'clean-train.jsonl', '--ngram', '6'], { cwd });
    expect(ok.code, ok.stdout + ok.stderr).toBe(0);
    expect(ok.stdout).toContain('ok: no held-out item of 2 shares a 6-gram with clean-train.jsonl');
    expect(loadEvalSets(['evalsets/sft.jsonl'], cwd)[0]!.items).toHaveLength(2);

    const lonely = await cli([...args, '--out', 'x.jsonl', '--ngram', '6'], { cwd });
    expect(lonely.code).toBe(2);
    expect(lonely.stderr).toContain('--ngram applies to the leakage check: give --train FILE too');
  });

  it('import-jekyll: a held-out post in the training file exits 1 naming the post file, and writes nothing; a clean one writes', async () => {
    const cwd = tempDir();
    writeFiles(cwd, {
      '_posts/2024-03-01-wal.md': `---\ntitle: Why I turn on WAL mode\n---\n${WAL_POST}\n`,
      '_posts/2024-04-01-kv.md': `---\ntitle: How the KV cache works\n---\n${KV_POST}\n`,
      'train.jsonl': jsonl({ text: `# How the KV cache works\n\n${KV_POST.toLowerCase()}` }),
      'clean.jsonl': jsonl({ text: UNRELATED }),
    });
    const r = await cli(['evalset', 'import-jekyll', '_posts', '--out', 'evalsets/blog-mine.jsonl', '--train', 'train.jsonl'], { cwd });
    expect(r.code, r.stderr).toBe(1);
    expect(r.stdout).toContain('blog-mine:kv (_posts/2024-04-01-kv.md)');
    expect(r.stdout).toContain('reference in train.jsonl:1 (text)');
    expect(r.stdout).not.toContain('blog-mine:wal');
    expect(r.stdout).toContain('1 of 2 held-out items leak into train.jsonl (ngram 8); nothing was written.');
    expect(existsSync(join(cwd, 'evalsets/blog-mine.jsonl'))).toBe(false);

    const ok = await cli(['evalset', 'import-jekyll', '_posts', '--out', 'evalsets/blog-mine.jsonl', '--train', 'clean.jsonl'], { cwd });
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout).toContain('ok: no held-out item of 2 shares an 8-gram with clean.jsonl');
    expect(loadEvalSets(['evalsets/blog-mine.jsonl'], cwd)[0]!.items.map((i) => i.id).sort()).toEqual(['kv', 'wal']);
  });
});
