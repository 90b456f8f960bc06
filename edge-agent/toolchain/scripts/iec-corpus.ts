/**
 * Measures the IEC front end against a corpus of real code (never committed):
 * how many files parse without errors, and how many round-trip
 * (print → parse gives the same tree, printing is idempotent).
 *
 *   npx tsx edge-agent/toolchain/scripts/iec-corpus.ts /tmp/oscat /tmp/tcunit
 */
import { readFileSync } from 'node:fs';
import { astEqual, collectSourceFiles, parseSource, printUnit, readSource } from '../src/iec';

for (const root of process.argv.slice(2)) {
  const files = (await collectSourceFiles([root])).filter((f) => !f.toLowerCase().endsWith('.xml'));
  let parsed = 0;
  let roundTrip = 0;
  let lines = 0;
  const failures: string[] = [];
  for (const f of files) {
    const text = readFileSync(f, 'utf8');
    lines += text.split('\n').length;
    const r = readSource(text, f);
    if (r.diagnostics.some((d) => d.severity === 'error')) {
      failures.push(`parse: ${f}: ${r.diagnostics[0]?.message}`);
      continue;
    }
    parsed++;
    const printed = printUnit(r.unit);
    const again = parseSource(printed, f);
    if (again.diagnostics.length === 0 && astEqual(r.unit, again.unit) && printUnit(again.unit) === printed)
      roundTrip++;
    else failures.push(`round trip: ${f}`);
  }
  console.log(
    `${root}: ${files.length} files, ${lines} lines; parse ${parsed}/${files.length}; round trip ${roundTrip}/${parsed}`,
  );
  for (const f of failures.slice(0, 10)) console.log(`  ${f}`);
}
