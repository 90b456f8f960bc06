import { describe, expect, it } from 'vitest';
import { parseScenarioFile } from '../sim';
import { runDifferential } from './differential-sim';
import { projectFromSources } from './safety-project';
import { stProject, testPolicy } from './test-helpers';
import { verifySafety } from './verify-safety';

const OLD = `PROGRAM Main
VAR_INPUT
    Guard : BOOL;
    Estop : BOOL;
END_VAR
VAR_OUTPUT
    Permit : BOOL;
    Lamp : BOOL;
END_VAR
Permit := Guard AND Estop;
Lamp := NOT Permit;
END_PROGRAM
`;

const policy = testPolicy({ safetySignals: ['Permit'], permissives: ['Permit'] });

describe('differential driver', () => {
  it('finds a new input that permits where the old program does not, exhaustively when inputs are few', () => {
    const before = stProject({ 'main.st': OLD }).units;
    const after = stProject({
      'main.st': OLD.replace('    Estop : BOOL;', '    Estop : BOOL;\n    Bypass : BOOL;').replace(
        'Permit := Guard AND Estop;',
        'Permit := (Guard AND Estop) OR Bypass;',
      ),
    }).units;
    const r = runDifferential(before, after, {
      program: 'Main',
      inputs: [
        { path: 'guard', type: 'bool', side: 'both' },
        { path: 'estop', type: 'bool', side: 'both' },
        { path: 'bypass', type: 'bool', side: 'new' },
      ],
      outputs: ['Permit'],
      relation: 'implies',
      seed: 1,
    });
    expect(r.result).toBe('refuted');
    expect(r.method).toBe('exhaustive');
    expect(r.counterexample).toMatchObject({ variable: 'Permit', before: false, after: true });
    expect(r.counterexample?.inputs.at(-1)).toMatchObject({ bypass: true });
  });

  it('proves a tightened permissive', () => {
    const before = stProject({ 'main.st': OLD }).units;
    const after = stProject({
      'main.st': OLD.replace('Permit := Guard AND Estop;', 'Permit := Guard AND Estop AND NOT Lamp;'),
    }).units;
    const r = runDifferential(before, after, {
      program: 'Main',
      inputs: [
        { path: 'guard', type: 'bool', side: 'both' },
        { path: 'estop', type: 'bool', side: 'both' },
      ],
      outputs: ['Permit'],
      relation: 'implies',
      seed: 1,
    });
    expect(r.result).toBe('proven');
    expect(r.scans).toBeGreaterThan(0);
  });
});

describe('verifySafety', () => {
  it('compares TIME values as the bound model folds them, not only their literals', async () => {
    const src = (preset: string) => `PROGRAM Main
VAR_INPUT
    Guard : BOOL;
END_VAR
VAR_OUTPUT
    Permit : BOOL;
END_VAR
VAR
    Settle : TON;
END_VAR
VAR CONSTANT
    BASE_T : TIME := T#500MS;
    SETTLE_T : TIME := T#1S;
END_VAR
Settle(IN := Guard, PT := ${preset});
Permit := Settle.Q;
END_PROGRAM
`;
    const timing = async (before: string, after: string) =>
      (
        await verifySafety({
          before: stProject({ 'main.st': src(before) }),
          after: stProject({ 'main.st': src(after) }),
          policy,
          mode: 'quick',
        })
      ).findings.filter((f) => f.category === 'timing');
    // No literal changes, the preset doubles: lengthened.
    expect(await timing('BASE_T * 2', 'BASE_T * 4')).toEqual([
      expect.objectContaining({
        rule: 'timing/value-changed',
        message: 'TIME value reaching Permit lengthened: BASE_T * 2 became BASE_T * 4',
      }),
    ]);
    // The same value spelled another way: no timing change.
    expect(await timing('SETTLE_T', 'BASE_T * 2')).toEqual([]);
    expect(await timing('SETTLE_T', 'T#1000MS')).toEqual([]);
  });

  it('sees a constant forced onto a permissive whatever its spelling (NOT FALSE, a VAR CONSTANT)', async () => {
    const spelled = [
      ['Permit := NOT FALSE;', ''],
      ['Permit := 1 = 1;', ''],
      ['Permit := ALWAYS_ON;', 'VAR CONSTANT\n    ALWAYS_ON : BOOL := NOT FALSE;\nEND_VAR\n'],
    ] as const;
    for (const [stmt, decl] of spelled) {
      const after = OLD.replace('Permit := Guard AND Estop;', `Permit := Guard AND Estop;\n${stmt}`).replace(
        'END_VAR\nPermit',
        `END_VAR\n${decl}Permit`,
      );
      const r = await verifySafety({
        before: stProject({ 'main.st': OLD }),
        after: stProject({ 'main.st': after }),
        policy,
        mode: 'quick',
      });
      expect(
        r.findings.map((f) => f.rule),
        stmt,
      ).toContain('forcing/constant-assignment');
    }
    // A FALSE constant, however spelled, is a reset, not a forcing.
    const reset = OLD.replace(
      'Permit := Guard AND Estop;',
      'Permit := Guard AND Estop;\nIF NOT Guard THEN\n    Permit := NOT TRUE;\nEND_IF;',
    );
    const r = await verifySafety({
      before: stProject({ 'main.st': OLD }),
      after: stProject({ 'main.st': reset }),
      policy,
      mode: 'quick',
    });
    expect(r.findings.map((f) => f.rule)).not.toContain('forcing/constant-assignment');
  });

  it('judges a bypass OR-ed into a 20,000-term permissive without running out of stack', async () => {
    const inputs = Array.from({ length: 50 }, (_, i) => `    Door_${i} : BOOL;`).join('\n');
    const terms = Array.from({ length: 20_000 }, (_, i) => `Door_${i % 50}`).join(' OR ');
    const src = (permit: string, extra = '') =>
      `PROGRAM Main\nVAR_INPUT\n${inputs}\n${extra}END_VAR\nVAR_OUTPUT\n    Permit : BOOL;\nEND_VAR\nPermit := ${permit};\nEND_PROGRAM\n`;
    const before = stProject({ 'main.st': src(terms) });
    const same = await verifySafety({
      before,
      after: stProject({ 'main.st': src(terms) }),
      policy,
      mode: 'quick',
    });
    expect(same.findings).toEqual([]);
    const r = await verifySafety({
      before,
      after: stProject({ 'main.st': src(`Bypass OR ${terms}`, '    Bypass : BOOL;\n') }),
      policy,
      mode: 'quick',
    });
    expect(r.verdict).toBe('fail');
    expect(r.findings.map((f) => f.rule)).toContain('forcing/bypass-or');
  }, 60_000);

  it('flags an input the change adds that nothing drives, unless written, addressed, bound or mapped', async () => {
    // The guard change: a redundant sensor input, read by the permissive.
    const redundant = (src: string) =>
      src
        .replace('    Estop : BOOL;', '    Estop : BOOL;\n    Guard_B : BOOL;')
        .replace('Permit := Guard AND Estop;', 'Permit := Guard AND Guard_B AND Estop;');
    const run = async (after: Record<string, string>, ioBindings?: string[]) =>
      verifySafety({
        before: stProject({ 'main.st': OLD }),
        after: stProject(after),
        policy,
        ...(ioBindings ? { ioBindings } : {}),
        mode: 'quick',
      });
    const r = await run({ 'main.st': redundant(OLD) });
    const f = r.findings.find((x) => x.rule === 'safety-logic/undriven-input');
    expect(f).toMatchObject({ category: 'safety-logic', severity: 'warning', file: 'main.st', line: 5 });
    expect(f?.message).toMatch(
      /^input Main\.Guard_B is added by the change and nothing drives it .*reaches Permit$/,
    );
    // Bound in the tag map, or by the CONFIGURATION's program instance: driven.
    expect(
      (await run({ 'main.st': redundant(OLD) }, ['Main.Guard_B'])).findings.map((x) => x.rule),
    ).not.toContain('safety-logic/undriven-input');
    const config = `VAR_GLOBAL\n    Guard_B_In AT %IX0.7 : BOOL;\nEND_VAR\nCONFIGURATION Cell\n    RESOURCE Cpu ON PLC\n        TASK Main_Task (INTERVAL := T#10MS, PRIORITY := 1);\n        PROGRAM Main WITH Main_Task : Main(Guard_B := Guard_B_In);\n    END_RESOURCE\nEND_CONFIGURATION\n`;
    const bound = await run({ 'main.st': redundant(OLD), 'config.st': config });
    expect(bound.findings.map((x) => x.rule)).not.toContain('safety-logic/undriven-input');
    // An added input that only a lamp reads: a quality warning, never a rejection.
    const lampOnly = OLD.replace('    Estop : BOOL;', '    Estop : BOOL;\n    Lamp_Test : BOOL;').replace(
      'Lamp := NOT Permit;',
      'Lamp := NOT Permit OR Lamp_Test;',
    );
    const q = await run({ 'main.st': lampOnly });
    expect(q.findings.find((x) => x.rule === 'quality/undriven-input')).toMatchObject({
      severity: 'warning',
    });
    expect(q.verdict).toBe('pass');
  });

  it('calls a permissive check proved only when the search was exhaustive, else not refuted with its seed', async () => {
    const tightened = OLD.replace('Permit := Guard AND Estop;', 'Permit := Guard AND Estop AND NOT Lamp;');
    const few = await verifySafety({
      before: stProject({ 'main.st': OLD }),
      after: stProject({ 'main.st': tightened }),
      policy,
      seed: 5,
    });
    expect(few.proofs).toHaveLength(1);
    expect(few.proofs[0]).toMatchObject({ method: 'exhaustive', result: 'proven', claim: 'proved', seed: 5 });
    expect(few.proofs[0]!.basis).toMatch(
      /^by exhaustive search: every sequence of the boolean inputs estop, guard from a cold start at 10 ms per scan, \d+ joint states of old and new, all explored$/,
    );
    // An INT input makes the input space too large to explore: random runs, which refute nothing.
    const withSpeed = (src: string) =>
      src
        .replace('    Estop : BOOL;', '    Estop : BOOL;\n    Speed : INT;')
        .replace('Guard AND Estop', 'Guard AND Estop AND Speed < 100');
    const many = await verifySafety({
      before: stProject({ 'main.st': withSpeed(OLD) }),
      after: stProject({ 'main.st': withSpeed(tightened) }),
      policy,
      seed: 5,
      runs: 8,
      scans: 50,
    });
    expect(many.proofs[0]).toMatchObject({
      method: 'random',
      result: 'proven',
      claim: 'not-refuted',
      seed: 5,
    });
    expect(many.proofs[0]!.basis).toBe('in 8 random runs × 50 scans (seed 5)');
  });

  it('does not count a pragma added or removed before a statement as a change', async () => {
    const lamp = `PROGRAM Main
VAR_OUTPUT
    Lamp : BOOL;
END_VAR
Lamp := TRUE;
END_PROGRAM
`;
    const annotated = lamp.replace('Lamp := TRUE;', "{warning 'lamp test'}\nLamp := TRUE;");
    const lampPolicy = testPolicy({ safetySignals: ['Lamp'] });
    for (const [a, b] of [
      [lamp, annotated],
      [annotated, lamp],
    ] as const) {
      const r = await verifySafety({
        before: stProject({ 'main.st': a }),
        after: stProject({ 'main.st': b }),
        policy: lampPolicy,
      });
      expect(r.findings.map((f) => `${f.rule}: ${f.message}`)).toEqual([]);
      expect(r.verdict).toBe('pass');
    }
    // A pragma that switches checks off is still judged, by its own rule.
    const forced = lamp.replace('Lamp := TRUE;', "{attribute 'no_check'}\nLamp := TRUE;");
    const r = await verifySafety({
      before: stProject({ 'main.st': lamp }),
      after: stProject({ 'main.st': forced }),
      policy: lampPolicy,
    });
    expect(r.findings.map((f) => f.rule)).toEqual(['forcing/pragma']);
  });

  it('fails closed when the new program does not parse', async () => {
    const r = await verifySafety({
      before: stProject({ 'main.st': OLD }),
      after: projectFromSources({ 'main.st': OLD.replace('Lamp := NOT Permit;', 'Lamp := NOT ;') }),
      policy,
    });
    expect(r.verdict).toBe('fail');
    expect(r.findings[0]).toMatchObject({
      rule: 'safety-logic/unparseable',
      severity: 'error',
      file: 'main.st',
    });
  });

  it('fails closed on a policy name that resolves to nothing, even without any change', async () => {
    const p = stProject({ 'main.st': OLD });
    const r = await verifySafety({
      before: p,
      after: p,
      policy: testPolicy({ emergencyStops: ['E_Stop_OK'] }),
    });
    expect(r.verdict).toBe('fail');
    expect(r.findings.map((f) => f.rule)).toEqual(['estop/unresolved-signal']);
  });

  it('passes an unchanged program and a change outside every slice', async () => {
    const p = stProject({ 'main.st': OLD });
    expect((await verifySafety({ before: p, after: p, policy })).verdict).toBe('pass');
    const lamp = stProject({ 'main.st': OLD.replace('Lamp := NOT Permit;', 'Lamp := Permit;') });
    const r = await verifySafety({ before: p, after: lamp, policy });
    expect(r.verdict).toBe('pass');
    expect(r.proofs).toEqual([]);
  });

  it('gives the same findings and proofs for the same seed', async () => {
    const before = stProject({ 'main.st': OLD });
    const after = stProject({
      'main.st': OLD.replace('Permit := Guard AND Estop;', 'Permit := Guard OR Estop;'),
    });
    const a = await verifySafety({ before, after, policy, seed: 5 });
    const b = await verifySafety({ before, after, policy, seed: 5 });
    expect(a.verdict).toBe('fail');
    expect(JSON.stringify({ ...a, ms: 0 })).toBe(JSON.stringify({ ...b, ms: 0 }));
    expect(a.findings.some((f) => f.rule === 'permissive/loosened')).toBe(true);
  });

  it('quick mode runs no simulation', async () => {
    const before = stProject({ 'main.st': OLD });
    const after = stProject({
      'main.st': OLD.replace('Permit := Guard AND Estop;', 'Permit := Guard OR Estop;'),
    });
    const r = await verifySafety({ before, after, policy, mode: 'quick' });
    expect(r.proofs).toEqual([]);
    expect(r.verdict).toBe('fail');
    expect(r.findings.some((f) => f.rule === 'safety-logic/slice-changed' && f.severity === 'error')).toBe(
      true,
    );
  });

  it('replays the migration scenarios on both versions', async () => {
    const before = stProject({
      'main.st': OLD.replace('    Estop : BOOL;', '    Estop : BOOL;\n    Code : DINT;'),
    });
    const after = stProject({
      'main.st': OLD.replace('    Estop : BOOL;', '    Estop : BOOL;\n    Code : DINT;').replace(
        'Permit := Guard AND Estop;',
        'Permit := (Guard AND Estop) OR Code = 4711;',
      ),
    });
    const scenario = parseScenarioFile(
      'program: Main\nscenarios:\n  - name: service code\n    steps:\n      - { at: 0, set: { Code: 4711 } }\n      - { at: 50ms, expect: { Lamp: true } }\n',
      'service.yaml',
    );
    const r = await verifySafety({ before, after, policy, scenarios: [scenario], seed: 1 });
    expect(r.verdict).toBe('fail');
    const proof = r.proofs.find((p) => p.kind === 'permissive');
    expect(proof).toMatchObject({ result: 'refuted', method: 'scenario' });
    expect(proof?.counterexample?.inputs[0]).toMatchObject({ Code: 4711 });
  });

  it('stops on a scenario value no variable of its type takes, naming it', async () => {
    // before: the refused value was swallowed with "not declared" and the proof replayed
    // without that input, a pass on a scenario that never ran as written
    const decl = (src: string) => src.replace('    Estop : BOOL;', '    Estop : BOOL;\n    Code : DINT;');
    const before = stProject({ 'main.st': decl(OLD) });
    const after = stProject({
      'main.st': decl(OLD).replace(
        'Permit := Guard AND Estop;',
        'Permit := (Guard AND Estop) OR Code = 4711;',
      ),
    });
    const scenario = parseScenarioFile(
      'program: Main\nscenarios:\n  - name: typo\n    steps:\n      - { at: 0, set: { Code: seven } }\n',
      'typo.yaml',
    );
    await expect(verifySafety({ before, after, policy, scenarios: [scenario], seed: 1 })).rejects.toThrow(
      /Code.*seven|seven.*Code/,
    );
  });

  it('rejects a new write to an input address', async () => {
    const before = stProject({ 'main.st': OLD });
    const forced = projectFromSources({
      'main.st': OLD.replace('Lamp := NOT Permit;', 'Lamp := NOT Permit;\n%IX0.3 := TRUE;'),
    });
    // the checker refuses it (ST2007), so the verifier fails closed
    const checked = await verifySafety({ before, after: forced, policy, mode: 'quick' });
    expect(checked.findings.map((f) => f.rule)).toEqual(['safety-logic/unparseable']);
    // and the forcing rule names it when a front end lets it through
    const r = await verifySafety({ before, after: { ...forced, diagnostics: [] }, policy, mode: 'quick' });
    expect(r.verdict).toBe('fail');
    expect(r.findings.find((f) => f.rule === 'forcing/input-write')?.message).toContain('%IX0.3');
  });

  it('finds a changed preset inside an IF whose shape changed', async () => {
    const timed = OLD.replace('END_VAR\nPermit', 'END_VAR\nVAR\n    T1 : TON;\nEND_VAR\nPermit').replace(
      'Permit := Guard AND Estop;',
      'IF Guard THEN\n    T1(IN := Estop, PT := T#1S);\nEND_IF;\nPermit := T1.Q;',
    );
    const changed = timed.replace(
      '    T1(IN := Estop, PT := T#1S);\nEND_IF;',
      '    T1(IN := Estop, PT := T#3S);\nELSE\n    Lamp := TRUE;\nEND_IF;',
    );
    expect(changed).not.toBe(timed);
    const r = await verifySafety({
      before: stProject({ 'main.st': timed }),
      after: stProject({ 'main.st': changed }),
      policy,
      mode: 'quick',
    });
    const t = r.findings.find((f) => f.rule === 'timing/value-changed');
    expect(t?.message).toContain('lengthened: T#1S became T#3S');
  });
});
