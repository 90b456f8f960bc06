/**
 * Builds the virtual PLC's program for one Logix routine: the tags it uses
 * as variables (those it only reads become VAR_INPUT, the inputs of a
 * differential run), the Logix structures and the Add-On Instructions it
 * calls as ST types and function blocks, the controller's millisecond clock,
 * prescan before the first scan, and the routine's lowered body.
 */
import type { L5xAoi, L5xProject, L5xValue } from './l5x-model';
import { parseLogixString } from './l5x-reader';
import { iecName, iecType, LogixScope, type TagSymbol, tagType } from './logix-operands';
import { stringSize } from './logix-strings';
import {
  LOGIX_LIBRARY_SOURCE,
  type LogixType,
  PREDEFINED_STRUCTS,
  predefinedTypesSource,
} from './logix-types';
import { type LoweredCode, LoweringError, RllLowering } from './rll-lowering';

/** The name of the PROGRAM every model defines. */
export const MODEL_PROGRAM = 'LX_Model';

function initValue(scope: LogixScope, v: L5xValue | undefined, t: LogixType): string | undefined {
  if (v === undefined) return undefined;
  if (t.kind === 'elem') {
    if (t.name === 'BOOL') return v === true || v === 1 ? 'TRUE' : undefined;
    if (typeof v !== 'number' || v === 0 || !Number.isFinite(v)) return undefined;
    if (t.name === 'REAL' || t.name === 'LREAL') return Number.isInteger(v) ? `${v}.0` : String(v);
    return String(Math.trunc(v));
  }
  if (t.kind === 'array') {
    if (!Array.isArray(v)) return undefined;
    const parts = v.map((x) => initValue(scope, x, t.of));
    if (parts.every((p) => p === undefined)) return undefined;
    if (t.of.kind !== 'elem') return undefined;
    const zero = t.of.name === 'BOOL' ? 'FALSE' : t.of.name === 'REAL' || t.of.name === 'LREAL' ? '0.0' : '0';
    return `[${parts.map((p) => p ?? zero).join(', ')}]`;
  }
  if (typeof v !== 'object' || Array.isArray(v) || scope.aoiNames.has(t.name.toLowerCase())) return undefined;
  const members = scope.structs.get(t.name.toLowerCase());
  if (!members) return undefined;
  const parts: string[] = [];
  for (const [k, x] of Object.entries(v)) {
    const m = members.get(k.toLowerCase());
    if (!m || m.type.kind === 'array') continue;
    const s = initValue(scope, x, m.type);
    if (s !== undefined) parts.push(`${m.name} := ${s}`);
  }
  return parts.length > 0 ? `(${parts.join(', ')})` : undefined;
}

/**
 * The bytes a string tag's initial value gives its DATA (`<Data Format="String">`, or the
 * Decorated DATA member's text), or undefined.
 */
function stringBytes(v: L5xValue | undefined): number[] | undefined {
  if (!v || typeof v !== 'object' || Array.isArray(v)) return undefined;
  const d = v.DATA;
  if (typeof d === 'string') return parseLogixString(d);
  if (Array.isArray(d) && d.every((x) => typeof x === 'number')) return d as number[];
  return undefined;
}

/** Characters a driven string is made of: `0123456789-. aZe` (digits, sign, point, blank, letters). */
const STRING_ALPHABET = [48, 49, 50, 51, 52, 53, 54, 55, 56, 57, 45, 46, 32, 97, 90, 101];
/** Character inputs per driven string (DATA repeats them past the eighth). */
const STRING_CHARS = 8;

/** The strings of a tag: itself, or the string members of its structure (not inside arrays). */
function stringsOf(
  scope: LogixScope,
  t: LogixType,
  path: string,
  value: L5xValue | undefined,
  out: { path: string; size: number; value: L5xValue | undefined }[] = [],
  depth = 0,
): { path: string; size: number; value: L5xValue | undefined }[] {
  const n = stringSize(scope, t);
  if (n !== undefined) {
    out.push({ path, size: n, value });
    return out;
  }
  if (t.kind !== 'struct' || depth > 8 || scope.aoiNames.has(t.name.toLowerCase())) return out;
  const members = scope.structs.get(t.name.toLowerCase());
  if (!members) return out;
  const obj = value && typeof value === 'object' && !Array.isArray(value) ? value : undefined;
  for (const m of members.values()) {
    if (m.type.kind === 'array') continue;
    const key = obj && Object.keys(obj).find((k) => k.toLowerCase() === m.name.toLowerCase());
    stringsOf(scope, m.type, `${path}.${iecName(m.name)}`, key ? obj[key] : undefined, out, depth + 1);
  }
  return out;
}

/**
 * What the strings of a tag need in a model: their initial DATA (set before the first scan's
 * prescan) and, when the tag is an input, their drivers. A string is not one value the proof can
 * draw at random (nor is a structure holding one), so each string of an input tag is driven by
 * elementary inputs: `LX_IN_<path>_LEN` (LEN is it modulo size + 1, so always 0..size) and eight
 * characters `LX_IN_<path>_C0..7` (each a pick of {@link STRING_ALPHABET}, repeated through
 * DATA), copied into the string at the start of every scan. Both sides of a proof get the same.
 * Undefined when the tag holds no string.
 */
function stringModel(
  scope: LogixScope,
  s: TagSymbol,
  input: boolean,
): { inputs: string[]; prologue: string[] } | undefined {
  if (s.type.kind === 'struct') scope.use(s.type);
  const strings = stringsOf(scope, s.type, s.iec, s.tag?.value);
  if (strings.length === 0) return undefined;
  const prologue: string[] = [];
  const inputs: string[] = [];
  for (const { path, size: n, value } of strings) {
    const bytes = stringBytes(value);
    if (bytes?.some((b) => b !== 0))
      prologue.push(
        `IF LX_FIRST THEN ${bytes
          .slice(0, n)
          .map((b, i) => `${path}.DATA[${i}] := ${b > 127 ? b - 256 : b};`)
          .join(' ')} END_IF;`,
      );
    if (!input) continue;
    const base = `LX_IN_${path.replace(/\./g, '_')}`;
    const chars = Array.from({ length: STRING_CHARS }, (_, k) => `${base}_C${k}`);
    prologue.push(
      `${path}.LEN := ${base}_LEN MOD ${n + 1};`,
      `IF ${path}.LEN < 0 THEN ${path}.LEN := ${path}.LEN + ${n + 1}; END_IF;`,
      ...chars
        .slice(0, n)
        .map((c, k) => `${path}.DATA[${k}] := LX_ALPHA[(TO_DINT(${c}) MOD 16 + 16) MOD 16];`),
      ...(n > STRING_CHARS
        ? [
            `FOR LX_SI := ${STRING_CHARS} TO ${n - 1} DO ${path}.DATA[LX_SI] := ${path}.DATA[LX_SI MOD ${STRING_CHARS}]; END_FOR;`,
          ]
        : []),
    );
    inputs.push(`${base}_LEN : DINT;`, ...chars.map((c) => `${c} : SINT;`));
  }
  return { inputs, prologue };
}

/** ST declarations of the structures used, each after the ones it contains. */
function typeDecls(scope: LogixScope, used: Iterable<string>): string {
  return typeDeclsWithOrigins(scope, used).source;
}

/**
 * {@link typeDecls} with where each user type's lines come from: from `line` (0-based in the
 * source) on, its `<DataType>` element at `offset` of the file; -1 for predefined types.
 */
function typeDeclsWithOrigins(
  scope: LogixScope,
  used: Iterable<string>,
): { source: string; origins: { line: number; offset: number }[] } {
  const out: string[] = [];
  const origins: { line: number; offset: number }[] = [];
  const udts = new Map(scope.project.dataTypes.map((d) => [d.name.toLowerCase(), d.el.start]));
  let line = 0;
  const push = (text: string, offset: number) => {
    origins.push({ line, offset });
    out.push(text);
    line += lineCount([text]);
  };
  const done = new Set<string>();
  const visit = (name: string) => {
    const key = name.toLowerCase();
    if (done.has(key) || scope.aoiNames.has(key)) return;
    done.add(key);
    const predefined = Object.keys(PREDEFINED_STRUCTS).find((p) => p.toLowerCase() === key);
    if (predefined) {
      push(predefinedTypesSource([predefined]), -1);
      return;
    }
    // a structure typed from use may have been met in another scope (an AOI's)
    scope.use({ kind: 'struct', name });
    const members = scope.structs.get(key);
    if (!members) return;
    for (const m of members.values()) {
      const inner = m.type.kind === 'array' ? m.type.of : m.type;
      if (inner.kind === 'struct') visit(inner.name);
    }
    push(
      `TYPE ${iecName(name)} : STRUCT\n${[...members.values()].map((m) => `  ${iecName(m.name)} : ${iecType(m.type)};`).join('\n')}\nEND_STRUCT;\nEND_TYPE`,
      udts.get(key) ?? -1,
    );
  };
  for (const n of ['TIMER', 'COUNTER', 'FBD_TIMER']) visit(n);
  for (const n of used) visit(n);
  return { source: out.join('\n'), origins };
}

/** An Add-On Instruction as a FUNCTION_BLOCK, its Logic routine lowered like any ladder. */
function aoiSource(
  project: L5xProject,
  aoi: L5xAoi,
  seen = new Set<string>(),
): { source: string; used: Set<string>; nested: L5xAoi[]; origins: { line: number; offset: number }[] } {
  const scope = new LogixScope(project, undefined, aoi);
  const logic = aoi.routines.find((r) => r.name === 'Logic');
  if (!logic) throw new LoweringError(`AOI ${aoi.name} has no Logic routine`, `AOI ${aoi.name}`);
  const low = new RllLowering(scope);
  low.routine(logic, `AOI ${aoi.name}`);
  const decl = (p: { name: string; dataType?: string; dimensions: number[] }) => {
    const t = tagType(p.dataType ?? 'DINT', p.dimensions);
    scope.use(t);
    return `${iecName(p.name)} : ${iecType(t)};`;
  };
  const params = aoi.parameters.filter((p) => !/^Enable(In|Out)$/i.test(p.name));
  const lines = [
    `FUNCTION_BLOCK ${iecName(aoi.name)}`,
    'VAR_INPUT',
    'EnableIn : BOOL; LX_NOW : DINT; LX_PRESCAN : BOOL;',
    ...params.filter((p) => p.usage === 'Input').map(decl),
    'END_VAR',
    'VAR_OUTPUT',
    'EnableOut : BOOL;',
    ...params.filter((p) => p.usage === 'Output').map(decl),
    'END_VAR',
  ];
  const inOut = params.filter((p) => p.usage === 'InOut');
  if (inOut.length > 0) lines.push('VAR_IN_OUT', ...inOut.map(decl), 'END_VAR');
  lines.push(
    'VAR',
    'rc : BOOL; LX_FS : BOOL;',
    ...aoi.localTags.map((t) => {
      const ty = tagType(t.dataType ?? 'DINT', t.dimensions);
      scope.use(ty);
      const init = initValue(scope, t.value, ty);
      return `${iecName(t.name)} : ${iecType(ty)}${init ? ` := ${init}` : ''};`;
    }),
    ...[...low.code.temps].map(([n, t]) => `${n} : ${t};`),
    'END_VAR',
    'IF LX_PRESCAN THEN',
    ...low.code.prescan,
    'EnableOut := FALSE;',
    'RETURN;',
    'END_IF;',
    'EnableOut := EnableIn;',
    'IF NOT EnableIn THEN RETURN; END_IF;',
    ...low.code.body,
    'END_FUNCTION_BLOCK',
  );
  seen.add(aoi.name.toLowerCase());
  // its declarations come from the AOI element, its body from the Logic rungs (0-based lines)
  const bodyStart = lines.length - 1 - low.code.body.length;
  const origins = [{ line: 0, offset: aoi.el.start }];
  for (const o of low.code.origins)
    origins.push({ line: lineCount(lines.slice(0, bodyStart + o.index)), offset: o.offset });
  origins.push({ line: lineCount(lines.slice(0, -1)), offset: -1 });
  return {
    source: lines.join('\n'),
    used: new Set(scope.usedStructs),
    nested: [...low.code.aois].filter((a) => !seen.has(a.name.toLowerCase())),
    origins,
  };
}

/** What a model program needs beyond the lowered body. */
export interface ModelParts {
  scope: LogixScope;
  code: LoweredCode;
  /** Body statements (the routine as the simulator runs it). */
  body: string[];
  /** Prescan statements (run once before the first scan). */
  prescan: string[];
  /** Names (lower case) declared as VAR_INPUT. */
  inputs: Set<string>;
  /** Extra symbols only this side declares (new tags of a conversion). */
  extra?: TagSymbol[];
  /** Extra temporaries. */
  temps?: Map<string, string>;
}

/**
 * The FUNCTION_BLOCKs of the AOIs called (and those they call); `seen` gets their names, and
 * `origins` (when given) each block's line origins, as {@link aoiSource} gives them.
 */
function aoiBlocks(
  project: L5xProject,
  called: Iterable<L5xAoi>,
  seen: Set<string>,
  used: Set<string>,
  origins?: { line: number; offset: number }[][],
): string[] {
  const fbs: string[] = [];
  const pending = [...called];
  while (pending.length > 0) {
    const a = pending.shift() as L5xAoi;
    if (seen.has(a.name.toLowerCase())) continue;
    const r = aoiSource(project, a, seen);
    fbs.push(r.source);
    origins?.push(r.origins);
    for (const u of r.used) used.add(u);
    pending.push(...r.nested);
  }
  return fbs;
}

/** An AOI instance that is read but whose AOI is not called: a plain structure of its parameters. */
function aoiStruct(scope: LogixScope, aoi: L5xAoi): string {
  const members = aoi.parameters
    .filter((p) => p.usage !== 'InOut')
    .map((p) => {
      const pt = tagType(p.dataType ?? 'DINT', p.dimensions);
      scope.use(pt);
      return `  ${iecName(p.name)} : ${iecType(pt)};`;
    });
  return `TYPE ${iecName(aoi.name)} : STRUCT\n${members.join('\n')}\nEND_STRUCT;\nEND_TYPE`;
}

/** A model PROGRAM: its variables, the controller clock, prescan on the first scan, the body. */
function programSource(
  name: string,
  sections: { inputs?: string[]; vars: string[] },
  code: {
    presets: Set<number>;
    temps: Map<string, string>;
    prescan: string[];
    body: string[];
    prologue?: string[];
  },
): string {
  return programParts(name, sections, code).join('\n');
}

/** {@link programSource} as its parts: the body last but for `END_PROGRAM`. */
function programParts(
  name: string,
  sections: { inputs?: string[]; vars: string[] },
  code: {
    presets: Set<number>;
    temps: Map<string, string>;
    prescan: string[];
    body: string[];
    /** Run at the start of every scan, before prescan (strings' initial DATA and drivers). */
    prologue?: string[];
  },
): string[] {
  const presets = [...code.presets].map((ms, i) => `LX_PT${i} : TIME := T#${Math.max(0, Math.trunc(ms))}ms;`);
  const inputs = sections.inputs ?? [];
  return [
    `PROGRAM ${name}`,
    ...(inputs.length > 0 ? ['VAR_INPUT', ...inputs, 'END_VAR'] : []),
    'VAR',
    ...sections.vars,
    'LX_CLK : TON; LX_NOW : DINT; LX_FIRST : BOOL := TRUE; LX_FS : BOOL; rc : BOOL;',
    ...presets,
    ...[...code.temps].map(([n, t]) => `${n} : ${t};`),
    'END_VAR',
    // The controller's free-running millisecond clock.
    'LX_CLK(IN := TRUE, PT := T#24d); LX_NOW := TIME_TO_DINT(LX_CLK.ET);',
    ...(code.prologue ?? []),
    'LX_FS := LX_FIRST;',
    'IF LX_FIRST THEN',
    ...code.prescan,
    'END_IF;',
    'LX_FIRST := FALSE;',
    ...code.body,
    'END_PROGRAM',
  ];
}

/** Lines `parts` take when joined with line ends (a part may hold line ends of its own). */
function lineCount(parts: readonly string[]): number {
  let n = 0;
  for (const p of parts) {
    n++;
    for (let i = p.indexOf('\n'); i >= 0; i = p.indexOf('\n', i + 1)) n++;
  }
  return n;
}

/** The model program's ST source. */
export function modelSource(project: L5xProject, parts: ModelParts): string {
  const { scope, code } = parts;
  const used = new Set(scope.usedStructs);
  const seen = new Set<string>();
  const fbs = aoiBlocks(project, code.aois, seen, used);
  const syms = new Map<string, TagSymbol>();
  for (const s of [...code.reads, ...code.writes, ...(parts.extra ?? [])]) syms.set(s.iec.toLowerCase(), s);
  const inputs: string[] = [];
  const vars: string[] = [];
  const prologue: string[] = [];
  let driven = false;
  for (const s of [...syms.values()].sort((a, b) => a.iec.localeCompare(b.iec))) {
    scope.use(s.type);
    if (s.type.kind === 'struct') used.add(s.type.name);
    const init = initValue(scope, s.tag?.value, s.type);
    const line = `${s.iec} : ${iecType(s.type)}${init ? ` := ${init}` : ''};`;
    const input = parts.inputs.has(s.iec.toLowerCase());
    const str = stringModel(scope, s, input);
    if (str) prologue.push(...str.prologue);
    if (str && input) {
      // a string input (or a structure holding strings) is driven by elementary inputs (stringModel)
      inputs.push(...str.inputs);
      vars.push(line);
      driven = true;
    } else if (input) inputs.push(line);
    else vars.push(line);
  }
  if (driven) vars.push(`LX_ALPHA : ARRAY[0..15] OF SINT := [${STRING_ALPHABET.join(', ')}]; LX_SI : DINT;`);
  // AOI instances read but not called here are plain structures of their parameters.
  const called = new Set(seen);
  const aoiStructs: string[] = [];
  for (const s of syms.values()) {
    const t = s.type.kind === 'array' ? s.type.of : s.type;
    if (t.kind !== 'struct') continue;
    const aoi = scope.aoiNames.get(t.name.toLowerCase());
    if (!aoi || called.has(aoi.name.toLowerCase())) continue;
    called.add(aoi.name.toLowerCase());
    aoiStructs.push(aoiStruct(scope, aoi));
  }
  for (const u of scope.usedStructs) used.add(u);
  const temps = new Map([...code.temps, ...(parts.temps ?? [])]);
  return [
    typeDecls(scope, used),
    ...aoiStructs,
    LOGIX_LIBRARY_SOURCE,
    ...fbs,
    programSource(
      MODEL_PROGRAM,
      { inputs, vars },
      { presets: code.presets, temps, prescan: parts.prescan, body: parts.body, prologue },
    ),
  ].join('\n');
}

/** The whole project as one ST unit (see {@link projectModelSource}). */
export interface ProjectModel {
  /** ST source: types, AOI function blocks, controller tags as VAR_GLOBAL, one PROGRAM per program. */
  source: string;
  /** Programs left out: their main routine (or a routine it calls) cannot be modelled. */
  refused: { program: string; error: LoweringError }[];
  /**
   * Where the lines of the programs and Add-On Instruction blocks come from, by model line
   * (1-based, ascending): from `line` on, the element at `offset` of the file (the Program or
   * AddOnInstructionDefinition for declarations, a rung or a Logix ST line for statements);
   * `offset` -1 from a line on that comes from no element (what follows an END_PROGRAM or
   * END_FUNCTION_BLOCK).
   */
  origins: { line: number; offset: number }[];
}

/**
 * A whole L5X as the virtual PLC and the safety verifier see it: each enabled program with a
 * main routine becomes a PROGRAM of its name that runs the main routine (JSRs inlined, prescan
 * on the first scan, its own millisecond clock) over its program tags; the controller tags the
 * programs use are one VAR_GLOBAL block, so a policy names them as the L5X does (`EStop`).
 * A program whose logic cannot be modelled is left out and named in `refused`.
 */
export function projectModelSource(project: L5xProject): ProjectModel {
  const refused: ProjectModel['refused'] = [];
  const lowered: { name: string; scope: LogixScope; code: LoweredCode; at: number }[] = [];
  for (const program of project.programs) {
    const main = program.routines.find((r) => r.name.toLowerCase() === program.mainRoutine?.toLowerCase());
    if (program.disabled || !main) continue;
    const scope = new LogixScope(project, program);
    const lowering = new RllLowering(scope, program, { conditionPerRung: true });
    try {
      lowering.routine(main, program.name);
    } catch (e) {
      if (!(e instanceof LoweringError)) throw e;
      refused.push({ program: program.name, error: e });
      continue;
    }
    lowered.push({ name: program.name, scope, code: lowering.code, at: program.el.start });
  }
  const used = new Set<string>();
  const seen = new Set<string>();
  const fbOrigins: { line: number; offset: number }[][] = [];
  const fbs = aoiBlocks(
    project,
    lowered.flatMap((l) => [...l.code.aois]),
    seen,
    used,
    fbOrigins,
  );
  const controllerTags = new Set(project.tags);
  /** Controller tags by lower-case name: the model line and the offset of the `<Tag>` (-1: none). */
  const globals = new Map<string, { line: string; offset: number }>();
  const aoiStructs = new Map<string, string>();
  const programs: string[] = [];
  /** Per program: its lines' origins, by line within the program (0-based). */
  const programOrigins: { line: number; offset: number }[][] = [];
  for (const { name, scope, code, at } of lowered) {
    const syms = new Map<string, TagSymbol>();
    for (const s of [...code.reads, ...code.writes]) syms.set(s.iec.toLowerCase(), s);
    const vars: string[] = [];
    /** Offset of each program tag's `<Tag>` (-1: a name typed from its use), by line of `vars`. */
    const varOffsets: number[] = [];
    for (const s of [...syms.values()].sort((a, b) => a.iec.localeCompare(b.iec))) {
      scope.use(s.type);
      const inner = s.type.kind === 'array' ? s.type.of : s.type;
      if (inner.kind === 'struct') {
        used.add(inner.name);
        const aoi = scope.aoiNames.get(inner.name.toLowerCase());
        // an AOI instance no program calls is a plain structure of its parameters
        if (aoi && !seen.has(aoi.name.toLowerCase()) && !aoiStructs.has(aoi.name.toLowerCase()))
          aoiStructs.set(aoi.name.toLowerCase(), aoiStruct(scope, aoi));
      }
      const init = initValue(scope, s.tag?.value, s.type);
      const line = `${s.iec} : ${iecType(s.type)}${init ? ` := ${init}` : ''};`;
      // controller tags and module I/O are the controller's; the rest the program's
      if (s.implicit || (s.tag && controllerTags.has(s.tag)))
        globals.set(s.iec.toLowerCase(), { line, offset: s.tag?.el.start ?? -1 });
      else {
        vars.push(line);
        varOffsets.push(s.tag?.el.start ?? at);
      }
    }
    for (const u of scope.usedStructs) used.add(u);
    const parts = programParts(iecName(name), { vars }, code);
    programs.push(parts.join('\n'));
    const bodyStart = parts.length - 1 - code.body.length;
    // its declarations and clock come from the Program element, each tag from its <Tag>, its
    // body from rungs and lines
    const origins = [{ line: 0, offset: at }];
    let v = 2; // `PROGRAM name`, `VAR`, then the tags
    vars.forEach((l, k) => {
      origins.push({ line: v, offset: varOffsets[k]! });
      v += lineCount([l]);
    });
    if (vars.length > 0) origins.push({ line: v, offset: at });
    for (const o of code.origins)
      origins.push({
        line: lineCount(parts.slice(0, bodyStart + o.index)),
        offset: o.offset,
      });
    origins.push({ line: lineCount(parts.slice(0, -1)), offset: -1 });
    programOrigins.push(origins);
  }
  const typeScope = lowered[0]?.scope ?? new LogixScope(project);
  const userTypes = typeDeclsWithOrigins(typeScope, used);
  const types = [userTypes.source, ...aoiStructs.values(), LOGIX_LIBRARY_SOURCE];
  const sortedGlobals = [...globals.values()].sort((a, b) =>
    a.line < b.line ? -1 : a.line > b.line ? 1 : 0,
  );
  const head = [
    ...types,
    ...fbs,
    ...(globals.size > 0 ? ['VAR_GLOBAL', ...sortedGlobals.map((g) => g.line), 'END_VAR'] : []),
  ];
  // each user type's lines come from its <DataType> element; what follows them from none
  const origins: ProjectModel['origins'] = userTypes.origins.map((o) => ({
    line: o.line + 1,
    offset: o.offset,
  }));
  if (origins.length > 0) origins.push({ line: lineCount([userTypes.source]) + 1, offset: -1 });
  let at = lineCount(types) + 1;
  fbs.forEach((fb, k) => {
    for (const o of fbOrigins[k] ?? []) origins.push({ line: at + o.line, offset: o.offset });
    at += lineCount([fb]);
  });
  // each controller tag's line comes from its <Tag> element (module I/O from none)
  if (globals.size > 0) {
    origins.push({ line: at, offset: -1 });
    at++;
    for (const g of sortedGlobals) {
      origins.push({ line: at, offset: g.offset });
      at += lineCount([g.line]);
    }
    origins.push({ line: at, offset: -1 });
  }
  let first = lineCount(head) + 1;
  programs.forEach((p, k) => {
    for (const o of programOrigins[k] ?? []) origins.push({ line: first + o.line, offset: o.offset });
    first += lineCount([p]);
  });
  return { source: [...head, ...programs].join('\n'), refused, origins };
}
