import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { candidatesHash } from '../../server/evalsets/hash.js';
import { parseEvalSetText } from '../../server/evalsets/parse-file.js';
import { ItemError, parseItem } from '../../server/evalsets/parse-item.js';
import type { KeywordItem } from '../../server/evalsets/types.js';

const base = { id: 'q1', prompt: 'Where does Zhiwei Li work?', keywords: [['HSBC', '汇丰']] };
const answer = 'Zhiwei Li works at TEKsystems on HSBC projects.';
const wrong = ['Zhiwei Li runs an online education company.', 'Zhiwei Li works at Alibaba.'];
const kw = (v: unknown) => parseItem(v, 'bio', 3).item as KeywordItem;

describe('answer and wrong_answers on keyword items', () => {
  it('reads both, without a warning, and keeps them out of the content hash', () => {
    const plain = parseItem(base, 'bio', 3);
    const withCandidates = parseItem({ ...base, answer, wrong_answers: wrong }, 'bio', 3);
    expect(withCandidates.warnings).toEqual([]);
    expect(withCandidates.item).toMatchObject({ answer, wrongAnswers: wrong });
    expect(withCandidates.item.hash).toBe(plain.item.hash);
    expect(kw({ ...base, answer }).wrongAnswers).toBeUndefined();
  });

  it('hashes the candidates: any edit to them changes it, and no answer has none', () => {
    const h = candidatesHash(kw({ ...base, answer, wrong_answers: wrong }));
    expect(h).toMatch(/^[0-9a-f]{16}$/);
    expect(candidatesHash(kw({ ...base, answer, wrong_answers: [wrong[0]] }))).not.toBe(h);
    expect(candidatesHash(kw({ ...base, answer: `${answer} `, wrong_answers: wrong }))).not.toBe(h);
    expect(candidatesHash(kw({ ...base, answer, wrong_answers: [...wrong] }))).toBe(h);
    expect(candidatesHash(kw(base))).toBeNull();
  });

  it('names the field that is wrong', () => {
    const bad = (extra: object, message: string) => expect(() => parseItem({ ...base, ...extra }, 'bio', 3)).toThrow(new ItemError(message));
    bad({ answer: '' }, '"answer" must be a non-empty string');
    bad({ answer: 3 }, '"answer" must be a string');
    bad({ wrong_answers: wrong }, '"wrong_answers" needs "answer" (the true sentence they are ranked against)');
    bad({ answer, wrong_answers: [] }, '"wrong_answers" must be a non-empty array of strings');
    bad({ answer, wrong_answers: 'Zhiwei Li works at Alibaba.' }, '"wrong_answers" must be a non-empty array of strings');
    bad({ answer, wrong_answers: ['x y z', ' '] }, '"wrong_answers"[1] must be a non-empty string');
    bad({ answer, wrong_answers: [answer] }, '"wrong_answers"[0] is the same sentence as "answer"');
    bad({ answer, wrong_answers: [wrong[0], wrong[1], wrong[0]] }, '"wrong_answers"[2] repeats "wrong_answers"[0]');
    expect(() => parseItem({ id: 'b', title: 'T', reference: 'R', answer }, 'blog', 1)).toThrow('"answer" belongs to keyword items');
  });

  it('reports a bad line as file:line: field', () => {
    const text = `${JSON.stringify(base)}\n${JSON.stringify({ ...base, id: 'q2', wrong_answers: wrong })}\n`;
    expect(parseEvalSetText(text, 'sets/bio.jsonl', 'bio').errors).toEqual([
      'sets/bio.jsonl:2: "wrong_answers" needs "answer" (the true sentence they are ranked against)',
    ]);
  });

  it('the shipped bio and refusal sets give every item an answer and at least two wrong answers', () => {
    for (const name of ['bio', 'refusal']) {
      const { set, errors } = parseEvalSetText(readFileSync(`evalsets/${name}.jsonl`, 'utf8'), `${name}.jsonl`, name);
      expect(errors).toEqual([]);
      for (const item of set.items as KeywordItem[]) {
        expect(item.answer, `${name} ${item.id}`).toBeTruthy();
        expect(item.wrongAnswers?.length, `${name} ${item.id}`).toBeGreaterThanOrEqual(2);
      }
    }
  });
});
