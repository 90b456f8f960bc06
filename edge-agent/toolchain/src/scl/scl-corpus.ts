/**
 * The SCL corpus figures of docs/siemens-scl.md: every `.scl`, `.db` and
 * `.udt` file under the given folders is read ("read" = no error from the
 * reader), formatted twice (`fmt` idempotent) and the formatted text read
 * again to the same tree (positions aside). With `--ax`, the SIMATIC AX
 * `.st` files are read instead and formatted with `formatAx`.
 *
 *   npx tsx edge-agent/toolchain/src/scl/scl-corpus.ts /tmp/scl-corpus/*
 *   npx tsx edge-agent/toolchain/src/scl/scl-corpus.ts --ax /tmp/ax-corpus/*
 *   npx tsx edge-agent/toolchain/src/scl/scl-corpus.ts --check /tmp/scl-corpus/*   # also check each folder
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { astEqual, type CompilationUnit, checkProject, decodeSource } from '../iec';
import { readAx } from './ax-reader';
import { formatAx, formatScl } from './scl-printer';
import { callSclInstanceDbs, isSclFile, nameSclStartValues, readScl } from './scl-reader';
import { siemensLibrary } from './siemens-library';
import { isTagTableXml, readTagTable } from './tag-table';

function filesUnder(dir: string, want: (file: string) => boolean, out: string[] = []): string[] {
  for (const e of readdirSync(dir).sort()) {
    if (e.startsWith('.') || e === 'node_modules') continue;
    const p = join(dir, e);
    if (statSync(p).isDirectory()) filesUnder(p, want, out);
    else if (want(p)) out.push(p);
  }
  return out;
}

const isAxFile = (file: string): boolean => /\.st$/i.test(file);

/**
 * Why a file with a source's extension is no TIA source at all: a binary
 * (`.db` is also SQLite's extension), an HTML page saved under the name, or a
 * generator's template; undefined for a text to read.
 */
function notSource(buf: Buffer, text: string): string | undefined {
  if (buf.includes(0)) return 'binary';
  if (/^\s*<(!DOCTYPE|html)/i.test(text)) return 'HTML page';
  if (/\{\{\s*[A-Za-z_#/][^}]*\}\}/.test(text)) return 'template';
  return undefined;
}

/**
 * The first declared name whose span does not hold it (`"Motor 1"`, `#x` and
 * `x` hold `Motor 1` and `x`), or undefined when every one does: the spans
 * an edit splices at point where they should.
 */
function badNameSpan(unit: CompilationUnit, text: string): string | undefined {
  const stack: unknown[] = [unit];
  while (stack.length > 0) {
    const o = stack.pop() as Record<string, unknown>;
    const sp = o.nameSpan as { offset: number; endOffset: number } | undefined;
    // generated names (the SHR of a slice read, a DB's structure) have empty spans or `__`
    const generated = !sp || sp.endOffset <= sp.offset;
    if (typeof o.name === 'string' && !generated && !o.name.startsWith('__')) {
      const at = text
        .slice(sp.offset, sp.endOffset)
        .replace(/^#/, '')
        .replace(/^"(.*)"$/s, '$1');
      if (at !== '' && at.toLowerCase() !== o.name.toLowerCase() && !/^"/.test(o.name))
        return `${o.name} at ${sp.offset}: '${at}'`;
    }
    for (const [k, v] of Object.entries(o))
      if (v && typeof v === 'object' && !k.endsWith('pan')) stack.push(v);
  }
  return undefined;
}

/** Figures of one folder (a project). */
export interface SclCorpusRow {
  project: string;
  /** Files with a source's extension that are not sources (binary, HTML, template), not counted in `files`. */
  skipped: string[];
  files: number;
  read: number;
  /** TIA Portal tag table exports (`.xml`) found, and read without an error. */
  tagTables: number;
  tagTablesRead: number;
  /** The units read without an error (sources and tag tables), for `--check`. */
  units: CompilationUnit[];
  idempotent: number;
  roundTrip: number;
  lines: number;
  failures: string[];
}

/** Reads, formats and re-reads every SCL source under `dir` (with `ax`, reads every AX `.st` file). */
export function sclCorpusRow(dir: string, ax = false): SclCorpusRow {
  const row: SclCorpusRow = {
    project: dir,
    skipped: [],
    files: 0,
    read: 0,
    tagTables: 0,
    tagTablesRead: 0,
    units: [],
    idempotent: 0,
    roundTrip: 0,
    lines: 0,
    failures: [],
  };
  if (!ax)
    for (const f of filesUnder(dir, (p) => /\.xml$/i.test(p))) {
      const text = decodeSource(readFileSync(f));
      if (!isTagTableXml(text)) continue;
      row.tagTables++;
      const t = readTagTable(text, f);
      const errors = t.diagnostics.filter((d) => d.severity === 'error');
      if (errors.length === 0) {
        row.tagTablesRead++;
        row.units.push(t.unit);
      } else row.failures.push(`${f}:${errors[0]!.line}:${errors[0]!.column} ${errors[0]!.message}`);
    }
  for (const f of filesUnder(dir, ax ? isAxFile : isSclFile)) {
    const buf = readFileSync(f);
    const text = decodeSource(buf);
    const why = notSource(buf, text);
    if (why) {
      row.skipped.push(`${f}: ${why}`);
      continue;
    }
    row.files++;
    row.lines += text.split('\n').length;
    const r = ax ? readAx(text, f) : readScl(text, f);
    const errors = r.diagnostics.filter((d) => d.severity === 'error');
    if (errors.length > 0) {
      const d = errors[0]!;
      row.failures.push(`${f}:${d.line}:${d.column} ${d.message}`);
      continue;
    }
    row.read++;
    row.units.push(r.unit);
    const bad = badNameSpan(r.unit, text);
    if (bad) row.failures.push(`${f}: a name's span does not hold it: ${bad}`);
    const format = ax ? formatAx : formatScl;
    const once = format(text);
    if (format(once) === once) row.idempotent++;
    else row.failures.push(`${f}: fmt is not idempotent`);
    const again = ax ? readAx(once, f) : readScl(once, f);
    if (again.diagnostics.length === 0 && astEqual(again.unit, r.unit)) row.roundTrip++;
    else row.failures.push(`${f}: formatted text reads back differently`);
  }
  return row;
}

/**
 * `--check`: the units a project folder read, checked together with the
 * Siemens interfaces; the error count and the names most often unknown
 * (tags of a table not exported, blocks of another project, instructions
 * the library does not declare).
 */
function checkRow(row: SclCorpusRow, externals: CompilationUnit[]): string {
  nameSclStartValues(row.units);
  callSclInstanceDbs(row.units);
  const errors = checkProject(row.units, { externals }).diagnostics.filter((d) => d.severity === 'error');
  const unknown = new Map<string, number>();
  for (const d of errors) {
    const m = /^unknown (?:name|type) '([^']*)'/.exec(d.message);
    if (m) unknown.set(m[1]!, (unknown.get(m[1]!) ?? 0) + 1);
  }
  const top = [...unknown].sort((a, b) => b[1] - a[1]).slice(0, 8);
  return `    check: ${errors.length} errors in ${row.units.length} units${top.length > 0 ? `; unknown: ${top.map(([n, c]) => `${n} (${c})`).join(', ')}` : ''}`;
}

async function main(args: string[]): Promise<void> {
  const ax = args.includes('--ax');
  const check = args.includes('--check');
  const rows = args.filter((a) => !a.startsWith('--')).map((d) => sclCorpusRow(d, ax));
  const externals = check ? (await siemensLibrary()).units : [];
  for (const r of rows) {
    const tables = r.tagTables > 0 ? ` tag tables ${r.tagTablesRead}/${r.tagTables}` : '';
    const fmt = `${r.idempotent}/${r.read} | ${r.roundTrip}/${r.read}`;
    console.log(`| ${r.project} | ${r.read}/${r.files} | ${fmt} | ${r.lines} |${tables}`);
    for (const f of r.failures) console.log(`    ${f}`);
    for (const f of r.skipped) console.log(`    not a source: ${f}`);
    if (check) console.log(checkRow(r, externals));
  }
  const t = rows.reduce(
    (a, r) => ({
      skipped: a.skipped + r.skipped.length,
      tables: a.tables + r.tagTables,
      tablesRead: a.tablesRead + r.tagTablesRead,
      files: a.files + r.files,
      read: a.read + r.read,
      idem: a.idem + r.idempotent,
      rt: a.rt + r.roundTrip,
    }),
    { skipped: 0, tables: 0, tablesRead: 0, files: 0, read: 0, idem: 0, rt: 0 },
  );
  console.log(
    `total: read ${t.read}/${t.files}` +
      `, fmt idempotent ${t.idem}/${t.read}, round trip ${t.rt}/${t.read}` +
      ` (${t.skipped} files with a source's extension are not sources)` +
      (t.tables > 0 ? `; tag tables read ${t.tablesRead}/${t.tables}` : ''),
  );
}

if (process.argv[1]?.endsWith('scl-corpus.ts')) await main(process.argv.slice(2));
