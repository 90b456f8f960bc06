/**
 * Figures over a directory of L5X files (public projects, kept outside the
 * repository): how many read, how many write back byte-identical unedited,
 * and how many ladder routines whose instructions are all modelled convert
 * to ST proven equivalent. Run:
 *   node --import tsx --conditions=source edge-agent/toolchain/src/l5x/corpus-report.ts DIR [--runs N]
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { readL5x } from './l5x-reader';
import { writeL5x } from './l5x-writer';
import { ladderToSt } from './ladder-to-st';
import { MODELLED_INSTRUCTIONS } from './rll-lowering';
import { instructionsOf, parseRung } from './rll-parser';

/** The figures; `refusedBy` counts the instructions that kept routines ladder. */
export interface CorpusReport {
  files: number;
  read: number;
  unreadable: { file: string; error: string }[];
  roundTripIdentical: number;
  ladderRoutines: number;
  /** Ladder routines using only modelled instructions (and AOIs defined in the file). */
  modelledRoutines: number;
  /** Of those, converted and proven equivalent. */
  proven: number;
  notProven: { routine: string; reason: string | null }[];
  refusedBy: Record<string, number>;
}

function l5xFiles(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir).sort()) {
    const p = join(dir, e);
    if (statSync(p).isDirectory()) out.push(...l5xFiles(p));
    else if (/\.l5x$/i.test(e)) out.push(p);
  }
  return out;
}

const MODELLED = new Set<string>(MODELLED_INSTRUCTIONS);

/** Measures every `.L5X` under `dir`. */
export function corpusReport(dir: string, runs = 20): CorpusReport {
  const r: CorpusReport = {
    files: 0,
    read: 0,
    unreadable: [],
    roundTripIdentical: 0,
    ladderRoutines: 0,
    modelledRoutines: 0,
    proven: 0,
    notProven: [],
    refusedBy: {},
  };
  for (const file of l5xFiles(dir)) {
    const bytes = new Uint8Array(readFileSync(file));
    // A snapshot may hold a large file as an empty placeholder: not a file to read.
    if (bytes.length === 0) continue;
    r.files++;
    let project: ReturnType<typeof readL5x>;
    try {
      project = readL5x(bytes);
    } catch (e) {
      r.unreadable.push({ file, error: (e as Error).message });
      continue;
    }
    r.read++;
    if (Buffer.from(writeL5x(project)).equals(Buffer.from(bytes))) r.roundTripIdentical++;
    const aois = new Set(project.aois.map((a) => a.name.toUpperCase()));
    const selected: string[] = [];
    for (const p of project.programs) {
      for (const rt of p.routines) {
        if (rt.type !== 'RLL') continue;
        r.ladderRoutines++;
        let names: string[];
        try {
          names = rt.rungs.flatMap((g) => instructionsOf(parseRung(g.text)).map((i) => i.name));
        } catch {
          r.refusedBy['<rung syntax>'] = (r.refusedBy['<rung syntax>'] ?? 0) + 1;
          continue;
        }
        const missing = [...new Set(names.filter((n) => !MODELLED.has(n) && !aois.has(n)))];
        for (const m of missing) r.refusedBy[m] = (r.refusedBy[m] ?? 0) + 1;
        if (missing.length === 0) selected.push(`${p.name}/${rt.name}`);
      }
    }
    r.modelledRoutines += selected.length;
    if (selected.length === 0) continue;
    const res = ladderToSt(project, { routines: selected, runs, seed: 1 });
    for (const x of res.routines) {
      if (x.equivalent) r.proven++;
      else r.notProven.push({ routine: `${file.slice(dir.length + 1)}:${x.name}`, reason: x.reason });
    }
  }
  return r;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const dir = process.argv[2];
  if (!dir) {
    process.stderr.write('usage: corpus-report.ts DIR [--runs N]\n');
    process.exit(2);
  }
  const i = process.argv.indexOf('--runs');
  const rep = corpusReport(dir, i > 0 ? Number(process.argv[i + 1]) : 20);
  process.stdout.write(`${JSON.stringify(rep, null, 2)}\n`);
}
