/**
 * The conformance replay shared by the replay test files: every recorded program
 * runs on our VirtualPlc and must give the reference's (MATIEC's) outputs scan by
 * scan — REAL within 1 ulp of float32, TIME within 1 ns, everything else exactly.
 * The fixtures were recorded by record.ts against a live MATIEC; replaying needs
 * nothing but them. The corpus is split into shards so test workers share it.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { decodeFixture } from './fixture-file';
import { firstDifference, runOnSim } from './sim-runner';

const dir = join(import.meta.dirname, 'fixtures');

/** The fixture files, in a stable order. */
export function fixtureFiles(): string[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json.gz'))
    .sort();
}

/** How many cases a fixture file holds, without expanding its traces. */
export function caseCount(file: string): number {
  return (JSON.parse(gunzipSync(readFileSync(join(dir, file))).toString('utf8')) as { cases: unknown[] })
    .cases.length;
}

/** Replays one fixture file; returns one line per case that does not reproduce the reference. */
function replayFixture(file: string): { cases: number; failures: string[] } {
  const { cases } = decodeFixture(readFileSync(join(dir, file)));
  const failures: string[] = [];
  for (const c of cases) {
    const ours = runOnSim(c);
    if (!ours.ok) {
      failures.push(`${c.id}: ${ours.message}`);
      continue;
    }
    const d = firstDifference(c.outputs, c.trace, ours.trace);
    if (d) failures.push(`${c.id}: scan ${d.scan} ${JSON.stringify(d.diffs.slice(0, 3))}`);
  }
  return { cases: cases.length, failures };
}

/** Declares the replay of the fixture files whose index is `shard` modulo `shards`. */
export function describeReplayShard(shard: number, shards: number): void {
  describe(`conformance against MATIEC, recorded traces (shard ${shard + 1} of ${shards})`, () => {
    const files = fixtureFiles().filter((_, i) => i % shards === shard);
    it('has fixture files to replay', () => {
      expect(files.length).toBeGreaterThan(0);
    });
    for (const f of files) {
      it(`replays ${f} scan by scan`, { timeout: 180_000 }, () => {
        const { cases, failures } = replayFixture(f);
        expect(failures.slice(0, 20)).toEqual([]);
        expect(cases).toBeGreaterThan(0);
      });
    }
  });
}
