import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { astEqual, astToJson } from './ast-utils';
import { parseSource } from './parser';
import { FIXTURES } from './test-fixtures';

describe('tree JSON and equality', () => {
  it('astToJson writes what JSON.stringify writes (bigints as decimal strings)', () => {
    const { unit } = parseSource(
      readFileSync(join(FIXTURES, 'st/pump-station.st'), 'utf8'),
      'pump-station.st',
    );
    const ref = (indent: number) =>
      JSON.stringify(unit, (_k, x) => (typeof x === 'bigint' ? x.toString() : x), indent);
    expect(astToJson(unit)).toBe(ref(2));
    expect(astToJson(unit, 0)).toBe(ref(0));
  });

  it('a 20,000-term chain prints as JSON and compares without a RangeError', () => {
    const chain = Array(20_000).fill('a').join(' OR ');
    const src = `PROGRAM P VAR a : BOOL; b : BOOL; END_VAR a := ${chain}; END_PROGRAM`;
    const a = parseSource(src, 'a.st').unit;
    const json = astToJson(a);
    expect(JSON.parse(json).declarations[0].body[0].kind).toBe('Assignment');
    expect(astEqual(a, parseSource(src, 'again.st').unit)).toBe(true);
    expect(astEqual(a, parseSource(src.replace('a := a OR', 'a := b OR'), 'b.st').unit)).toBe(false);
  });
});
