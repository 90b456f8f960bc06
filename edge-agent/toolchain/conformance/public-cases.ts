/**
 * Conformance cases from public function libraries (OSCAT BASIC as TwinCAT
 * `.TcPOU` files): each FUNCTION or FUNCTION_BLOCK with elementary inputs and
 * outputs is wrapped in a PROGRAM that calls it every scan with a seeded input
 * timeline. The library's source is read from a folder outside the repository
 * and never written into it (OSCAT's licence is not a free one); only the
 * live benchmark uses these cases.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parseSource } from '../src/iec';
import { Prng } from '../src/sim';
import type { CaseType, CaseVar, ConformanceCase } from './conformance-case';

const ELEMENTARY = new Set<CaseType>([
  'BOOL',
  'SINT',
  'INT',
  'DINT',
  'LINT',
  'USINT',
  'UINT',
  'UDINT',
  'ULINT',
  'BYTE',
  'WORD',
  'DWORD',
  'REAL',
  'LREAL',
  'TIME',
]);

function files(dir: string, ext: string): string[] {
  const out: string[] = [];
  for (const n of readdirSync(dir)) {
    const p = join(dir, n);
    if (statSync(p).isDirectory()) out.push(...files(p, ext));
    else if (n.endsWith(ext)) out.push(p);
  }
  return out;
}

/** ST text of a TwinCAT POU file: its declaration and ST body, closed. */
function stOfTcPou(xml: string): { name: string; kind: string; text: string } | undefined {
  const decl = /<Declaration><!\[CDATA\[([\s\S]*?)\]\]><\/Declaration>/.exec(xml)?.[1];
  const body = /<Implementation>\s*<ST><!\[CDATA\[([\s\S]*?)\]\]><\/ST>/.exec(xml)?.[1];
  if (!decl || body === undefined) return undefined;
  const head = /^\s*(FUNCTION_BLOCK|FUNCTION|PROGRAM)\s+(\w+)/m.exec(decl);
  if (!head) return undefined;
  const kind = head[1] as string;
  return { name: head[2] as string, kind, text: `${decl}\n${body}\nEND_${kind}\n` };
}

/** ST text of a TwinCAT DUT file (TYPE ... END_TYPE). */
function stOfTcDut(xml: string): { name: string; text: string } | undefined {
  const decl = /<Declaration><!\[CDATA\[([\s\S]*?)\]\]><\/Declaration>/.exec(xml)?.[1];
  const head = decl && /TYPE\s+(\w+)/.exec(decl);
  return head ? { name: head[1] as string, text: `${decl}\n` } : undefined;
}

/**
 * Builds cases from a folder of `.TcPOU`/`.TcDUT` files: one per POU whose interface is
 * elementary, with the POUs and types it names (transitively) before its wrapper.
 */
export function publicLibraryCases(dir: string, seed = 1, scans = 300): ConformanceCase[] {
  const pous = new Map<string, { kind: string; text: string }>();
  for (const f of files(dir, '.TcPOU')) {
    const p = stOfTcPou(readFileSync(f, 'utf8'));
    if (p) pous.set(p.name.toUpperCase(), p);
  }
  const types = new Map<string, string>();
  for (const f of files(dir, '.TcDUT')) {
    const t = stOfTcDut(readFileSync(f, 'utf8'));
    if (t) types.set(t.name.toUpperCase(), t.text);
  }
  const words = (t: string) =>
    new Set(
      t
        .replace(/\(\*[\s\S]*?\*\)/g, ' ')
        .replace(/\/\/.*$/gm, ' ')
        .toUpperCase()
        .match(/[A-Z_][A-Z0-9_]*/g) ?? [],
    );
  const closure = (name: string): string[] => {
    const seen = new Set<string>();
    const order: string[] = [];
    const visit = (n: string) => {
      if (seen.has(n)) return;
      seen.add(n);
      const text = pous.get(n)?.text ?? types.get(n);
      if (!text) return;
      for (const w of words(text)) if (w !== n && (pous.has(w) || types.has(w))) visit(w);
      order.push(n);
    };
    visit(name);
    return order;
  };
  const rng = new Prng(seed);
  const cases: ConformanceCase[] = [];
  for (const [key, pou] of [...pous].sort(([a], [b]) => a.localeCompare(b))) {
    if (pou.kind === 'PROGRAM') continue;
    const parsed = parseSource(pou.text, `${key}.st`);
    const decl = parsed.unit.declarations[0];
    if (!decl || (decl.kind !== 'Function' && decl.kind !== 'FunctionBlock')) continue;
    const inputs: CaseVar[] = [];
    const outputs: CaseVar[] = [];
    let ok = true;
    for (const b of decl.varBlocks) {
      if (b.section !== 'VAR_INPUT' && b.section !== 'VAR_OUTPUT' && b.section !== 'VAR_IN_OUT') continue;
      for (const d of b.decls) {
        const t = d.type.kind === 'NamedType' ? (d.type.name.toUpperCase() as CaseType) : undefined;
        if (
          !t ||
          !ELEMENTARY.has(t) ||
          b.section === 'VAR_IN_OUT' ||
          (b.section === 'VAR_INPUT' && t === 'TIME')
        ) {
          // TIME inputs get their value from a literal parameter below
          if (b.section === 'VAR_INPUT' && t === 'TIME') continue;
          ok = false;
          continue;
        }
        for (const n of d.names)
          (b.section === 'VAR_INPUT' ? inputs : outputs).push({ name: n.name, type: t });
      }
    }
    let ret: CaseType | undefined;
    if (decl.kind === 'Function') {
      const rt =
        decl.returnType?.kind === 'NamedType' ? (decl.returnType.name.toUpperCase() as CaseType) : undefined;
      if (!rt || !ELEMENTARY.has(rt)) ok = false;
      ret = rt;
    }
    if (!ok || (outputs.length === 0 && !ret)) continue;
    const timeInputs = decl.varBlocks
      .filter((b) => b.section === 'VAR_INPUT')
      .flatMap((b) => b.decls)
      .filter((d) => d.type.kind === 'NamedType' && d.type.name.toUpperCase() === 'TIME')
      .flatMap((d) => d.names.map((n) => n.name));
    const tag = key.toLowerCase();
    const program = `W_${tag}`;
    const ins = inputs.map((v) => ({ name: `i_${v.name}`, type: v.type }));
    const outs = outputs.map((v) => ({ name: `o_${v.name}`, type: v.type }));
    if (ret) outs.push({ name: 'o_result', type: ret });
    const args = [
      ...inputs.map((v) => `${v.name} := i_${v.name}`),
      ...timeInputs.map((n) => `${n} := T#${100 * (1 + rng.int(0, 9))}ms`),
    ].join(', ');
    let body: string;
    if (decl.kind === 'FunctionBlock') {
      body = `  inst(${args});\n${outputs.map((v) => `  o_${v.name} := inst.${v.name};\n`).join('')}`;
    } else body = `  o_result := ${decl.name}(${args});\n`;
    const wrapper =
      `PROGRAM ${program}\nVAR_INPUT\n${ins.map((v) => `  ${v.name} : ${v.type};\n`).join('')}END_VAR\n` +
      `VAR_OUTPUT\n${outs.map((v) => `  ${v.name} : ${v.type};\n`).join('')}END_VAR\n` +
      `${decl.kind === 'FunctionBlock' ? `VAR\n  inst : ${decl.name};\nEND_VAR\n` : ''}${body}END_PROGRAM\n`;
    const deps = closure(key).map((n) => pous.get(n)?.text ?? types.get(n) ?? '');
    const timeline: [number, Record<string, boolean | number>][] = [];
    const at = new Map<number, Record<string, boolean | number>>();
    for (const v of ins) {
      let k = rng.int(0, 10);
      let bv = false;
      while (k < scans) {
        const o = at.get(k) ?? {};
        at.set(k, o);
        if (v.type === 'BOOL') o[v.name] = bv = !bv;
        else if (v.type === 'REAL' || v.type === 'LREAL') o[v.name] = Math.fround(rng.int(-4000, 4000) / 16);
        else if (v.type.startsWith('U') || v.type === 'BYTE' || v.type === 'WORD' || v.type === 'DWORD')
          o[v.name] = rng.int(0, 200);
        else o[v.name] = rng.int(-100, 100);
        k += rng.int(5, 60);
      }
    }
    timeline.push(...[...at].sort((a, b) => a[0] - b[0]));
    cases.push({
      id: `oscat-${tag}`,
      source: `${deps.join('\n')}\n${wrapper}`,
      program,
      inputs: ins,
      outputs: outs,
      scans,
      timeline,
    });
  }
  return cases;
}
