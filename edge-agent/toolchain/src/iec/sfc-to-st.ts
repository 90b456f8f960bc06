/**
 * Sequential function charts → Structured Text, for graphical SFC read from
 * PLCopen XML and textual SFC (`INITIAL_STEP`/`STEP`/`TRANSITION`) alike.
 *
 * Semantics (IEC 61131-3 §6.7):
 * - Every step is a `_SFC_STEP` structure: `.X` is its activity flag, `.T`
 *   the time since it became active (§6.7.2, Table 68), kept by a TON.
 *   Initial steps start active.
 * - A transition is enabled when all of its preceding steps are active and
 *   fires when its condition is TRUE (§6.7.3). All transitions are evaluated
 *   on the step states at the start of the scan; of transitions leaving the
 *   same step, the one with the lowest PRIORITY (then the first written)
 *   wins (§6.7.5, divergence of sequence selection).
 * - Firing deactivates the preceding steps and activates the following ones,
 *   all at once (deactivations first, then activations).
 * - Each action has an action control block (§6.7.4.4, Figure 20 of the
 *   2nd edition): N, S, R, L, D, P, P1, P0, SD, DS, SL with their durations.
 *   An action named by an association that is not an ACTION of the POU is a
 *   BOOL variable, set to the control's output. R dominates the stored
 *   qualifiers.
 * - An ACTION (or inline action) runs while its control's `A` is TRUE: while
 *   `Q` is TRUE, and for one final scan after `Q` falls (the standard's
 *   activity output; CODESYS and TwinCAT run an IEC action "once more when
 *   the step is deactivated, in the next cycle" — so a P action runs twice).
 *   P1 and P0, which CODESYS does not have, fire once: no final scan.
 */
import type {
  FunctionBlockDecl,
  ProgramDecl,
  SfcQualifier,
  Span,
  Statement,
  TopLevelDeclaration,
  VarDecl,
} from './ast';
import { remapSpans } from './ast-utils';
import { parseSource } from './parser';
import { printNode } from './printer';

/** What the converter reads: steps, transitions with ST conditions, action associations. */
export interface SfcModel {
  steps: { name: string; initial: boolean; origin?: Span }[];
  transitions: { from: string[]; to: string[]; condition: string; priority?: number; origin?: Span }[];
  associations: {
    step: string;
    action: string;
    qualifier: SfcQualifier;
    /** ST duration (`T#10s`, a TIME variable) for L, D, SD, DS, SL. */
    time?: string;
    /** ST statements of an inline action (PLCopen). */
    inline?: string;
    origin?: Span;
  }[];
  /** Upper-case names of the POU's ACTIONs; any other associated name is a BOOL variable. */
  actions: Set<string>;
}

/** Longest TIME (T#24d20h31m23s647ms): a step timer's preset, so `.T` keeps counting. */
const MAX_TIME = 'T#24d20h31m23s647ms';

/** The declarations every converted SFC relies on: the step structure and the action control block. */
export function sfcSupportSource(): string {
  return `TYPE _SFC_STEP :
STRUCT
    X : BOOL;
    T : TIME;
END_STRUCT
END_TYPE
FUNCTION_BLOCK _SFC_ACTION_CONTROL
VAR_INPUT
    N, R, S, L, D, P, P1, P0, SD, DS, SL : BOOL;
    T : TIME;
END_VAR
VAR_OUTPUT
    Q : BOOL;
    (* Q, or the one final scan after Q fell *)
    A : BOOL;
END_VAR
VAR
    S_FF, SD_FF, DS_FF, SL_FF : RS;
    L_TMR, D_TMR, SD_TMR, DS_TMR, SL_TMR : TON;
    P_TRIG, P1_TRIG : R_TRIG;
    P0_OLD, P0_Q, Q_LEVEL, Q_LEVEL_OLD : BOOL;
END_VAR
S_FF(S := S, R1 := R);
L_TMR(IN := L, PT := T);
D_TMR(IN := D, PT := T);
P_TRIG(CLK := P);
P1_TRIG(CLK := P1);
(* P0: one scan when the step is left; not an F_TRIG, which would also fire on the first scan *)
P0_Q := P0_OLD AND NOT P0;
P0_OLD := P0;
SD_FF(S := SD, R1 := R);
SD_TMR(IN := SD_FF.Q1, PT := T);
DS_TMR(IN := DS, PT := T);
DS_FF(S := DS_TMR.Q, R1 := R);
SL_FF(S := SL, R1 := R);
SL_TMR(IN := SL_FF.Q1, PT := T);
Q_LEVEL := N OR S_FF.Q1 OR (L AND NOT L_TMR.Q) OR D_TMR.Q OR P_TRIG.Q OR SD_TMR.Q
    OR DS_FF.Q1 OR (SL_FF.Q1 AND NOT SL_TMR.Q);
Q := Q_LEVEL OR P1_TRIG.Q OR P0_Q;
(* the final scan follows every qualifier but the single-shot P1 and P0 *)
A := Q OR Q_LEVEL_OLD;
Q_LEVEL_OLD := Q_LEVEL;
END_FUNCTION_BLOCK
`;
}

/** A name usable inside generated identifiers. */
const ident = (s: string): string => s.replace(/[^A-Za-z0-9_]/g, '_');

/**
 * ST statements (with the origin of each line) and variable declarations
 * implementing the chart; the unit must also hold {@link sfcSupportSource}.
 */
export function sfcToStText(m: SfcModel): {
  lines: [string, Span | undefined][];
  vars: [string, Span | undefined][];
} {
  const lines: [string, Span | undefined][] = [];
  const vars: [string, Span | undefined][] = [];
  for (const s of m.steps) {
    vars.push([`${s.name} : _SFC_STEP${s.initial ? ' := (X := TRUE)' : ''};`, s.origin]);
    vars.push([`_SFC_T_${ident(s.name)} : TON;`, s.origin]);
  }
  // transitions in priority order; a step already left by an earlier transition is not left twice
  const order = m.transitions
    .map((t, i) => ({ t, i }))
    .sort((a, b) => (a.t.priority ?? 0) - (b.t.priority ?? 0) || a.i - b.i);
  const leaving = new Map<string, string[]>();
  order.forEach(({ t, i }) => {
    const name = `_SFC_TR_${i + 1}`;
    vars.push([`${name} : BOOL;`, t.origin]);
    const enabled = t.from.length > 0 ? t.from.map((s) => `${s}.X`).join(' AND ') : 'FALSE';
    const earlier = [...new Set(t.from.flatMap((s) => leaving.get(s.toUpperCase()) ?? []))];
    const blocked = earlier.map((e) => ` AND NOT ${e}`).join('');
    lines.push([`${name} := ${enabled}${blocked} AND (${t.condition});`, t.origin]);
    for (const s of t.from) leaving.set(s.toUpperCase(), [...(leaving.get(s.toUpperCase()) ?? []), name]);
  });
  order.forEach(({ t, i }) => {
    if (t.from.length > 0)
      lines.push([
        `IF _SFC_TR_${i + 1} THEN ${t.from.map((s) => `${s}.X := FALSE;`).join(' ')} END_IF;`,
        t.origin,
      ]);
  });
  order.forEach(({ t, i }) => {
    if (t.to.length > 0)
      lines.push([
        `IF _SFC_TR_${i + 1} THEN ${t.to.map((s) => `${s}.X := TRUE;`).join(' ')} END_IF;`,
        t.origin,
      ]);
  });
  for (const s of m.steps) {
    const tmr = `_SFC_T_${ident(s.name)}`;
    lines.push([`${tmr}(IN := ${s.name}.X, PT := ${MAX_TIME});`, s.origin]);
    lines.push([`${s.name}.T := ${tmr}.ET;`, s.origin]);
  }
  // one action control per action (or driven variable), its inputs OR-ed over the steps
  const byAction = new Map<string, SfcModel['associations']>();
  for (const a of m.associations) {
    const key = a.inline !== undefined ? a.action : a.action.toUpperCase();
    byAction.set(key, [...(byAction.get(key) ?? []), a]);
  }
  for (const list of byAction.values()) {
    const first = list[0]!;
    const ctl = `_SFC_AC_${ident(first.action)}`;
    vars.push([`${ctl} : _SFC_ACTION_CONTROL;`, first.origin]);
    const inputs = new Map<string, string[]>();
    let time: string | undefined;
    for (const a of list) {
      const q = a.qualifier;
      inputs.set(q, [...(inputs.get(q) ?? []), `${a.step}.X`]);
      if (a.time !== undefined) time ??= a.time;
    }
    const args = [...inputs.entries()].map(([q, steps]) => `${q} := ${steps.join(' OR ')}`);
    if (time !== undefined) args.push(`T := ${time}`);
    lines.push([`${ctl}(${args.join(', ')});`, first.origin]);
    if (first.inline !== undefined) {
      lines.push([`IF ${ctl}.A THEN`, first.origin]);
      lines.push([first.inline, first.origin]);
      lines.push(['END_IF;', first.origin]);
    } else if (m.actions.has(first.action.toUpperCase())) {
      lines.push([`IF ${ctl}.A THEN ${first.action}(); END_IF;`, first.origin]);
    } else {
      lines.push([`${first.action} := ${ctl}.Q;`, first.origin]);
    }
  }
  return { lines, vars };
}

/** What {@link sfcToSt} returns for a POU with textual SFC. */
export interface SfcConversion {
  /** The statements that run the chart, one scan at a time. */
  body: Statement[];
  /** Step structures, timers, transition flags and action controls to add to the POU's VAR. */
  vars: VarDecl[];
  /** `_SFC_STEP` and `_SFC_ACTION_CONTROL`: add once per project. */
  support: TopLevelDeclaration[];
}

/**
 * Converts a POU's textual SFC (its `sfc`) to ST with the same semantics as
 * graphical SFC. Positions of the result point at the SFC element each line
 * came from. Undefined when the POU has no SFC.
 */
export function sfcToSt(pou: ProgramDecl | FunctionBlockDecl): SfcConversion | undefined {
  const sfc = pou.sfc;
  if (!sfc) return undefined;
  const model: SfcModel = {
    steps: sfc.steps.map((s) => ({ name: s.name, initial: s.initial, origin: s.span })),
    transitions: sfc.transitions.map((t) => ({
      from: t.from,
      to: t.to,
      condition: printNode(t.condition),
      origin: t.span,
      ...(t.priority?.kind === 'IntegerLiteral' ? { priority: Number(t.priority.value) } : {}),
    })),
    associations: sfc.steps.flatMap((s) =>
      s.actions.map((a) => ({
        step: s.name,
        action: a.action,
        qualifier: a.qualifier ?? 'N',
        origin: a.span,
        ...(a.time ? { time: printNode(a.time) } : {}),
      })),
    ),
    actions: new Set(pou.actions.map((a) => a.name.toUpperCase())),
  };
  const r = sfcToStText(model);
  const origins: (Span | undefined)[] = [];
  const text: string[] = ['FUNCTION_BLOCK _SFC', 'VAR'];
  origins.push(sfc.span, sfc.span);
  for (const [v, o] of r.vars) {
    text.push(v);
    origins.push(o);
  }
  text.push('END_VAR');
  origins.push(sfc.span);
  for (const [l, o] of r.lines) {
    for (const part of l.split('\n')) {
      text.push(part);
      origins.push(o);
    }
  }
  text.push('END_FUNCTION_BLOCK');
  origins.push(sfc.span);
  const parsed = parseSource(`${text.join('\n')}\n`, sfc.span.file);
  const support = parseSource(sfcSupportSource(), sfc.span.file).unit.declarations;
  const fb = parsed.unit.declarations[0] as FunctionBlockDecl | undefined;
  if (!fb) return { body: [], vars: [], support };
  const at = (s: Span): Span => origins[s.line - 1] ?? sfc.span;
  remapSpans(fb, at);
  for (const d of support) remapSpans(d, () => sfc.span);
  return { body: fb.body, vars: fb.varBlocks.flatMap((b) => b.decls), support };
}
