import { describe, expect, it } from 'vitest';
import { terminalSafe } from '../../server/cli/format.js';

describe('terminalSafe', () => {
  it.each([
    ['plain text', 'plain text'],
    ['red \u001b[31malert\u001b[0m', 'red [31malert[0m'],
    ['clear \u001b[2J\u001b[H screen', 'clear [2J[H screen'],
    ['C1 CSI \u009b31m', 'C1 CSI 31m'],
    ['carriage\rreturn overwrites', 'carriagereturn overwrites'],
    ['bell\u0007 and nul\u0000', 'bell and nul'],
    ['bidi \u202eevil\u202c and \u2066isolate\u2069', 'bidi evil and isolate'],
    ['keeps\nnewlines\tand tabs', 'keeps\nnewlines\tand tabs'],
    ['中文、emoji 👍🏽 and ZWJ 👩\u200d💻 stay', '中文、emoji 👍🏽 and ZWJ 👩\u200d💻 stay'],
  ])('%j', (text, expected) => {
    expect(terminalSafe(text)).toBe(expected);
  });
});
