import { readFileSync } from 'node:fs';
import { join } from 'node:path';
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

/** A shipped library interface file, read as the externals of a check. */
function shipped(name: string) {
  const file = join(import.meta.dirname, '../../libraries', `${name}.st`);
  return parseSource(readFileSync(file, 'utf8'), file).unit;
}

/** Checks one source read as the given format; returns code, line and message of each diagnostic. */
function checkAs(
  format: 'st' | 'twincat' | 'plcopen' | 'scl',
  source: string,
  options: CheckOptions = {},
): [string, number, string][] {
  const r = parseSource(source, 'MAIN.st', { format });
  expect(r.diagnostics).toEqual([]);
  return checkProject([r.unit], options).diagnostics.map((d) => [d.code, d.line, d.message]);
}

describe('checking the public TwinCAT corpus with the shipped libraries (issue 15)', () => {
  it('knows the compiler-defined __SYSTEM types: TYPE_CLASS, ExceptionCode, AnyType, IQueryInterface', () => {
    const src = `INTERFACE I_Object EXTENDS __SYSTEM.IQueryInterface
END_INTERFACE
FUNCTION_BLOCK FB_List
VAR
    eException : __SYSTEM.ExceptionCode;
    eClass : __SYSTEM.TYPE_CLASS;
    stValue : __SYSTEM.AnyType;
    nSize : DINT;
END_VAR
IF eClass = __SYSTEM.TYPE_CLASS.TYPE_WSTRING THEN
    nSize := stValue.diSize;
END_IF
IF eException <> __SYSTEM.ExceptionCode.RTSEXCPT_NOEXCEPTION THEN
    nSize := 0;
END_IF
END_FUNCTION_BLOCK
`;
    expect(check({}, src)).toEqual([]);
    expect(
      check({}, src.replace('TYPE_CLASS.TYPE_WSTRING', 'TYPE_CLASS.TYPE_TEXT')).map((d) => d[0]),
    ).toEqual(['ST2015']);
  });
  it('reads STRING(n) as a type argument and a positional argument after named ones as the next parameter', () => {
    const src = `FUNCTION BubbleSort : BOOL
VAR_INPUT
    data : POINTER TO LREAL;
    count : INT;
    indicesSorted : POINTER TO INT;
END_VAR
BubbleSort := TRUE;
END_FUNCTION
FUNCTION_BLOCK FB_StringBuilder
VAR
    pString : POINTER TO STRING;
    nLength : UDINT;
    nBytes : UDINT;
    sName : STRING;
    wsName : WSTRING;
    nPosition : INT;
    aValues : ARRAY[0..3] OF LREAL;
    aIndices : ARRAY[0..3] OF INT;
END_VAR
pString := __NEW(STRING(1), (nLength + 1));
nBytes := SIZEOF(STRING(1)) * (nLength + 1);
nPosition := FIND(STR1 := sName, '.');
sName := RIGHT(STR := sName, LEN(STR := sName) - nPosition);
nPosition := WLEN(STR := wsName);
BubbleSort(data := ADR(aValues), 4, indicesSorted := ADR(aIndices));
END_FUNCTION_BLOCK
`;
    expect(check({}, src)).toEqual([]);
    // the positional argument is checked against the parameter it lands on
    expect(check({}, src.replace('ADR(aValues), 4,', "ADR(aValues), 'four',")).map((d) => d[0])).toEqual([
      'ST2004',
    ]);
  });
  it('sets an FB input through a call of its action (FB_MemRingBuffer of the shipped Tc2_Utilities)', () => {
    const src = `FUNCTION_BLOCK FB_LogQueue
VAR
    aBuffer : ARRAY[0..1023] OF BYTE;
    fbRing : FB_MemRingBuffer;
    nEntry : DINT;
    bError : BOOL;
END_VAR
fbRing.A_AddTail(pWrite := ADR(nEntry), cbWrite := SIZEOF(nEntry), pBuffer := ADR(aBuffer), cbBuffer := SIZEOF(aBuffer));
bError := NOT fbRing.bOk;
fbRing.A_RemoveHead(pRead := ADR(nEntry), cbRead := SIZEOF(nEntry), pBufer := ADR(aBuffer));
END_FUNCTION_BLOCK
`;
    expect(check({ externals: [shipped('Tc2_System'), shipped('Tc2_Utilities')] }, src)).toEqual([
      ['ST2008', 10, "'fbRing.A_RemoveHead' has no parameter 'pBufer'"],
    ]);
  });
  it('folds SIZEOF of a type in an array bound with the 64-bit TwinCAT layout', () => {
    const src = `TYPE ST_LogMessage :
STRUCT
    bError : BOOL;
    nCode : DINT;
    sText : STRING(255);
    fValue : LREAL;
END_STRUCT
END_TYPE
FUNCTION_BLOCK FB_LogQueue
VAR
    aBuffer : ARRAY[0..((20 * (SIZEOF(ST_LogMessage) + PER_RECORD)) - 1)] OF BYTE;
    aRaw : ARRAY[0..SIZEOF(LREAL) - 1] OF BYTE;
END_VAR
VAR CONSTANT
    PER_RECORD : USINT := 4;
END_VAR
END_FUNCTION_BLOCK
`;
    const r = parseSource(src, 'q.st');
    const { checked, diagnostics } = checkProject([r.unit]);
    expect(diagnostics).toEqual([]);
    const dims = (name: string) => {
      const t = checked.pous.get('fb_logqueue')?.vars.get(name)?.type;
      return t?.kind === 'array' ? t.dims : undefined;
    };
    // BOOL at 0, DINT at 4, STRING(255) at 8..264, LREAL aligned to 264: 272 bytes
    expect(dims('abuffer')).toEqual([{ low: 0, high: 20 * (272 + 4) - 1 }]);
    expect(dims('araw')).toEqual([{ low: 0, high: 7 }]);
    // {attribute 'pack_mode' := '1'}: no padding, 1 + 4 + 256 + 8 bytes
    const packed = src.replace('TYPE ST_LogMessage', "{attribute 'pack_mode' := '1'}\nTYPE ST_LogMessage");
    const p = checkProject([parseSource(packed, 'q.st').unit]);
    const t = p.checked.pous.get('fb_logqueue')?.vars.get('abuffer')?.type;
    expect(t?.kind === 'array' && t.dims).toEqual([{ low: 0, high: 20 * (269 + 4) - 1 }]);
  });
  it('reads a named constant after the dot as a bit number, and an enumeration by the bits of its base', () => {
    const src = `TYPE E_AccessMode : (LOCAL := 0, REMOTE := 1) USINT; END_TYPE
FUNCTION_BLOCK FB_GaugeModbus
VAR
    aBits : ARRAY[0..3] OF BYTE;
    eMode : E_AccessMode;
    iIndex : INT;
    bBit : BOOL;
END_VAR
VAR CONSTANT
    nZero : INT := 0;
    nNine : INT := 9;
END_VAR
bBit := aBits[iIndex].nZero;
aBits[1].nZero := TRUE;
eMode.0 := bBit;
bBit := aBits[iIndex].nNine;
END_FUNCTION_BLOCK
`;
    // a BYTE has no bit 9
    expect(check({}, src)).toEqual([['ST2015', 16, "BYTE has no member 'nNine'"]]);
  });
  it("assigns another enumeration to a non-strict one with a warning, and refuses it for {attribute 'strict'}", () => {
    const src = `TYPE E_Command : (CloseValve := 0, OpenValve := 1); END_TYPE
TYPE E_Position : (OPEN := 0, CLOSED := 1); END_TYPE
FUNCTION_BLOCK FB_Valve
VAR
    eCommand : E_Command;
    ePrevious : E_Position;
END_VAR
ePrevious := eCommand;
END_FUNCTION_BLOCK
`;
    expect(check({}, src).map((d) => d[0])).toEqual(['ST3001']);
    const strict = src.replace('TYPE E_Position', "{attribute 'strict'}\nTYPE E_Position");
    expect(check({}, strict).map((d) => d[0])).toEqual(['ST2004']);
  });
  it('warns (ST3009) about a write to an AT %I* variable in TwinCAT and PLCopen code, and keeps ST2007 in plain ST', () => {
    const src = `FUNCTION_BLOCK FB_PIP_Interface
VAR
    i_xPressOk AT %I* : BOOL;
END_VAR
i_xPressOk := FALSE;
END_FUNCTION_BLOCK
`;
    expect(checkAs('twincat', src)).toEqual([
      [
        'ST3009',
        5,
        "'i_xPressOk' is a physical input: what is written here lasts until the next input update",
      ],
    ]);
    // Beremiz's BACnet example writes its simulated %ID inputs: MATIEC compiles it too
    expect(checkAs('plcopen', src).map((d) => d[0])).toEqual(['ST3009']);
    expect(checkAs('st', src).map((d) => d[0])).toEqual(['ST2007']);
  });
  it('lets a block write members of a VAR_INPUT CONSTANT instance in TwinCAT code, but not the instance or a constant scalar', () => {
    const src = `FUNCTION_BLOCK FB_AxisConfig
VAR_INPUT
    fGain : LREAL;
END_VAR
END_FUNCTION_BLOCK
FUNCTION_BLOCK FB_Axis
VAR_INPUT CONSTANT
    fbConfig : FB_AxisConfig;
    nAxis : INT;
END_VAR
VAR
    fbOther : FB_AxisConfig;
END_VAR
fbConfig.fGain := 0.5;
fbConfig();
nAxis := 2;
fbConfig := fbOther;
END_FUNCTION_BLOCK
`;
    expect(checkAs('twincat', src).map((d) => [d[0], d[1]])).toEqual([
      ['ST2006', 16],
      ['ST2006', 17],
    ]);
    // plain ST keeps the standard's reading: the constant instance is not written at all
    expect(checkAs('st', src).map((d) => [d[0], d[1]])).toEqual([
      ['ST2006', 14],
      ['ST2006', 16],
      ['ST2006', 17],
    ]);
  });
  it('types CHAR#\'0\' and WCHAR#"x" as CHAR and WCHAR (CASE labels of a CHAR selector, as SCL lowers them)', () => {
    const src = `PROGRAM MAIN
VAR
    c : CHAR := CHAR#'1';
    w : WCHAR := WCHAR#"x";
    v : INT;
END_VAR
CASE c OF
    CHAR#'0': v := 0;
    CHAR#'1': v := 1;
END_CASE
END_PROGRAM
`;
    expect(check({}, src)).toEqual([]);
    // a string literal is still no CHAR
    expect(check({}, src.replace("CHAR#'0':", "'0':")).map((d) => d[0])).toEqual(['ST2028']);
  });
  it('accepts a function without a result in TwinCAT and Siemens SCL units, not in plain ST', () => {
    const src = 'FUNCTION F_Swap\nVAR_IN_OUT a, b : INT; END_VAR\nEND_FUNCTION\n';
    expect(checkAs('scl', src)).toEqual([]);
    expect(checkAs('twincat', src)).toEqual([]);
    expect(checkAs('st', src).map((d) => d[0])).toEqual(['ST2013']);
  });
  it('names the referenced library not given for a name a shipped library it does not reference declares', () => {
    const src = `PROGRAM MAIN
VAR
    fbSuite : FB_Testsuite;
END_VAR
END_PROGRAM
`;
    // FB_Testsuite is also TcUnit's, but this project references Tc3_UnitTest, not TcUnit
    expect(check({ libraryReferences: [{ name: 'Tc2_System' }, { name: 'Tc3_UnitTest' }] }, src)).toEqual([
      [
        'ST2017',
        3,
        "'FB_Testsuite' comes from vendor library one of Tc2_System, Tc3_UnitTest, which this project does not contain (declare it with --externals)",
      ],
    ]);
    expect(check({}, src).map((d) => d[2])).toEqual([
      "'FB_Testsuite' comes from vendor library TcUnit, which this project does not contain (declare it with --externals)",
    ]);
  });
  it('names the library behind a namespace in a qualified type name (IBaseLibrary: Base Interfaces)', () => {
    const src =
      'FUNCTION_BLOCK FB_X\nVAR\n    eClass : IBaseLibrary.TypeClass;\n    hFile : SysFile.RTS_IEC_HANDLE;\nEND_VAR\nEND_FUNCTION_BLOCK\n';
    expect(check({}, src).map((d) => d[2].replace(/, which.*/, ''))).toEqual([
      "'IBaseLibrary.TypeClass' comes from vendor library Base Interfaces",
      "'SysFile.RTS_IEC_HANDLE' comes from vendor library SysFile",
    ]);
  });
  it('names the library of Lib.GVL.CONST in an array bound, and folds it when the library is given', () => {
    const src = `FUNCTION_BLOCK FB_Test
VAR
    aValues : ARRAY[0..Struckig.ParameterList.MaxDoFs] OF LREAL;
    aBuffer : ARRAY[0..TcUnit.GVL_Param_TcUnit.xUnitBufferSize - 1] OF BYTE;
END_VAR
END_FUNCTION_BLOCK
`;
    const tcUnit = parseSource(
      "{attribute 'qualified_only'}\nVAR_GLOBAL CONSTANT\n    xUnitBufferSize : UDINT := 65535;\nEND_VAR\n",
      '/libraries/TcUnit.st',
    ).unit;
    const references = [{ name: 'Struckig' }, { name: 'TcUnit' }];
    expect(check({ externals: [tcUnit], libraryReferences: references }, src)).toEqual([
      [
        'ST2017',
        3,
        "'Struckig.ParameterList.MaxDoFs' comes from vendor library Struckig, which this project does not contain (declare it with --externals)",
      ],
    ]);
  });
  it('initialises an FB through a property with a setter, and leaves members of an unknown base to its EXTENDS', () => {
    const src = `FUNCTION_BLOCK FB_Brake
VAR
    eMode : INT;
END_VAR
PROPERTY BrakeMode : INT
SET
eMode := BrakeMode;
END_SET
END_PROPERTY
PROPERTY Released : BOOL
GET
Released := FALSE;
END_GET
END_PROPERTY
END_FUNCTION_BLOCK
FUNCTION_BLOCK FB_Sensor EXTENDS FB_TempSensor_FFO
END_FUNCTION_BLOCK
PROGRAM MAIN
VAR
    fbBrake : FB_Brake := (BrakeMode := 2);
    fbRtd : FB_Sensor := (fResolution := 0.01);
END_VAR
END_PROGRAM
`;
    expect(check({}, src).map((d) => [d[0], d[1]])).toEqual([['ST2002', 16]]);
    // a property without a setter cannot be initialised
    expect(check({}, src.replace('(BrakeMode := 2)', '(Released := TRUE)')).map((d) => [d[0], d[1]])).toEqual(
      [
        ['ST2002', 16],
        ['ST2015', 20],
      ],
    );
  });
});

describe('checking the public PLCopen corpus (issue 15)', () => {
  it('knows MULTIME/DIVTIME (2nd edition) and MUL_TIME/DIV_TIME, in the check and the simulator', () => {
    // OSCAT's signal generators as OpenPLC builds them call MULTIME (MATIEC compiles it)
    const src = `PROGRAM MAIN
VAR
    tPulse : TIME;
    tSlice : TIME;
    tStep : TIME;
    nSteps : INT := 3;
END_VAR
tPulse := MULTIME(T#1S, 2.5);
tSlice := DIVTIME(T#10S, 4);
tStep := MUL_TIME(T#100MS, nSteps);
END_PROGRAM
`;
    expect(check({}, src)).toEqual([]);
    const plc = compileProgram([parseSource(src, 'main.st').unit]);
    plc.scan(1);
    expect([plc.get('MAIN.tPulse'), plc.get('MAIN.tSlice'), plc.get('MAIN.tStep')]).toEqual([
      2500, 2500, 300,
    ]);
    expect(check({}, src.replace('MULTIME(T#1S, 2.5)', 'MULTIME(T#1S)')).map((d) => d[0])).toEqual([
      'ST2010',
    ]);
  });
  it("names Beremiz's own libraries (SVGHMI, py_ext, NativeLib) for their types", () => {
    const src = `PROGRAM program0
VAR
    level : HMI_INT;
    py : python_eval;
    log : LOGGER;
END_VAR
log(TRIG := TRUE, MSG := 'x', LEVEL := DEBUG);
END_PROGRAM
`;
    expect(check({}, src).map((d) => d[2].replace(/, which.*/, ''))).toEqual([
      "'HMI_INT' comes from vendor library Beremiz SVGHMI",
      "'python_eval' comes from vendor library Beremiz py_ext",
      "'LOGGER' comes from vendor library Beremiz NativeLib",
      "'DEBUG' comes from vendor library Beremiz NativeLib",
    ]);
  });
});

describe('shipped library interfaces: names public code uses (issue 15)', () => {
  it('Tc3_EventLogger: FB_TcAlarm.bActive, EqualsToEventEntry, the I_TcMessage properties', () => {
    const src = `FUNCTION_BLOCK FB_Event
VAR
    fbAlarm : FB_TcAlarm;
    ipMessage : I_TcMessage;
    stEntry : TcEventEntry;
    bSame : BOOL;
END_VAR
IF fbAlarm.bActive THEN
    fbAlarm.Clear(0, FALSE);
END_IF
bSame := fbAlarm.EqualsToEventEntry(stEntry.uuidEventClass, stEntry.nEventId, TcEventSeverity.Error);
IF ipMessage <> 0 THEN
    stEntry := ipMessage.stEventEntry;
    bSame := ipMessage.EqualsToEventEntryEx(stEntry);
    ipMessage.Send(0);
END_IF
END_FUNCTION_BLOCK
`;
    const libs = [shipped('Tc2_System'), shipped('Tc3_EventLogger')];
    expect(check({ externals: libs }, src)).toEqual([]);
    expect(
      check({ externals: libs }, src.replace('fbAlarm.bActive', 'fbAlarm.bActiv')).map((d) => d[0]),
    ).toEqual(['ST2015']);
  });
  it("TcUnit: the named parameter list GVL_Param_TcUnit, FB_FileControl, a suite's assert counters", () => {
    const src = `FUNCTION_BLOCK FB_TestStreamBuffer EXTENDS TcUnit.FB_TestSuite
VAR
    Buffer : ARRAY[0..TcUnit.GVL_Param_TcUnit.xUnitBufferSize - 1] OF BYTE;
    FileControl : TcUnit.FB_FileControl;
    nResult : UDINT;
    nSize : UDINT;
    nAsserts : UINT;
END_VAR
nSize := GVL_Param_TcUnit.xUnitBufferSize;
nResult := FileControl.Open(FileName := 'results.xml', FileAccessMode := 16#2);
nAsserts := AssertArrayResults.TotalArrayAsserts + AssertResults.TotalAsserts;
END_FUNCTION_BLOCK
`;
    const libs = [shipped('Tc2_System'), shipped('TcUnit')];
    const { checked, diagnostics } = checkProject([parseSource(src, 'suite.st').unit], {
      externals: libs,
      libraryReferences: [{ name: 'Tc2_System' }, { name: 'TcUnit' }],
    });
    expect(diagnostics).toEqual([]);
    const buffer = checked.pous.get('fb_teststreambuffer')?.vars.get('buffer')?.type;
    expect(buffer?.kind === 'array' && buffer.dims).toEqual([{ low: 0, high: 65534 }]);
    // a parameter the list does not declare
    expect(
      check(
        { externals: libs },
        src.replace('GVL_Param_TcUnit.xUnitBufferSize;', 'GVL_Param_TcUnit.xUnitBufferSiz;'),
      ).map((d) => d[0]),
    ).toEqual(['ST2015']);
  });
  it('Tc2_Utilities and Tc2_System: LEN2, STRNCPY, FILETIME64_TO_SYSTEMTIME, F_CheckMemoryArea', () => {
    const src = `FUNCTION_BLOCK FB_Array_List
VAR
    sValue : STRING(1000);
    sCopy : STRING(80);
    nLength : UDINT;
    bComplete : BOOL;
    stNow : TIMESTRUCT;
    eArea : E_TcMemoryArea;
    nFileTime : T_FILETIME64;
END_VAR
nLength := Tc2_Utilities.LEN2(ADR(sValue));
bComplete := STRNCPY(pDst := ADR(sCopy), pSrc := ADR(sValue), nDstSize := SIZEOF(sCopy));
stNow := FILETIME64_TO_SYSTEMTIME(nFileTime);
eArea := F_CheckMemoryArea(pData := ADR(sValue), nSize := SIZEOF(sValue));
IF eArea = E_TcMemoryArea.Dynamic THEN
    nLength := 0;
END_IF
END_FUNCTION_BLOCK
`;
    const libs = [shipped('Tc2_System'), shipped('Tc2_Utilities')];
    const references = [{ name: 'Tc2_System' }, { name: 'Tc2_Utilities' }];
    expect(check({ externals: libs, libraryReferences: references }, src)).toEqual([]);
    expect(
      check({ externals: libs, libraryReferences: references }, src.replace('nSize :=', 'nSiz :=')).map(
        (d) => d[2],
      ),
    ).toEqual(["'F_CheckMemoryArea' has no parameter 'nSiz'"]);
    // a name of a given library that its interface file lacks is that file's gap, not a missing library
    expect(
      check(
        { externals: libs, libraryReferences: references },
        src.replace('(nFileTime)', '(F_GetSystemTime())'),
      ),
    ).toEqual([
      [
        'ST2032',
        13,
        "'F_GetSystemTime' is not in the interface of library Tc2_Utilities that was given (add it to the library's interface file)",
      ],
    ]);
  });
  it('Tc2_EtherCAT slave states, byte order and NetID helpers, SYSTEMTIME_TO_STRING', () => {
    const src = `FUNCTION_BLOCK FB_EcDiag
VAR
    fbState : FB_EcGetSlaveState;
    aNetId : T_AmsNetIdArr;
    sNetId : T_AmsNetID;
    bOp : BOOL;
    nWire : WORD;
    sStamp : STRING(24);
    stNow : TIMESTRUCT;
END_VAR
sNetId := F_CreateAmsNetId(aNetId);
fbState(sNetId := sNetId, nSlaveAddr := 1001, bExecute := TRUE);
bOp := (fbState.state.deviceState AND 16#0F) = EC_DEVICE_STATE_OP AND fbState.state.linkState = EC_LINK_STATE_OK;
nWire := HOST_TO_BE16(BE16_TO_HOST(nWire));
sStamp := SYSTEMTIME_TO_STRING(stNow);
END_FUNCTION_BLOCK
`;
    const libs = [shipped('Tc2_System'), shipped('Tc2_Utilities'), shipped('Tc2_EtherCAT')];
    expect(check({ externals: libs }, src)).toEqual([]);
    expect(check({ externals: libs }, src.replace('state.linkState', 'state.link')).map((d) => d[0])).toEqual(
      ['ST2015'],
    );
  });
  it('Tc2_MC2 and Tc2_Utilities: AXIS_REF.DriveAddress, MC_ReadDriveAddress, T_FILETIME64', () => {
    const src = `FUNCTION_BLOCK FB_CauseNCError
VAR_IN_OUT
    Axis : AXIS_REF;
END_VAR
VAR
    mcReadDriveAddress : MC_ReadDriveAddress;
    nDrive : DWORD;
    nStamp : T_FILETIME64;
END_VAR
mcReadDriveAddress(Axis := Axis, Execute := TRUE, DriveAddress => Axis.DriveAddress);
nDrive := Axis.DriveAddress.NcDriveId;
nStamp := 16#01D9_0000_0000_0000;
END_FUNCTION_BLOCK
`;
    const libs = [shipped('Tc2_System'), shipped('Tc2_MC2'), shipped('Tc2_Utilities')];
    expect(check({ externals: libs }, src)).toEqual([]);
  });
});
