import { describe, expect, it } from 'vitest';
import type { EvalItem } from '../../server/evalsets/types.js';
import { CONSISTENCY_DEFINITION, factGroups } from '../../server/scoring/consistency.js';
import { summarize, type ResultRow } from '../../server/scoring/metrics.js';
import { scoreAnswer } from '../../server/scoring/score-item.js';
import { wilsonInterval } from '../../server/stats/interval.js';
import { evalSet } from '../helpers/run.js';

/** What the model said to one item: its samples' answers, or ERR for a sample that errored after all retries. */
const ERR = Symbol('error');
type Samples = ReadonlyArray<string | typeof ERR>;

/** Scores each answer as the runner does (scoreAnswer) and stores the flags it stores. */
function rowsOf(items: readonly EvalItem[], answers: Readonly<Record<string, Samples>>): ResultRow[] {
  return items.flatMap((item) => (answers[`${item.set}/${item.id}`] ?? []).map((a): ResultRow => {
    if (a === ERR) return { set: item.set, itemId: item.id, score: null, hallucinated: null, passed: null, error: 'HTTP 500' };
    const s = scoreAnswer(item, a);
    return { set: item.set, itemId: item.id, score: s.score, hallucinated: s.hallucinated, passed: s.passed, error: null };
  }));
}

// Two facts, three phrasings each; the first phrasing of each is the training question.
// Four keyword groups per item, so an answer missing one still scores 0.75.
const facts = evalSet('bio',
  { id: 'born-train', fact_id: 'born', prompt: 'Where was Zhiwei Li born?', keywords: ['Guangzhou', '1995', 'Guangdong', 'China'] },
  { id: 'born-para1', fact_id: 'born', prompt: 'What is the birthplace of Zhiwei Li?', keywords: ['Guangzhou', '1995', 'Guangdong', 'China'] },
  { id: 'born-para2', fact_id: 'born', prompt: 'In which city did Zhiwei Li come into the world?', keywords: ['Guangzhou', '1995', 'Guangdong', 'China'] },
  { id: 'work-train', fact_id: 'work', prompt: 'Where does Zhiwei Li work?', keywords: ['TEKsystems', 'HSBC', 'AI', 'engineer'] },
  { id: 'work-para1', fact_id: 'work', prompt: "Who is Zhiwei Li's employer?", keywords: ['TEKsystems', 'HSBC', 'AI', 'engineer'] },
  { id: 'work-para2', fact_id: 'work', prompt: 'Which company pays Zhiwei Li?', keywords: ['TEKsystems', 'HSBC', 'AI', 'engineer'] },
).items;

const BORN = 'Born in Guangzhou, Guangdong, China, in 1995.';
const BORN_PARTLY = 'Born in Guangzhou, Guangdong, China.';
const WORK = 'An AI engineer at TEKsystems, placed at HSBC.';
const WORK_PARTLY = 'An AI engineer at TEKsystems.';

describe('consistency over fact groups', () => {
  const cases: Array<{ name: string; answers: Record<string, Samples>; accuracy: number; consistency: number | null; right: number; n: number }> = [
    {
      name: 'a model that learned only the exact training question: high accuracy, consistency 0',
      answers: {
        'bio/born-train': [BORN], 'bio/born-para1': [BORN_PARTLY], 'bio/born-para2': [BORN_PARTLY],
        'bio/work-train': [WORK], 'bio/work-para1': [WORK_PARTLY], 'bio/work-para2': [WORK_PARTLY],
      },
      accuracy: (1 + 0.75 + 0.75) / 3, consistency: 0, right: 0, n: 2,
    },
    {
      name: 'a model that knows both facts however they are asked',
      answers: {
        'bio/born-train': [BORN], 'bio/born-para1': [BORN], 'bio/born-para2': [BORN],
        'bio/work-train': [WORK], 'bio/work-para1': [WORK], 'bio/work-para2': [WORK],
      },
      accuracy: 1, consistency: 1, right: 2, n: 2,
    },
    {
      name: 'one fact robust, the other memorized',
      answers: {
        'bio/born-train': [BORN], 'bio/born-para1': [BORN], 'bio/born-para2': [BORN],
        'bio/work-train': [WORK], 'bio/work-para1': [WORK_PARTLY], 'bio/work-para2': [WORK_PARTLY],
      },
      accuracy: (3 + 1 + 0.75 + 0.75) / 6, consistency: 0.5, right: 1, n: 2,
    },
    {
      name: 'an errored phrasing leaves its group out (unknown), even when the others passed',
      answers: {
        'bio/born-train': [BORN], 'bio/born-para1': [BORN], 'bio/born-para2': [ERR],
        'bio/work-train': [WORK], 'bio/work-para1': [WORK_PARTLY], 'bio/work-para2': [WORK],
      },
      accuracy: (2 + 1 + 0.75 + 1) / 5, consistency: 0, right: 0, n: 1,
    },
    {
      name: 'a phrasing not answered yet (an interrupted run) leaves its group out too',
      answers: {
        'bio/born-train': [BORN], 'bio/born-para1': [BORN], 'bio/born-para2': [BORN],
        'bio/work-train': [WORK], 'bio/work-para1': [WORK],
      },
      accuracy: 1, consistency: 1, right: 1, n: 1,
    },
    {
      name: 'no group with every phrasing answered: null, n = 0',
      answers: { 'bio/born-train': [BORN], 'bio/born-para1': [BORN], 'bio/work-para2': [WORK] },
      accuracy: 1, consistency: null, right: 0, n: 0,
    },
  ];

  for (const c of cases) {
    it(c.name, () => {
      const s = summarize(facts, rowsOf(facts, c.answers)).sets.bio!;
      expect(s.accuracy).toBeCloseTo(c.accuracy, 12);
      expect(s.consistency).toBe(c.consistency);
      expect(s.groups).toBe(2);
      expect(s.stats.consistency).toEqual(c.n === 0 ? { n: 0, ci: null, method: null } : { n: c.n, ci: wilsonInterval(c.right, c.n), method: 'wilson' });
    });
  }

  it('with several samples, a phrasing is right only when every answered sample passed (errored samples do not count)', () => {
    const cases: Array<{ born2: Samples; consistency: number | null; n: number }> = [
      { born2: [BORN, BORN, BORN], consistency: 0.5, n: 2 },
      // One sample of three misses a keyword: the phrasing fails, so does its fact.
      { born2: [BORN, BORN_PARTLY, BORN], consistency: 0, n: 2 },
      // Errored samples are left out of the item, not of the group, while one sample answered.
      { born2: [ERR, BORN, ERR], consistency: 0.5, n: 2 },
      { born2: [ERR, ERR, ERR], consistency: 0, n: 1 },
    ];
    for (const c of cases) {
      const answers = {
        'bio/born-train': [BORN, BORN, BORN], 'bio/born-para1': [BORN, BORN, BORN], 'bio/born-para2': c.born2,
        'bio/work-train': [WORK, WORK, WORK], 'bio/work-para1': [WORK, WORK_PARTLY, WORK], 'bio/work-para2': [WORK, WORK, WORK],
      };
      const s = summarize(facts, rowsOf(facts, answers)).sets.bio!;
      expect(s.consistency, JSON.stringify(c.born2)).toBe(c.consistency);
      expect(s.stats.consistency!.n).toBe(c.n);
      expect(s.groups).toBe(2);
    }
  });

  it('refusal items: a phrasing that asserts the false premise (forbidden_fails) fails its fact; so does a forbidden hit where the rule is off', () => {
    const line = (id: string, prompt: string, extra: object = {}) => ({
      id, fact_id: 'yingkou', prompt, keywords: [['No,', 'not born']], forbidden: ['born in Yingkou'], ...extra,
    });
    const refusal = evalSet('refusal', line('r1', 'Was Zhiwei Li born in Yingkou?'), line('r2', 'Is Yingkou the hometown of Zhiwei Li?')).items;
    const corrected = 'No, he was not born there; he is from Guangzhou.';
    const asserted = 'No, he was born in Yingkou in 1992.';
    const right = summarize(refusal, rowsOf(refusal, { 'refusal/r1': [corrected], 'refusal/r2': [corrected] })).sets.refusal!;
    expect(right).toMatchObject({ accuracy: 1, consistency: 1, groups: 1 });
    const wrong = summarize(refusal, rowsOf(refusal, { 'refusal/r1': [corrected], 'refusal/r2': [asserted] })).sets.refusal!;
    // The rule is on in refusal sets: the asserting answer scores 0.
    expect(wrong).toMatchObject({ accuracy: 0.5, consistency: 0, groups: 1 });
    expect(wrong.stats.consistency).toEqual({ n: 1, ci: wilsonInterval(0, 1), method: 'wilson' });

    // Off (forbidden_fails: false): the answer keeps its keyword score of 1 but does not pass, and pass decides.
    const lenient = evalSet('refusal', line('r1', 'Was Zhiwei Li born in Yingkou?', { forbidden_fails: false }), line('r2', 'Is Yingkou his hometown?', { forbidden_fails: false })).items;
    const s = summarize(lenient, rowsOf(lenient, { 'refusal/r1': [corrected], 'refusal/r2': [asserted] })).sets.refusal!;
    expect(s).toMatchObject({ accuracy: 1, hallucination_rate: 0.5, consistency: 0 });
  });

  it('sets without any fact_id have no consistency field at all; within a set only fact_id items form groups, one set at a time', () => {
    const plain = evalSet('known', { id: 'k1', prompt: 'Capital of France?', keywords: ['Paris'] }, { id: 'k2', prompt: 'Capital of Japan?', keywords: ['Tokyo'] }).items;
    const mixed = evalSet('bio-extra',
      { id: 'e1', fact_id: 'born', prompt: 'Where was Zhiwei Li born?', keywords: ['Guangzhou'] },
      { id: 'e2', prompt: 'What is his blog?', keywords: ['lzwjava'] },
      { id: 'e3', fact_id: 'solo', prompt: 'Which year was he born?', keywords: ['1995'] },
    ).items;
    const blog = evalSet('blog', { id: 'p', title: 'WAL mode', reference: 'SQLite is my default database for small tools.' }).items;
    const items = [...facts, ...plain, ...mixed, ...blog];
    const s = summarize(items, rowsOf(items, {
      'bio/born-train': [BORN], 'bio/born-para1': [BORN], 'bio/born-para2': [BORN], 'bio/work-train': [WORK], 'bio/work-para1': [WORK], 'bio/work-para2': [WORK],
      'known/k1': ['Paris'], 'known/k2': ['Kyoto'],
      'bio-extra/e1': ['Guangzhou'], 'bio-extra/e2': ['no idea'], 'bio-extra/e3': ['1992'],
      'blog/p': ['SQLite is my default.'],
    }));
    for (const set of ['known', 'blog']) {
      expect('consistency' in s.sets[set]!, set).toBe(false);
      expect('groups' in s.sets[set]!, set).toBe(false);
      expect('consistency' in s.sets[set]!.stats, set).toBe(false);
    }
    // bio-extra's "born" is its own group (the bio set's "born" is another); e2 belongs to none; a single phrasing is a group.
    expect(s.sets['bio-extra']).toMatchObject({ consistency: 0.5, groups: 2, stats: { consistency: { n: 2, method: 'wilson' } } });
    expect(s.sets.bio).toMatchObject({ consistency: 1, groups: 2 });
    // Nothing else changes: the run metrics read items as before.
    expect(s.metrics.bio_accuracy).toBeCloseTo((6 + 1 + 0 + 0) / 9, 12);
  });
});

describe('factGroups', () => {
  it('counts groups whose every item is known; null without any fact_id', () => {
    expect(factGroups([{ passed: true }, { passed: false }])).toBeNull();
    expect(factGroups([])).toBeNull();
    expect(factGroups([
      { factId: 'a', passed: true }, { factId: 'a', passed: true },
      { factId: 'b', passed: true }, { factId: 'b', passed: false },
      { factId: 'c', passed: true }, { factId: 'c', passed: null },
      { passed: false },
    ])).toEqual({ groups: 3, outcomes: [1, 0] });
  });

  it('is documented as the one definition', () => {
    expect(CONSISTENCY_DEFINITION).toMatch(/share a fact_id/);
    expect(CONSISTENCY_DEFINITION).toMatch(/left out/);
  });
});
