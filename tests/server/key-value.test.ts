import { describe, expect, it } from 'vitest';
import { splitKeyValue } from '../../server/key-value.js';

describe('splitKeyValue: the one KEY=VALUE parser', () => {
  it.each([
    ['run=bio-v2', 'run', 'bio-v2'],
    ['url=http://h/v1?a=b', 'url', 'http://h/v1?a=b'], // only the first "=" splits
    ['=x', '', 'x'],
    ['k=', 'k', ''],
    ['NAME', 'NAME', undefined], // no "=": no value, the whole text is the key
  ])('%s', (raw, key, value) => {
    expect(splitKeyValue(raw)).toEqual({ key, value });
  });
});
