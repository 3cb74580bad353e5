import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { errorCodes } from '../../src/errors.js';

describe('error catalogue', () => {
  const documented = [...readFileSync(new URL('../../docs/errors.md', import.meta.url), 'utf8').matchAll(/^\| `(SB_[A-Z_]+)` \|/gmu)].map(
    (m) => m[1],
  );

  it('documents every code the appliance can report', () => {
    expect(documented.sort()).toEqual(Object.keys(errorCodes).sort());
  });

  it('documents each code once', () => {
    expect(new Set(documented).size).toBe(documented.length);
  });
});
