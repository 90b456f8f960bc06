/**
 * The fixture file format: gzip JSON holding cases with the reference's trace.
 * A trace is stored per output as its changes (`[scan, value]` pairs), which
 * keeps thousands of cases in a few megabytes.
 */
import { gunzipSync, gzipSync } from 'node:zlib';
import type { ConformanceCase, ScanValues } from './conformance-case';

/** A case with the reference's outputs, scan by scan. */
interface RecordedCase extends ConformanceCase {
  trace: ScanValues[];
}

/** A fixture file's content. */
export interface FixtureFile {
  /** Where the cases came from (generator seed, program set). */
  source: string;
  cases: RecordedCase[];
}

type Changes = Record<string, [number, ScanValues[string]][]>;
interface Stored extends ConformanceCase {
  changes: Changes;
}

/** Gzipped JSON of a fixture file, traces stored as changes. */
export function encodeFixture(f: FixtureFile): Buffer {
  const cases: Stored[] = f.cases.map(({ trace, ...c }) => {
    const changes: Changes = {};
    for (const o of c.outputs) {
      const list: [number, ScanValues[string]][] = [];
      let last: unknown;
      trace.forEach((row, k) => {
        const v = row[o.name] as ScanValues[string];
        if (k === 0 || v !== last) list.push([k, v]);
        last = v;
      });
      changes[o.name] = list;
    }
    return { ...c, changes };
  });
  return gzipSync(JSON.stringify({ format: 1, source: f.source, cases }), { level: 9 });
}

/** Reads a fixture file written by {@link encodeFixture}. */
export function decodeFixture(buf: Buffer): FixtureFile {
  const doc = JSON.parse(gunzipSync(buf).toString('utf8')) as {
    format: number;
    source: string;
    cases: Stored[];
  };
  if (doc.format !== 1) throw new Error(`unknown fixture format ${doc.format}`);
  const cases = doc.cases.map(({ changes, ...c }) => {
    const trace: ScanValues[] = Array.from({ length: c.scans }, () => ({}));
    for (const o of c.outputs) {
      const list = changes[o.name] ?? [];
      let i = 0;
      let v: ScanValues[string] | undefined;
      for (let k = 0; k < c.scans; k++) {
        while (i < list.length && (list[i] as [number, unknown])[0] === k)
          v = (list[i++] as [number, ScanValues[string]])[1];
        (trace[k] as ScanValues)[o.name] = v as ScanValues[string];
      }
    }
    return { ...c, trace };
  });
  return { source: doc.source, cases };
}
