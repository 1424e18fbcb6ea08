import { describe, expect, it } from 'vitest';
import { inFamily } from '../../server/evalsets/family.js';
import { itemValue, readsItem, metricDef, METRICS, type ItemMeans } from '../../server/scoring/metric-registry.js';
import { answerPassed, itemPassed } from '../../server/scoring/pass.js';
import { keywordMarks } from '../../server/scoring/keyword.js';

describe('inFamily: a set-name prefix ending at a word boundary', () => {
  it.each([
    ['bio', 'bio', true],
    ['bio-extra', 'bio', true],
    ['bio_v2', 'bio', true],
    ['bio.zh', 'bio', true],
    ['bio v2', 'bio', true],
    ['biology', 'bio', false],
    ['biography', 'bio', false],
    ['bio2', 'bio', false],
    ['Bio', 'bio', false],
    ['my-bio', 'bio', false],
    ['bi', 'bio', false],
    ['refusal', 'refusal', true],
    ['refusal-zh', 'refusal', true],
    ['refusal_hard', 'refusal', true],
    ['refusals', 'refusal', false],
    ['known', 'known', true],
    ['knowns', 'known', false],
    ['known-zh', 'known', true],
    ['anything', '', false],
  ])('inFamily(%j, %j) = %s', (set, family, expected) => {
    expect(inFamily(set, family)).toBe(expected);
  });
});

const keyword = (set: string, score: number | null, hallucinated: number | null = null, withForbidden = false): ItemMeans =>
  ({ set, kind: 'keyword', score, hallucinated, withForbidden, components: {} });
const blog = (set: string, components: Record<string, number>): ItemMeans =>
  ({ set, kind: 'blog', score: components.blog_quality ?? null, hallucinated: null, withForbidden: false, components });

describe('the registry says which items each metric reads', () => {
  it('every metric carries its item filter, and the family metrics name their family', () => {
    for (const m of METRICS) expect(m.items, m.name).toBeDefined();
    expect(metricDef('bio_accuracy')!.items).toEqual({ kind: 'keyword', family: 'bio', set: null, withForbidden: false, value: 'score' });
    expect(metricDef('known_accuracy')!.items.family).toBe('known');
    expect(metricDef('refusal_accuracy')!.items.family).toBe('refusal');
    expect(metricDef('hallucination_rate')!.items).toEqual({ kind: 'keyword', family: null, set: null, withForbidden: true, value: 'hallucinated' });
    expect(metricDef('blog_chrf')!.items).toMatchObject({ kind: 'blog', value: 'component' });
    expect(metricDef('set:bio-extra')!.items).toMatchObject({ kind: null, set: 'bio-extra', value: 'score' });
    expect(metricDef('hallucination_rate')!.description).toContain('keyword items that have a forbidden list');
  });

  it.each([
    ['bio_accuracy', keyword('bio', 1), 1],
    ['bio_accuracy', keyword('bio-extra', 0.5), 0.5],
    ['bio_accuracy', keyword('bio_v2', 0), 0],
    ['bio_accuracy', keyword('bio.zh', 1), 1],
    ['bio_accuracy', keyword('biology', 1), undefined],
    ['bio_accuracy', keyword('biography', 1), undefined],
    ['bio_accuracy', blog('bio', { blog_quality: 0.5 }), undefined],
    ['bio_accuracy', keyword('bio', null), undefined],
    ['refusal_accuracy', keyword('refusal-zh', 0), 0],
    ['refusal_accuracy', keyword('refusals', 1), undefined],
    ['known_accuracy', keyword('known', 1), 1],
    ['hallucination_rate', keyword('known', 1, 0, false), undefined],
    ['hallucination_rate', keyword('bio', 1, 0.5, true), 0.5],
    ['hallucination_rate', keyword('biology', 1, 1, true), 1],
    ['blog_chrf', blog('blog', { chrf: 42, blog_quality: 0.4 }), 42],
    ['blog_quality', blog('blog', { chrf: 42, blog_quality: 0.4 }), 0.4],
    ['blog_chrf', keyword('blog', 1), undefined],
    ['set:bio', keyword('bio', 0.25), 0.25],
    ['set:bio', keyword('bio-extra', 0.25), undefined],
    ['set:blog', blog('blog', { blog_quality: 0.3 }), 0.3],
    ['no_such_metric', keyword('bio', 1), undefined],
  ])('itemValue(%s, …) for %j is %s', (metric, v, expected) => {
    expect(itemValue(metric, v)).toBe(expected);
  });

  it('readsItem() is the denominator whatever the value: an unscored item is counted but has no value', () => {
    const def = metricDef('bio_accuracy')!;
    expect(readsItem(def.items, keyword('bio', null))).toBe(true);
    expect(readsItem(def.items, keyword('biology', 1))).toBe(false);
  });
});

describe('pass: one definition', () => {
  const item = { keywords: ['HSBC', ['AI Engineer', 'AI工程师']], forbidden: ['Yingkou'] };
  it.each([
    ['He is an AI Engineer at HSBC.', true],
    ['He is an AI Engineer.', false],
    ['He is an AI Engineer at HSBC, born in Yingkou.', false],
  ])('answerPassed(%j) = %s', (answer, expected) => {
    expect(answerPassed(keywordMarks(item, answer))).toBe(expected);
  });

  it.each([
    [[true, true], true],
    [[true, false], false],
    [[true, null], true],
    [[null, null], null],
    [[], null],
  ] as Array<[Array<boolean | null>, boolean | null]>)('itemPassed(%j) = %s', (samples, expected) => {
    expect(itemPassed(samples)).toBe(expected);
  });
});
