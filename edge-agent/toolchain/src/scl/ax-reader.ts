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
import type { ParseResult } from '../iec';
import { readLoweredAx } from './scl-reader';

/** Does this ST text use SIMATIC AX namespaces (`NAMESPACE` or `USING` outside comments)? */
export function isAxText(text: string): boolean {
  return directives(text).some(([s]) => /^(USING|NAMESPACE)\b/i.test(text.slice(s, s + 10)));
}

/**
 * Ranges [start, end) of `USING ...;`, `NAMESPACE name`, `END_NAMESPACE` and
 * `OVERRIDE` outside comments and strings; `shifts` gets the blanks after the
 * `#` of a typed enumeration value (offset of the first blank, count).
 */
function directives(text: string, shifts: [number, number][] = []): [number, number][] {
  const out: [number, number][] = [];
  const n = text.length;
  const hasEnd = /\bEND_NAMESPACE\b/i.test(text);
  let i = 0;
  let atStatementStart = true;
  while (i < n) {
    const c = text[i]!;
    const two = text.slice(i, i + 2);
    if (two === '//') {
      const e = text.indexOf('\n', i);
      i = e < 0 ? n : e;
      continue;
    }
    if (two === '(*' || two === '/*') {
      const e = text.indexOf(two === '(*' ? '*)' : '*/', i + 2);
      i = e < 0 ? n : e + 2;
      continue;
    }
    if (c === "'" || c === '"') {
      const e = text.indexOf(c, i + 1);
      i = e < 0 ? n : e + 1;
      atStatementStart = false;
      continue;
    }
    if (c === '{') {
      const e = text.indexOf('}', i + 1);
      i = e < 0 ? n : e + 1;
      continue;
    }
    if (/[A-Za-z_]/.test(c)) {
      let j = i + 1;
      while (j < n && /[A-Za-z0-9_]/.test(text[j]!)) j++;
      const w = text.slice(i, j).toUpperCase();
      // `Status# DONE`: an enumeration value written with blanks after `#` (AX accepts them)
      const typed = /^#([ \t]+)[A-Za-z_]/.exec(text.slice(j, j + 64));
      if (typed) {
        shifts.push([j + 1, typed[1]!.length]);
        i = j + 1;
        atStatementStart = false;
        continue;
      }
      // `USING a.b;` (also inside a POU) and `NAMESPACE a.b` only: a variable named `using` or `namespace` stays a variable
      if (w === 'USING' && /^\s+[A-Za-z_][\w.]*\s*;/.test(text.slice(j, j + 300))) {
        const semi = text.indexOf(';', j);
        const e = semi < 0 ? n : semi + 1;
        out.push([i, e]);
        i = e;
        continue;
      }
      if (
        w === 'NAMESPACE' &&
        atStatementStart &&
        /^\s+[A-Za-z_][\w.]*/.test(text.slice(j, j + 300)) &&
        hasEnd
      ) {
        // the namespace's dotted name follows
        let k = j;
        while (k < n && /\s/.test(text[k]!)) k++;
        while (k < n && /[A-Za-z0-9_.]/.test(text[k]!)) k++;
        out.push([i, k]);
        i = k;
        continue;
      }
      // `INTERFACE PUBLIC I`: an interface is public by default in the IEC model
      if ((w === 'PUBLIC' || w === 'INTERNAL') && /INTERFACE\s+$/i.test(text.slice(Math.max(0, i - 12), i))) {
        out.push([i, j]);
        i = j;
        continue;
      }
      // `Motion.Direction#Negative`: a namespace-qualified enumeration value reads by its simple type name
      const qualified = /^((?:\.[A-Za-z_]\w*)+)#[A-Za-z_]/.exec(text.slice(j, j + 300));
      if (qualified) {
        const dot = j + qualified[1]!.lastIndexOf('.');
        out.push([i, dot + 1]);
        i = dot + 1;
        atStatementStart = false;
        continue;
      }
      if (w === 'OVERRIDE') {
        // `METHOD PUBLIC OVERRIDE M`: overriding is what a method of the same name does in the IEC model
        out.push([i, j]);
        i = j;
        continue;
      }
      if (w === 'END_NAMESPACE') {
        let e = j;
        if (text[e] === ';') e++;
        out.push([i, e]);
        i = e;
        continue;
      }
      atStatementStart = w.startsWith('END_') || w === 'NAMESPACE';
      i = j;
      continue;
    }
    if (c === ';') atStatementStart = true;
    else if (!/\s/.test(c)) atStatementStart = false;
    i++;
  }
  return out;
}

/** Parses a SIMATIC AX `.st` file into the IEC syntax tree. Never throws. */
export function readAx(text: string, fileName: string): ParseResult {
  const shifts: [number, number][] = [];
  const ranges = directives(text, shifts);
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
  return readLoweredAx(chars.join(''), fileName, text);
}
