import { describe, expect, it } from 'vitest';
import { oneLine, printable } from '../../server/untrusted-text.js';

describe('printable: untrusted text for a terminal', () => {
  it.each([
    ['colour (CSI)', 'a\u001b[31;1mred\u001b[0m b', 'ared b'],
    ['cursor movement and erase', 'x\u001b[2K\u001b[1Ay', 'xy'],
    ['window title (OSC ended by BEL)', '\u001b]0;pwned\u0007ok', 'ok'],
    ['hyperlink (OSC ended by ESC \\)', '\u001b]8;;http://evil\u001b\\link\u001b]8;;\u001b\\', 'link'],
    ['carriage return, backspace, bell, NUL', 'safe\r\bfake\u0007\u0000', 'safefake'],
    ['C1 CSI and DEL', 'a\u009b31mb\u007f', 'a31mb'],
    ['bidirectional override', 'abc\u202Edef\u2066', 'abcdef'],
    ['bidirectional marks', 'a\u200Fb\u200Ec', 'abc'],
    ['tabs, newlines and non-ASCII text stay', 'Zhiwei 李\tok\nnext', 'Zhiwei 李\tok\nnext'],
    ['emoji with zero-width joiners stay', 'ZWJ 👩\u200d💻 👍🏽', 'ZWJ 👩\u200d💻 👍🏽'],
  ])('%s', (_label, input, expected) => {
    expect(printable(input)).toBe(expected);
  });

  it('oneLine: printable, whitespace collapsed, cut with an ellipsis', () => {
    expect(oneLine('  a\n\tb\u001b[31m c  ', 10)).toBe('a b c');
    expect(oneLine('abcdefghij', 4)).toBe('abcd…');
  });
});
