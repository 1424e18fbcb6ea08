import { describe, expect, it } from 'vitest';
import { ItemError, parseItem } from '../../server/evalsets/parse-item.js';

const base = { id: 'q1', prompt: 'Where did Zhiwei Li work?', keywords: [['HSBC', '汇丰']] };

describe('fact_id and in_train on keyword items', () => {
  it('keeps the fact id, which is content: it changes the hash, and its absence keeps the old one', () => {
    const plain = parseItem(base, 'bio', 1).item;
    const grouped = parseItem({ ...base, fact_id: 'work-hsbc' }, 'bio', 1).item;
    const other = parseItem({ ...base, fact_id: 'work-now' }, 'bio', 1).item;
    expect(grouped.kind === 'keyword' && grouped.factId).toBe('work-hsbc');
    expect(plain.kind === 'keyword' && plain.factId).toBeUndefined();
    expect(new Set([plain.hash, grouped.hash, other.hash]).size).toBe(3);
    expect(parseItem({ ...base, fact_id: 7 }, 'bio', 1).item).toMatchObject({ factId: '7' });
    expect(parseItem({ ...base, fact_id: 'x', in_train: false }, 'bio', 1).warnings).toEqual([]);
  });

  it('reads in_train: true as the in_train tag, false as nothing', () => {
    expect(parseItem({ ...base, in_train: true }, 'bio', 1).item.tags).toEqual(['in_train']);
    expect(parseItem({ ...base, in_train: true, tags: ['in_train', 'zh'] }, 'bio', 1).item.tags).toEqual(['in_train', 'zh']);
    expect(parseItem({ ...base, in_train: false, tags: ['zh'] }, 'bio', 1).item.tags).toEqual(['zh']);
  });

  it('names the field that is wrong', () => {
    expect(() => parseItem({ ...base, fact_id: '' }, 'bio', 1)).toThrow(new ItemError('"fact_id" must be a non-empty string'));
    expect(() => parseItem({ ...base, in_train: 'no' }, 'bio', 1)).toThrow(new ItemError('"in_train" must be true or false'));
    expect(() => parseItem({ ...base, in_train: false, tags: ['in_train'] }, 'bio', 1)).toThrow('"in_train" is false but "tags" has "in_train"');
    expect(() => parseItem({ id: 'b', title: 'T', reference: 'R', fact_id: 'f' }, 'blog', 1)).toThrow('"fact_id" belongs to keyword items');
  });
});
