/**
 * SIMATIC AX structured text (`.st` files of an AX project): IEC ST with
 * `NAMESPACE a.b ... END_NAMESPACE` around declarations and `USING a.b;`
 * directives. Both are blanked in place (every offset and line stays) and
 * the text is read by the IEC parser, so classes, methods, interfaces and
 * configurations are the IEC ones and every span points into the file.
 * Declarations inside a namespace are declared by their simple name; a
 * reference qualified with a namespace (`Simatic.Ax.X`) resolves as the
 * IEC checker resolves a library-qualified name.
 */
import type { CompilationUnit, ParseResult } from '../iec';
import { readLoweredAx } from './scl-reader';

/** Does this ST text use SIMATIC AX namespaces (`NAMESPACE` or `USING` outside comments)? Stops at the first. */
export function isAxText(text: string): boolean {
  return directives(text, [], true).length > 0;
}

const isWordStart = (c: number): boolean => ((c | 32) >= 97 && (c | 32) <= 122) || c === 95;
const isWordPart = (c: number): boolean => isWordStart(c) || (c >= 48 && c <= 57);
const isBlank = (c: number): boolean => c === 32 || c === 9 || c === 10 || c === 13;

/**
 * Ranges [start, end) of `USING ...;`, `NAMESPACE name`, `END_NAMESPACE`,
 * `OVERRIDE`, `PUBLIC`/`INTERNAL` of an interface and the namespace of a
 * qualified enumeration value, outside comments and strings; `shifts` gets
 * the blanks after the `#` of a typed enumeration value (offset of the first
 * blank, count). With `firstNamespace`, returns at the first `USING` or
 * `NAMESPACE` (only those are collected then).
 */
function directives(text: string, shifts: [number, number][], firstNamespace = false): [number, number][] {
  const out: [number, number][] = [];
  const n = text.length;
  let hasEnd: boolean | undefined;
  let i = 0;
  let atStatementStart = true;
  while (i < n) {
    const c = text.charCodeAt(i);
    const nx = i + 1 < n ? text.charCodeAt(i + 1) : 0;
    if (c === 47 && nx === 47) {
      const e = text.indexOf('\n', i);
      i = e < 0 ? n : e;
      continue;
    }
    if ((c === 40 || c === 47) && nx === 42) {
      const e = text.indexOf(c === 40 ? '*)' : '*/', i + 2);
      i = e < 0 ? n : e + 2;
      continue;
    }
    if (c === 39 || c === 34) {
      const e = text.indexOf(c === 39 ? "'" : '"', i + 1);
      i = e < 0 ? n : e + 1;
      atStatementStart = false;
      continue;
    }
    if (c === 123) {
      const e = text.indexOf('}', i + 1);
      i = e < 0 ? n : e + 1;
      continue;
    }
    if (isWordStart(c)) {
      let j = i + 1;
      while (j < n && isWordPart(text.charCodeAt(j))) j++;
      const w = j - i <= 20 ? text.slice(i, j).toUpperCase() : '';
      const after = j < n ? text.charCodeAt(j) : 0;
      // `Status# DONE`: an enumeration value written with blanks after `#` (AX accepts them)
      if (after === 35 && !firstNamespace) {
        const typed = /^#([ \t]+)[A-Za-z_]/.exec(text.slice(j, j + 64));
        if (typed) {
          shifts.push([j + 1, typed[1]!.length]);
          i = j + 1;
          atStatementStart = false;
          continue;
        }
      }
      // `USING a.b;` (also inside a POU) and `NAMESPACE a.b` only: a variable named `using` or `namespace` stays a variable
      if (w === 'USING' && /^\s+[A-Za-z_][\w.]*\s*;/.test(text.slice(j, j + 300))) {
        const semi = text.indexOf(';', j);
        const e = semi < 0 ? n : semi + 1;
        out.push([i, e]);
        if (firstNamespace) return out;
        i = e;
        continue;
      }
      if (w === 'NAMESPACE' && atStatementStart && /^\s+[A-Za-z_][\w.]*/.test(text.slice(j, j + 300))) {
        hasEnd ??= /\bEND_NAMESPACE\b/i.test(text);
        if (hasEnd) {
          // the namespace's dotted name follows
          let k = j;
          while (k < n && isBlank(text.charCodeAt(k))) k++;
          while (k < n && (isWordPart(text.charCodeAt(k)) || text.charCodeAt(k) === 46)) k++;
          out.push([i, k]);
          if (firstNamespace) return out;
          i = k;
          continue;
        }
      }
      if (firstNamespace) {
        atStatementStart = w.startsWith('END_') || w === 'NAMESPACE';
        i = j;
        continue;
      }
      // `INTERFACE PUBLIC I`: an interface is public by default in the IEC model
      if ((w === 'PUBLIC' || w === 'INTERNAL') && /INTERFACE\s+$/i.test(text.slice(Math.max(0, i - 12), i))) {
        out.push([i, j]);
        i = j;
        continue;
      }
      // `Motion.Direction#Negative`: a namespace-qualified enumeration value reads by its simple type name
      if (after === 46) {
        const qualified = /^((?:\.[A-Za-z_]\w*)+)#[A-Za-z_]/.exec(text.slice(j, j + 300));
        if (qualified) {
          const dot = j + qualified[1]!.lastIndexOf('.');
          out.push([i, dot + 1]);
          i = dot + 1;
          atStatementStart = false;
          continue;
        }
      }
      if (w === 'OVERRIDE') {
        // `METHOD PUBLIC OVERRIDE M`: overriding is what a method of the same name does in the IEC model
        out.push([i, j]);
        i = j;
        continue;
      }
      if (w === 'END_NAMESPACE') {
        let e = j;
        if (text.charCodeAt(e) === 59) e++;
        out.push([i, e]);
        i = e;
        continue;
      }
      atStatementStart = w.startsWith('END_') || w === 'NAMESPACE';
      i = j;
      continue;
    }
    if (c === 59) atStatementStart = true;
    else if (!isBlank(c)) atStatementStart = false;
    i++;
  }
  return out;
}

/** The namespaces a SIMATIC AX file declares (`NAMESPACE a.b`) and uses (`USING a.b;`). */
interface AxNamespaces {
  declared: readonly string[];
  used: readonly string[];
}

const NAMESPACES = new WeakMap<CompilationUnit, AxNamespaces>();

/** A Beckhoff library interface file (`Tc2_MC2.st`, `Tc3_EventLogger.st`, `TcUnit.st`). */
const BECKHOFF_LIBRARY = /(^|[\\/])(tc[23]_\w+|tcunit)\.st$/i;

/**
 * How a project with SIMATIC AX units is checked against library interfaces (decision 0131):
 * the namespaces its units use (`USING a.b;`) and it does not declare itself (its own
 * `NAMESPACE`s, their parents and children) are its library references, so a name found
 * nowhere is ST2017 naming them and only an interface file named after one declares its
 * names; Beckhoff's interface files are left out unless the project has TwinCAT units.
 * Undefined without AX units (nothing changes).
 */
export function axLibraryBinding(
  units: readonly CompilationUnit[],
  externals: readonly CompilationUnit[],
): { externals: CompilationUnit[]; references: { name: string }[] } | undefined {
  const declared: string[] = [];
  const used = new Map<string, string>();
  let any = false;
  for (const u of units) {
    const ns = NAMESPACES.get(u);
    if (!ns) continue;
    any = true;
    for (const d of ns.declared) declared.push(d.toLowerCase());
    for (const n of ns.used) if (!used.has(n.toLowerCase())) used.set(n.toLowerCase(), n);
  }
  if (!any) return undefined;
  const own = (n: string): boolean =>
    declared.some((d) => d === n || n.endsWith(`.${d}`) || d.startsWith(`${n}.`) || n.startsWith(`${d}.`));
  const twincat = units.some((u) => u.format === 'twincat');
  return {
    externals: twincat ? [...externals] : externals.filter((u) => !BECKHOFF_LIBRARY.test(u.file)),
    references: [...used].filter(([key]) => !own(key)).map(([, name]) => ({ name })),
  };
}

/** Parses a SIMATIC AX `.st` file into the IEC syntax tree. Never throws. */
export function readAx(text: string, fileName: string): ParseResult {
  const shifts: [number, number][] = [];
  const ranges = directives(text, shifts);
  const declared = new Set<string>();
  const used = new Set<string>();
  for (const [s, e] of ranges) {
    const m = /^(USING|NAMESPACE)\s+([A-Za-z_][\w.]*)/i.exec(text.slice(s, e));
    if (m) (m[1]!.toUpperCase() === 'USING' ? used : declared).add(m[2]!);
  }
  const chars = text.split('');
  for (const [s, e] of ranges)
    for (let i = s; i < e; i++) if (chars[i] !== '\n' && chars[i] !== '\r') chars[i] = ' ';
  // `E#  V` → `E#V  `: the value moves next to its `#` (its span starts up to the blanks' width early)
  for (const [at, blanks] of shifts) {
    let end = at + blanks;
    while (end < chars.length && /\w/.test(chars[end]!)) end++;
    const name = chars.slice(at + blanks, end);
    for (let k = 0; k < name.length; k++) chars[at + k] = name[k]!;
    for (let k = at + name.length; k < end; k++) chars[k] = ' ';
  }
  // slices and compound assignments: the SCL lowering in AX mode (same offsets, spans into the file)
  const r = readLoweredAx(chars.join(''), fileName, text);
  NAMESPACES.set(r.unit, { declared: [...declared], used: [...used] });
  return r;
}
