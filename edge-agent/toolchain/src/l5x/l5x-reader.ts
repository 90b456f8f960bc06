/**
 * Reads a Rockwell Studio 5000 / RSLogix 5000 export (L5X): controller, user
 * data types, Add-On Instructions, tags, programs, routines (RLL rungs in the
 * neutral text form, ST lines) and tasks. FBD and SFC routines are kept as
 * elements but not read; each one is reported as a warning naming it.
 */
import type {
  L5xAoi,
  L5xDataType,
  L5xMember,
  L5xProgram,
  L5xProject,
  L5xRoutine,
  L5xRung,
  L5xTag,
  L5xTask,
  L5xValue,
  L5xWarning,
} from './l5x-model';
import { attrOf, childEl, childEls, scanXml, textIn, type XElement } from './xml-scanner';

/**
 * The file is not an L5X (or PLCopen ladder project) this reader understands; `offset` is into
 * the decoded text when known, `at` its 1-based line and column. The message never names the
 * file: the caller does, once.
 */
export class L5xError extends Error {
  constructor(
    message: string,
    readonly offset?: number,
    readonly at?: { line: number; column: number },
  ) {
    super(message);
    this.name = 'L5xError';
  }
}

/** 1-based line and column of a character offset in `text`. */
function lineColumn(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, offset);
  const nl = before.lastIndexOf('\n');
  return { line: before.split('\n').length, column: offset - nl };
}

/** Decodes as UTF-8; bytes that are not valid UTF-8 make the whole file read as Latin-1 (offsets stay exact). */
function decode(bytes: Uint8Array): { text: string; latin1: boolean } {
  try {
    return { text: new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes), latin1: false };
  } catch {
    return { text: new TextDecoder('latin1').decode(bytes), latin1: true };
  }
}

const latin1Files = new WeakSet<L5xProject>();

/** The byte offset in `project.bytes` of a character offset in `project.text`. */
export function byteOffset(project: L5xProject, charOffset: number): number {
  if (latin1Files.has(project)) return charOffset;
  return Buffer.byteLength(project.text.slice(0, charOffset), 'utf8');
}

function dims(s: string | undefined): number[] {
  if (!s) return [];
  return s
    .trim()
    .split(/[\s,]+/)
    .map((x) => Number.parseInt(x, 10))
    .filter((x) => Number.isFinite(x) && x > 0);
}

/** Parses a Logix number as Decorated data writes it: `5`, `-1.5`, `16#00ff`, `2#0000_0101`, `'$00'`. */
export function parseLogixNumber(raw: string, dataType?: string): number | boolean | string {
  const s = raw.trim().replace(/_/g, '');
  if (dataType === 'BOOL' || dataType === 'BIT') return s === '1' || s.toLowerCase() === 'true';
  const radix = /^(2|8|16)#(.*)$/.exec(s);
  if (radix) {
    const v = Number.parseInt(radix[2] as string, Number(radix[1]));
    const bits = dataType === 'SINT' ? 8 : dataType === 'INT' ? 16 : dataType === 'LINT' ? 64 : 32;
    // Hex and binary are two's complement in the tag's width.
    return bits < 64 && v >= 2 ** (bits - 1) ? v - 2 ** bits : v;
  }
  if (/^'.*'$/.test(s)) {
    const body = s.slice(1, -1);
    const m = /^\$([0-9A-Fa-f]{2})$/.exec(body);
    return m ? Number.parseInt(m[1] as string, 16) : body.length > 0 ? body.charCodeAt(0) : 0;
  }
  if (/^1\.#(QNAN|INF)|nan|inf/i.test(s))
    return s.startsWith('-') ? -Infinity : s.includes('INF') ? Infinity : 0;
  const v = Number(s);
  return Number.isFinite(v) ? v : s;
}

function decoratedValueOf(text: string, el: XElement): L5xValue | undefined {
  switch (el.name) {
    case 'DataValue':
    case 'DataValueMember': {
      const v = attrOf(el, 'Value');
      if (v !== undefined) return parseLogixNumber(v, attrOf(el, 'DataType'));
      return textIn(text, el);
    }
    case 'Structure':
    case 'StructureMember': {
      const o: Record<string, L5xValue> = {};
      for (const c of el.children) {
        const name = attrOf(c, 'Name');
        const v = decoratedValueOf(text, c);
        if (name !== undefined && v !== undefined) o[name] = v;
      }
      return o;
    }
    case 'Array':
    case 'ArrayMember': {
      const out: L5xValue[] = [];
      for (const e of childEls(el, 'Element')) {
        const v = attrOf(e, 'Value');
        if (v !== undefined) out.push(parseLogixNumber(v, attrOf(el, 'DataType')));
        else {
          const s = e.children[0];
          const sv = s ? decoratedValueOf(text, s) : undefined;
          if (sv !== undefined) out.push(sv);
        }
      }
      return out;
    }
    default:
      return undefined;
  }
}

function decoratedValue(text: string, el: XElement, dataName = 'Data'): L5xValue | undefined {
  for (const d of childEls(el, dataName)) {
    if (attrOf(d, 'Format') !== 'Decorated') continue;
    const first = d.children[0];
    return first ? decoratedValueOf(text, first) : undefined;
  }
  return undefined;
}

/**
 * The bytes of a Logix string literal as an export writes it (`'AB$0D$'x'`): `$hh` a byte in
 * hex, `$$` and `$'` the character, `$L`/`$N` line feed, `$R` carriage return, `$T` tab, `$P`
 * form feed. Undefined when the text is not one quoted literal.
 */
export function parseLogixString(raw: string): number[] | undefined {
  const s = raw.trim();
  if (s.length < 2 || !s.startsWith("'") || !s.endsWith("'")) return undefined;
  const body = s.slice(1, -1);
  const out: number[] = [];
  const named: Record<string, number> = { L: 10, N: 10, R: 13, T: 9, P: 12, $: 36, "'": 39 };
  for (let i = 0; i < body.length; i++) {
    const c = body[i] as string;
    if (c !== '$') {
      out.push(c.charCodeAt(0) & 0xff);
      continue;
    }
    const hex = /^[0-9A-Fa-f]{2}/.exec(body.slice(i + 1));
    if (hex) {
      out.push(Number.parseInt(hex[0], 16));
      i += 2;
      continue;
    }
    const v = named[(body[i + 1] ?? '').toUpperCase()];
    if (v === undefined) return undefined;
    out.push(v);
    i++;
  }
  return out;
}

/** A string tag's value from `<Data Format="String">`: its LEN and the bytes of its text. */
function stringValue(text: string, el: XElement, dataName: string): L5xValue | undefined {
  for (const d of childEls(el, dataName)) {
    if (attrOf(d, 'Format') !== 'String') continue;
    const bytes = parseLogixString(textIn(text, d));
    if (!bytes) return undefined;
    return { LEN: bytes.length, DATA: bytes };
  }
  return undefined;
}

function description(text: string, el: XElement): string | undefined {
  const d = childEl(el, 'Description');
  if (!d) return undefined;
  const loc = childEl(d, 'LocalizedDescription');
  return textIn(text, loc ?? d).trim();
}

function readTag(text: string, el: XElement, dataName = 'Data'): L5xTag {
  const dataType = attrOf(el, 'DataType');
  const aliasFor = attrOf(el, 'AliasFor');
  const value = decoratedValue(text, el, dataName) ?? stringValue(text, el, dataName);
  const desc = description(text, el);
  const usage = attrOf(el, 'Usage');
  const req = attrOf(el, 'Required');
  return {
    name: attrOf(el, 'Name') ?? '',
    tagType: attrOf(el, 'TagType') ?? 'Base',
    ...(dataType !== undefined ? { dataType } : {}),
    dimensions: dims(attrOf(el, 'Dimensions')),
    ...(aliasFor !== undefined ? { aliasFor } : {}),
    ...(value !== undefined ? { value } : {}),
    ...(desc ? { description: desc } : {}),
    ...(usage !== undefined ? { usage } : {}),
    ...(req !== undefined ? { required: req === 'true' } : {}),
    constant: attrOf(el, 'Constant') === 'true',
    el,
  };
}

/**
 * An ST line: its CDATA when it has some (Studio 5000 puts the CDATA on a line of its
 * own inside `<Line>`, and that layout is not part of the line), else its text.
 */
function stLine(text: string, el: XElement): string {
  const cdata = el.texts.filter((t) => t.cdata);
  if (cdata.length === 0) return textIn(text, el);
  return cdata.map((t) => text.slice(t.start, t.end)).join('');
}

function readRoutine(text: string, el: XElement, where: string, warnings: L5xWarning[]): L5xRoutine {
  const type = attrOf(el, 'Type') ?? '';
  const name = attrOf(el, 'Name') ?? '';
  const rungs: L5xRung[] = [];
  const lines: string[] = [];
  if (type === 'RLL') {
    for (const r of childEls(childEl(el, 'RLLContent'), 'Rung')) {
      const comment = childEl(r, 'Comment');
      const c = comment ? textIn(text, childEl(comment, 'LocalizedComment') ?? comment).trim() : '';
      rungs.push({
        number: Number(attrOf(r, 'Number') ?? rungs.length),
        type: attrOf(r, 'Type') ?? 'N',
        text: textIn(text, childEl(r, 'Text')).trim(),
        ...(c ? { comment: c } : {}),
        el: r,
      });
    }
  } else if (type === 'ST') {
    for (const l of childEls(childEl(el, 'STContent'), 'Line')) lines.push(stLine(text, l));
  } else {
    warnings.push({
      where: `${where}/${name}`,
      message: `routine ${where}/${name} is ${type || 'of no type'}: not read`,
    });
  }
  const desc = description(text, el);
  return { name, type, ...(desc ? { description: desc } : {}), rungs, lines, el };
}

function readDataType(el: XElement): L5xDataType {
  const members: L5xMember[] = childEls(childEl(el, 'Members'), 'Member').map((m) => {
    const target = attrOf(m, 'Target');
    const bit = attrOf(m, 'BitNumber');
    return {
      name: attrOf(m, 'Name') ?? '',
      dataType: attrOf(m, 'DataType') ?? '',
      dimension: Number(attrOf(m, 'Dimension') ?? 0) || 0,
      hidden: attrOf(m, 'Hidden') === 'true',
      ...(target !== undefined ? { target } : {}),
      ...(bit !== undefined ? { bitNumber: Number(bit) } : {}),
    };
  });
  return { name: attrOf(el, 'Name') ?? '', family: attrOf(el, 'Family') ?? 'NoFamily', members, el };
}

function readAoi(text: string, el: XElement, warnings: L5xWarning[]): L5xAoi {
  const name = attrOf(el, 'Name') ?? '';
  const revision = attrOf(el, 'Revision');
  return {
    name,
    ...(revision !== undefined ? { revision } : {}),
    parameters: childEls(childEl(el, 'Parameters'), 'Parameter').map((p) => readTag(text, p, 'DefaultData')),
    localTags: childEls(childEl(el, 'LocalTags'), 'LocalTag').map((p) => readTag(text, p, 'DefaultData')),
    routines: childEls(childEl(el, 'Routines'), 'Routine').map((r) =>
      readRoutine(text, r, `AOI ${name}`, warnings),
    ),
    el,
  };
}

function readProgram(text: string, el: XElement, warnings: L5xWarning[]): L5xProgram {
  const name = attrOf(el, 'Name') ?? '';
  const tagsEl = childEl(el, 'Tags');
  const main = attrOf(el, 'MainRoutineName');
  const fault = attrOf(el, 'FaultRoutineName');
  return {
    name,
    ...(main ? { mainRoutine: main } : {}),
    ...(fault ? { faultRoutine: fault } : {}),
    disabled: attrOf(el, 'Disabled') === 'true',
    tags: childEls(tagsEl, 'Tag').map((t) => readTag(text, t)),
    routines: childEls(childEl(el, 'Routines'), 'Routine').map((r) => readRoutine(text, r, name, warnings)),
    ...(tagsEl ? { tagsEl } : {}),
    el,
  };
}

function readTask(el: XElement): L5xTask {
  const rate = attrOf(el, 'Rate');
  const prio = attrOf(el, 'Priority');
  return {
    name: attrOf(el, 'Name') ?? '',
    type: attrOf(el, 'Type') ?? 'CONTINUOUS',
    ...(rate !== undefined ? { rateMs: Number(rate) } : {}),
    ...(prio !== undefined ? { priority: Number(prio) } : {}),
    programs: childEls(childEl(el, 'ScheduledPrograms'), 'ScheduledProgram').map(
      (p) => attrOf(p, 'Name') ?? '',
    ),
    el,
  };
}

/**
 * Reads an L5X file. Throws {@link L5xError} when the bytes are not well-formed XML or the
 * root is not `RSLogix5000Content`; routines it does not read (FBD, SFC) become warnings.
 *
 * @example
 * const p = readL5x(readFileSync('Line.L5X'));
 * for (const prog of p.programs) for (const r of prog.routines) console.log(prog.name, r.name, r.type);
 */
export function readL5x(input: Uint8Array | string): L5xProject {
  const bytes = typeof input === 'string' ? new TextEncoder().encode(input) : input;
  const { text, latin1 } = decode(bytes);
  let doc: XElement;
  try {
    doc = scanXml(text);
  } catch (e) {
    const off = (e as { offset?: number }).offset;
    throw new L5xError(
      `not well-formed XML: ${(e as Error).message}`,
      off,
      off === undefined ? undefined : lineColumn(text, off),
    );
  }
  const root = doc.children[0];
  if (root?.name !== 'RSLogix5000Content' || doc.children.length !== 1) {
    throw new L5xError(
      `not an L5X file: the root element is <${root?.name ?? 'none'}>, not <RSLogix5000Content>`,
    );
  }
  const ctrl = childEl(root, 'Controller');
  if (!ctrl) {
    // Studio 5000 exports a module (TargetType="Module", ContainsContext="false") as its
    // hardware configuration alone: no controller, tags or logic, so nothing to check
    const target = attrOf(root, 'TargetType');
    throw new L5xError(
      target && target !== 'Controller'
        ? `the L5X file exports a ${target} without its controller context (no <Controller> element): there is no logic or tag to read; export it with its context, or export the controller`
        : 'the L5X file has no <Controller> element',
      root.start,
    );
  }
  const warnings: L5xWarning[] = [];
  const tagsEl = childEl(ctrl, 'Tags');
  const processorType = attrOf(ctrl, 'ProcessorType');
  const nl = text.indexOf('\r\n') >= 0 ? '\r\n' : '\n';
  const project: L5xProject = {
    bytes,
    text,
    newline: nl,
    controller: { name: attrOf(ctrl, 'Name') ?? '', ...(processorType ? { processorType } : {}), el: ctrl },
    targetType: attrOf(root, 'TargetType') ?? 'Controller',
    dataTypes: childEls(childEl(ctrl, 'DataTypes'), 'DataType').map(readDataType),
    aois: childEls(childEl(ctrl, 'AddOnInstructionDefinitions'), 'AddOnInstructionDefinition').map((a) =>
      readAoi(text, a, warnings),
    ),
    tags: childEls(tagsEl, 'Tag').map((t) => readTag(text, t)),
    ...(tagsEl ? { tagsEl } : {}),
    programs: childEls(childEl(ctrl, 'Programs'), 'Program').map((p) => readProgram(text, p, warnings)),
    tasks: childEls(childEl(ctrl, 'Tasks'), 'Task').map(readTask),
    warnings,
  };
  if (latin1) latin1Files.add(project);
  return project;
}
