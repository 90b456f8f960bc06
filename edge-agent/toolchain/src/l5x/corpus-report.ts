/**
 * Figures over a directory of L5X files (public projects, kept outside the
 * repository): how many read, how many write back byte-identical unedited,
 * and how many ladder routines whose instructions are all modelled convert
 * to ST proven equivalent. Run:
 *   node --import tsx --conditions=source edge-agent/toolchain/src/l5x/corpus-report.ts DIR [--runs N] [--no-proofs]
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { checkL5x } from './l5x-check';
import { formatL5xFile } from './l5x-format';
import type { L5xProgram, L5xProject, L5xRoutine } from './l5x-model';
import { readL5x } from './l5x-reader';
import { writeL5x } from './l5x-writer';
import { ladderToSt } from './ladder-to-st';
import { STRING_INSTRUCTIONS_MODELLED } from './logix-strings';
import { MODELLED_INSTRUCTIONS } from './rll-lowering';
import { instructionsOf, parseRung } from './rll-parser';

/**
 * The figures. A routine "uses modelled instructions" when every instruction it runs does:
 * its own rungs, the routines it calls with JSR and the Logic of the AOIs it calls, followed
 * to the end; a JSR into an FBD or SFC routine is an instruction not modelled. `refusedBy`
 * counts, per instruction not modelled, the ladder routines it keeps out of that set.
 */
export interface CorpusReport {
  files: number;
  read: number;
  unreadable: { file: string; error: string }[];
  roundTripIdentical: number;
  ladderRoutines: number;
  /** Of all ladder routines, converted and proven equivalent. */
  provenOfAll: number;
  /** Ladder routines that use modelled instructions only (see above). */
  modelledRoutines: number;
  /** Of those, ones Logix itself would not verify (an XIC on a DINT, an undeclared tag): `notProven` names them. */
  invalid: number;
  /** Of the modelled routines, converted and proven equivalent. */
  proven: number;
  notProven: { routine: string; reason: string | null; invalid: boolean }[];
  refusedBy: Record<string, number>;
  /** `compile`: files with errors (named) and the warnings over all files. */
  compile: { filesWithErrors: string[]; errors: number; warnings: number };
  /** `fmt --write`: files it changes (ST re-indented), of those stable on a second pass, and rungs kept. */
  fmt: { changed: number; stable: number; rungsKept: number };
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
/** Calls a Logix ST routine may make that logix-st.ts models (instructions and functions). */
const ST_CALLS = new Set([
  ...STRING_INSTRUCTIONS_MODELLED,
  'COP',
  'CPS',
  'FLL',
  'SIZE',
  'TONR',
  'TOFR',
  'RTOR',
  'JSR',
  'ABS',
  'SQRT',
  'SQR',
  'SIN',
  'COS',
  'TAN',
  'ASN',
  'ACS',
  'ATN',
  'LN',
  'LOG',
  'TRN',
  'IF',
  'ELSIF',
  'WHILE',
  'UNTIL',
  'AND',
  'OR',
  'XOR',
  'NOT',
  'MOD',
]);

/**
 * Reasons that say the program is not one Logix verifies (operand of the wrong type, a tag
 * or routine that does not exist, a wrong operand count): errors in the file, not limits of
 * the model.
 */
const INVALID =
  /is not a (BOOL|TIMER|COUNTER|CONTROL)\b|tag \S+ is not declared|needs \d+ operands|which is not a routine of the program|member (?!CTL of)\S+ of \S+ \(|is not an instance of/;

/** Instructions not modelled that a routine runs, following JSR and AOI calls. */
function unmodelledIn(project: L5xProject, program: L5xProgram, routine: L5xRoutine): Set<string> {
  const aois = new Map(project.aois.map((a) => [a.name.toUpperCase(), a]));
  const missing = new Set<string>();
  const seen = new Set<L5xRoutine>();
  const visit = (owner: L5xRoutine[], rt: L5xRoutine) => {
    if (seen.has(rt)) return;
    seen.add(rt);
    if (rt.type === 'ST') {
      // Logix ST runs through logix-st.ts: its instruction calls are the timers and JSR.
      for (const m of rt.lines.join('\n').matchAll(/\b([A-Za-z_][A-Za-z0-9_]*)\s*\(/g)) {
        const n = (m[1] as string).toUpperCase();
        const aoi = aois.get(n);
        const logic = aoi?.routines.find((r) => r.name.toUpperCase() === 'LOGIC');
        if (logic) visit(aoi?.routines ?? [], logic);
        else if (!ST_CALLS.has(n)) missing.add(`ST ${n}`);
      }
      return;
    }
    if (rt.type !== 'RLL') {
      // FBD and SFC routines are not read.
      missing.add(`JSR into ${rt.type}`);
      return;
    }
    for (const rung of rt.rungs) {
      let instrs: ReturnType<typeof instructionsOf>;
      try {
        instrs = instructionsOf(parseRung(rung.text));
      } catch {
        missing.add('<rung syntax>');
        continue;
      }
      for (const i of instrs) {
        const aoi = aois.get(i.name.toUpperCase());
        if (aoi) {
          const logic = aoi.routines.find((r) => r.name.toUpperCase() === 'LOGIC');
          if (logic) visit(aoi.routines, logic);
        } else if (!MODELLED.has(i.name)) missing.add(i.name);
        if (i.name === 'JSR') {
          const target = owner.find(
            (r) => r.name.toUpperCase() === String(i.operands[0] ?? '').toUpperCase(),
          );
          if (target) visit(owner, target);
        }
      }
    }
  };
  visit(program.routines, routine);
  return missing;
}

/** `fmt --write` of a file: does it change, is the result stable, are the rungs untouched? */
function fmtFigures(r: CorpusReport, project: L5xProject): void {
  const out = formatL5xFile(project);
  if (Buffer.from(out).equals(Buffer.from(project.bytes))) return;
  r.fmt.changed++;
  const again = readL5x(out);
  if (Buffer.from(formatL5xFile(again)).equals(Buffer.from(out))) r.fmt.stable++;
  const rungs = (p: L5xProject) =>
    p.programs.flatMap((x) => x.routines.flatMap((y) => y.rungs.map((z) => z.text)));
  if (JSON.stringify(rungs(again)) === JSON.stringify(rungs(project))) r.fmt.rungsKept++;
}

/**
 * Measures every `.L5X` under `dir`. With `proofs` false only reading, the round trip,
 * compile and fmt are measured (seconds, not minutes).
 */
export function corpusReport(dir: string, runs = 20, proofs = true): CorpusReport {
  const r: CorpusReport = {
    files: 0,
    read: 0,
    unreadable: [],
    roundTripIdentical: 0,
    ladderRoutines: 0,
    provenOfAll: 0,
    modelledRoutines: 0,
    invalid: 0,
    proven: 0,
    notProven: [],
    refusedBy: {},
    compile: { filesWithErrors: [], errors: 0, warnings: 0 },
    fmt: { changed: 0, stable: 0, rungsKept: 0 },
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
    const checked = checkL5x(bytes, file).diagnostics;
    const errors = checked.filter((d) => d.severity === 'error').length;
    r.compile.errors += errors;
    r.compile.warnings += checked.length - errors;
    if (errors > 0) r.compile.filesWithErrors.push(file.slice(dir.length + 1));
    fmtFigures(r, project);
    if (!proofs) continue;
    const modelled = new Set<string>();
    for (const p of project.programs) {
      for (const rt of p.routines) {
        if (rt.type !== 'RLL') continue;
        r.ladderRoutines++;
        const missing = unmodelledIn(project, p, rt);
        for (const m of missing) r.refusedBy[m] = (r.refusedBy[m] ?? 0) + 1;
        if (missing.size === 0) modelled.add(`${p.name}/${rt.name}`);
      }
    }
    r.modelledRoutines += modelled.size;
    const res = ladderToSt(project, { runs, seed: 1 });
    for (const x of res.routines) {
      if (x.equivalent) r.provenOfAll++;
      if (!modelled.has(x.name)) continue;
      if (x.equivalent) r.proven++;
      else {
        const invalid = INVALID.test(x.reason ?? '');
        if (invalid) r.invalid++;
        r.notProven.push({ routine: `${file.slice(dir.length + 1)}:${x.name}`, reason: x.reason, invalid });
      }
    }
  }
  return r;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const dir = process.argv[2];
  if (!dir) {
    process.stderr.write('usage: corpus-report.ts DIR [--runs N] [--no-proofs]\n');
    process.exit(2);
  }
  const i = process.argv.indexOf('--runs');
  const proofs = !process.argv.includes('--no-proofs');
  const rep = corpusReport(dir, i > 0 ? Number(process.argv[i + 1]) : 20, proofs);
  const pc = (a: number, b: number) => `${a} / ${b} (${b ? Math.round((1000 * a) / b) / 10 : 0} %)`;
  const valid = rep.modelledRoutines - rep.invalid;
  process.stderr.write(
    [
      `files read ${rep.read} / ${rep.files}, byte-identical round trip ${rep.roundTripIdentical}`,
      `compile: ${rep.compile.errors} errors in ${rep.compile.filesWithErrors.length} files, ${rep.compile.warnings} warnings`,
      `fmt --write changes ${rep.fmt.changed} files (ST re-indented): ${rep.fmt.stable} stable on a second pass, rungs kept in ${rep.fmt.rungsKept}`,
      `ladder routines ${rep.ladderRoutines}, proven ${pc(rep.provenOfAll, rep.ladderRoutines)}`,
      `using modelled instructions only ${rep.modelledRoutines}, proven ${pc(rep.proven, rep.modelledRoutines)}`,
      `  of them valid Logix (${rep.invalid} invalid left out), proven ${pc(rep.proven, valid)}`,
      `top instructions not modelled: ${Object.entries(rep.refusedBy)
        .sort((a, b) => b[1] - a[1])
        .slice(0, 12)
        .map(([k, v]) => `${k} ${v}`)
        .join(', ')}`,
    ]
      // without proofs no routine was counted
      .slice(0, proofs ? undefined : 3)
      .concat('')
      .join('\n'),
  );
  process.stdout.write(`${JSON.stringify(rep, null, 2)}\n`);
}
