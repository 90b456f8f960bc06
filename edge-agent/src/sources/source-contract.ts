/**
 * The contract every {@link ProgramSource} meets, as one shared test suite
 * (run by each implementation's test file).
 */
import { describe, expect, it } from 'vitest';
import { hashProgram, type ProgramSource } from './program-source';

/** A fresh source over a project with at least two files, and how to clean it up. */
export type SourceFactory = () => Promise<{ source: ProgramSource; cleanup: () => Promise<void> }>;

/** Registers the contract tests for one implementation. */
export function runSourceContract(name: string, make: SourceFactory): void {
  describe(`ProgramSource contract: ${name}`, () => {
    it('reads files sorted by path, and reading twice changes nothing', async () => {
      const { source, cleanup } = await make();
      try {
        const a = await source.read();
        const b = await source.read();
        expect(a.length).toBeGreaterThanOrEqual(2);
        expect(a.map((f) => f.path)).toEqual([...a.map((f) => f.path)].sort());
        expect(b).toEqual(a);
      } finally {
        await source.close();
        await cleanup();
      }
    });

    it('writes one file back byte for byte and leaves the others untouched', async () => {
      const { source, cleanup } = await make();
      try {
        const before = await source.read();
        const [first, ...rest] = before;
        const changed = { path: first!.path, text: `${first!.text}(* changed ü *)\r\n` };
        await source.write([changed], { expectSha256Before: hashProgram(before) });
        const after = await source.read();
        expect(after).toEqual([changed, ...rest]);
        expect(hashProgram(after)).toBe(hashProgram([changed, ...rest]));
      } finally {
        await source.close();
        await cleanup();
      }
    });
  });
}
