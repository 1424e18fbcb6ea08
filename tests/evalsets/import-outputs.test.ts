import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { cli } from '../helpers/cli.js';
import { tempDir, writeFiles } from '../helpers/tmp.js';

describe('import-sft outputs', () => {
  it('refuses --rest on --out, or either on the input, before writing anything', async () => {
    const cwd = tempDir();
    const line = JSON.stringify({ messages: [{ role: 'user', content: 'T' }, { role: 'assistant', content: 'Body of the post.' }] });
    writeFiles(cwd, { 'train.jsonl': `${line}\n` });
    const same = await cli(['evalset', 'import-sft', 'train.jsonl', '--out', 'evalsets/x.jsonl', '--rest', './evalsets/../evalsets/x.jsonl'], { cwd });
    expect(same.code).toBe(2);
    expect(same.stderr).toContain('--rest and --out are the same file');
    expect(existsSync(`${cwd}/evalsets/x.jsonl`)).toBe(false);
    const input = await cli(['evalset', 'import-sft', 'train.jsonl', '--out', 'evalsets/x.jsonl', '--rest', 'train.jsonl', '--force'], { cwd });
    expect(input.code).toBe(2);
    expect(input.stderr).toContain('--rest and the input file are the same file');
    expect(readFileSync(`${cwd}/train.jsonl`, 'utf8')).toBe(`${line}\n`);
  });
});
