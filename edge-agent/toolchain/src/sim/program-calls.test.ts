/**
 * A PROGRAM called from another POU (decision 0094): one instance per PROGRAM type, shared by
 * every caller and by a task that runs it; a call runs its body once with the call's inputs
 * stored before and its outputs read after, like an FB instance call.
 */
import { describe, expect, it } from 'vitest';
import { parseSource } from '../iec';
import { SIM_ERROR_CODES, SIM_FAULT_CODES } from './sim-errors';
import { type CompileOptions, compileProgram } from './virtual-plc';

function plcOf(src: string, options: CompileOptions = { program: 'MAIN' }) {
  const r = parseSource(src, 'test.st');
  expect(r.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  return compileProgram([r.unit], options);
}

function refusal(
  src: string,
  options: CompileOptions = { program: 'MAIN' },
): { code: string; message: string } {
  try {
    plcOf(src, options);
  } catch (err) {
    const e = err as { code: string; message: string };
    return { code: e.code, message: e.message };
  }
  throw new Error('expected the program to be refused');
}

const COUNTER = `
PROGRAM PRG_Count
VAR_INPUT nStep : INT; END_VAR
VAR_OUTPUT nTotal : INT; END_VAR
VAR nCalls : INT; END_VAR
nCalls := nCalls + 1;
nTotal := nTotal + nStep;
END_PROGRAM
`;

describe('a PROGRAM called from MAIN', () => {
  it('runs sub-programs in call order, with inputs before and outputs after', () => {
    const plc = plcOf(`
PROGRAM PRG_In
VAR_INPUT nRaw : INT; END_VAR
VAR_OUTPUT nScaled : INT; END_VAR
nScaled := nRaw * 10;
END_PROGRAM
PROGRAM PRG_Out
VAR_INPUT nCmd : INT; END_VAR
VAR_OUTPUT nAct : INT; END_VAR
nAct := nCmd + 1;
END_PROGRAM
PROGRAM MAIN
VAR nSensor : INT := 4; nMid : INT; nResult : INT; nBefore : INT; END_VAR
nBefore := PRG_Out.nAct;
PRG_In(nRaw := nSensor, nScaled => nMid);
PRG_Out(nCmd := nMid, nAct => nResult);
END_PROGRAM
`);
    plc.scan();
    expect(plc.get('nMid')).toBe(40);
    expect(plc.get('nResult')).toBe(41);
    // PRG_Out's output, read before its call in the first scan, was still its initial value
    expect(plc.get('nBefore')).toBe(0);
    plc.scan();
    expect(plc.get('nBefore')).toBe(41);
    expect(plc.get('PRG_In.nScaled')).toBe(40);
    expect(plc.get('PRG_Out.nCmd')).toBe(40);
  });

  it('keeps the program instance state across scans and lets MAIN read its members', () => {
    const plc = plcOf(`${COUNTER}
PROGRAM MAIN
VAR nSum : INT; nSeen : INT; END_VAR
PRG_Count(nStep := 2, nTotal => nSum);
nSeen := PRG_Count.nCalls;
END_PROGRAM
`);
    plc.scan(3);
    expect(plc.get('nSum')).toBe(6);
    expect(plc.get('nSeen')).toBe(3);
    expect(plc.get('PRG_Count.nCalls')).toBe(3);
  });

  it('runs the body of a program called twice a scan twice, on one shared state', () => {
    const plc = plcOf(`${COUNTER}
FUNCTION_BLOCK FB_Caller
VAR_OUTPUT nTotalSeen : INT; END_VAR
PRG_Count(nStep := 100);
nTotalSeen := PRG_Count.nTotal;
END_FUNCTION_BLOCK
PROGRAM MAIN
VAR a : INT; b : INT; fb : FB_Caller; END_VAR
PRG_Count(nStep := 1, nTotal => a);
PRG_Count(nStep := 10, nTotal => b);
fb();
END_PROGRAM
`);
    plc.scan();
    expect(plc.get('a')).toBe(1);
    expect(plc.get('b')).toBe(11);
    expect(plc.get('fb.nTotalSeen')).toBe(111);
    plc.scan();
    expect(plc.get('a')).toBe(112);
    expect(plc.get('PRG_Count.nCalls')).toBe(6);
  });

  it('is the same instance a configuration task runs', () => {
    const plc = plcOf(
      `${COUNTER}
PROGRAM MAIN
VAR nSeen : INT; END_VAR
PRG_Count(nStep := 1);
nSeen := PRG_Count.nCalls;
END_PROGRAM
CONFIGURATION Cfg
  RESOURCE Res ON PLC
    TASK Fast(INTERVAL := T#10ms, PRIORITY := 1);
    PROGRAM Main WITH Fast : MAIN;
    PROGRAM Counter WITH Fast : PRG_Count(nStep := 1000);
  END_RESOURCE
END_CONFIGURATION
`,
      {},
    );
    plc.scan();
    // MAIN's call, then the task's own run of the same instance
    expect(plc.get('Main.nSeen')).toBe(1);
    expect(plc.get('Counter.nCalls')).toBe(2);
    expect(plc.get('Counter.nTotal')).toBe(1001);
    plc.scan();
    expect(plc.get('Main.nSeen')).toBe(3);
  });

  it('is the same instance as the root program that --program names', () => {
    const plc = plcOf(
      `
PROGRAM PRG_Helper
VAR_OUTPUT nRootCount : INT; END_VAR
nRootCount := PRG_Root.n;
END_PROGRAM
PROGRAM PRG_Root
VAR n : INT; nBack : INT; END_VAR
n := n + 1;
PRG_Helper(nRootCount => nBack);
END_PROGRAM
`,
      { program: 'PRG_Root' },
    );
    plc.scan(2);
    expect(plc.get('nBack')).toBe(2);
  });

  it('faults with RECURSION, not a stack overflow, when a program calls itself', () => {
    const direct = plcOf(`
PROGRAM MAIN
VAR n : INT; END_VAR
n := n + 1;
IF n > 1 THEN MAIN(); END_IF
END_PROGRAM
`);
    direct.scan();
    expect(direct.fault).toBeNull();
    direct.scan();
    expect(direct.fault?.code).toBe(SIM_FAULT_CODES.RECURSION);
    expect(direct.fault?.message).toContain('PROGRAM MAIN called while it is running');
    const indirect = plcOf(`
PROGRAM PRG_A
PRG_B();
END_PROGRAM
PROGRAM PRG_B
PRG_A();
END_PROGRAM
PROGRAM MAIN
PRG_A();
END_PROGRAM
`);
    indirect.scan();
    expect(indirect.fault?.code).toBe(SIM_FAULT_CODES.RECURSION);
    expect(indirect.fault?.message).toContain('PROGRAM PRG_A called while it is running');
  });

  it('refuses by name a program used by its name that a configuration runs twice', () => {
    const r = refusal(
      `${COUNTER}
PROGRAM MAIN
PRG_Count(nStep := 1);
END_PROGRAM
CONFIGURATION Cfg
  RESOURCE Res ON PLC
    TASK Fast(INTERVAL := T#10ms, PRIORITY := 1);
    PROGRAM Main WITH Fast : MAIN;
    PROGRAM C1 WITH Fast : PRG_Count;
    PROGRAM C2 WITH Fast : PRG_Count;
  END_RESOURCE
END_CONFIGURATION
`,
      {},
    );
    expect(r.code).toBe(SIM_ERROR_CODES.UNSUPPORTED);
    expect(r.message).toContain(
      'PROGRAM PRG_Count is used by its name while the configuration runs 2 instances',
    );
  });

  it('refuses a program call in a FUNCTION, as TwinCAT and CODESYS do', () => {
    const r = refusal(`${COUNTER}
FUNCTION F_Step : INT
PRG_Count(nStep := 1);
F_Step := 0;
END_FUNCTION
PROGRAM MAIN
VAR k : INT; END_VAR
k := F_Step();
END_PROGRAM
`);
    // the checker refuses it first (ST2030, request h6-1); the simulator's own refusal stays behind it
    expect(r.code).toBe(SIM_ERROR_CODES.CHECK_FAILED);
    expect(r.message).toContain('a function cannot use a call of PROGRAM PRG_Count');
  });

  it('keeps a called program instance through a warm restart and an online change', () => {
    const src = (extra: string) => `${COUNTER}
PROGRAM MAIN
VAR nSum : INT; ${extra} END_VAR
PRG_Count(nStep := 5, nTotal => nSum);
END_PROGRAM
`;
    const plc = plcOf(src(''));
    plc.scan(2);
    const r = plc.replaceProgram([parseSource(src('nNew : INT;'), 'test.st').unit]);
    expect(r.applied).toBe(true);
    expect(r.kept).toContain('PRG_Count.nTotal');
    plc.scan();
    expect(plc.get('PRG_Count.nTotal')).toBe(15);
    plc.warmRestart();
    expect(plc.get('PRG_Count.nTotal')).toBe(0);
  });
});

describe('the I/O of a called PROGRAM', () => {
  it('lists its located variables among the inputs and outputs, by the program name', () => {
    const plc = plcOf(`
PROGRAM PRG_Io
VAR_INPUT bEnable : BOOL; END_VAR
VAR_OUTPUT bDone : BOOL; END_VAR
VAR bSensor AT %IX0.0 : BOOL; bLamp AT %QX0.0 : BOOL; END_VAR
bLamp := bSensor AND bEnable;
bDone := bLamp;
END_PROGRAM
PROGRAM MAIN
VAR_OUTPUT bOk : BOOL; END_VAR
PRG_Io(bEnable := TRUE, bDone => bOk);
END_PROGRAM
`);
    expect(plc.inputNames()).toEqual(['PRG_Io.bSensor']);
    expect(plc.outputNames()).toEqual(['bOk', 'PRG_Io.bLamp']);
    plc.set('PRG_Io.bSensor', true);
    plc.scan();
    expect(plc.get('PRG_Io.bLamp')).toBe(true);
    expect(plc.get('bOk')).toBe(true);
  });
});
