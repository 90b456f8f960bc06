import { describe, expect, it } from 'vitest';
import { ownString, ownText } from './own-text';

describe('own-text', () => {
  it('gives the characters of the slice, short and long, one-byte and two-byte', () => {
    const text = `${'a'.repeat(40)}Ä€😀 (* a comment of some length *) fbMotionStageAxis_1${'b'.repeat(40)}`;
    for (let start = 0; start < text.length; start += 3)
      for (let end = start; end <= text.length; end += 5) {
        expect(ownText(text, start, end)).toBe(text.slice(start, end));
        expect(ownString(text.slice(start, end))).toBe(text.slice(start, end));
      }
  });
  it('gives the slice of a large text, of which a view costs no copying', () => {
    const text = `${'x'.repeat(70_000)}(* a comment of some length *)`;
    expect(ownText(text, 70_000, text.length)).toBe('(* a comment of some length *)');
  });
});
