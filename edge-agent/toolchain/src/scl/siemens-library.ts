/**
 * The Siemens system-instruction interfaces (`libraries/siemens/*.st`) as
 * checker externals: loaded once for any project with an SCL source, so a
 * call into RD_SYS_T or TSEND_C checks against its interface. They are
 * externals, never program units: the virtual PLC, which checks the units
 * alone, finds such a call unknown and refuses the program naming the block
 * (decision 0022) instead of running an empty body.
 */
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type CompilationUnit, type Diagnostic, parseSource } from '../iec';

/** The folder of the Siemens interfaces, from the sources or from a build (`dist/`). */
export function siemensLibraryDir(): string | undefined {
  const here = dirname(fileURLToPath(import.meta.url));
  for (const rel of ['../../libraries/siemens', '../libraries/siemens', '../../../libraries/siemens']) {
    const dir = join(here, rel);
    if (existsSync(dir)) return dir;
  }
  return undefined;
}

let cached: Promise<{ units: CompilationUnit[]; diagnostics: Diagnostic[] }> | undefined;

/** The interface units of `libraries/siemens` (read once); none when the folder is not there. */
export function siemensLibrary(): Promise<{ units: CompilationUnit[]; diagnostics: Diagnostic[] }> {
  cached ??= (async () => {
    const dir = siemensLibraryDir();
    const units: CompilationUnit[] = [];
    const diagnostics: Diagnostic[] = [];
    if (!dir) return { units, diagnostics };
    for (const f of (await readdir(dir)).filter((n) => n.toLowerCase().endsWith('.st')).sort()) {
      const file = join(dir, f);
      const r = parseSource(await readFile(file, 'utf8'), file);
      units.push(r.unit);
      diagnostics.push(...r.diagnostics);
    }
    return { units, diagnostics };
  })();
  return cached;
}
