/**
 * The standard function blocks of IEC 61131-3 §6.6.3.5 (bistables, edge
 * detection, counters, timers), as plain functions over an instance object.
 * Generated code calls them with the virtual clock; nothing reads the wall clock.
 *
 * Field names of the instance objects are the standard's member names (fixed
 * by this table, never taken from user text); internal state starts with `$`.
 */
import type { ElementaryName } from './sim-types';
import { elem, type SimType } from './sim-types';

/** Options that change the standard FBs' behaviour where dialects differ. */
export interface StdFbOptions {
  /**
   * Counters stop at the limits of INT (IEC 61131-3 §6.6.3.5.3: CTU counts only while CV < PVmax,
   * CTD only while CV > PVmin). `false` wraps like some vendor libraries.
   * @default true
   */
  counterSaturation: boolean;
}

type Member = { name: string; type: ElementaryName; dir: 'input' | 'output' | 'internal' };

function members(inputs: [string, ElementaryName][], outputs: [string, ElementaryName][]): Member[] {
  return [
    ...inputs.map(([name, type]) => ({ name, type, dir: 'input' as const })),
    ...outputs.map(([name, type]) => ({ name, type, dir: 'output' as const })),
  ];
}

/** Interfaces of the standard FBs: member name, type and direction (IEC 61131-3 Tables 43–46). */
export const STD_FB_MEMBERS: Record<string, Member[]> = {
  SR: members(
    [
      ['S1', 'BOOL'],
      ['R', 'BOOL'],
    ],
    [['Q1', 'BOOL']],
  ),
  RS: members(
    [
      ['S', 'BOOL'],
      ['R1', 'BOOL'],
    ],
    [['Q1', 'BOOL']],
  ),
  R_TRIG: members([['CLK', 'BOOL']], [['Q', 'BOOL']]),
  F_TRIG: members([['CLK', 'BOOL']], [['Q', 'BOOL']]),
  CTU: members(
    [
      ['CU', 'BOOL'],
      ['R', 'BOOL'],
      ['PV', 'INT'],
    ],
    [
      ['Q', 'BOOL'],
      ['CV', 'INT'],
    ],
  ),
  CTD: members(
    [
      ['CD', 'BOOL'],
      ['LD', 'BOOL'],
      ['PV', 'INT'],
    ],
    [
      ['Q', 'BOOL'],
      ['CV', 'INT'],
    ],
  ),
  CTUD: members(
    [
      ['CU', 'BOOL'],
      ['CD', 'BOOL'],
      ['R', 'BOOL'],
      ['LD', 'BOOL'],
      ['PV', 'INT'],
    ],
    [
      ['QU', 'BOOL'],
      ['QD', 'BOOL'],
      ['CV', 'INT'],
    ],
  ),
  TON: members(
    [
      ['IN', 'BOOL'],
      ['PT', 'TIME'],
    ],
    [
      ['Q', 'BOOL'],
      ['ET', 'TIME'],
    ],
  ),
  TOF: members(
    [
      ['IN', 'BOOL'],
      ['PT', 'TIME'],
    ],
    [
      ['Q', 'BOOL'],
      ['ET', 'TIME'],
    ],
  ),
  TP: members(
    [
      ['IN', 'BOOL'],
      ['PT', 'TIME'],
    ],
    [
      ['Q', 'BOOL'],
      ['ET', 'TIME'],
    ],
  ),
  // IEC 61131-3 3rd ed. §6.6.3.5.4: the same timers on LTIME (bigint nanoseconds here)
  LTON: members(
    [
      ['IN', 'BOOL'],
      ['PT', 'LTIME'],
    ],
    [
      ['Q', 'BOOL'],
      ['ET', 'LTIME'],
    ],
  ),
  LTOF: members(
    [
      ['IN', 'BOOL'],
      ['PT', 'LTIME'],
    ],
    [
      ['Q', 'BOOL'],
      ['ET', 'LTIME'],
    ],
  ),
  LTP: members(
    [
      ['IN', 'BOOL'],
      ['PT', 'LTIME'],
    ],
    [
      ['Q', 'BOOL'],
      ['ET', 'LTIME'],
    ],
  ),
};

/** True when `name` (upper case) is a standard FB. */
export function isStdFb(name: string): boolean {
  return Object.hasOwn(STD_FB_MEMBERS, name);
}

/** The type of a member of a standard FB, or undefined. */
export function stdFbMemberType(
  fb: string,
  member: string,
): { type: SimType; dir: Member['dir'] } | undefined {
  const m = STD_FB_MEMBERS[fb]?.find((x) => x.name === member.toUpperCase());
  return m ? { type: elem(m.type), dir: m.dir } : undefined;
}

/** A standard FB instance: its members plus internal state (LTIME members are bigint ns). */
export type StdFbInstance = Record<string, boolean | number | bigint>;

/**
 * A fresh instance of a standard FB with the standard's initial values (all FALSE / 0): its
 * members plus the internal state its body uses — `$m`/`$m2` the edge memories (R_TRIG.M, the
 * counters' CU/CD triggers, TOF/TP's last IN), `$s` a timer's start time, `$run` a running
 * timer, `$done` a TP pulse that has ended (ET holds PT until IN is FALSE); the LTIME timers
 * hold PT and ET as bigint ns and `$s` in ms like the others (the virtual clock is ms). Each type is one
 * object literal, so all fields are in-object and every instance of a type shares one hidden
 * class: a plant of 2,400 FBs ran 8 % faster than with the former one shape of ten fields for
 * all types (docs/virtual-plc.md).
 */
export function newStdFb(fb: string): StdFbInstance {
  switch (fb) {
    case 'SR':
      return { S1: false, R: false, Q1: false };
    case 'RS':
      return { S: false, R1: false, Q1: false };
    case 'R_TRIG':
    case 'F_TRIG':
      return { CLK: false, Q: false, $m: false };
    case 'CTU':
      return { CU: false, R: false, PV: 0, Q: false, CV: 0, $m: false };
    case 'CTD':
      return { CD: false, LD: false, PV: 0, Q: false, CV: 0, $m: false };
    case 'CTUD':
      return {
        CU: false,
        CD: false,
        R: false,
        LD: false,
        PV: 0,
        QU: false,
        QD: false,
        CV: 0,
        $m: false,
        $m2: false,
      };
    case 'TON':
      return { IN: false, PT: 0, Q: false, ET: 0, $s: 0, $run: false };
    case 'TOF':
      return { IN: false, PT: 0, Q: false, ET: 0, $m: false, $s: 0, $run: false };
    case 'TP':
      return { IN: false, PT: 0, Q: false, ET: 0, $m: false, $s: 0, $run: false, $done: false };
    case 'LTON':
      return { IN: false, PT: 0n, Q: false, ET: 0n, $s: 0, $run: false };
    case 'LTOF':
      return { IN: false, PT: 0n, Q: false, ET: 0n, $m: false, $s: 0, $run: false };
    case 'LTP':
      return { IN: false, PT: 0n, Q: false, ET: 0n, $m: false, $s: 0, $run: false, $done: false };
    default:
      throw new Error(`internal: ${fb} is not a standard function block`);
  }
}

/**
 * {@link newStdFb}'s instance as JavaScript object-literal code, which generated code embeds
 * where an instance is created (2 % faster on bench (b) than calling a constructor).
 */
export function stdFbLiteral(fb: string): string {
  return `{${Object.entries(newStdFb(fb))
    .map(([k, v]) => `${k}:${typeof v === 'bigint' ? `${v}n` : v}`)
    .join(',')}}`;
}

/**
 * The timed phase of TOF and TP: ET follows the clock from the start time `$s`; at PT it
 * stops there, the phase ends, and the caller drops Q. Returns true when PT is reached.
 */
function timeUp(s: StdFbInstance, now: number): boolean {
  const pt = s.PT as number;
  const et = now - (s.$s as number);
  if (et < pt) {
    s.ET = et;
    return false;
  }
  s.ET = Math.max(0, pt);
  s.$run = false;
  return true;
}

/** Nanoseconds (LTIME) from `start` to `now`, both virtual clock ms. */
function nsSince(start: number, now: number): bigint {
  return BigInt(Math.round((now - start) * 1e6));
}

/** {@link timeUp} of LTOF and LTP: PT and ET in bigint ns. */
function ltimeUp(s: StdFbInstance, now: number): boolean {
  const pt = s.PT as bigint;
  const et = nsSince(s.$s as number, now);
  if (et < pt) {
    s.ET = et;
    return false;
  }
  s.ET = pt > 0n ? pt : 0n;
  s.$run = false;
  return true;
}

/**
 * A standard FB's body as generated code for a call that stores its trigger input (TON's IN,
 * R_TRIG's and F_TRIG's CLK): `input` names that member, `whenTrue` and `whenFalse` are the body
 * with the member known to hold TRUE or FALSE. The call emits `if (value) { i.IN = true; …
 * whenTrue } else { i.IN = false; … whenFalse }`, so the input's value is a branch, not a boolean
 * materialised, stored and tested again: on bench (b), 60 FB bodies of one TON and one R_TRIG,
 * 12–20 % more scans/s than the stores and a call of {@link makeStdFbs}' body, which V8 inlined
 * (docs/virtual-plc.md, session 14). Each form is that body's statements in the same order;
 * `std-fbs-inline.test.ts` runs both over every state and input and compares them.
 *
 * `i` is the instance's code (a name); `code` names the clock and `Math.max` in the generated
 * module and gives fresh local names.
 */
export function inlineStdFb(
  fb: string,
  i: string,
  code: { now: string; max: string; tmp: () => string },
): { input: string; whenTrue: string; whenFalse: string } | undefined {
  switch (fb) {
    case 'R_TRIG':
      // Q := CLK AND NOT M; M := CLK
      return {
        input: 'CLK',
        whenTrue: `${i}.Q=${i}.$m===false;${i}.$m=true;`,
        whenFalse: `${i}.Q=false;${i}.$m=false;`,
      };
    case 'F_TRIG':
      // Q := NOT CLK AND NOT M; M := NOT CLK
      return {
        input: 'CLK',
        whenTrue: `${i}.Q=false;${i}.$m=false;`,
        whenFalse: `${i}.Q=${i}.$m===false;${i}.$m=true;`,
      };
    case 'TON': {
      // makeStdFbs().TON past its `IN === false` test, then that test's branch
      const { now, max } = code;
      const pt = code.tmp();
      const et = code.tmp();
      return {
        input: 'IN',
        whenTrue:
          `if(${i}.$run===false){${i}.$run=true;${i}.$s=${now};}` +
          `const ${pt}=${i}.PT;const ${et}=${now}-${i}.$s;` +
          `if(${et}>=${pt}){${i}.ET=${max}(0,${pt});${i}.Q=true;}else{${i}.ET=${et};${i}.Q=false;}`,
        whenFalse: `${i}.Q=false;${i}.ET=0;${i}.$run=false;`,
      };
    }
    default:
      return undefined;
  }
}

const INT_MAX = 32767;
const INT_MIN = -32768;

/** The standard FBs' bodies; each takes the instance and the virtual clock in ms. */
export function makeStdFbs(options: StdFbOptions) {
  const sat = options.counterSaturation;
  const up = (cv: number) => (sat ? (cv < INT_MAX ? cv + 1 : cv) : ((cv + 1) << 16) >> 16);
  const down = (cv: number) => (sat ? (cv > INT_MIN ? cv - 1 : cv) : ((cv - 1) << 16) >> 16);
  // Every BOOL member holds `true` or `false`; `x === true` is one pointer comparison where a bare
  // `x` in a test costs ToBoolean's checks (the field's type is not known to V8), and its result is
  // a known boolean, stored without a write barrier.
  return {
    /** §6.6.3.5.1 Table 43: SR, set dominant: Q1 := S1 OR (NOT R AND Q1). */
    SR(s: StdFbInstance): void {
      s.Q1 = s.S1 === true || (s.R === false && s.Q1 === true);
    },
    /** §6.6.3.5.1 Table 43: RS, reset dominant: Q1 := NOT R1 AND (S OR Q1). */
    RS(s: StdFbInstance): void {
      s.Q1 = s.R1 === false && (s.S === true || s.Q1 === true);
    },
    /** §6.6.3.5.2 Table 44: Q := CLK AND NOT M; M := CLK. */
    R_TRIG(s: StdFbInstance): void {
      const clk = s.CLK === true;
      s.Q = clk && s.$m === false;
      s.$m = clk;
    },
    /**
     * §6.6.3.5.2 Table 44: Q := NOT CLK AND NOT M; M := NOT CLK. With M initially FALSE
     * the standard's F_TRIG reports an edge on its first call when CLK is FALSE.
     */
    F_TRIG(s: StdFbInstance): void {
      const low = s.CLK === false;
      s.Q = low && s.$m === false;
      s.$m = low;
    },
    /** §6.6.3.5.3 Table 45: CTU; the CU edge uses an R_TRIG whose memory starts FALSE. */
    CTU(s: StdFbInstance): void {
      const cu = s.CU === true;
      const edge = cu && s.$m === false;
      s.$m = cu;
      if (s.R === true) s.CV = 0;
      else if (edge) s.CV = up(s.CV as number);
      s.Q = (s.CV as number) >= (s.PV as number);
    },
    /** §6.6.3.5.3 Table 45: CTD. */
    CTD(s: StdFbInstance): void {
      const cd = s.CD === true;
      const edge = cd && s.$m === false;
      s.$m = cd;
      if (s.LD === true) s.CV = s.PV as number;
      else if (edge) s.CV = down(s.CV as number);
      s.Q = (s.CV as number) <= 0;
    },
    /** §6.6.3.5.3 Table 45: CTUD; simultaneous CU and CD edges cancel. */
    CTUD(s: StdFbInstance): void {
      const cu = s.CU === true;
      const cd = s.CD === true;
      const eu = cu && s.$m === false;
      const ed = cd && s.$m2 === false;
      s.$m = cu;
      s.$m2 = cd;
      if (s.R === true) s.CV = 0;
      else if (s.LD === true) s.CV = s.PV as number;
      else if (eu && !ed) s.CV = up(s.CV as number);
      else if (ed && !eu) s.CV = down(s.CV as number);
      s.QU = (s.CV as number) >= (s.PV as number);
      s.QD = (s.CV as number) <= 0;
    },
    /**
     * §6.6.3.5.4 Table 46, TON timing diagram: ET runs from 0 while IN is TRUE and stops at PT;
     * Q is TRUE once ET = PT; IN FALSE resets Q and ET at once.
     */
    TON(s: StdFbInstance, now: number): void {
      if (s.IN === false) {
        s.Q = false;
        s.ET = 0;
        s.$run = false;
        return;
      }
      if (s.$run === false) {
        s.$run = true;
        s.$s = now;
      }
      const pt = s.PT as number;
      const et = now - (s.$s as number);
      if (et >= pt) {
        s.ET = Math.max(0, pt);
        s.Q = true;
      } else {
        s.ET = et;
        s.Q = false;
      }
    },
    /**
     * §6.6.3.5.4 Table 46, TOF timing diagram: Q follows IN TRUE at once; after IN falls, Q stays
     * TRUE until ET reaches PT; ET holds PT while IN stays FALSE and resets when IN returns.
     */
    TOF(s: StdFbInstance, now: number): void {
      const on = s.IN === true;
      if (on) {
        s.Q = true;
        s.ET = 0;
        s.$run = false;
      } else if (s.$m === true && s.$run === false) {
        // falling edge of IN: start the off-delay
        s.$run = true;
        s.$s = now;
      }
      if (s.$run === true && timeUp(s, now)) s.Q = false;
      s.$m = on;
    },
    /**
     * §6.6.3.5.4 Table 46, TP timing diagram: a rising IN while no pulse runs starts a pulse of
     * length PT that IN cannot stop or retrigger. At the end of the pulse ET holds PT while IN is
     * still TRUE and returns to 0 when IN is FALSE — in the same call when IN is already FALSE, as
     * the diagram draws it and MATIEC does (docs/decisions/0010-tp-elapsed-time-at-pulse-end.md).
     * Until ET is back at 0 no new pulse starts; a later call in the same scan may start one.
     */
    TP(s: StdFbInstance, now: number): void {
      const on = s.IN === true;
      if (s.$run === false && s.$done === false && on && s.$m === false) {
        s.$run = true;
        s.$s = now;
        s.Q = true;
      }
      if (s.$run === true && timeUp(s, now)) {
        s.Q = false;
        s.$done = true;
      }
      if (s.$done === true && !on) {
        s.ET = 0;
        s.$done = false;
      }
      s.$m = on;
    },
    /**
     * LTON (IEC 61131-3 3rd ed. §6.6.3.5.4): TON on LTIME. The LTIME timers repeat the TIME ones
     * on purpose: one body over a number/bigint clock made bench (c), 2,400 TONs, ~35 % slower
     * (docs/public-code-sweep-10.md, Left). A change to one timer is a change to its twin.
     */
    LTON(s: StdFbInstance, now: number): void {
      if (s.IN === false) {
        s.Q = false;
        s.ET = 0n;
        s.$run = false;
        return;
      }
      if (s.$run === false) {
        s.$run = true;
        s.$s = now;
      }
      const pt = s.PT as bigint;
      const et = nsSince(s.$s as number, now);
      if (et >= pt) {
        s.ET = pt > 0n ? pt : 0n;
        s.Q = true;
      } else {
        s.ET = et;
        s.Q = false;
      }
    },
    /** LTOF: TOF on LTIME. */
    LTOF(s: StdFbInstance, now: number): void {
      const on = s.IN === true;
      if (on) {
        s.Q = true;
        s.ET = 0n;
        s.$run = false;
      } else if (s.$m === true && s.$run === false) {
        s.$run = true;
        s.$s = now;
      }
      if (s.$run === true && ltimeUp(s, now)) s.Q = false;
      s.$m = on;
    },
    /** LTP: TP on LTIME (ET at the pulse's end as decision 0010 has it for TP). */
    LTP(s: StdFbInstance, now: number): void {
      const on = s.IN === true;
      if (s.$run === false && s.$done === false && on && s.$m === false) {
        s.$run = true;
        s.$s = now;
        s.Q = true;
      }
      if (s.$run === true && ltimeUp(s, now)) {
        s.Q = false;
        s.$done = true;
      }
      if (s.$done === true && !on) {
        s.ET = 0n;
        s.$done = false;
      }
      s.$m = on;
    },
  };
}

/** The bodies returned by {@link makeStdFbs}. */
export type StdFbs = ReturnType<typeof makeStdFbs>;
