/**
 * The one place the executor reaches the IEC front end for parsing. A thin
 * adapter: it parses a {@link ProgramFile} by its format (plain ST here; the
 * TwinCAT/PLCopen readers when the front end exports them) so that spans always
 * point into the file as stored, which is what lets the recipe engine splice
 * edits into the original text and leave everything else byte for byte.
 */
import type { Diagnostic } from '@plcfleet/protocols';
import type { CompilationUnit } from '../iec';
// The front end's index does not export the parser and checker yet; this adapter is their only importer here.
import { checkProject } from '../iec/checker';
import { parseSource } from '../iec/parser';
import type { ProgramFile } from '../sources';

/** A parsed program file. */
export interface ParsedFile {
  file: ProgramFile;
  unit: CompilationUnit;
  diagnostics: Diagnostic[];
}

/** Parses one program file (never throws). */
export function parseProgramFile(file: ProgramFile): ParsedFile {
  const lower = file.path.toLowerCase();
  if (lower.endsWith('.st')) {
    const r = parseSource(file.text, file.path);
    return { file, unit: r.unit, diagnostics: r.diagnostics };
  }
  const unit: CompilationUnit = {
    kind: 'CompilationUnit',
    file: file.path,
    format: lower.endsWith('.xml') ? 'plcopen' : 'twincat',
    declarations: [],
    comments: [],
    span: { file: file.path, line: 1, column: 1, endLine: 1, endColumn: 1, offset: 0, endOffset: 0 },
  };
  return {
    file,
    unit,
    diagnostics: [
      {
        file: file.path,
        line: 1,
        column: 1,
        endLine: 1,
        endColumn: 1,
        severity: 'error',
        code: 'ST1012',
        message: `cannot read ${file.path}: no reader for this format in this build`,
      },
    ],
  };
}

/** Parses ST statements written on their own (a recipe pattern or template) by wrapping them in a program. */
export function parseStatements(text: string, name: string): ParsedFile {
  const header = 'PROGRAM __plcfleet_snippet\n';
  return parseProgramFile({ path: `${name}.st`, text: `${header}${text}\nEND_PROGRAM\n` });
}

/** Checks parsed files together (names, types, calls); the "compile" verifier's second half. Never throws. */
export function checkParsedFiles(parsed: readonly ParsedFile[]): Diagnostic[] {
  const { diagnostics } = checkProject(parsed.map((p) => p.unit));
  return diagnostics.map((d) => ({
    file: d.file,
    line: d.line,
    column: d.column,
    endLine: d.endLine,
    endColumn: d.endColumn,
    severity: d.severity,
    code: d.code,
    message: d.message,
  }));
}
