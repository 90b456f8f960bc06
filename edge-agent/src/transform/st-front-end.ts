/**
 * The one place the executor reaches the IEC front end for parsing. A thin
 * adapter: it parses a {@link ProgramFile} by its format (plain ST, TwinCAT
 * XML, PLCopen XML) so that spans always point into the file as stored, which
 * is what lets the recipe engine splice edits into the original text and leave
 * everything else byte for byte.
 */
import { type Diagnostic, diagnosticView } from '@plcfleet/protocols';
import { type CompilationUnit, checkProject, readSource } from '@plcfleet/toolchain/iec';
import type { ProgramFile } from '../sources';

/** A parsed program file. */
export interface ParsedFile {
  file: ProgramFile;
  unit: CompilationUnit;
  diagnostics: Diagnostic[];
}

/** Parses one program file with the reader its name calls for (never throws). */
export function parseProgramFile(file: ProgramFile): ParsedFile {
  const r = readSource(file.text, file.path);
  return { file, unit: r.unit, diagnostics: r.diagnostics };
}

/** Parses ST statements written on their own (a recipe pattern or template) by wrapping them in a program. */
export function parseStatements(text: string, name: string): ParsedFile {
  const header = 'PROGRAM __plcfleet_snippet\n';
  return parseProgramFile({ path: `${name}.st`, text: `${header}${text}\nEND_PROGRAM\n` });
}

/** Checks parsed files together (names, types, calls); the "compile" verifier's second half. Never throws. */
export function checkParsedFiles(parsed: readonly ParsedFile[]): Diagnostic[] {
  const { diagnostics } = checkProject(parsed.map((p) => p.unit));
  return diagnostics.map(diagnosticView);
}
