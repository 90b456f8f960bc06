import { readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LIBRARY_SYMBOLS } from './library-symbols';
import { parseSource } from './parser';
import { VENDOR_SYMBOLS } from './stdlib';

const LIBRARIES = join(import.meta.dirname, '../../libraries');

/** Every name a shipped interface file declares at top level (POUs, types, globals), by library. */
function declaredNames(): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const f of readdirSync(LIBRARIES)
    .filter((n) => n.endsWith('.st'))
    .sort()) {
    const { unit, diagnostics } = parseSource(readFileSync(join(LIBRARIES, f), 'utf8'), f);
    expect(diagnostics, f).toEqual([]);
    const names = new Set<string>();
    for (const d of unit.declarations) {
      if (d.kind === 'TypeBlock') for (const t of d.types) names.add(t.name.toUpperCase());
      else if (d.kind === 'GlobalVarList')
        for (const b of d.varBlocks)
          for (const v of b.decls) for (const n of v.names) names.add(n.name.toUpperCase());
      else if ('name' in d && typeof d.name === 'string') names.add(d.name.toUpperCase());
    }
    if (names.size > 0) out[basename(f, '.st')] = [...names].sort();
  }
  return out;
}

describe('vendor library symbols (issue 15)', () => {
  it('are the names the shipped interface files declare', () => {
    // after editing a library file, copy the names this diff asks for into library-symbols.ts
    expect(LIBRARY_SYMBOLS).toEqual(declaredNames());
  });
  it('name their library in the vendor symbol table, with names found in no file kept', () => {
    expect(VENDOR_SYMBOLS.get('MC_BUFFERMODE')).toBe('Tc2_MC2');
    expect(VENDOR_SYMBOLS.get('F_UDINT')).toBe('Tc2_Utilities');
    expect(VENDOR_SYMBOLS.get('FB_TESTSUITE')).toBe('TcUnit');
    // a symbol of a library not shipped stays in the hand-written part
    expect(VENDOR_SYMBOLS.get('SYSFILE')).toBe('SysFile');
  });
  it('ship FB_WritePersistentData with Tc2_Utilities (public-code sweep 11)', () => {
    // Keiji01/TwinCAT3's LabsTreino saves its persistent data with it (Beckhoff documents it in
    // Tc2_Utilities); it was ST2017 "comes from one of Tc2_ModbusRTU, Tc3_Module", the project's
    // libraries not shipped, because no shipped file declared it
    expect(VENDOR_SYMBOLS.get('FB_WRITEPERSISTENTDATA')).toBe('Tc2_Utilities');
    expect(VENDOR_SYMBOLS.get('E_PERSISTENTMODE')).toBe('Tc2_Utilities');
  });
});
