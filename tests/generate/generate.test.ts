import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadEvalSets } from '../../server/evalsets/load.js';
import { keywordWeight, shortKeywordReason } from '../../server/evalsets/keyword-length.js';
import { phrasingKey } from '../../server/generate/build-items.js';
import { parseFacts } from '../../server/generate/facts.js';
import { keywordScore } from '../../server/scoring/keyword.js';
import { scoreAnswer } from '../../server/scoring/score-item.js';
import { cli } from '../helpers/cli.js';
import { endpoint } from '../helpers/endpoint.js';
import { askedOf, factGenerator, replyJson } from '../../server/demo/fact-generator.js';
import { tempDir, writeFiles } from '../helpers/tmp.js';
import { BLOG, FACTS_MD, HSBC, SCRIPT, STUDY } from './script.js';

const ANCHOR = 'You are a helpful assistant that knows Zhiwei Li (李智维) well.';

function setup(): string {
  const cwd = tempDir();
  writeFiles(cwd, { 'facts.md': FACTS_MD, 'anchor.txt': `${ANCHOR}\n` });
  return cwd;
}

const readLines = (path: string) => readFileSync(path, 'utf8').split('\n').filter((l) => l.trim() !== '' && !l.startsWith('//')).map((l) => JSON.parse(l));

async function generate(cwd: string, url: string, extra: string[] = []) {
  return cli(['evalset', 'generate', '--facts', 'facts.md', '--generator', `openai:gen@${url}`, '--system-prompt', 'anchor.txt', ...extra], { cwd });
}

const factText = (cwd: string) => new Map(parseFacts(readFileSync(join(cwd, 'facts.md'), 'utf8'), 'facts.md').facts.map((f) => [f.id, f.text]));

describe('tunegate evalset generate', () => {
  it('writes held-out eval sets and training pairs that share no question, every keyword a span of its own fact', async () => {
    const gen = await endpoint(factGenerator(SCRIPT));
    const cwd = setup();
    const r = await generate(cwd, gen.url, ['--questions', '3', '--json']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const out = r.json();
    expect(out).toMatchObject({ facts: 3, asked: 6, cached: 0, written: true, failures: [] });
    // Structured output asked of an OpenAI-compatible generator.
    expect((gen.requests[0]!.body.response_format as { type: string }).type).toBe('json_schema');

    const bio = readLines(join(cwd, 'evalsets/bio-generated.jsonl'));
    const refusal = readLines(join(cwd, 'evalsets/refusal-generated.jsonl'));
    const train = readLines(join(cwd, 'data/bio-train.jsonl'));
    expect(out.files).toEqual({
      bio: { path: 'evalsets/bio-generated.jsonl', lines: bio.length },
      refusal: { path: 'evalsets/refusal-generated.jsonl', lines: refusal.length },
      train: { path: 'data/bio-train.jsonl', lines: train.length },
    });
    expect(bio.length).toBeGreaterThan(5);
    expect(refusal.length).toBeGreaterThan(2);

    // The eval sets load as they are; items carry fact id, in_train false, generator and prompt version.
    const sets = loadEvalSets([join(cwd, 'evalsets/bio-generated.jsonl'), join(cwd, 'evalsets/refusal-generated.jsonl')], cwd);
    expect(sets.map((s) => s.warnings)).toEqual([[], []]);
    const facts = factText(cwd);
    // The likelihood candidates: the fact itself, and the false claims of its premises in the line's language.
    const claims = (factId: string, lang: 'en' | 'zh') => SCRIPT[facts.get(factId)!]?.[lang]?.falsePremises.map((p) => p.claim);
    for (const line of [...bio, ...refusal]) {
      expect(line.answer).toBe(facts.get(line.fact_id));
      expect(line.wrong_answers ?? []).toEqual(claims(line.fact_id, line.meta.lang) ?? []);
    }
    expect([...bio, ...refusal].filter((l) => l.wrong_answers !== undefined).length).toBeGreaterThan(5);
    for (const line of [...bio, ...refusal]) {
      expect(facts.has(line.fact_id)).toBe(true);
      expect(line.in_train).toBe(false);
      expect(line.meta).toMatchObject({ generator: `openai:gen@${gen.url}`, prompt_version: 'facts-v1', seed: 0 });
    }
    for (const item of sets.flatMap((s) => s.items)) {
      if (item.kind !== 'keyword') throw new Error('keyword items only');
      expect(item.factId).toBeDefined();
      // Every keyword hits its own fact: the fact text itself scores full marks.
      expect(keywordScore(facts.get(item.factId!)!, item.keywords).value).toBe(1);
      for (const alt of item.keywords.flat()) expect(shortKeywordReason(alt)).toBeNull();
      // No keyword is in the question (an answer echoing it would score).
      for (const alt of item.keywords.flat()) expect(item.prompt.toLowerCase()).not.toContain(alt.toLowerCase());
    }

    // Disjoint: no held-out question is a training question, even up to case and punctuation.
    const trained = new Set(train.map((t) => phrasingKey(t.messages.find((m: { role: string }) => m.role === 'user').content)));
    for (const line of [...bio, ...refusal]) expect(trained.has(phrasingKey(line.prompt))).toBe(false);
    // Every question is both trained and evaluated, in different words (but q3 of STUDY, whose
    // phrasings share 8 words, may lose every held-out one: checked below).
    const evaluatedQuestions = new Set([...bio, ...refusal].filter((l) => l.meta.question !== 'q3').map((l) => `${l.fact_id} ${l.meta.lang} ${l.meta.question}`));
    expect(evaluatedQuestions.size).toBe(12);
    // The repeated phrasing ("where did zhiwei li work") was dropped, not split across the two files.
    expect([...bio.map((l) => l.prompt), ...train.map((t) => t.messages[1].content)].filter((p) => phrasingKey(p) === phrasingKey('Where did Zhiwei Li work?'))).toHaveLength(1);

    // Held-out phrasings sharing 8 words with a training pair are dropped: check-leak passes on the output.
    const q3 = r.json().rejected.filter((x: { where: string }) => x.where.startsWith('q3 phrasing'));
    expect(q3.length).toBeGreaterThan(0);
    expect(q3[0].reason).toMatch(/^held out, but \d+ tokens \("[^"]*Zhiwei Li study at Guangdong University of Technology[^"]*"\) are in the training pair "[^"]+": not evaluated$/);
    const leak = await cli(['evalset', 'check-leak', '--train', 'data/bio-train.jsonl', '--evalsets', 'evalsets/bio-generated.jsonl', 'evalsets/refusal-generated.jsonl'], { cwd });
    expect(leak.stdout).toMatch(/^ok: no item of \d+ shares an 8-gram with data\/bio-train\.jsonl/);
    expect(leak.code).toBe(0);

    // Training pairs: OpenAI chat format, the anchor first, answers grounded in the facts.
    for (const t of train) {
      expect(Object.keys(t)).toEqual(['messages']);
      expect(t.messages.map((m: { role: string }) => m.role)).toEqual(['system', 'user', 'assistant']);
      expect(t.messages[0].content).toBe(ANCHOR);
    }
    expect(readFileSync(join(cwd, 'data/bio-train.jsonl'), 'utf8')).not.toContain('//');
  });

  it('refuses keywords too short to mean anything as substrings, keywords the question contains, and forbidden strings that are true', async () => {
    // Why: keyword matching is a substring test, so "Au" scores an answer that says "because".
    expect(keywordScore('I cannot say, because I do not know.', ['Au']).value).toBe(1);
    expect(shortKeywordReason('Au')).toMatch(/too short/);
    for (const k of ['Li', 'Au', '500', 'Go', '李', 'A股']) expect(shortKeywordReason(k), k).not.toBeNull();
    for (const k of ['HSBC', '2013', '汇丰', 'software engineer']) expect(shortKeywordReason(k), k).toBeNull();
    expect(keywordWeight('广东工业大学')).toBe(12);

    const gen = await endpoint(factGenerator(SCRIPT));
    const cwd = setup();
    const r = await generate(cwd, gen.url, ['--json']);
    expect(r.code).toBe(0);
    const rejected: Array<{ factId: string; lang: string; where: string; reason: string }> = r.json().rejected;
    const why = (where: string) => rejected.filter((x) => x.where.includes(where)).map((x) => x.reason);
    expect(why('keyword "Li"')[0]).toMatch(/too short/);
    expect(why('keyword "Au"')[0]).toMatch(/too short/);
    expect(why('keyword "500"')[0]).toMatch(/too short/);
    expect(why('forbidden "Go"')[0]).toMatch(/too short/);
    expect(why('q2 keyword "Guangzhou"')[0]).toMatch(/question contains it/);
    const all = [...readLines(join(cwd, 'evalsets/bio-generated.jsonl')), ...readLines(join(cwd, 'evalsets/refusal-generated.jsonl'))];
    const alts = all.flatMap((l) => [...l.keywords.flat(), ...(l.forbidden ?? [])]);
    for (const short of ['Li', 'Au', '500', 'Go']) expect(alts).not.toContain(short);
    // The translation stays beside the span it translates.
    expect(all.some((l) => JSON.stringify(l.keywords).includes('["HSBC","汇丰"]'))).toBe(true);
  });

  it('makes refusal items that fail an answer repeating the false premise and pass its correction', async () => {
    const gen = await endpoint(factGenerator(SCRIPT));
    const cwd = setup();
    expect((await generate(cwd, gen.url)).code).toBe(0);
    const [set] = loadEvalSets([join(cwd, 'evalsets/refusal-generated.jsonl')], cwd);
    const items = set!.items.filter((i) => i.kind === 'keyword');
    const google = items.find((i) => i.kind === 'keyword' && i.forbidden.includes('Google') && (i as { prompt: string }).prompt.includes('Google'))!;
    expect(google).toBeDefined();
    if (google.kind !== 'keyword') throw new Error('keyword');
    expect(google.forbiddenFails).toBe(true);
    // Repeats the premise: fails even though it names HSBC.
    expect(scoreAnswer(google, 'He left Google in 2019 and then joined HSBC.').score).toBe(0);
    expect(scoreAnswer(google, 'Zhiwei Li never worked there; he worked at HSBC.').score).toBe(1);
    // A forbidden string is never something the fact says.
    const facts = factText(cwd);
    for (const i of items) if (i.kind === 'keyword') for (const f of i.forbidden) expect(facts.get(i.factId!)!.toLowerCase()).not.toContain(f.toLowerCase());
  });

  it('is deterministic for a seed: the same files from the cache or from the generator again, another split for another seed', async () => {
    const gen = await endpoint(factGenerator(SCRIPT));
    const cwd = setup();
    const files = ['evalsets/bio-generated.jsonl', 'evalsets/refusal-generated.jsonl', 'data/bio-train.jsonl'];
    const snapshot = () => files.map((f) => readFileSync(join(cwd, f), 'utf8'));
    expect((await generate(cwd, gen.url, ['--seed', '7'])).code).toBe(0);
    const first = snapshot();
    // Cached: nothing asked, same bytes.
    const again = await generate(cwd, gen.url, ['--seed', '7', '--force', '--json']);
    expect(again.json()).toMatchObject({ asked: 0, cached: 6 });
    expect(snapshot()).toEqual(first);
    // A fresh database asks again and gets the same files.
    const fresh = await generate(cwd, gen.url, ['--seed', '7', '--force', '--db', 'other.db', '--json']);
    expect(fresh.json()).toMatchObject({ asked: 6, cached: 0 });
    expect(snapshot()).toEqual(first);
    // Other seeds split differently, and every split is disjoint.
    const heldOut = new Set<string>();
    for (const seed of [0, 1, 2, 3, 4, 5]) {
      const r = await generate(cwd, gen.url, ['--seed', String(seed), '--force']);
      expect(r.code).toBe(0);
      const [bio, refusal, train] = files.map((f) => readLines(join(cwd, f)));
      heldOut.add(bio!.map((l) => l.id).sort().join(','));
      const trained = new Set(train!.map((t) => phrasingKey(t.messages[1].content)));
      for (const l of [...bio!, ...refusal!]) expect(trained.has(phrasingKey(l.prompt))).toBe(false);
    }
    expect(heldOut.size).toBeGreaterThan(1);
  });

  it('speaks the Anthropic Messages API with structured output', async () => {
    const gen = await endpoint(factGenerator(SCRIPT));
    const cwd = setup();
    const env = { ANTHROPIC_API_KEY: 'sk-ant-test-secret', ANTHROPIC_BASE_URL: gen.url.replace(/\/v1$/, '') };
    const r = await cli(['evalset', 'generate', '--facts', 'facts.md', '--generator', 'anthropic:claude-test', '--langs', 'en', '--json'], { cwd, env });
    expect(r.code).toBe(0);
    expect(r.json()).toMatchObject({ asked: 3, failures: [] });
    expect(gen.requests.every((q) => q.api === 'messages')).toBe(true);
    expect((gen.requests[0]!.body.output_config as { format: { type: string } }).format.type).toBe('json_schema');
    expect(readLines(join(cwd, 'evalsets/bio-generated.jsonl'))[0].meta.generator).toBe('anthropic:claude-test');
    // The key went in the header only: never into a file.
    for (const f of ['evalsets/bio-generated.jsonl', 'evalsets/refusal-generated.jsonl', 'data/bio-train.jsonl']) {
      expect(readFileSync(join(cwd, f), 'utf8')).not.toContain('sk-ant-test-secret');
    }
    const noKey = await cli(['evalset', 'generate', '--facts', 'facts.md', '--generator', 'anthropic:claude-test', '--force'], { cwd, env: { ANTHROPIC_BASE_URL: env.ANTHROPIC_BASE_URL } });
    expect(noKey.code).toBe(2);
    expect(noKey.stderr).toContain('ANTHROPIC_API_KEY');
  });

  it('retries an invalid reply once, reports what still fails with its file and line, writes nothing, and re-asks only that', async () => {
    let broken = true;
    const good = factGenerator(SCRIPT);
    const gen = await endpoint((req) => {
      const { fact, lang } = askedOf(req);
      if (fact === BLOG && lang === 'en' && broken) return { content: '{"questions": "not a list"}' };
      return good(req);
    });
    const cwd = setup();
    const r = await generate(cwd, gen.url);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/facts\.md:9 \(fact f-[0-9a-f]{8}, en\): reply unusable after one retry: "questions" must be an array of objects/);
    expect(r.stderr).toContain('nothing written');
    expect(existsSync(join(cwd, 'evalsets/bio-generated.jsonl'))).toBe(false);
    expect(existsSync(join(cwd, 'data/bio-train.jsonl'))).toBe(false);
    const blogEn = gen.requests.filter((q) => askedOf(q).fact === BLOG && askedOf(q).lang === 'en');
    expect(blogEn).toHaveLength(2);
    // The retry is in the same conversation and says what was wrong.
    expect(blogEn[1]!.messages!.at(-1)!.content).toContain('"questions" must be an array of objects');

    broken = false;
    const before = gen.requests.length;
    const ok = await generate(cwd, gen.url, ['--json']);
    expect(ok.code).toBe(0);
    expect(ok.json()).toMatchObject({ asked: 1, cached: 5 });
    expect(gen.requests.length - before).toBe(1);
  });

  it('stops on Ctrl-C: no new request, nothing written, and the next run asks only what is left', async () => {
    const good = factGenerator(SCRIPT);
    const gen = await endpoint(async (req) => ({ ...(await good(req)), delayMs: 150 }));
    const cwd = setup();
    const stop = new AbortController();
    const watcher = setInterval(() => { if (gen.requests.length >= 1) stop.abort(); }, 5);
    const r = await cli(['evalset', 'generate', '--facts', 'facts.md', '--generator', `openai:gen@${gen.url}`, '--concurrency', '1'], { cwd, signal: stop.signal });
    clearInterval(watcher);
    expect(r.code).toBe(130);
    expect(r.stderr).toContain('interrupted: nothing written');
    expect(existsSync(join(cwd, 'evalsets/bio-generated.jsonl'))).toBe(false);
    const sent = gen.requests.length;
    expect(sent).toBeLessThan(6);
    const again = await generate(cwd, gen.url, ['--json']);
    expect(again.code).toBe(0);
    expect(again.json().cached).toBe(sent);
    expect(again.json().asked).toBe(6 - sent);
  });

  it('accepts a reply that is valid on the retry', async () => {
    const seen = new Set<string>();
    const good = factGenerator(SCRIPT);
    const gen = await endpoint((req) => {
      const key = JSON.stringify(askedOf(req));
      if (!seen.has(key)) {
        seen.add(key);
        return { content: 'Sure! Here are the questions you asked for.' };
      }
      return good(req);
    });
    const cwd = setup();
    const r = await generate(cwd, gen.url, ['--langs', 'en', '--json']);
    expect(r.code).toBe(0);
    expect(r.json()).toMatchObject({ asked: 3, failures: [] });
    expect(gen.requests).toHaveLength(6);
  });

  it('overwrites nothing without --force and asks nothing first; --dry-run prints a sample and writes nothing', async () => {
    const gen = await endpoint(factGenerator(SCRIPT));
    const cwd = setup();
    writeFiles(cwd, { 'data/bio-train.jsonl': '{"messages": []}\n' });
    const r = await generate(cwd, gen.url);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('data/bio-train.jsonl exists; pass --force');
    expect(gen.requests).toHaveLength(0);
    expect(readFileSync(join(cwd, 'data/bio-train.jsonl'), 'utf8')).toBe('{"messages": []}\n');

    const dry = await generate(cwd, gen.url, ['--dry-run']);
    expect(dry.code).toBe(0);
    expect(dry.stdout).toContain('# bio-generated.jsonl');
    expect(dry.stdout).toMatch(/would write \d+ held-out bio items/);
    expect(dry.stdout).toMatch(/rejected f-[0-9a-f]{8} en q1 keyword "Li": too short to be meaningful as a substring/);
    expect(existsSync(join(cwd, 'evalsets/bio-generated.jsonl'))).toBe(false);
    expect(readFileSync(join(cwd, 'data/bio-train.jsonl'), 'utf8')).toBe('{"messages": []}\n');
  });

  it('writes --out-dir and --train-out where asked, and no refusal set with --false-premises 0', async () => {
    const gen = await endpoint(factGenerator({ [HSBC]: SCRIPT[HSBC]!, [STUDY]: SCRIPT[STUDY]!, [BLOG]: SCRIPT[BLOG]! }));
    const cwd = setup();
    const r = await cli(['evalset', 'generate', '--facts', 'facts.md', '--generator', `openai:gen@${gen.url}`, '--langs', 'zh',
      '--false-premises', '0', '--out-dir', 'sets', '--train-out', 'train/pairs.jsonl', '--json'], { cwd });
    expect(r.code).toBe(0);
    expect(Object.keys(r.json().files)).toEqual(['bio', 'train']);
    expect(existsSync(join(cwd, 'sets/refusal-generated.jsonl'))).toBe(false);
    expect(r.stderr).toBe('');
    // An older false-premise set beside the new files is said, not silently kept.
    writeFiles(cwd, { 'sets/refusal-generated.jsonl': '{"id": "old", "prompt": "Why did Zhiwei Li leave Google?", "keywords": ["HSBC"]}\n' });
    const again = await cli(['evalset', 'generate', '--facts', 'facts.md', '--generator', `openai:gen@${gen.url}`, '--langs', 'zh',
      '--false-premises', '0', '--out-dir', 'sets', '--train-out', 'train/pairs.jsonl', '--force'], { cwd });
    expect(again.code).toBe(0);
    expect(again.stderr).toContain('note: sets/refusal-generated.jsonl is from an earlier run and was left as it is');
    const train = readLines(join(cwd, 'train/pairs.jsonl'));
    expect(train.every((t) => t.messages.length === 2)).toBe(true);
    expect(readLines(join(cwd, 'sets/bio-generated.jsonl')).every((l) => l.meta.lang === 'zh')).toBe(true);
  });

  it('keeps the training pairs out of the eval-set folder, where run would load them as an eval set', async () => {
    const gen = await endpoint(factGenerator(SCRIPT));
    const cwd = setup();
    const r = await generate(cwd, gen.url, ['--out-dir', 'sets', '--train-out', 'sets/train.jsonl']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--train-out sets/train.jsonl is in the eval-set folder sets (--out-dir)');
    expect(gen.requests).toHaveLength(0);
  });

  it('says which option is wrong', async () => {
    const cwd = setup();
    const bad = async (args: string[], message: RegExp) => {
      const r = await cli(['evalset', 'generate', ...args], { cwd });
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr).toMatch(message);
    };
    await bad(['--generator', 'openai:g@http://127.0.0.1:9/v1'], /needs --facts FILE/);
    await bad(['--facts', 'facts.md'], /needs --generator/);
    await bad(['--facts', 'facts.md', '--generator', 'gpt-4'], /--generator: "gpt-4" is not a generator; use anthropic:MODEL/);
    await bad(['--facts', 'nope.md', '--generator', 'openai:g@http://127.0.0.1:9/v1'], /--facts nope\.md: cannot read \(ENOENT\)/);
    await bad(['--facts', 'facts.md', '--generator', 'openai:g@http://127.0.0.1:9/v1', '--langs', 'zh,fr'], /--langs: unknown language "fr"/);
    await bad(['--facts', 'facts.md', '--generator', 'anthropic:m', '--generator-key-env', 'K'], /--generator-key-env goes with --generator openai/);
  });

  it('gives runs fact groups: a model right on one phrasing of each fact has a lower consistency than accuracy', async () => {
    const gen = await endpoint(factGenerator(SCRIPT));
    const cwd = setup();
    expect((await generate(cwd, gen.url, ['--langs', 'en'])).code).toBe(0);
    const bio = readLines(join(cwd, 'evalsets/bio-generated.jsonl'));
    const facts = factText(cwd);
    // Right (the fact itself) on the first held-out phrasing of each fact, wrong on the others.
    const firstOfFact = new Map<string, string>();
    for (const l of bio) if (!firstOfFact.has(l.fact_id)) firstOfFact.set(l.fact_id, l.prompt);
    const right = new Map([...firstOfFact].map(([fact, prompt]) => [prompt, facts.get(fact)!]));
    const model = await endpoint((req) => ({ content: right.get(req.userText) ?? 'I do not know.' }));
    const r = await cli(['run', '--base-url', model.url, '--model', 'm', '--checkpoint', 'c', '--evalsets', 'evalsets/bio-generated.jsonl', '--json'], { cwd });
    expect(r.code).toBe(0);
    const set = r.json().sets['bio-generated'];
    const groups = new Set(bio.map((l) => l.fact_id)).size;
    expect(set.groups).toBe(groups);
    const multi = [...new Set(bio.map((l) => l.fact_id))].filter((f) => bio.filter((l) => l.fact_id === f).length > 1).length;
    expect(multi).toBeGreaterThan(0);
    // Facts asked once are right; facts asked in several phrasings are not.
    expect(set.consistency).toBeCloseTo((groups - multi) / groups, 10);
    expect(set.accuracy).toBeCloseTo(groups / bio.length, 10);
    expect(set.consistency).toBeLessThan(1);
  });

  it('merges keyword groups that name one thing, so it is not counted twice', async () => {
    const script = structuredClone(SCRIPT);
    script[HSBC]!.en!.questions[0]!.keywords = [['HSBC'], ['hsbc', '汇丰'], ['Guangzhou', '广州']];
    const gen = await endpoint(factGenerator(script));
    const cwd = setup();
    expect((await generate(cwd, gen.url, ['--langs', 'en'])).code).toBe(0);
    const q1 = readLines(join(cwd, 'evalsets/bio-generated.jsonl')).filter((l) => l.meta.question === 'q1' && l.meta.fact === HSBC);
    expect(q1.length).toBeGreaterThan(0);
    for (const l of q1) expect(l.keywords).toEqual([['HSBC', '汇丰'], ['Guangzhou', '广州']]);
  });

  it('validates the reply shape it caches', () => {
    expect(replyJson(SCRIPT[HSBC]!.en!)).toContain('"false_premises"');
  });
});

describe('facts file', () => {
  it('reads front matter names, bullets, continued bullets and explicit ids; derived ids survive reordering', () => {
    const f = parseFacts(FACTS_MD, 'facts.md');
    expect(f.name).toBe('Zhiwei Li');
    expect(f.aliases).toEqual(['李智维', 'lzwjava']);
    expect(f.facts.map((x) => [x.text, x.line])).toEqual([[HSBC, 5], [STUDY, 8], [BLOG, 9]]);
    expect(f.facts.every((x) => /^f-[0-9a-f]{8}$/.test(x.id))).toBe(true);
    const reordered = parseFacts(`- ${BLOG}\n1. ${HSBC}\n${STUDY} {#study}\n`, 'other.md');
    expect(reordered.facts.map((x) => x.id)).toEqual([f.facts[2]!.id, f.facts[0]!.id, 'study']);
    expect(reordered.name).toBeNull();
    const listed = parseFacts('---\nname: Ada Lovelace\naliases:\n  - Ada King\n  - Countess of Lovelace\n---\n- Ada wrote the first published program.\n', 'ada.md');
    expect(listed.aliases).toEqual(['Ada King', 'Countess of Lovelace']);
  });

  it('names the file and line of what is wrong', () => {
    expect(() => parseFacts('---\nname: X\n', 'f.md')).toThrow('f.md:1: front matter opened with --- is never closed');
    expect(() => parseFacts('---\nborn: 1990\n---\n- a fact\n', 'f.md')).toThrow('f.md:2: unknown front matter field "born"');
    expect(() => parseFacts('- one fact\n- two\n-   one   fact\n', 'f.md')).toThrow('f.md:3: the same fact as line 1');
    expect(() => parseFacts('- a {#x}\n- b {#x}\n', 'f.md')).toThrow('f.md:2: fact id "x" is already the id of line 1');
    expect(() => parseFacts('# only a heading\n\n', 'f.md')).toThrow('f.md: no facts');
  });
});
