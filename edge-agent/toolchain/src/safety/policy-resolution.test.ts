import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { resolvePolicy, resolveSignalName } from './policy-resolution';
import { stIndex, testPolicy } from './test-helpers';

const PRESS = join(import.meta.dirname, '../../../../examples/plants/siemens-press');

/** The Siemens press plant (TIA Portal external sources) as inline sources. */
function pressIndex() {
  const files: Record<string, string> = {};
  for (const f of readdirSync(PRESS))
    if (/\.(scl|db|udt)$/.test(f)) files[f] = readFileSync(join(PRESS, f), 'utf8');
  return stIndex(files);
}

describe('policy names of data-block members', () => {
  it('resolves IO.Press_Valve to the global data block IO, case-insensitively', () => {
    const ix = pressIndex();
    expect(resolveSignalName(ix, 'IO.Press_Valve').map((v) => v.key)).toEqual(['global::io']);
    expect(resolveSignalName(ix, 'io.door_lamp').map((v) => v.key)).toEqual(['global::io']);
  });
  it('resolves a member of an instance DB through its function block', () => {
    const ix = pressIndex();
    expect(resolveSignalName(ix, 'PressCellDB.Press_Enable').map((v) => v.key)).toEqual([
      'global::presscelldb',
    ]);
  });
  it('fails closed on a member the data block does not declare', () => {
    const ix = pressIndex();
    expect(resolveSignalName(ix, 'IO.Press_Valv')).toEqual([]);
    expect(resolveSignalName(ix, 'IO.Press_Valve.x')).toEqual([]);
    expect(resolveSignalName(ix, 'PressCellDB.No_Such_Output')).toEqual([]);
    const r = resolvePolicy(ix, testPolicy({ permissives: ['IO.Press_Valve', 'IO.Press_Valv'] }));
    expect(r.signals.map((s) => s.name)).toEqual(['IO.Press_Valve']);
    expect(r.unresolved).toEqual([{ name: 'IO.Press_Valv', role: 'permissive' }]);
  });
  it('resolves nested members of a global structure in ST', () => {
    const ix = stIndex({
      'types.st':
        'TYPE ST_Guard : STRUCT ok : BOOL; END_STRUCT END_TYPE\nTYPE ST_Cell : STRUCT guard : ST_Guard; END_STRUCT END_TYPE',
      'gvl.st': 'VAR_GLOBAL cell : ST_Cell; END_VAR',
      'main.st': 'PROGRAM Main\ncell.guard.ok := TRUE;\nEND_PROGRAM',
    });
    expect(resolveSignalName(ix, 'Cell.Guard.OK').map((v) => v.key)).toEqual(['global::cell']);
    expect(resolveSignalName(ix, 'Cell.Guard')).toHaveLength(1);
    expect(resolveSignalName(ix, 'Cell.ok')).toEqual([]);
  });
});
