import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { TunegateError } from '../errors.js';

/** A file that is not UTF-8; the message reads `path:LINE: invalid UTF-8 (byte 0xNN at column C)`. */
export class InvalidUtf8Error extends Error {
  constructor(readonly path: string, readonly line: number, readonly column: number, readonly byte: number) {
    super(`${path}:${line}: invalid UTF-8 (byte 0x${byte.toString(16).toUpperCase().padStart(2, '0')} at column ${column})`);
    this.name = 'InvalidUtf8Error';
  }
}

/**
 * Offset of the first byte that does not start a well-formed UTF-8 sequence (Unicode table 3-7:
 * no overlong forms, no surrogates, nothing above U+10FFFF, no truncated sequence), or -1.
 */
export function firstInvalidUtf8(b: Uint8Array): number {
  let i = 0;
  while (i < b.length) {
    const c = b[i]!;
    if (c < 0x80) {
      i++;
      continue;
    }
    const n = c >= 0xc2 && c <= 0xdf ? 1 : c >= 0xe0 && c <= 0xef ? 2 : c >= 0xf0 && c <= 0xf4 ? 3 : 0;
    if (n === 0) return i;
    const lo = c === 0xe0 ? 0xa0 : c === 0xf0 ? 0x90 : 0x80;
    const hi = c === 0xed ? 0x9f : c === 0xf4 ? 0x8f : 0xbf;
    for (let k = 1; k <= n; k++) {
      const x = b[i + k];
      if (x === undefined || x < (k === 1 ? lo : 0x80) || x > (k === 1 ? hi : 0xbf)) return i;
    }
    i += n + 1;
  }
  return -1;
}

const strict = new TextDecoder('utf-8', { fatal: true });

/**
 * The bytes as text, or an InvalidUtf8Error naming the line and column (1-based, in characters)
 * of the first invalid byte. Decoding with replacement would turn a wrongly encoded file
 * (Latin-1, GBK, a truncated copy) into U+FFFD silently, and change what is evaluated.
 */
export function decodeUtf8(bytes: Uint8Array, path: string): string {
  try {
    return strict.decode(bytes);
  } catch {
    const at = Math.max(0, firstInvalidUtf8(bytes));
    const lineStart = at === 0 ? 0 : bytes.lastIndexOf(0x0a, at - 1) + 1;
    let line = 1;
    for (let i = 0; i < lineStart; i++) if (bytes[i] === 0x0a) line++;
    const column = Array.from(strict.decode(bytes.subarray(lineStart, at))).length + 1;
    throw new InvalidUtf8Error(path, line, column, bytes[at]!);
  }
}

/** Reads a UTF-8 text file strictly (see decodeUtf8); `shown` is the path used in messages. */
export function readUtf8File(absPath: string, shown: string): string {
  return decodeUtf8(readFileSync(absPath), shown);
}

/**
 * Reads a UTF-8 input file the user named (relative to `cwd`): not UTF-8 is INVALID_INPUT naming
 * line and byte; a file that cannot be read is a USAGE error naming it (`what`: the option, if any).
 */
export function readInputFile(file: string, cwd: string, what?: string): string {
  try {
    return readUtf8File(resolve(cwd, file), file);
  } catch (e) {
    if (e instanceof InvalidUtf8Error) throw new TunegateError('INVALID_INPUT', e.message);
    throw new TunegateError('USAGE', `${what === undefined ? '' : `${what} `}${file}: cannot read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
}
