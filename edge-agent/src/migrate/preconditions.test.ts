import { Migration, SiteFacts } from '@plcfleet/protocols';
import { describe, expect, it } from 'vitest';
import { parseProgramFile } from '../transform';
import { evaluatePreconditions, usesPattern, usesPou } from './preconditions';

const lib =
  'FUNCTION_BLOCK MONITOR\nVAR_INPUT a : BOOL; END_VAR\nEND_FUNCTION_BLOCK\nFUNCTION CONV : INT\nCONV := 1;\nEND_FUNCTION\n';
const parsed = (...texts: string[]) => texts.map((t, i) => parseProgramFile({ path: `f${i}.st`, text: t }));

const facts = SiteFacts.parse({
  apiVersion: 'plcfleet/v1',
  kind: 'SiteFacts',
  site: 's',
  firmware: '3.2',
  tags: ['Press'],
});
const mig = (preconditions: unknown) =>
  Migration.parse({
    apiVersion: 'plcfleet/v1',
    kind: 'Migration',
    id: 'm',
    title: 't',
    type: 'code',
    safetyClass: 'non-safety',
    goal: 'g',
    scope: {},
    preconditions,
  });

describe('uses / notUses on the AST', () => {
  it('a block the library only declares is not used; an instance or a call is', () => {
    expect(usesPou('MONITOR', parsed(lib))).toBe(false);
    expect(usesPou('monitor', parsed(lib, 'PROGRAM P\nVAR m : MONITOR; END_VAR\nEND_PROGRAM\n'))).toBe(true);
    expect(
      usesPou('MONITOR', parsed(lib, 'PROGRAM P\nVAR m : ARRAY[1..2] OF MONITOR; END_VAR\nEND_PROGRAM\n')),
    ).toBe(true);
    expect(usesPou('CONV', parsed(lib))).toBe(false);
    expect(usesPou('CONV', parsed(lib, 'PROGRAM P\nVAR x : INT; END_VAR\nx := CONV();\nEND_PROGRAM\n'))).toBe(
      true,
    );
    // a comment or string mentioning it is not a use
    expect(
      usesPou(
        'MONITOR',
        parsed(lib, "PROGRAM P\n(* MONITOR *)\nVAR s : STRING := 'MONITOR'; END_VAR\nEND_PROGRAM\n"),
      ),
    ).toBe(false);
  });

  it('matches ST patterns on the tree', () => {
    const p = parsed('PROGRAM P\nIF g = TRUE THEN\n  ok := TRUE;\nEND_IF;\nEND_PROGRAM\n');
    expect(usesPattern('IF $s = TRUE THEN $o := TRUE; END_IF;', p)).toBe(true);
    expect(usesPattern('IF $s = FALSE THEN $o := TRUE; END_IF;', p)).toBe(false);
  });
});

describe('evaluatePreconditions', () => {
  const p = parsed(lib, 'PROGRAM P\nVAR m : MONITOR; END_VAR\nEND_PROGRAM\n');
  it('proceeds when onlyIf holds and no skipIf does', () => {
    const r = evaluatePreconditions(
      mig({
        onlyIf: [{ firmware: '>=3.0 <4' }, { siteTag: 'press' }],
        skipIf: [{ notUses: { pou: 'MONITOR' } }],
      }),
      p,
      facts,
    );
    expect(r).toEqual({
      proceed: true,
      checked: [
        'onlyIf firmware >=3.0 <4: holds',
        'onlyIf site tag press: holds',
        'skipIf does not use MONITOR: does not hold',
      ],
    });
  });

  it('skips with the reason and the note', () => {
    expect(
      evaluatePreconditions(
        mig({ skipIf: [{ uses: { pou: 'MONITOR' }, note: 'already migrated' }] }),
        p,
        facts,
      ),
    ).toEqual({
      proceed: false,
      reason: 'skipIf matched: uses MONITOR (already migrated)',
    });
    expect(evaluatePreconditions(mig({ onlyIf: [{ certifiedSafetyPlc: true }] }), p, facts)).toEqual({
      proceed: false,
      reason: 'onlyIf not met: certifiedSafetyPlc: true',
    });
  });

  it('asks for site facts instead of guessing', () => {
    expect(evaluatePreconditions(mig({ onlyIf: [{ firmware: '>=3' }] }), p, null)).toMatchObject({
      proceed: false,
      needsFacts: true,
    });
    expect(evaluatePreconditions(mig({ onlyIf: [{ uses: { pou: 'MONITOR' } }] }), p, null)).toMatchObject({
      proceed: true,
    });
  });

  it('tests a library against the versions the site facts list, and needs facts for it', () => {
    const onlyIf = [{ library: { name: 'PressLib', version: '>=1.2 <2' } }];
    const withLib = SiteFacts.parse({ ...facts, libraries: [{ name: 'presslib', version: '1.2.0' }] });
    expect(evaluatePreconditions(mig({ onlyIf }), p, withLib)).toMatchObject({ proceed: true });
    const newer = SiteFacts.parse({ ...facts, libraries: [{ name: 'PressLib', version: '2.0.0' }] });
    expect(evaluatePreconditions(mig({ onlyIf }), p, newer)).toEqual({
      proceed: false,
      reason: 'onlyIf not met: library PressLib >=1.2 <2 — site has PressLib 2.0.0',
    });
    expect(evaluatePreconditions(mig({ onlyIf }), p, facts)).toEqual({
      proceed: false,
      reason: 'onlyIf not met: library PressLib >=1.2 <2 — site has no PressLib',
    });
    expect(evaluatePreconditions(mig({ onlyIf }), p, null)).toEqual({
      proceed: false,
      needsFacts: true,
      reason: 'precondition "library PressLib >=1.2 <2" needs site facts',
    });
  });
});
