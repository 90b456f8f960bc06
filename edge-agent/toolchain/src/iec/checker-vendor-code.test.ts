import { describe, expect, it } from 'vitest';
import { compileProgram } from '../sim';
import { type CheckOptions, checkProject } from './checker';
import type { Diagnostic } from './diagnostics';
import { parseSource } from './parser';

/** Checks TwinCAT-style plain ST sources together; returns code, line and message of each diagnostic. */
function check(options: CheckOptions, ...sources: string[]): [string, number, string][] {
  const units = sources.map((s, i) => {
    const r = parseSource(s, `f${i}.st`);
    expect(r.diagnostics).toEqual([]);
    return r.unit;
  });
  return checkProject(units, options).diagnostics.map((d: Diagnostic) => [d.code, d.line, d.message]);
}

const RUNNABLE = `INTERFACE I_Runnable
METHOD Run : BOOL
END_METHOD
END_INTERFACE
FUNCTION_BLOCK FB_Job IMPLEMENTS I_Runnable
METHOD Run : BOOL
Run := TRUE;
END_METHOD
END_FUNCTION_BLOCK
`;

describe('checking vendor code as TwinCAT compiles it (issue 15)', () => {
  it('accepts 0 as the null interface reference in initial values, assignments and comparisons', () => {
    const main = `PROGRAM MAIN
VAR
    ipJob : I_Runnable := 0;
    fbJob : FB_Job;
    bRan : BOOL;
END_VAR
IF ipJob = 0 THEN
    ipJob := fbJob;
END_IF
IF ipJob <> 0 THEN
    bRan := ipJob.Run();
END_IF
ipJob := 0;
END_PROGRAM
`;
    expect(check({}, RUNNABLE, main)).toEqual([]);
  });
  it('still refuses any other integer for an interface', () => {
    const main = `PROGRAM MAIN
VAR
    ipJob : I_Runnable;
END_VAR
ipJob := 1;
END_PROGRAM
`;
    expect(check({}, RUNNABLE, main)).toEqual([
      ['ST2004', 5, 'cannot assign integer literal to I_Runnable (ipJob)'],
    ]);
  });
  it('names the referenced libraries not given for a name found nowhere, and only those', () => {
    const main = `PROGRAM MAIN
VAR
    fbArbiter : FB_Arbiter;
    fbTask : GETCURTASKINDEX;
END_VAR
fbTask();
bFFO := PMPS_GVL.stCurrentBeamParameters.nRate > 0;
END_PROGRAM
`;
    const tc2System = parseSource(
      '@EXTERNAL FUNCTION_BLOCK GETCURTASKINDEX\nVAR_OUTPUT index : BYTE; END_VAR\nEND_FUNCTION_BLOCK\n',
      '/libraries/Tc2_System.st',
    ).unit;
    const references = [
      { name: 'Tc2_System' },
      { name: 'PMPS', namespace: 'PMPS' },
      { name: 'LCLS_General' },
    ];
    expect(check({ externals: [tc2System], libraryReferences: references }, main)).toEqual([
      [
        'ST2017',
        3,
        "'FB_Arbiter' comes from vendor library one of PMPS, LCLS_General, which this project does not contain (declare it with --externals)",
      ],
      [
        'ST2017',
        7,
        "'bFFO' comes from vendor library one of PMPS, LCLS_General, which this project does not contain (declare it with --externals)",
      ],
      [
        'ST2017',
        7,
        "'PMPS_GVL' comes from vendor library one of PMPS, LCLS_General, which this project does not contain (declare it with --externals)",
      ],
    ]);
    // every referenced library given: an unknown name is an unknown name
    expect(
      check({ externals: [tc2System], libraryReferences: [{ name: 'Tc2_System' }] }, main).map((d) => d[0]),
    ).toEqual(['ST2002', 'ST2001', 'ST2001']);
  });
  it('names the library of a constant from an unshipped library in an array bound, not ST2022', () => {
    const fb = `FUNCTION_BLOCK FB_PositionState
VAR
    arrStates : ARRAY[1..GeneralConstants.MAX_STATES] OF BOOL;
    arrLocal : ARRAY[0..MAX_LOCAL - 1] OF BOOL;
    sName : STRING(nLength);
END_VAR
VAR CONSTANT
    MAX_LOCAL : INT := 4;
END_VAR
END_FUNCTION_BLOCK
`;
    expect(check({ libraryReferences: [{ name: 'LCLS_General' }] }, fb)).toEqual([
      [
        'ST2017',
        3,
        "'GeneralConstants.MAX_STATES' comes from vendor library LCLS_General, which this project does not contain (declare it with --externals)",
      ],
      [
        'ST2017',
        5,
        "'nLength' comes from vendor library LCLS_General, which this project does not contain (declare it with --externals)",
      ],
    ]);
    // no library to blame: the bound is not a constant expression
    expect(check({}, fb).map((d) => d[0])).toEqual(['ST2022', 'ST2022']);
  });
  it('knows __POUNAME() as the calling POU name, a STRING', () => {
    const main = `PROGRAM MAIN
VAR
    sWhere : STRING;
END_VAR
sWhere := CONCAT('in ', __POUNAME());
END_PROGRAM
`;
    expect(check({}, main)).toEqual([]);
  });
  it('reads Lib.Name through the namespace of a referenced library: resolved when given, else ST2017 naming it', () => {
    const main = `PROGRAM MAIN
VAR
    fbTask : GETCURTASKINDEX;
    nIndex : BYTE;
    fbArbiter : FB_Arbiter;
END_VAR
nIndex := Tc2_System.GETCURTASKINDEXEX();
fbArbiter.AddRequest(PMPS.K_Stopper);
END_PROGRAM
`;
    const tc2System = parseSource(
      '@EXTERNAL FUNCTION GETCURTASKINDEXEX : BYTE\nEND_FUNCTION\n@EXTERNAL FUNCTION_BLOCK GETCURTASKINDEX\nVAR_OUTPUT index : BYTE; END_VAR\nEND_FUNCTION_BLOCK\n',
      '/libraries/Tc2_System.st',
    ).unit;
    const references = [{ name: 'Tc2_System' }, { name: 'PMPS', namespace: 'PMPS' }];
    expect(check({ externals: [tc2System], libraryReferences: references }, main)).toEqual([
      [
        'ST2017',
        5,
        "'FB_Arbiter' comes from vendor library PMPS, which this project does not contain (declare it with --externals)",
      ],
      [
        'ST2017',
        8,
        "'PMPS.K_Stopper' comes from vendor library PMPS, which this project does not contain (declare it with --externals)",
      ],
    ]);
  });
  it('reports an FB extending a library FB not given once, at its EXTENDS, not at every inherited pin', () => {
    const fb = `FUNCTION_BLOCK FB_CC_TempSensor EXTENDS FB_TempSensor_FFO
VAR_INPUT
    fOffset : LREAL;
END_VAR
END_FUNCTION_BLOCK
`;
    const main = `PROGRAM MAIN
VAR
    fbSensor : FB_CC_TempSensor;
    bOk : BOOL;
END_VAR
fbSensor(fOffset := 0.5, fFaultThreshold := 80.0, sDevName := 'ATM');
bOk := fbSensor.bError;
fbSensor(fOfset := 0.5);
END_PROGRAM
`;
    expect(check({ libraryReferences: [{ name: 'LCLS_General' }] }, fb, main)).toEqual([
      [
        'ST2017',
        1,
        "'FB_TempSensor_FFO' comes from vendor library LCLS_General, which this project does not contain (declare it with --externals)",
      ],
    ]);
    // with the base known, a misspelt pin is still an error
    const base = `FUNCTION_BLOCK FB_TempSensor_FFO
VAR_INPUT
    fFaultThreshold : LREAL;
    sDevName : STRING;
END_VAR
VAR_OUTPUT
    bError : BOOL;
END_VAR
END_FUNCTION_BLOCK
`;
    expect(check({}, base, fb, main).map((d) => [d[0], d[2]])).toEqual([
      ['ST2008', "'fbSensor' has no parameter 'fOfset'"],
    ]);
  });
  it('passes a literal to VAR_IN_OUT CONSTANT, and still wants a variable for a plain VAR_IN_OUT', () => {
    const fb = `FUNCTION_BLOCK FB_Otg
VAR
    sLast : STRING;
END_VAR
METHOD Abort
VAR_INPUT
    nErrorId : INT;
END_VAR
VAR_IN_OUT CONSTANT
    sMessage : STRING;
END_VAR
sLast := sMessage;
END_METHOD
METHOD Log
VAR_IN_OUT
    sMessage : STRING;
END_VAR
END_METHOD
Abort(3, '');
Log('lost');
END_FUNCTION_BLOCK
`;
    expect(check({}, fb)).toEqual([
      ['ST2021', 20, "IN_OUT parameter 'sMessage' of 'Log' must be given a variable"],
    ]);
  });
  it('knows the CODESYS pin names RESET and LOAD of the counters, in the check and the simulator', () => {
    const main = `PROGRAM MAIN
VAR
    ctuErrors : CTU;
    ctdLeft : CTD;
    bPulse : BOOL;
    bClear : BOOL;
    nErrors : WORD;
END_VAR
bPulse := NOT bPulse;
ctuErrors(CU := bPulse, RESET := bClear, PV := 100);
ctdLeft(CD := bPulse, LOAD := bClear, PV := 5);
nErrors := ctuErrors.CV;
END_PROGRAM
`;
    expect(check({}, main)).toEqual([]);
    const plc = compileProgram([parseSource(main, 'main.st').unit]);
    plc.scan(4);
    expect(plc.get('MAIN.nErrors')).toBe(2);
    plc.set('MAIN.bClear', true);
    plc.scan(1);
    expect(plc.get('MAIN.nErrors')).toBe(0);
    expect(plc.get('MAIN.ctdLeft.CV')).toBe(5);
  });
  it('reads __NEW(FB_X(a := 1)) as a new FB with its FB_init arguments, and still refuses calling an FB type', () => {
    const fb = `FUNCTION_BLOCK FB_List
VAR
    nCapacity : UDINT;
END_VAR
METHOD FB_init : BOOL
VAR_INPUT
    bInitRetains : BOOL;
    bInCopyCode : BOOL;
    Initial_Capacity : UDINT;
END_VAR
nCapacity := Initial_Capacity;
FB_init := TRUE;
END_METHOD
END_FUNCTION_BLOCK
`;
    const main = `PROGRAM MAIN
VAR
    pList : POINTER TO FB_List;
END_VAR
IF pList = 0 THEN
    pList := __NEW(FB_List(Initial_Capacity := 16));
END_IF
FB_List();
END_PROGRAM
`;
    expect(check({}, fb, main)).toEqual([
      ['ST2012', 8, "'FB_List' is a function block type: declare an instance and call the instance"],
    ]);
  });
  it("takes CODESYS's formal names of the string functions, in the check and the simulator", () => {
    const main = `PROGRAM MAIN
VAR
    sPath : STRING := 'MAIN.fbSuite.Test1';
    sName : STRING;
    nDot : INT;
END_VAR
nDot := FIND(STR1 := sPath, STR2 := '.');
sName := RIGHT(STR := sPath, SIZE := LEN(STR := sPath) - nDot);
sName := CONCAT(STR1 := sName, STR2 := '!');
END_PROGRAM
`;
    expect(check({}, main)).toEqual([]);
    const plc = compileProgram([parseSource(main, 'main.st').unit]);
    plc.scan(1);
    expect(plc.get('MAIN.sName')).toBe('fbSuite.Test1!');
    expect(check({}, main.replace('STR2 :=', 'STR3 :=')).map((d) => d[0])).toEqual(['ST2008']);
  });
});
