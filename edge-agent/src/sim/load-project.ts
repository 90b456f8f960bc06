/**
 * Reads ST sources for the simulator's command line: files or directories
 * (recursive over `.st`), parsed with the front end's parser. Diagnostics are
 * returned so callers refuse a project that does not parse (fail closed).
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { CompilationUnit } from '../iec';
import { parseSource } from '../iec/parser';
import { SIM_ERROR_CODES, SimError } from './sim-errors';

/** A loaded project: units and the front end's diagnostics. */
export interface LoadedProject {
  units: CompilationUnit[];
  diagnostics: {
    severity: string;
    code: string;
    message: string;
    file: string;
    line: number;
    column: number;
  }[];
}

const EXTENSIONS = ['.st'];

function collect(path: string, out: string[], named: boolean): void {
  let st: ReturnType<typeof statSync>;
  try {
    st = statSync(path);
  } catch {
    throw new SimError(SIM_ERROR_CODES.BAD_INPUT, `no such file or directory: ${path}`);
  }
  if (st.isDirectory()) {
    for (const name of readdirSync(path).sort()) collect(join(path, name), out, false);
  } else if (named || EXTENSIONS.some((e) => path.toLowerCase().endsWith(e))) {
    out.push(path);
  }
}

/** Loads and parses every `.st` file under the given paths (a file named directly is read whatever its extension). */
export function loadSimProject(paths: string[]): LoadedProject {
  const files: string[] = [];
  for (const p of paths) {
    const before = files.length;
    collect(p, files, true);
    if (files.length === before) throw new SimError(SIM_ERROR_CODES.BAD_INPUT, `no ST sources in ${p}`);
  }
  const units: CompilationUnit[] = [];
  const diagnostics: LoadedProject['diagnostics'] = [];
  for (const f of files) {
    const r = parseSource(readFileSync(f, 'utf8'), f);
    units.push(r.unit);
    diagnostics.push(...r.diagnostics);
  }
  return { units, diagnostics };
}
