import { describe, expect, test } from 'vitest';
import { lineCutMarker, lineSplitter } from '../../processors/local/line-splitter.js';

function split(chunks: string[], max = 10): string[] {
  const lines: string[] = [];
  const splitter = lineSplitter(max, (l) => lines.push(l));
  for (const c of chunks) splitter.push(c);
  splitter.end();
  return lines;
}

describe('lineSplitter', () => {
  test('joins lines across chunks and drops \\r', () => {
    expect(split(['one\r\ntw', 'o\nthree'])).toEqual(['one', 'two', 'three']);
  });

  test('cuts a long line whether its end came in the same chunk or not, and skips its rest', () => {
    const cut = `0123456789${lineCutMarker(10)}`;
    expect(split(['0123456789abcdef\nnext\n'])).toEqual([cut, 'next']);
    expect(split(['0123456789ab', 'cdef', 'gh\nnext'])).toEqual([cut, 'next']);
  });
});
