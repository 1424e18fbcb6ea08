import { describe, expect, it } from 'vitest';
import { BOM, csvCell, csvFileName, guardFormula, toCsv } from '../../web/src/csv.js';

describe('CSV for spreadsheets (web/src/csv.ts)', () => {
  it.each([
    ['plain', 'plain'],
    ['a,b', '"a,b"'],
    ['say "hi"', '"say ""hi"""'],
    ['two\nlines', '"two\nlines"'],
    ['cr\r\nlf', '"cr\r\nlf"'],
    ['李智维是一名AI工程师', '李智维是一名AI工程师'],
    ['=1+1', "'=1+1"],
    ['=HYPERLINK("http://x","y")', `"'=HYPERLINK(""http://x"",""y"")"`],
    ['+cmd', "'+cmd"],
    ['-cmd|x', "'-cmd|x"],
    ['@SUM(A1)', "'@SUM(A1)"],
    ['\tx', "'\tx"],
    ['\rx', `"'\rx"`],
    ['-0.250', '-0.250'],
    ['+0.100', '+0.100'],
    ['-1e-3', '-1e-3'],
    ['–', '–'],
    ['', ''],
  ])('%j is written %j', (text, cell) => {
    expect(csvCell(text)).toBe(cell);
  });

  it('a file is a BOM, then CRLF-ended rows', () => {
    expect(toCsv([['a', 'b'], ['1', 'x,y']])).toBe(`${BOM}a,b\r\n1,"x,y"\r\n`);
    expect(guardFormula('=x')).toBe("'=x");
  });

  it('file names keep letters, digits and . _ -', () => {
    expect(csvFileName('run', 12, 'results')).toBe('run-12-results.csv');
    expect(csvFileName('advice', 'mix=bio v2')).toBe('advice-mix_bio_v2.csv');
    expect(csvFileName('trend', 'set:bio')).toBe('trend-set_bio.csv');
    expect(csvFileName('')).toBe('table.csv');
  });
});
