import { describe, expect, it } from 'vitest';
import { diffLines, diffStats, unifiedDiff, unifiedFileDiff } from './unified-diff';

describe('unified diff', () => {
  it('prints hunks like git with context', () => {
    const a = ['1', '2', '3', '4', '5', '6', '7', '8', '9', '10'].join('\n') + '\n';
    const b = ['1', '2', '3', '4', 'five', '6', '7', '8', '9', '10', '11'].join('\n') + '\n';
    expect(unifiedFileDiff('x.st', a, b)).toBe(
      '--- a/x.st\n+++ b/x.st\n@@ -2,9 +2,10 @@\n 2\n 3\n 4\n-5\n+five\n 6\n 7\n 8\n 9\n 10\n+11\n',
    );
  });

  it('splits distant changes into separate hunks', () => {
    const a = Array.from({ length: 30 }, (_, i) => `l${i}`);
    const b = [...a];
    b[2] = 'x';
    b[25] = 'y';
    const d = unifiedFileDiff('f', a.join('\n'), b.join('\n'));
    expect(d.match(/^@@/gm)).toHaveLength(2);
    expect(d).toContain('@@ -1,6 +1,6 @@');
  });

  it('is a minimal edit script (Myers)', () => {
    const ops = diffLines(['a', 'b', 'c', 'a', 'b', 'b', 'a'], ['c', 'b', 'a', 'b', 'a', 'c']);
    expect(ops.filter((o) => o.op !== ' ')).toHaveLength(5);
    // applying the script gives b
    expect(ops.filter((o) => o.op !== '-').map((o) => o.text)).toEqual(['c', 'b', 'a', 'b', 'a', 'c']);
    expect(ops.filter((o) => o.op !== '+').map((o) => o.text)).toEqual(['a', 'b', 'c', 'a', 'b', 'b', 'a']);
  });

  it('handles added and removed files and counts lines', () => {
    const d = unifiedDiff([{ path: 'old.st', text: 'a\n' }], [{ path: 'new.st', text: 'b\nc\n' }]);
    expect(d).toBe(
      '--- /dev/null\n+++ b/new.st\n@@ -0,0 +1,2 @@\n+b\n+c\n--- a/old.st\n+++ /dev/null\n@@ -1,1 +0,0 @@\n-a\n',
    );
    expect(diffStats([{ path: 'old.st', text: 'a\n' }], [{ path: 'new.st', text: 'b\nc\n' }])).toEqual({
      added: 2,
      removed: 1,
    });
    expect(unifiedDiff([{ path: 'a', text: 'x' }], [{ path: 'a', text: 'x' }])).toBe('');
  });
});
