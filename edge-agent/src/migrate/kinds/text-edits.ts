/**
 * Text splices at known offsets, shared by the tag-change edits of program
 * sources, tag maps and HMI files: every edit says what text it replaces, and
 * a file whose text there is not that (or two edits that overlap) is refused
 * rather than spliced — everything outside the edits stays byte for byte.
 */
import { EdgeAgentError } from '../../edge-agent-error';
import type { ProgramFile } from '../../sources';

/** One replacement in one file. */
export interface TextEdit {
  file: string;
  offset: number;
  end: number;
  /** The text expected at `offset..end` (compared case-insensitively: ST names are). */
  expect: string;
  text: string;
  /** 1-based line of `offset`, for the evidence. */
  line: number;
  /** What the edit is, for the evidence: `Press_Enable → PressEnable (reference)`. */
  what: string;
}

/** A change refused before anything is written; the message names the tag, the file and the line. */
export class TagChangeRefused extends EdgeAgentError<'EDIT_REFUSED'> {
  override readonly name = 'TagChangeRefused';
  constructor(message: string) {
    super('EDIT_REFUSED', message);
  }
}

/** `s` as a literal inside a regular expression. */
export const escapeRegExp = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** 1-based line of an offset. */
export function lineAt(text: string, offset: number): number {
  let line = 1;
  for (let i = text.indexOf('\n'); i !== -1 && i < offset; i = text.indexOf('\n', i + 1)) line++;
  return line;
}

/** Applies the edits to the files they name; refuses a mismatch or an overlap (nothing applied). */
export function applyTextEdits(files: readonly ProgramFile[], edits: readonly TextEdit[]): ProgramFile[] {
  const byFile = new Map<string, TextEdit[]>();
  for (const e of edits) byFile.set(e.file, [...(byFile.get(e.file) ?? []), e]);
  return files.map((f) => {
    const list = [...(byFile.get(f.path) ?? [])].sort((a, b) => a.offset - b.offset);
    if (list.length === 0) return f;
    let out = '';
    let at = 0;
    for (const e of list) {
      if (e.offset < at)
        throw new TagChangeRefused(`${e.what}: ${f.path}:${e.line}: two changes overlap here`);
      const found = f.text.slice(e.offset, e.end);
      if (found.toLowerCase() !== e.expect.toLowerCase())
        throw new TagChangeRefused(
          `${e.what}: ${f.path}:${e.line}: expected "${e.expect}" here, found "${found}"; not rewritten`,
        );
      out += f.text.slice(at, e.offset) + e.text;
      at = e.end;
    }
    return { path: f.path, text: out + f.text.slice(at) };
  });
}
