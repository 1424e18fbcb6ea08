import { describe, expect, it } from 'vitest';
import { summarize, type ItemRef, type ResultRow } from '../../server/scoring/metrics.js';

const kw = (set: string, id: string): ItemRef => ({ set, id, kind: 'keyword' });
const row = (set: string, itemId: string, score: number | null, hallucinated: boolean | null = false, error: string | null = null): ResultRow =>
  ({ set, itemId, score, hallucinated, error });

describe('summarize', () => {
  it('pools bio* sets into bio_accuracy as a mean over items, and gives each set its own mean', () => {
    const items = [kw('bio', 'a'), kw('bio', 'b'), kw('bio-extra', 'c'), kw('known', 'k'), kw('biography-not', 'x')];
    const s = summarize(items, [row('bio', 'a', 1), row('bio', 'b', 0.5), row('bio-extra', 'c', 0), row('known', 'k', 1), row('biography-not', 'x', 1)]);
    // bio, bio-extra and biography-not all start with "bio": (1 + 0.5 + 0 + 1) / 4
    expect(s.metrics.bio_accuracy).toBeCloseTo(2.5 / 4, 12);
    expect(s.metrics.known_accuracy).toBe(1);
    expect(s.metrics.refusal_accuracy).toBeNull();
    expect(s.sets.bio!.accuracy).toBeCloseTo(0.75, 12);
    expect(s.sets['bio-extra']!.accuracy).toBe(0);
  });

  it('averages samples within an item before averaging items', () => {
    const items = [kw('bio', 'a'), kw('bio', 'b')];
    const s = summarize(items, [row('bio', 'a', 1), row('bio', 'a', 0), row('bio', 'a', 0), row('bio', 'a', 0), row('bio', 'b', 1)]);
    expect(s.metrics.bio_accuracy).toBeCloseTo((0.25 + 1) / 2, 12);
  });

  it('computes hallucination_rate as the share of keyword items with a forbidden hit', () => {
    const items = [kw('bio', 'a'), kw('bio', 'b'), kw('known', 'k'), kw('refusal', 'r')];
    const s = summarize(items, [row('bio', 'a', 0, true), row('bio', 'b', 1, false), row('known', 'k', 1, false), row('refusal', 'r', 0, true)]);
    expect(s.metrics.hallucination_rate).toBe(0.5);
    expect(s.sets.bio!.hallucination_rate).toBe(0.5);
  });

  it('counts errors and missing items without scoring them', () => {
    const items = [kw('bio', 'a'), kw('bio', 'b'), kw('bio', 'c')];
    const s = summarize(items, [row('bio', 'a', 1), row('bio', 'b', null, null, 'HTTP 500')]);
    expect(s.metrics.bio_accuracy).toBe(1);
    expect(s.counts).toEqual({ items: 3, results: 2, errors: 1, missing: 1 });
    expect(s.sets.bio).toMatchObject({ items: 3, scored: 1, errors: 1 });
  });

  it('reports blog_quality as mean chrF/100 and blog_chrf on the 0–100 scale', () => {
    const items: ItemRef[] = [{ set: 'blog', id: 'p1', kind: 'blog' }, { set: 'blog', id: 'p2', kind: 'blog' }];
    const s = summarize(items, [row('blog', 'p1', 0.6, null), row('blog', 'p2', 0.4, null)]);
    expect(s.metrics.blog_quality).toBeCloseTo(0.5, 12);
    expect(s.metrics.blog_chrf).toBeCloseTo(50, 10);
    expect(s.metrics.hallucination_rate).toBeNull();
    expect(s.sets.blog).toMatchObject({ kind: 'blog', chrf: expect.closeTo(50, 10) });
  });
});
