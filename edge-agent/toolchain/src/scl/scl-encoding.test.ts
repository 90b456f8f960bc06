/**
 * TIA Portal sources are decoded per file (`decodeSource`): valid UTF-8 as UTF-8, anything
 * else as Windows-1252. A file that starts with a UTF-8 byte order mark but holds a stray
 * Windows-1252 byte (a degree sign in a comment) once fell back to Latin-1 with the mark
 * decoded as `ï»¿`, glued to `DATA_BLOCK`: the data block was lost.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { GlobalVarList, TypeBlock } from '../iec';
import { decodeSource } from '../iec';
import { loadSafetyProject } from '../safety';
import { readScl } from './scl-reader';

const BOM = [0xef, 0xbb, 0xbf];
const bytes = (...parts: (string | number[])[]) =>
  Uint8Array.from(parts.flatMap((p) => (typeof p === 'string' ? [...Buffer.from(p, 'latin1')] : p)));

const DB =
  'DATA_BLOCK "Cfg" // 20\xb0C, gr\xfcn\nNON_RETAIN\nVAR\n   speed : Int := 5;\nEND_VAR\nBEGIN\nEND_DATA_BLOCK\n';

describe('decodeSource and an SCL data block', () => {
  it('keeps the data block of a BOM file with a stray Windows-1252 byte, its spans on its text', () => {
    const text = decodeSource(bytes(BOM, DB));
    expect(text.startsWith('DATA_BLOCK "Cfg" // 20°C, grün\n')).toBe(true);
    const r = readScl(text, 'cfg.db');
    expect(r.diagnostics).toEqual([]);
    const instance = r.unit.declarations[0] as GlobalVarList;
    expect(instance.varBlocks[0]?.decls[0]?.names[0]?.name).toBe('Cfg');
    const type = r.unit.declarations[1] as TypeBlock;
    expect(type.types[0]?.name).toBe('"Cfg"');
    // spans are on the decoded text: line 1 from column 1, the mark not counted
    const { span } = type.types[0]!;
    expect(span).toMatchObject({ line: 1 });
    expect(text.slice(span.offset - span.column + 1, span.offset)).toMatch(/^DATA_BLOCK /);
  });

  it('reads valid UTF-8 as UTF-8 (with or without a BOM) and a file without one as Windows-1252', () => {
    const utf8 = Buffer.from('// 20°C grün\n', 'utf8');
    expect(decodeSource(utf8)).toBe('// 20°C grün\n');
    expect(decodeSource(bytes(BOM, [...utf8]))).toBe('// 20°C grün\n');
    // 0x80 is the euro sign in Windows-1252 (a C1 control in Latin-1)
    expect(decodeSource(bytes('// 5 \x80 0xB0:\xb0\n'))).toBe('// 5 € 0xB0:°\n');
  });

  it('the safety verifier loads such a project as compile does: the OB reads the data block', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'scl-encoding-'));
    try {
      const press = join(import.meta.dirname, '../../../../examples/plants/siemens-press');
      for (const f of ['Main.scl', 'PressCell.scl', 'SafetyLib.scl', 'IO.db', 'PressTypes.udt'])
        await writeFile(join(dir, f), await readFile(join(press, f)));
      const db = await readFile(join(press, 'PressCellDB.db'));
      const text = db.toString('latin1').replace('\n', ' // 20\xb0C\n');
      await writeFile(join(dir, 'PressCellDB.db'), bytes(BOM, text));
      const p = await loadSafetyProject(dir);
      expect(p.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
      expect(p.sources.get('PressCellDB.db')).toMatch(/^DATA_BLOCK "PressCellDB" \/\/ 20°C\n/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
