/**
 * Measures the IEC front end against corpora of real code (never committed):
 * per project (each argument is one project directory), the TwinCAT / ST
 * files read without an error, the PLCopen XML files read with every body
 * converted, the files whose `fmt` round trip holds (the printed text
 * re-parses without an error to the same tree — comments aside, since
 * several `//` comments inside one multi-line statement are printed on one
 * line — and printing it again gives the same text), and the top failure causes.
 *
 *   npx tsx edge-agent/toolchain/scripts/iec-corpus.ts /tmp/corpus/* [--show 10]
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { extname, join } from 'node:path';
import { astEqual, type Diagnostic, parseSource, printUnit, readSource } from '../src/iec';

const TWINCAT = new Set(['.tcpou', '.tcdut', '.tcgvl', '.tcio']);

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(name);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}
const show = arg('--show', 8);
const roots = process.argv.slice(2).filter((a, i, all) => !a.startsWith('--') && all[i - 1] !== '--show');

/** The tree without comments (their grouping may change when a multi-line statement is printed on one line). */
function withoutComments(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(withoutComments);
  if (typeof v !== 'object' || v === null) return v;
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v)) {
    if (k === 'leadingComments' || k === 'trailingComments' || k === 'comments') continue;
    out[k] = withoutComments(x);
  }
  return out;
}

function walk(dir: string, out: string[]): void {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    if (e.name.startsWith('.') || e.name === 'node_modules') continue;
    const full = join(dir, e.name);
    if (e.isDirectory()) walk(full, out);
    else out.push(full);
  }
}

/** One failure cause: the diagnostic message with names and positions blurred, so equal causes group. */
function cause(d: Diagnostic): string {
  return `${d.code} ${d.message.replace(/'[^']*'/g, "'…'").replace(/\d+/g, 'N')}`;
}

interface Figures {
  files: number;
  read: number;
  roundTrip: number;
  lines: number;
}
const zero = (): Figures => ({ files: 0, read: 0, roundTrip: 0, lines: 0 });
const total = { tc: zero(), st: zero(), xml: zero() };
const allCauses = new Map<string, number>();

for (const root of roots) {
  if (!statSync(root).isDirectory()) continue;
  const files: string[] = [];
  walk(root, files);
  const figs: Record<'tc' | 'st' | 'xml', Figures> = { tc: zero(), st: zero(), xml: zero() };
  const causes = new Map<string, { n: number; example: string }>();
  const notes: string[] = [];
  for (const f of files.sort()) {
    const ext = extname(f).toLowerCase();
    let kind: 'tc' | 'st' | 'xml';
    if (TWINCAT.has(ext)) kind = 'tc';
    else if (ext === '.st') kind = 'st';
    else if (ext === '.xml') kind = 'xml';
    else continue;
    const text = readFileSync(f, 'utf8');
    if (kind === 'xml' && !/plcopen\.org\/xml\/tc6/i.test(text.slice(0, 4096))) continue;
    const fig = figs[kind];
    fig.files++;
    fig.lines += text.split('\n').length;
    const r = readSource(text, f);
    const errors = r.diagnostics.filter((d) => d.severity === 'error');
    if (errors.length > 0) {
      const seen = new Set<string>();
      for (const d of errors) {
        const c = cause(d);
        if (seen.has(c)) continue;
        seen.add(c);
        const entry = causes.get(c) ?? { n: 0, example: `${d.file}:${d.line}:${d.column} ${d.message}` };
        entry.n++;
        causes.set(c, entry);
        allCauses.set(c, (allCauses.get(c) ?? 0) + 1);
      }
      continue;
    }
    fig.read++;
    const printed = printUnit(r.unit);
    const again = parseSource(printed, f);
    const reprinted = printUnit(again.unit);
    if (
      again.diagnostics.every((d) => d.severity !== 'error') &&
      astEqual(withoutComments(r.unit), withoutComments(again.unit)) &&
      reprinted === printed
    )
      fig.roundTrip++;
    else notes.push(`round trip: ${f}${again.diagnostics[0] ? ` (${again.diagnostics[0].message})` : ''}`);
  }
  for (const k of ['tc', 'st', 'xml'] as const) {
    const t = total[k];
    t.files += figs[k].files;
    t.read += figs[k].read;
    t.roundTrip += figs[k].roundTrip;
    t.lines += figs[k].lines;
  }
  const parts: string[] = [];
  if (figs.tc.files > 0)
    parts.push(
      `TwinCAT ${figs.tc.read}/${figs.tc.files} read, ${figs.tc.roundTrip}/${figs.tc.read} round trip (${figs.tc.lines} lines)`,
    );
  if (figs.st.files > 0)
    parts.push(
      `ST ${figs.st.read}/${figs.st.files} read, ${figs.st.roundTrip}/${figs.st.read} round trip (${figs.st.lines} lines)`,
    );
  if (figs.xml.files > 0)
    parts.push(
      `PLCopen ${figs.xml.read}/${figs.xml.files} read with all bodies, ${figs.xml.roundTrip}/${figs.xml.read} round trip (${figs.xml.lines} lines)`,
    );
  console.log(`${root}: ${parts.join('; ') || 'no sources'}`);
  const top = [...causes.entries()].sort((a, b) => b[1].n - a[1].n).slice(0, show);
  for (const [c, e] of top) console.log(`  ${e.n}× ${c}\n      e.g. ${e.example}`);
  for (const n of notes.slice(0, show)) console.log(`  ${n}`);
}

const pct = (a: number, b: number): string => (b === 0 ? '-' : `${((100 * a) / b).toFixed(1)}%`);
console.log(
  `\nTOTAL TwinCAT ${total.tc.read}/${total.tc.files} read (${pct(total.tc.read, total.tc.files)}), round trip ${total.tc.roundTrip}/${total.tc.read}; ST ${total.st.read}/${total.st.files} (${pct(total.st.read, total.st.files)}), round trip ${total.st.roundTrip}/${total.st.read}; PLCopen ${total.xml.read}/${total.xml.files} (${pct(total.xml.read, total.xml.files)}), round trip ${total.xml.roundTrip}/${total.xml.read}`,
);
for (const [c, n] of [...allCauses.entries()].sort((a, b) => b[1] - a[1]).slice(0, show))
  console.log(`  ${n}× ${c}`);
