/**
 * The standard library the checker knows without a declaration:
 * the standard function blocks (IEC 61131-3 §6.6.3.5) declared in ST and
 * parsed once, the generic standard functions (§6.6.2.5, the table of
 * `standard-library.ts`), the `*_TO_*` conversions (§6.6.2.5.2), and a table of well-known
 * vendor library symbols so a missing library is named in the diagnostic.
 */
import { LIBRARY_SYMBOLS } from './library-symbols';
import { STANDARD_FUNCTIONS, type StdFunctionDef } from './standard-library';
import { ELEMENTARY, intInfo, T_STRING, T_WSTRING, TYPE_ALIASES, type Type } from './types';

/** The standard FBs as ST (timing diagrams in §6.6.3.5.4; counters §6.6.3.5.3; edges §6.6.3.5.2; bistables §6.6.3.5.1). */
export const STANDARD_FB_SOURCE = `
FUNCTION_BLOCK TON
VAR_INPUT IN : BOOL; PT : TIME; END_VAR
VAR_OUTPUT Q : BOOL; ET : TIME; END_VAR
END_FUNCTION_BLOCK
FUNCTION_BLOCK TOF
VAR_INPUT IN : BOOL; PT : TIME; END_VAR
VAR_OUTPUT Q : BOOL; ET : TIME; END_VAR
END_FUNCTION_BLOCK
FUNCTION_BLOCK TP
VAR_INPUT IN : BOOL; PT : TIME; END_VAR
VAR_OUTPUT Q : BOOL; ET : TIME; END_VAR
END_FUNCTION_BLOCK
FUNCTION_BLOCK LTON
VAR_INPUT IN : BOOL; PT : LTIME; END_VAR
VAR_OUTPUT Q : BOOL; ET : LTIME; END_VAR
END_FUNCTION_BLOCK
FUNCTION_BLOCK LTOF
VAR_INPUT IN : BOOL; PT : LTIME; END_VAR
VAR_OUTPUT Q : BOOL; ET : LTIME; END_VAR
END_FUNCTION_BLOCK
FUNCTION_BLOCK LTP
VAR_INPUT IN : BOOL; PT : LTIME; END_VAR
VAR_OUTPUT Q : BOOL; ET : LTIME; END_VAR
END_FUNCTION_BLOCK
FUNCTION_BLOCK CTU
VAR_INPUT CU : BOOL; R : BOOL; PV : INT; END_VAR
VAR_OUTPUT Q : BOOL; CV : INT; END_VAR
END_FUNCTION_BLOCK
FUNCTION_BLOCK CTD
VAR_INPUT CD : BOOL; LD : BOOL; PV : INT; END_VAR
VAR_OUTPUT Q : BOOL; CV : INT; END_VAR
END_FUNCTION_BLOCK
FUNCTION_BLOCK CTUD
VAR_INPUT CU : BOOL; CD : BOOL; R : BOOL; LD : BOOL; PV : INT; END_VAR
VAR_OUTPUT QU : BOOL; QD : BOOL; CV : INT; END_VAR
END_FUNCTION_BLOCK
FUNCTION_BLOCK R_TRIG
VAR_INPUT CLK : BOOL; END_VAR
VAR_OUTPUT Q : BOOL; END_VAR
END_FUNCTION_BLOCK
FUNCTION_BLOCK F_TRIG
VAR_INPUT CLK : BOOL; END_VAR
VAR_OUTPUT Q : BOOL; END_VAR
END_FUNCTION_BLOCK
FUNCTION_BLOCK SR
VAR_INPUT S1 : BOOL; R : BOOL; END_VAR
VAR_OUTPUT Q1 : BOOL; END_VAR
END_FUNCTION_BLOCK
FUNCTION_BLOCK RS
VAR_INPUT S : BOOL; R1 : BOOL; END_VAR
VAR_OUTPUT Q1 : BOOL; END_VAR
END_FUNCTION_BLOCK
`;

/** A generic standard function: arity and a result rule over the argument types. */
export type StdFunction = Pick<StdFunctionDef, 'min' | 'max' | 'result' | 'lvalueArgs'>;

/** Standard functions by upper-case name (the table of `standard-library.ts`). */
export const STD_FUNCTIONS: ReadonlyMap<string, StdFunction> = STANDARD_FUNCTIONS;

/**
 * A conversion's argument and result types. `bcd` marks the BCD conversions of
 * the 3rd edition's Table 22: `decode` (`BCD_TO_UINT`, overloaded over the bit
 * strings BYTE..LWORD, so without `from`; `WORD_BCD_TO_UINT`) and `encode`
 * (`UINT_TO_BCD`, a bit string as wide as the integer; `UINT_TO_BCD_WORD`).
 */
interface ConversionTypes {
  from?: Type;
  to: Type;
  bcd?: 'decode' | 'encode';
}

/** The conversion `A_TO_B` / `TO_B` / `TRUNC_B` (and the BCD ones): its types, or undefined if `name` is not one. */
export function conversionResult(upperName: string): ConversionTypes | undefined {
  const m = /^(?:([A-Z_]+?)_)?(TO|TRUNC)_([A-Z_]+)$/.exec(upperName);
  if (!m) return undefined;
  const [, fromName, op, toName] = m as unknown as [string, string | undefined, string, string];
  if (op === 'TO' && (fromName === 'BCD' || fromName?.endsWith('_BCD') || /^BCD(_|$)/.test(toName)))
    return bcdConversion(fromName, toName);
  const to = elementaryOrString(toName);
  if (!to) return undefined;
  if (fromName === undefined) return { to };
  const from = elementaryOrString(fromName);
  if (!from) return undefined;
  return { from, to };
}

/** The bit string as wide as each integer type (`UINT_TO_BCD` gives a WORD). */
const BCD_WORD_OF_BITS: Readonly<Record<number, string>> = {
  8: 'BYTE',
  16: 'WORD',
  32: 'DWORD',
  64: 'LWORD',
};

/** Table 22's BCD conversions: `[BITS_]BCD_TO_INT` decodes, `INT_TO_BCD[_BITS]` encodes. */
function bcdConversion(fromName: string | undefined, toName: string): ConversionTypes | undefined {
  const integer = (n: string | undefined) => {
    const t = n === undefined ? undefined : ELEMENTARY.get(TYPE_ALIASES.get(n) ?? n);
    const info = t && intInfo(t);
    return t && info && !info.bit ? t : undefined;
  };
  const bitString = (n: string) => (BCD_BIT_STRINGS.includes(n) ? ELEMENTARY.get(n) : undefined);
  if (toName === 'BCD' || toName.startsWith('BCD_')) {
    const from = integer(fromName);
    if (!from) return undefined;
    const to =
      toName === 'BCD' ? ELEMENTARY.get(BCD_WORD_OF_BITS[intInfo(from)!.bits]!) : bitString(toName.slice(4));
    return to ? { from, to, bcd: 'encode' } : undefined;
  }
  const to = integer(toName);
  if (!to) return undefined;
  if (fromName === 'BCD') return { to, bcd: 'decode' };
  const from = bitString(fromName!.slice(0, -4));
  return from ? { from, to, bcd: 'decode' } : undefined;
}

/** The bit strings a BCD number is held in (the argument of the overloaded `BCD_TO_*`). */
export const BCD_BIT_STRINGS: readonly string[] = Object.values(BCD_WORD_OF_BITS);

function elementaryOrString(name: string): Type | undefined {
  const n = TYPE_ALIASES.get(name) ?? name;
  if (n === 'STRING') return T_STRING;
  if (n === 'WSTRING') return T_WSTRING;
  return ELEMENTARY.get(n);
}

/**
 * The types the TwinCAT / CODESYS compiler itself defines in namespace
 * `__SYSTEM` (the binder declares each under its qualified name,
 * `__SYSTEM.TYPE_CLASS`): the type class of an `ANY` argument and the
 * `AnyType` structure such an argument is passed as, the exception codes
 * `__TRY`/`__CATCH` hands over, and `IQueryInterface`, the base of an
 * interface `__QUERYINTERFACE` can cast to. Facts from the CODESYS online
 * help (ANY data types, __TRY/__CATCH, __QUERYINTERFACE).
 */
export const SYSTEM_TYPES_SOURCE = `
TYPE TYPE_CLASS :
(
    TYPE_BOOL, TYPE_BIT, TYPE_BYTE, TYPE_WORD, TYPE_DWORD, TYPE_LWORD, TYPE_SINT, TYPE_INT,
    TYPE_DINT, TYPE_LINT, TYPE_USINT, TYPE_UINT, TYPE_UDINT, TYPE_ULINT, TYPE_REAL, TYPE_LREAL,
    TYPE_STRING, TYPE_WSTRING, TYPE_TIME, TYPE_DATE, TYPE_DATEANDTIME, TYPE_TIMEOFDAY, TYPE_POINTER,
    TYPE_REFERENCE, TYPE_SUBRANGE, TYPE_ENUM, TYPE_ARRAY, TYPE_PARAMS, TYPE_USERDEF, TYPE_NONE,
    TYPE_ANY, TYPE_ANYBIT, TYPE_ANYDATE, TYPE_ANYINT, TYPE_ANYNUM, TYPE_ANYREAL, TYPE_LAZY, TYPE_LTIME,
    TYPE_BITCONST
) DINT;
END_TYPE
TYPE AnyType :
STRUCT
    typeclass : __SYSTEM.TYPE_CLASS;
    pValue : POINTER TO BYTE;
    diSize : DINT;
END_STRUCT
END_TYPE
TYPE ExceptionCode :
(
    RTSEXCPT_NOEXCEPTION := 0,
    RTSEXCPT_WATCHDOG := 16#10,
    RTSEXCPT_ILLEGAL_INSTRUCTION := 16#50,
    RTSEXCPT_ACCESS_VIOLATION := 16#51,
    RTSEXCPT_PRIV_INSTRUCTION := 16#52,
    RTSEXCPT_STACK_OVERFLOW := 16#54,
    RTSEXCPT_MISALIGNMENT := 16#100,
    RTSEXCPT_ARRAYBOUNDS := 16#101,
    RTSEXCPT_DIVIDEBYZERO := 16#102,
    RTSEXCPT_OVERFLOW := 16#103,
    RTSEXCPT_FPU_ERROR := 16#150,
    RTSEXCPT_FPU_DIVIDEBYZERO := 16#152,
    RTSEXCPT_FPU_INVALID_OPERATION := 16#154,
    RTSEXCPT_FPU_OVERFLOW := 16#155,
    RTSEXCPT_FPU_UNDERFLOW := 16#157
) UDINT;
END_TYPE
INTERFACE IQueryInterface
END_INTERFACE
`;

/**
 * Well-known symbols of vendor libraries (upper case → library), so a project
 * that uses them without the library gets ST2017 naming the library instead
 * of a bare "unknown name": every name a shipped interface file declares, plus
 * by hand names of libraries (or parts of them) not shipped.
 */
export const VENDOR_SYMBOLS: ReadonlyMap<string, string> = new Map<string, string>([
  ...[
    'ADSLOGEVENT',
    'F_GETTASKINDEX',
    'FB_FILEPUTS',
    'FB_FILEGETS',
    'ADSRDWRT',
    'TASKINFO',
    'GETSYSTEMTIME',
    'F_GETVERSIONTCSYSTEM',
  ].map((n) => [n, 'Tc2_System'] as const),
  ...[
    'FILETIME_TO_DT',
    'F_GETSYSTEMTIME',
    'FB_STRINGRINGBUFFER',
    'FB_MEMRINGBUFFER',
    'FB_GETLOCALAMSNETID',
    'FB_BASICPID',
    'FB_CSVMEMBUFFERREADER',
    'FB_CSVMEMBUFFERWRITER',
  ].map((n) => [n, 'Tc2_Utilities'] as const),
  // CODESYS system libraries, by the names a .plcproj references them with (IBaseLibrary is the
  // namespace of Base Interfaces)
  ...['IBASELIBRARY'].map((n) => [n, 'Base Interfaces'] as const),
  ...['SYSFILE'].map((n) => [n, 'SysFile'] as const),
  ...['SYSDIR'].map((n) => [n, 'SysDir'] as const),
  ...['FB_ECGETSLAVECOUNT'].map((n) => [n, 'Tc2_EtherCAT'] as const),
  ...['SYSMEMCPY', 'SYSMEMSET', 'SYSTIMEGETMS', 'SYSTIMERTCGET'].map(
    (n) => [n, 'CODESYS SysMem/SysTime'] as const,
  ),
  ...[
    'BLINK',
    'FREQ_MEASURE',
    'GEN',
    'HYSTERESIS',
    'LIMITALARM',
    'PID',
    'PD',
    'RAMP_INT',
    'RAMP_REAL',
    'VELOCITY',
  ].map((n) => [n, 'CODESYS Util'] as const),
  ...['TC_EVENTLOGGER'].map((n) => [n, 'Tc3_EventLogger'] as const),
  // the libraries Beremiz ships with its IDE as PLCopen XML (NativeLib.xml, svghmi/pous.xml,
  // py_ext/pous.xml, plcopen/Additional_Function_Blocks.xml, etherlab/pous.xml)
  // (with LOGLEVEL's values: a name found nowhere that is one of them is taken as from there)
  ...['LOGGER', 'LOGLEVEL', 'CRITICAL', 'WARNING', 'INFO', 'DEBUG'].map(
    (n) => [n, 'Beremiz NativeLib'] as const,
  ),
  ...['SINT', 'INT', 'DINT', 'LINT', 'USINT', 'UINT', 'UDINT', 'ULINT', 'REAL', 'STRING', 'BOOL', 'NODE'].map(
    (n) => [`HMI_${n}`, 'Beremiz SVGHMI'] as const,
  ),
  ...['PYTHON_EVAL', 'PYTHON_POLL', 'PYTHON_GEAR', 'CSV_READ_BY_STRING', 'CSV_READ_BY_INT', 'CSV_RELOAD'].map(
    (n) => [n, 'Beremiz py_ext'] as const,
  ),
  ...['RTC', 'INTEGRAL', 'DERIVATIVE', 'RAMP'].map((n) => [n, 'Beremiz Additional Function Blocks'] as const),
  ...['ETHERLABSDOUPLOAD', 'ETHERLABSDODOWNLOAD', 'ETHERLABSETTORQUELIMIT', 'ETHERLABGETTORQUELIMIT'].map(
    (n) => [n, 'Beremiz EtherLab'] as const,
  ),
  // every name the shipped interface files declare (library-symbols.ts, kept equal to the files by its test)
  ...Object.entries(LIBRARY_SYMBOLS).flatMap(([lib, names]) => names.map((n) => [n, lib] as const)),
]);
