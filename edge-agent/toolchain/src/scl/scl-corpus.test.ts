import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { sclCorpusRow } from './scl-corpus';

const dir = mkdtempSync(join(tmpdir(), 'scl-corpus-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('the corpus figures count what they say', () => {
  it('reads sources, skips what is no source, counts tag tables and reports each failure with its place', () => {
    const p = join(dir, 'project');
    mkdirSync(join(p, 'XRef'), { recursive: true });
    writeFileSync(
      join(p, 'FB_Pump.scl'),
      '\uFEFFFUNCTION_BLOCK "FB_Pump"\nVAR_INPUT run : Bool; END_VAR\nVAR_OUTPUT on : Bool; END_VAR\nBEGIN\n#on := #run;\nEND_FUNCTION_BLOCK\n',
    );
    writeFileSync(
      join(p, 'Pump_DB.db'),
      'DATA_BLOCK "Pump_DB" "FB_Pump"\nBEGIN\n   run := TRUE;\nEND_DATA_BLOCK\n',
    );
    // a fragment: a body without its block
    writeFileSync(join(p, 'snippet.scl'), 'IF "a" THEN\n  "b" := TRUE;\nEND_IF;\n');
    // TIA's cross-reference database, an HTML page and a template carry a source's extension
    writeFileSync(join(p, 'XRef', 'XRef.db'), Buffer.from([0x53, 0x51, 0x4c, 0x69, 0x74, 0x65, 0x00, 0x01]));
    writeFileSync(join(p, 'page.scl'), '<!DOCTYPE html>\n<html></html>\n');
    writeFileSync(join(p, 'gen.scl'), 'DATA_BLOCK "PE{{tag_postfix}}"\nBEGIN\nEND_DATA_BLOCK\n');
    writeFileSync(
      join(p, 'Tags.xml'),
      '<?xml version="1.0"?>\n<Document>\n<SW.Tags.PlcTagTable ID="0">\n<ObjectList>\n<SW.Tags.PlcTag ID="1">\n<AttributeList><DataTypeName>Bool</DataTypeName><LogicalAddress>%I0.0</LogicalAddress><Name>Start</Name></AttributeList>\n</SW.Tags.PlcTag>\n</ObjectList>\n</SW.Tags.PlcTagTable>\n</Document>\n',
    );
    const row = sclCorpusRow(p);
    expect([row.files, row.read, row.idempotent, row.roundTrip]).toEqual([3, 2, 2, 2]);
    expect([row.tagTables, row.tagTablesRead]).toEqual([1, 1]);
    expect(row.skipped.map((s) => s.replace(`${p}/`, ''))).toEqual([
      'XRef/XRef.db: binary',
      'gen.scl: template',
      'page.scl: HTML page',
    ]);
    expect(row.failures.map((f) => f.replace(`${p}/`, ''))).toEqual([
      'snippet.scl:1:1 expected a declaration (PROGRAM, FUNCTION, TYPE, ...) but found IF',
    ]);
  });
});
