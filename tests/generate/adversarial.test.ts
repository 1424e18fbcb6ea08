import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadEvalSets } from '../../server/evalsets/load.js';
import { parseFacts } from '../../server/generate/facts.js';
import { scoreAnswer } from '../../server/scoring/score-item.js';
import { cli } from '../helpers/cli.js';
import { endpoint } from '../helpers/endpoint.js';
import { expectInert, HOSTILE } from '../helpers/hostile.js';
import { askedOf, factGenerator } from '../../server/demo/fact-generator.js';
import { tempDir, writeFiles } from '../helpers/tmp.js';
import { FACTS_MD, HSBC, SCRIPT } from './script.js';

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

describe('evalset generate: terminal safety (held up in review; kept as a guard)', () => {
  it('prints a hostile reply\'s escapes, not its control characters, in the sample, the rejections and the errors', async () => {
    const hostile = JSON.stringify({
      questions: [{ question: `Where did Zhiwei Li work? ${HOSTILE}`, paraphrases: [`Who employed Zhiwei Li? ${HOSTILE}`], answer: `HSBC ${HOSTILE}`, keywords: [['HSBC'], [`Li ${HOSTILE}`]] }],
      false_premises: [],
    });
    const gen = await endpoint((req) => (askedOf(req).fact.includes('Guangzhou') ? { status: 401, body: `{"error": {"message": "bad ${HOSTILE}"}}` } : { content: hostile }));
    const cwd = setup('- Zhiwei Li worked at HSBC.\n- Zhiwei Li lives in Guangzhou.\n');
    for (const extra of [['--dry-run'], ['--dry-run', '--json'], ['--skip-failed']]) {
      const r = await generate(cwd, gen.url, ['--langs', 'en', '--false-premises', '0', ...extra]);
      expectInert(r.stdout, `stdout ${extra.join(' ')}`);
      expectInert(r.stderr, `stderr ${extra.join(' ')}`);
      expect(r.stdout).toContain('\\u001b[2J');
      expect(r.stderr).toMatch(/HTTP 401: .*bad clear\\u001b\[2J/);
    }
  });
});

describe('evalset generate: where it writes', () => {
  it('refuses outputs that are one file (the training pairs over a held-out set or over the facts), whatever the spelling, before asking anything', async () => {
    const gen = await endpoint(factGenerator(SCRIPT));
    const cwd = setup();
    const same = async (args: string[], message: string) => {
      const r = await generate(cwd, gen.url, args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr).toContain(message);
    };
    await same(['--train-out', 'evalsets/bio-generated.jsonl'], '--train-out and the bio eval set (--out-dir) are the same file (evalsets/bio-generated.jsonl): give each its own path');
    await same(['--train-out', './sets//refusal-generated.jsonl', '--out-dir', 'sets/', '--force'], '--train-out and the false-premise eval set (--out-dir)');
    await same(['--train-out', join(cwd, 'evalsets/bio-generated.jsonl'), '--dry-run'], '--train-out and the bio eval set');
    await same(['--train-out', 'facts.md', '--force'], '--train-out and --facts are the same file (facts.md)');
    expect(gen.requests).toHaveLength(0);
    expect(readFileSync(join(cwd, 'facts.md'), 'utf8')).toBe(FACTS_MD);
    expect(existsSync(join(cwd, 'evalsets'))).toBe(false);
  });

  it('refuses an empty --out-dir or --train-out (an unset variable), never writing at the root', async () => {
    const gen = await endpoint(factGenerator(SCRIPT));
    const cwd = setup();
    const outDir = await generate(cwd, gen.url, ['--out-dir', '', '--dry-run']);
    expect(outDir.code).toBe(2);
    expect(outDir.stderr).toContain('--out-dir is empty');
    const train = await generate(cwd, gen.url, ['--train-out', ' ']);
    expect(train.code).toBe(2);
    expect(train.stderr).toContain('--train-out is empty');
    expect(gen.requests).toHaveLength(0);
  });

  it('says that a target is a directory, or under a file, before asking anything (no internal error, nothing half written)', async () => {
    const gen = await endpoint(factGenerator(SCRIPT));
    const cwd = setup();
    mkdirSync(join(cwd, 'data/bio-train.jsonl'), { recursive: true });
    const dir = await generate(cwd, gen.url, ['--force']);
    expect(dir.stderr).toContain('data/bio-train.jsonl is a directory; give the path of a file');
    expect(dir.code).toBe(2);
    writeFiles(cwd, { 'sets': 'a file' });
    const file = await generate(cwd, gen.url, ['--out-dir', 'sets', '--train-out', 'train.jsonl']);
    expect(file.stderr).toMatch(/sets\/bio-generated\.jsonl: \S*sets is a file, not a directory/);
    expect(file.code).toBe(2);
    expect(gen.requests).toHaveLength(0);
    expect(existsSync(join(cwd, 'evalsets'))).toBe(false);
    expect(existsSync(join(cwd, 'train.jsonl'))).toBe(false);
  });

  it('writes all outputs or none: a file that fails to write leaves the others as they were', async () => {
    const gen = await endpoint(factGenerator(SCRIPT));
    const cwd = setup();
    expect((await generate(cwd, gen.url, ['--langs', 'en'])).code).toBe(0);
    const before = snapshot(cwd);
    // A name the file system takes, but not with the temporary suffix: the last file fails after the others were written.
    const long = `data/${'t'.repeat(249)}.jsonl`;
    const r = await generate(cwd, gen.url, ['--langs', 'en', '--seed', '3', '--force', '--train-out', long]);
    expect(r.stderr).toMatch(/data\/t+\.jsonl: cannot write \(ENAMETOOLONG\); no file was written/);
    expect(r.code).toBe(2);
    expect(snapshot(cwd)).toEqual(before);
    expect(readdirSync(join(cwd, 'evalsets')).sort()).toEqual(['bio-generated.jsonl', 'refusal-generated.jsonl']);
  });
});

describe('evalset generate: when nothing is usable', () => {
  // Every keyword too short: each question is rejected.
  const useless = JSON.stringify({ questions: [{ question: 'Who is Zhiwei Li?', paraphrases: ['Tell me about Zhiwei Li.'], answer: 'Li.', keywords: [['Li']] }], false_premises: [] });

  it('lists what was rejected (text, --dry-run and --json) before saying so, exit 2', async () => {
    const gen = await endpoint(() => ({ content: useless }));
    const cwd = setup();
    for (const extra of [[], ['--dry-run']]) {
      const r = await generate(cwd, gen.url, ['--langs', 'en', ...extra]);
      expect(r.code).toBe(2);
      expect(r.stdout).toMatch(/^rejected f-[0-9a-f]{8} en q1 keyword "Li": too short/m);
      expect(r.stdout).not.toContain('would write');
      expect(r.stderr).toContain('facts.md: nothing usable was generated (6 parts rejected, listed above)');
    }
    const json = await generate(cwd, gen.url, ['--langs', 'en', '--json']);
    expect(json.code).toBe(2);
    expect(json.json()).toMatchObject({ written: false, files: { bio: { lines: 0 } } });
    expect(json.json().rejected).toHaveLength(6);
    expect(json.stderr).toContain('(6 parts rejected, in "rejected")');
    expect(existsSync(join(cwd, 'evalsets'))).toBe(false);
  });

  it('exits 3, not 2, when requests failed and --skip-failed leaves nothing to write', async () => {
    const gen = await endpoint(() => ({ status: 500 }));
    const cwd = setup();
    const r = await generate(cwd, gen.url, ['--langs', 'en', '--skip-failed']);
    expect(r.stderr).toMatch(/facts\.md:5 \(fact f-[0-9a-f]{8}, en\): HTTP 500/);
    expect(r.stderr).toContain('nothing written: 3 of 3 (fact, language) requests failed and the others gave nothing usable');
    expect(r.code).toBe(3);
  });
});

describe('evalset generate: the generator key', () => {
  it('names --generator-key-env when the variable it names is unset', async () => {
    const cwd = setup();
    const r = await generate(cwd, 'http://127.0.0.1:9/v1', ['--generator-key-env', 'GEN_KEY']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('the API key variable GEN_KEY (named by --generator-key-env) is not set in the environment');
  });
});

describe('evalset generate: credentials in the generator URL', () => {
  it('refuses a user:password in --generator (exit 2, naming --generator-key-env) and writes nothing', async () => {
    const gen = await endpoint(factGenerator(SCRIPT));
    const cwd = setup();
    const url = gen.url.replace('http://', 'http://user:hunter2-password@');
    const r = await generate(cwd, url, ['--langs', 'en']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--generator: the URL carries a user name or password');
    expect(r.stderr).toContain('--generator-key-env');
    expect(r.stdout + r.stderr).not.toContain('hunter2');
    for (const f of OUTPUTS) expect(existsSync(join(cwd, f)), f).toBe(false);
    expect(existsSync(join(cwd, 'runs/tunegate.db'))).toBe(false);
    expect(gen.requests).toEqual([]);
  });
});

describe('evalset generate: keywords and forbidden strings against each other', () => {
  // A Chinese question about an English fact: the keywords' Chinese forms are the translations.
  const ZH = {
    [HSBC]: {
      zh: {
        questions: [{
          phrasings: ['李智维在汇丰担任什么职位?', '李智维在汇丰做什么工作?'],
          answer: '他在汇丰(HSBC)担任软件工程师(software engineer)。',
          keywords: [['HSBC', '汇丰'], ['software engineer', '软件工程师', 'Software Engineer']],
        }],
        falsePremises: [{
          phrasings: ['李智维为什么不再当谷歌的工程师了?', '李智维何时辞去了谷歌的工程师职位?'],
          claim: '李智维是谷歌的工程师。',
          forbidden: ['谷歌', '工程师'],
          correction: '他从未在那里工作过,他在汇丰担任software engineer。',
          keywords: [['software engineer', '软件工程师']],
        }],
      },
    },
  };

  async function run() {
    const gen = await endpoint(factGenerator(ZH));
    const cwd = setup(`- ${HSBC}\n`);
    const r = await generate(cwd, gen.url, ['--langs', 'zh', '--json']);
    expect(r.code).toBe(0);
    const sets = loadEvalSets(OUTPUTS.slice(0, 2).map((f) => join(cwd, f)), cwd);
    const [bio, refusal] = sets.map((s) => s.items.map((i) => (i.kind === 'keyword' ? i : null)!));
    return { rejected: r.json().rejected as Array<{ where: string; reason: string }>, bio: bio!, refusal: refusal! };
  }

  it('drops a keyword group the question names in one of its forms (汇丰 asked, HSBC expected), and repeats of an alternative', async () => {
    const { rejected, bio } = await run();
    expect(rejected).toContainEqual(expect.objectContaining({ where: 'q1 keyword HSBC|汇丰', reason: 'the question contains "汇丰", one form of it, so the question gives the answer away' }));
    expect(bio.length).toBeGreaterThan(0);
    for (const item of bio) {
      expect(item.keywords).toEqual([['software engineer', '软件工程师']]);
      // The right answer, in the question's language, scores.
      expect(scoreAnswer(item, '他在汇丰担任软件工程师。').score).toBe(1);
    }
  });

  it('refuses a forbidden string inside a keyword (工程师 in 软件工程师): a right answer would fail', async () => {
    const { rejected, refusal } = await run();
    expect(rejected).toContainEqual(expect.objectContaining({ where: 'fp1 forbidden "工程师"', reason: 'the keyword "软件工程师" contains it: an answer with the right keyword would fail' }));
    expect(refusal.length).toBeGreaterThan(0);
    for (const item of refusal) {
      expect(item.forbidden).toEqual(['谷歌']);
      expect(scoreAnswer(item, '他没有在那里工作过,他在汇丰担任软件工程师。').score).toBe(1);
      expect(scoreAnswer(item, '他在2019年离开了谷歌,现在是软件工程师。').score).toBe(0);
    }
  });
});

describe('evalset generate: forbidden strings true of another fact', () => {
  it('refuses a false premise\'s forbidden string that another fact of the file states (the generator sees one fact at a time)', async () => {
    const NOW = 'Zhiwei Li works as an AI Engineer at TEKsystems.';
    const BEFORE = 'Before that, Zhiwei Li worked as a software engineer at HSBC in Guangzhou.';
    const gen = await endpoint(factGenerator({
      [NOW]: {
        en: {
          questions: [{ phrasings: ['What is Zhiwei Li\'s job now?', 'What does Zhiwei Li do for a living today?'], answer: 'He is an AI Engineer at TEKsystems.', keywords: [['AI Engineer'], ['TEKsystems']] }],
          // "software engineer" is wrong of this job and right of the one before.
          falsePremises: [{
            phrasings: ['Why did Zhiwei Li stop being a software engineer at TEKsystems?', 'When did Zhiwei Li quit his software engineer role at TEKsystems?'],
            claim: 'Zhiwei Li is a software engineer at TEKsystems.', forbidden: ['software engineer'], correction: 'He did not: he is an AI Engineer there.', keywords: [['AI Engineer']],
          }],
        },
      },
      [BEFORE]: { en: { questions: [{ phrasings: ['Where did Zhiwei Li work before?', 'Which bank employed Zhiwei Li earlier?'], answer: 'At HSBC in Guangzhou.', keywords: [['HSBC']] }], falsePremises: [] } },
    }));
    const cwd = setup(`- ${NOW} {#work-now}\n- ${BEFORE} {#work-hsbc}\n`);
    const r = await generate(cwd, gen.url, ['--langs', 'en', '--json']);
    expect(r.code).toBe(0);
    expect(r.json().rejected).toContainEqual({
      factId: 'work-now', lang: 'en', where: 'fp1 forbidden "software engineer"',
      reason: 'fact work-hsbc (line 2) contains it: an answer stating that truth would fail',
    });
    // Kept, it would have failed the right answer.
    expect(r.json().files.refusal.lines).toBe(0);
  });
});

describe('evalset generate: one question for two facts', () => {
  it('evaluates neither when the same question is held out for two facts: each item would fail the other true answer', async () => {
    const A = 'Zhiwei Li worked at HSBC in Guangzhou.';
    const B = 'Zhiwei Li works at TEKsystems in Guangzhou.';
    // q1 (one phrasing) is always held out; the generator asked the same of both facts.
    const reply = (company: string, own: string[]) => ({
      en: {
        questions: [
          { phrasings: ['Which company employed Zhiwei Li?'], answer: `${company}.`, keywords: [[company]] },
          { phrasings: own, answer: `${company}.`, keywords: [[company]] },
        ],
        falsePremises: [],
      },
    });
    const gen = await endpoint(factGenerator({
      [A]: reply('HSBC', ['Where did Zhiwei Li work as a young engineer?', 'What was the first employer of Zhiwei Li?']),
      [B]: reply('TEKsystems', ['Where does Zhiwei Li work these days?', 'Who is the current employer of Zhiwei Li?']),
    }));
    const cwd = setup(`- ${A} {#hsbc}\n- ${B} {#tek}\n`);
    const r = await generate(cwd, gen.url, ['--langs', 'en', '--false-premises', '0', '--json']);
    expect(r.code).toBe(0);
    const bio = readFileSync(join(cwd, OUTPUTS[0]!), 'utf8');
    expect(bio).not.toContain('Which company employed Zhiwei Li?');
    const why = r.json().rejected.filter((x: { where: string }) => x.where === 'q1 phrasing "Which company employed Zhiwei Li?"');
    expect(why).toEqual([
      { factId: 'hsbc', lang: 'en', where: 'q1 phrasing "Which company employed Zhiwei Li?"', reason: 'the same question is held out for fact tek too: a right answer about either would fail one item, so neither is evaluated' },
      { factId: 'tek', lang: 'en', where: 'q1 phrasing "Which company employed Zhiwei Li?"', reason: 'the same question is held out for fact hsbc too: a right answer about either would fail one item, so neither is evaluated' },
    ]);
  });
});

describe('facts file: lists as people write them', () => {
  const texts = (md: string) => parseFacts(md, 'facts.md').facts.map((f) => f.text);

  it('takes the list marks of Chinese text off the fact, so renumbering the list keeps every id', () => {
    expect(texts('1、李智维在汇丰工作。\n2、李智维住在广州。\n一、李智维写博客。\n（4）李智维学过化学。\n5）李智维会说粤语。\n· 李智维喜欢茶。\n●李智维跑步。\n・李智维读书。\n'))
      .toEqual(['李智维在汇丰工作。', '李智维住在广州。', '李智维写博客。', '李智维学过化学。', '李智维会说粤语。', '李智维喜欢茶。', '李智维跑步。', '李智维读书。']);
    const ids = (md: string) => new Map(parseFacts(md, 'facts.md').facts.map((f) => [f.text, f.id]));
    expect(ids('1、李智维住在广州。\n2、李智维在汇丰工作。\n')).toEqual(ids('1、李智维在汇丰工作。\n2、李智维住在广州。\n'));
    // Not list marks: a number that starts the fact.
    expect(texts('2013年起李智维写博客。\n1.5 million people read it.\n')).toEqual(['2013年起李智维写博客。', '1.5 million people read it.']);
  });

  it('skips Markdown thematic breaks (---, ***, _ _ _) instead of asking the generator about them', () => {
    expect(texts('- Zhiwei Li worked at HSBC.\n---\n- Zhiwei Li lives in Guangzhou.\n***\n _ _ _\n- - -\n')).toEqual(['Zhiwei Li worked at HSBC.', 'Zhiwei Li lives in Guangzhou.']);
  });

  it('reads a line with a long run of spaces in linear time', () => {
    const started = performance.now();
    expect(texts(`- Zhiwei Li${' '.repeat(100_000)}worked at HSBC. {#hsbc}\n`)).toEqual(['Zhiwei Li worked at HSBC.']);
    // Quadratic, this took seconds (30,000 spaces: 1.3 s).
    expect(performance.now() - started).toBeLessThan(1000);
  });
});
