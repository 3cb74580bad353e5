import { describe, expect, it } from 'vitest';
import { parseResultLines } from '../../processors/local/executable/results.js';

describe('executable results (fd 3)', () => {
  it('reads one CloudEvent per line, blank lines ignored', () => {
    expect(parseResultLines('{"specversion":"1.0","type":"a"}\n\n{"specversion":"1.0","type":"b","data":1}\n')).toEqual({
      ok: true, events: [{ specversion: '1.0', type: 'a' }, { specversion: '1.0', type: 'b', data: 1 }],
    });
    expect(parseResultLines('')).toEqual({ ok: true, events: [] });
  });

  it('refuses a line that is not JSON, or not a CloudEvent, naming the line', () => {
    const notJson = parseResultLines('{"specversion":"1.0","type":"a"}\nnope\n');
    expect(notJson).toMatchObject({ ok: false, problem: expect.stringContaining('line 2 on fd 3 is not JSON') });
    expect(parseResultLines('{"type":"a"}')).toMatchObject({ ok: false, problem: expect.stringContaining('line 1 on fd 3 is not a CloudEvent') });
    expect(parseResultLines('[1]')).toMatchObject({ ok: false });
  });
});
