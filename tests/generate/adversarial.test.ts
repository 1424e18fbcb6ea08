import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadEvalSets } from '../../server/evalsets/load.js';
import { cli } from '../helpers/cli.js';
import { endpoint } from '../helpers/endpoint.js';
import { factGenerator } from '../helpers/fact-generator.js';
import { tempDir, writeFiles } from '../helpers/tmp.js';
import { FACTS_MD, SCRIPT } from './script.js';

/*
 * `evalset generate` against what a generator, a facts file or a command line may throw at it.
 * Each case here was a bug found in review.
 */

const OUTPUTS = ['evalsets/bio-generated.jsonl', 'evalsets/refusal-generated.jsonl', 'data/bio-train.jsonl'];

function setup(facts = FACTS_MD): string {
  const cwd = tempDir();
  writeFiles(cwd, { 'facts.md': facts });
  return cwd;
}

async function generate(cwd: string, url: string, extra: string[] = []) {
  return cli(['evalset', 'generate', '--facts', 'facts.md', '--generator', `openai:gen@${url}`, ...extra], { cwd });
}

const snapshot = (cwd: string, files = OUTPUTS) => files.map((f) => readFileSync(join(cwd, f), 'utf8'));

describe('evalset generate: hostile generator replies', () => {
  it('writes a lone surrogate of a reply ("\\ud800") as U+FFFD: the eval sets load, and the cached reply gives the same bytes', async () => {
    const good = factGenerator(SCRIPT);
    // Every question and paraphrase ends in half a surrogate pair.
    const gen = await endpoint((req) => ({ content: (good(req) as { content: string }).content.replaceAll('?"', '?\\ud800"') }));
    const cwd = setup();
    const r = await generate(cwd, gen.url, ['--langs', 'en']);
    expect(r.code).toBe(0);
    const fresh = snapshot(cwd);
    for (const text of fresh) expect(text).not.toMatch(/\\ud800/i);
    expect(fresh.join('')).toContain('?\uFFFD');
    const sets = loadEvalSets(OUTPUTS.slice(0, 2).map((f) => join(cwd, f)), cwd);
    expect(sets.flatMap((s) => s.items).length).toBeGreaterThan(0);
    const cached = await generate(cwd, gen.url, ['--langs', 'en', '--force', '--json']);
    expect(cached.json()).toMatchObject({ asked: 0, cached: 3 });
    expect(snapshot(cwd)).toEqual(fresh);
  });
});
