/**
 * The one table of front-end diagnostics. Codes are stable (tools and
 * verdict evidence refer to them): ST1xxx syntax, ST2xxx semantic errors,
 * ST3xxx warnings. Messages are one line; `{0}`, `{1}` are filled in order.
 */
import type { Span } from './ast';

export const DIAGNOSTICS = {
  // --- syntax (reader, scanner, parser)
  ST1001: { severity: 'error', message: 'expected {0} but found {1}' }, // generic unexpected token
  ST1002: { severity: 'error', message: 'expected {0} to close {1} at line {2}' }, // block left open
  ST1003: { severity: 'error', message: 'comment is never closed' }, // (* or /* without end
  ST1004: { severity: 'error', message: 'string is never closed' }, // ' or " without end on the line
  ST1005: { severity: 'error', message: "character '{0}' is not allowed here" }, // stray character
  ST1006: { severity: 'error', message: 'invalid {0} literal {1}' }, // bad number, time, date
  ST1007: { severity: 'error', message: 'expected a statement but found {0}' }, // garbage in a body
  ST1008: { severity: 'error', message: 'expected an expression but found {0}' }, // operand missing
  ST1009: { severity: 'error', message: 'pragma is never closed' }, // { without }
  ST1010: {
    severity: 'error',
    message: 'expected a declaration (PROGRAM, FUNCTION, TYPE, ...) but found {0}',
  },
  ST1011: { severity: 'error', message: "expected ';' after {0}" }, // missing semicolon
  ST1012: { severity: 'error', message: 'cannot read {0}: {1}' }, // unreadable file or broken XML
  ST1013: { severity: 'error', message: '{0} bodies are not read (POU {1}); {2} bodies are' },
  ST1014: { severity: 'error', message: 'ladder network {0} of {1} cannot be converted: {2}' },
  ST1015: { severity: 'error', message: 'expected a type but found {0}' },
  ST1016: { severity: 'error', message: 'invalid address {0}' }, // bad %I/%Q/%M location
  ST1017: { severity: 'error', message: 'nesting deeper than {0} levels is not supported' }, // guards the stack
  ST1018: { severity: 'error', message: '{0} literal {1} is out of range: {2}' }, // no IEC type can hold it
  // --- semantic errors (checker)
  // {1}: '' or, for the base name of a file the build lists but is missing, a note naming it
  ST2001: { severity: 'error', message: "unknown name '{0}'{1}" },
  ST2002: { severity: 'error', message: "unknown type '{0}'{1}" },
  ST2003: { severity: 'error', message: "'{0}' is declared twice (first at {1})" },
  ST2004: { severity: 'error', message: 'cannot assign {0} to {1} ({2})' }, // value type, target type, target
  ST2005: { severity: 'error', message: "operator '{0}' cannot be applied to {1} and {2}" },
  ST2006: { severity: 'error', message: "'{0}' is a constant and cannot be written" },
  ST2007: { severity: 'error', message: "'{0}' cannot be written here: {1}" }, // outputs from outside, inputs %I, for-loop var...
  ST2008: { severity: 'error', message: "'{0}' has no parameter '{1}'" },
  ST2009: { severity: 'error', message: "parameter '{0}' of '{1}' is an {2}: use '{3}'" },
  ST2010: { severity: 'error', message: "'{0}' takes {1} argument(s) but got {2}" },
  ST2011: { severity: 'error', message: "'{0}' cannot be called" },
  ST2012: {
    severity: 'error',
    message: "'{0}' is a function block type: declare an instance and call the instance",
  },
  ST2013: { severity: 'error', message: "function '{0}' has no return type" },
  ST2014: { severity: 'error', message: 'CASE selector must be an integer or enumeration, not {0}' },
  ST2015: { severity: 'error', message: "{0} has no member '{1}'" },
  ST2016: { severity: 'error', message: '{0} cannot be indexed with {1} index(es)' },
  ST2017: {
    severity: 'error',
    message:
      "'{0}' comes from vendor library {1}, which this project does not contain (declare it with --externals)",
  },
  ST2018: { severity: 'error', message: '{0} must be BOOL, not {1}' },
  ST2019: { severity: 'error', message: 'FOR variable {0} must be an integer, not {1}' },
  ST2020: { severity: 'error', message: '{0} is only allowed inside a loop' },
  ST2021: { severity: 'error', message: "IN_OUT parameter '{0}' of '{1}' must be given a variable" },
  ST2022: { severity: 'error', message: '{0} must be a constant expression' },
  ST2023: { severity: 'error', message: "label '{0}' is not defined in this body" },
  ST2024: { severity: 'error', message: "'{0}' is not {1}" }, // EXTENDS/IMPLEMENTS of the wrong kind
  ST2025: { severity: 'error', message: "'{0}' is not a reference: REF= needs a REFERENCE TO variable" },
  ST2026: { severity: 'error', message: '{0} is not a pointer and cannot be dereferenced with ^' },
  ST2027: { severity: 'error', message: '{0} is not a variable and cannot be assigned' },
  ST2028: { severity: 'error', message: 'CASE label {0} does not match selector type {1}' },
  ST2029: { severity: 'error', message: "the program instance '{0}' refers to unknown {1} '{2}'" },
  ST2030: { severity: 'error', message: 'a function cannot use {0}' }, // functions have no FB instances/VAR_STAT state
  // --- warnings
  ST2031: { severity: 'error', message: "behaviour model '{0}' does not keep the library interface: {1}" },
  ST2032: {
    severity: 'error',
    message:
      "'{0}' is not in the interface of library {1} that was given (add it to the library's interface file)",
  },
  // {attribute 'qualified_only'} on a global variable list: its members are reached only as GVL.name
  ST2033: { severity: 'error', message: "'{0}' is in {1}, which is qualified_only: write {1}.{0}" },
  // IEC 61131-3 §6.5.2.2: a VAR_EXTERNAL reaches a VAR_GLOBAL of the configuration or resource
  ST2034: { severity: 'error', message: "VAR_EXTERNAL '{0}' matches no VAR_GLOBAL of the project" },
  ST3001: { severity: 'warning', message: 'implicit conversion from {0} to {1} may lose data' },
  ST3002: { severity: 'warning', message: "'{0}' is declared but never used" },
  ST3003: { severity: 'warning', message: "input '{0}' is written inside its own POU" },
  ST3004: { severity: 'warning', message: 'statement after {0} is never executed' },
  ST3005: { severity: 'warning', message: 'duplicate CASE label {0}' },
  ST3006: { severity: 'warning', message: 'comparing REAL values with {0} is unreliable' },
  ST3007: { severity: 'warning', message: "result of function '{0}' is never assigned" },
  ST3008: { severity: 'warning', message: "unknown attribute or pragma '{0}' is ignored" },
  ST3009: {
    severity: 'warning',
    message: "'{0}' is a physical input: what is written here lasts until the next input update",
  },
  // identifiers are case-insensitive: `ton : TON` names a variable as the standard FB type
  ST3010: {
    severity: 'warning',
    message:
      "'{0}' is the name of the standard function block {1}: MATIEC (OpenPLC) refuses it as a variable",
  },
  // PLCopen: a <simpleValue> on an FB instance (the Beremiz editor writes "0"), which Beremiz's
  // generator leaves out of the ST it gives MATIEC
  ST3011: {
    severity: 'warning',
    message: "initial value {0} of '{1}' is dropped: {2} is a function block (Beremiz's generator drops it)",
  },
  // a .plcproj's <Compile Include> whose file is not there: left out of the check (request h2-3)
  ST3012: { severity: 'warning', message: '{0} listed in the build {1} not on disk{2}' },
} as const;

export type DiagnosticCode = keyof typeof DIAGNOSTICS;
export type Severity = 'error' | 'warning';

/** One finding, always positioned inside the original file. */
export interface Diagnostic {
  file: string;
  line: number;
  column: number;
  endLine: number;
  endColumn: number;
  /** 0-based offsets (same convention as {@link Span}). */
  offset: number;
  endOffset: number;
  severity: Severity;
  code: DiagnosticCode;
  message: string;
}

/**
 * Each message split at its placeholders, made once per code at its first use: the text
 * pieces at even indices, the argument numbers at odd ones (`'a {0} b'` is `['a ', 0, ' b']`).
 * Filling one is then a few concatenations, where a regular-expression replace with a
 * callback per message showed in the check's profile (struckig reports 1,379 ST2017).
 */
const TEMPLATES = new Map<DiagnosticCode, (string | number)[]>();

function template(code: DiagnosticCode): (string | number)[] {
  const message: string = DIAGNOSTICS[code].message;
  const parts: (string | number)[] = [];
  let from = 0;
  // `{d}` with one digit, as the table writes them
  for (let i = message.indexOf('{'); i >= 0; i = message.indexOf('{', i + 1)) {
    const d = message.charCodeAt(i + 1) - 48;
    if (d < 0 || d > 9 || message.charCodeAt(i + 2) !== 125) continue;
    parts.push(message.slice(from, i), d);
    from = i + 3;
    i += 2;
  }
  parts.push(message.slice(from));
  TEMPLATES.set(code, parts);
  return parts;
}

/** The table's message for `code` with `{0}`, `{1}`… replaced by `args` (a missing one by ''). */
function fill(code: DiagnosticCode, args: (string | number)[]): string {
  const parts = TEMPLATES.get(code) ?? template(code);
  let out = parts[0] as string;
  for (let i = 1; i < parts.length; i += 2) {
    const a = args[parts[i] as number];
    out += (a === undefined ? '' : String(a)) + (parts[i + 1] as string);
  }
  return out;
}

/** Builds a diagnostic from the table. */
export function diagnostic(code: DiagnosticCode, span: Span, ...args: (string | number)[]): Diagnostic {
  const entry = DIAGNOSTICS[code];
  const message = fill(code, args);
  return {
    file: span.file,
    line: span.line,
    column: span.column,
    endLine: span.endLine,
    endColumn: span.endColumn,
    offset: span.offset,
    endOffset: span.endOffset,
    severity: entry.severity,
    code,
    message,
  };
}

/** Sorts by file, then position, then code (stable, deterministic output). */
export function sortDiagnostics(list: Diagnostic[]): Diagnostic[] {
  return list.sort((a, b) =>
    a.file < b.file
      ? -1
      : a.file > b.file
        ? 1
        : a.offset - b.offset || (a.code < b.code ? -1 : a.code > b.code ? 1 : 0),
  );
}

/** `file:line:column: severity CODE: message` — the one-line human form. */
export function formatDiagnostic(d: Diagnostic): string {
  return `${d.file}:${d.line}:${d.column}: ${d.severity} ${d.code}: ${d.message}`;
}
