import { describe, expect, it } from 'vitest';
import { oneLine, printable, wellFormed } from '../../server/untrusted-text.js';

describe('printable: untrusted text for a terminal, control characters shown escaped', () => {
  it.each([
    ['colour (CSI)', 'a\u001b[31;1mred\u001b[0m b', 'a\\u001b[31;1mred\\u001b[0m b'],
    ['cursor movement and erase', 'x\u001b[2K\u001b[1Ay', 'x\\u001b[2K\\u001b[1Ay'],
    ['window title (OSC ended by BEL)', '\u001b]0;pwned\u0007ok', '\\u001b]0;pwned\\u0007ok'],
    ['clipboard write (OSC 52)', '\u001b]52;c;SGVsbG8=\u0007', '\\u001b]52;c;SGVsbG8=\\u0007'],
    ['hyperlink (OSC ended by ESC \\)', '\u001b]8;;http://evil\u001b\\link\u001b]8;;\u001b\\', '\\u001b]8;;http://evil\\u001b\\link\\u001b]8;;\\u001b\\'],
    ['carriage return, backspace, bell, NUL', 'safe\r\bfake\u0007\u0000', 'safe\\u000d\\u0008fake\\u0007\\u0000'],
    ['CRLF is a newline', 'a\r\nb', 'a\nb'],
    ['C1 CSI, NEL and DEL', 'a\u009b31mb\u0085\u007f', 'a\\u009b31mb\\u0085\\u007f'],
    ['bidirectional override and isolate', 'abc\u202Edef\u2066', 'abc\\u202edef\\u2066'],
    ['bidirectional marks', 'a\u200Fb\u200Ec\u061Cd', 'a\\u200fb\\u200ec\\u061cd'],
    ['lone surrogates', 'a\ud800b\udc00', 'a\\ud800b\\udc00'],
    ['tabs, newlines and non-ASCII text stay', 'Zhiwei 李\tok\nnext', 'Zhiwei 李\tok\nnext'],
    ['emoji with zero-width joiners stay', 'ZWJ 👩\u200d💻 👍🏽 😀', 'ZWJ 👩\u200d💻 👍🏽 😀'],
  ])('%s', (_label, input, expected) => {
    expect(printable(input)).toBe(expected);
    expect(printable(printable(input))).toBe(expected); // idempotent: printing twice changes nothing
  });

  it('inside JSON text the escapes are JSON\'s own, so the value survives', () => {
    const value = { answer: 'a\u009b31m\u202e\u007fb', tab: '\t\u001b' };
    expect(JSON.parse(printable(JSON.stringify(value)))).toEqual(value);
  });

  it('oneLine: escaped, whitespace collapsed, cut with an ellipsis', () => {
    expect(oneLine('  a\n\tb\u001b[31m c  ', 10)).toBe('a b\\u001b[31m c');
    expect(oneLine('a\r\nb\rc', 10)).toBe('a b c');
    expect(oneLine('abcdefghij', 4)).toBe('abcd…');
    // Escapes count as the one character they stand for, and a cut never splits an emoji.
    expect(oneLine('\u0000\u0000xyz', 2)).toBe('\\u0000\\u0000…');
    expect(oneLine('ab😀cd', 3)).toBe('ab…');
  });

  it('wellFormed: lone surrogates become U+FFFD, pairs stay', () => {
    expect(wellFormed('a\ud800b\udfffc😀')).toBe('a\ufffdb\ufffdc😀');
  });
});
