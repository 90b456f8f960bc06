/**
 * Reads PLCopen TC6 XML (v2.01) projects. Data types, POU interfaces and
 * configurations are XML: they are written out as ST declarations, parsed,
 * and every resulting position is mapped back to the XML element it came
 * from. ST bodies are parsed in place (entities decoded length-preserving).
 * LD bodies become equivalent ST (the ladder → ST migration):
 *   contact in series → AND, parallel branches joining → OR, negated
 *   contact → NOT, rising/falling contacts → R_TRIG/F_TRIG instances,
 *   coil → assignment, set/reset coils → IF ... := TRUE/FALSE, FB boxes →
 *   instance calls with their outputs read as `inst.Q`, function boxes →
 *   calls in the expression (IEC 61131-3 §8.2, ladder diagram semantics).
 */
import type {
  CompilationUnit,
  ConfigurationDecl,
  NodeBase,
  SfcQualifier,
  Span,
  Statement,
  TopLevelDeclaration,
  VarBlock,
} from './ast';
import { remapSpans } from './ast-utils';
import { Gen, infixOf, parseGeneratedBody, pushMapped } from './converted-text';
import { diagnostic } from './diagnostics';
import { ilToSt } from './il-to-st';
import { createParser, type ParseOptions, type ParseResult, type Parser, parseSource } from './parser';
import { printNode } from './printer';
import { indexInRange } from './scanner';
import { type SfcModel, sfcSupportSource, sfcToStText } from './sfc-to-st';
import { STANDARD_FB_SOURCE } from './stdlib';
import {
  attr,
  child,
  childrenNamed,
  decodeEntities,
  LineMap,
  localName,
  textOf,
  type XmlElement,
} from './xml';
import { openXmlRoot, type XmlSourceContext, xmlSpan } from './xml-source';

/** `quoteStrings`: not a CODESYS export, so unquoted STRING initial values are Beremiz's (see stringInit). */
/** `keepComments`: make `Comment` nodes ({@link ParseOptions.comments}). */
/** `fbTypes`: upper-case names of the function block types (the file's and the standard ones). */
type Ctx = XmlSourceContext & { quoteStrings?: boolean; keepComments: boolean; fbTypes: Set<string> };

let standardFbs: readonly string[] | undefined;

/** Upper-case names of the standard function blocks the checker declares. */
function standardFbNames(): readonly string[] {
  standardFbs ??= [...STANDARD_FB_SOURCE.matchAll(/^FUNCTION_BLOCK[ \t]+(\w+)/gm)].map((m) =>
    m[1]!.toUpperCase(),
  );
  return standardFbs;
}

const ELEMENTARY_TAGS = new Set([
  'BOOL',
  'BYTE',
  'WORD',
  'DWORD',
  'LWORD',
  'SINT',
  'INT',
  'DINT',
  'LINT',
  'USINT',
  'UINT',
  'UDINT',
  'ULINT',
  'REAL',
  'LREAL',
  'TIME',
  'LTIME',
  'DATE',
  'DT',
  'TOD',
  'LDATE',
  'LDT',
  'LTOD',
  'CHAR',
  'WCHAR',
]);

const VAR_SECTION_TAGS: Record<string, string> = {
  inputVars: 'VAR_INPUT',
  outputVars: 'VAR_OUTPUT',
  inOutVars: 'VAR_IN_OUT',
  localVars: 'VAR',
  tempVars: 'VAR_TEMP',
  externalVars: 'VAR_EXTERNAL',
  globalVars: 'VAR_GLOBAL',
};

/** Parses one PLCopen XML file. Never throws. */
export function readPlcopen(text: string, file: string, options: ParseOptions = {}): ParseResult {
  try {
    return readPlcopenUnchecked(text, file, options);
  } catch (err) {
    // a converter bug must not take the caller down: the file is reported unreadable
    const span = { file, line: 1, column: 1, endLine: 1, endColumn: 1, offset: 0, endOffset: 0 };
    const unit: CompilationUnit = {
      kind: 'CompilationUnit',
      file,
      format: 'plcopen',
      declarations: [],
      comments: [],
      span,
    };
    return { unit, diagnostics: [diagnostic('ST1012', span, file, `internal reader error: ${String(err)}`)] };
  }
}

function readPlcopenUnchecked(text: string, file: string, options: ParseOptions): ParseResult {
  const ctx: Ctx = {
    text,
    file,
    lines: new LineMap(text),
    diagnostics: [],
    keepComments: options.comments !== false,
    fbTypes: new Set(standardFbNames()),
  };
  const declarations: TopLevelDeclaration[] = [];
  const unit: CompilationUnit = {
    kind: 'CompilationUnit',
    file,
    format: 'plcopen',
    declarations,
    comments: [],
    span: xmlSpan(ctx, 0, text.length),
  };
  const project = openXmlRoot(ctx, 'project', 'no PLCopen <project> element');
  if (!project) return { unit, diagnostics: ctx.diagnostics };
  const header = child(project, 'fileHeader');
  // CODESYS writes expression initial values unquoted (`CONCAT(a, 'b')`): they stay expressions
  ctx.quoteStrings = !/codesys/i.test(`${attr(header, 'productName')} ${attr(header, 'productVersion')}`);
  const types = child(project, 'types');
  for (const dt of childrenNamed(child(types, 'dataTypes'), 'dataType')) {
    const g = new Gen();
    const origin = xmlSpan(ctx, dt.start, dt.end);
    for (const line of attributeLines(dt)) g.push(line, origin);
    g.push('TYPE', origin);
    const base = child(dt, 'baseType');
    const init = child(dt, 'initialValue');
    const ext = inheritance(ctx, dt).extends;
    g.push(
      `${attr(dt, 'name') ?? '_'}${ext ? ` EXTENDS ${ext}` : ''} : ${typeText(ctx, base, g)}${init ? ` := ${initText(init)}` : ''};`,
      origin,
    );
    g.push('END_TYPE', origin);
    declarations.push(...parseGenerated(ctx, g));
  }
  const support: SfcSupport = { needed: false };
  const pous = childrenNamed(child(types, 'pous'), 'pou');
  // CODESYS keeps an application's POUs, interfaces and folders in <addData> of the project,
  // configurations and resources
  const visitAddData = (el: XmlElement): void => {
    for (const c of el.children) {
      const n = localName(c);
      if (n === 'pou' || n === 'Interface') pous.push(c);
      else if (n !== 'types' && n !== 'Method' && n !== 'Property') visitAddData(c);
    }
  };
  for (const c of project.children) if (localName(c) !== 'types') visitAddData(c);
  // the function block types, known before any interface is written (see fbInstanceInit)
  for (const pou of pous)
    if (attr(pou, 'pouType') === 'functionBlock') ctx.fbTypes.add((attr(pou, 'name') ?? '').toUpperCase());
  for (const pou of pous) {
    if (localName(pou) === 'pou') readPou(ctx, pou, declarations, support);
    else readInterface(ctx, pou, declarations);
  }
  const instances = child(project, 'instances');
  for (const cfg of childrenNamed(child(instances, 'configurations'), 'configuration')) {
    const d = readConfiguration(ctx, cfg, declarations);
    if (d) declarations.push(d);
  }
  if (support.needed)
    declarations.push(...sfcSupportDeclarations(ctx, xmlSpan(ctx, project.start, project.start)));
  return { unit, diagnostics: ctx.diagnostics };
}

/** The SFC support declarations (step type, action control), parsed once per unit, spans at `origin`. */
function sfcSupportDeclarations(ctx: Ctx, origin: Span): TopLevelDeclaration[] {
  const g = new Gen();
  g.push(sfcSupportSource(), origin);
  return parseGenerated(ctx, g);
}

/** Parses generated ST and maps every position to the XML element of its line. */
function parseGenerated(ctx: Ctx, g: Gen): TopLevelDeclaration[] {
  const r = parseSource(g.text(), ctx.file, { format: 'plcopen', comments: ctx.keepComments });
  const map = (s: Span): Span => g.origins[s.line - 1] ?? g.origins[g.origins.length - 1]!;
  remapSpans(r.unit, map);
  pushMapped(ctx.diagnostics, r.diagnostics, map);
  return r.unit.declarations;
}

/** ST text of a `<type>`/`<baseType>` element's content. */
function typeText(ctx: Ctx, typeEl: XmlElement | undefined, g: Gen): string {
  const t = typeEl?.children[0];
  if (!t) return 'BOOL';
  const name = localName(t);
  if (ELEMENTARY_TAGS.has(name)) return name;
  switch (name) {
    case 'string':
    case 'wstring': {
      const w = name === 'string' ? 'STRING' : 'WSTRING';
      const len = attr(t, 'length');
      return len ? `${w}(${len})` : w;
    }
    case 'derived':
      return attr(t, 'name') ?? '_';
    case 'array': {
      const dims = childrenNamed(t, 'dimension').map(
        (d) => `${attr(d, 'lower') ?? '0'}..${attr(d, 'upper') ?? '0'}`,
      );
      return `ARRAY[${dims.join(', ')}] OF ${typeText(ctx, child(t, 'baseType'), g)}`;
    }
    case 'pointer':
      return `POINTER TO ${typeText(ctx, child(t, 'baseType'), g)}`;
    case 'enum': {
      const values = childrenNamed(child(t, 'values'), 'value').map((v) => {
        const val = attr(v, 'value');
        return val !== undefined ? `${attr(v, 'name')} := ${val}` : (attr(v, 'name') ?? '_');
      });
      const base = child(t, 'baseType');
      return `(${values.join(', ')})${base?.children[0] ? ` ${typeText(ctx, base, g)}` : ''}`;
    }
    case 'subrangeSigned':
    case 'subrangeUnsigned': {
      const range = child(t, 'range');
      return `${typeText(ctx, child(t, 'baseType'), g)}(${attr(range, 'lower') ?? '0'}..${attr(range, 'upper') ?? '0'})`;
    }
    case 'struct': {
      const members = childrenNamed(t, 'variable')
        .map((v) => variableText(ctx, v, g))
        .join(' ');
      return `STRUCT ${members} END_STRUCT`;
    }
    default:
      ctx.diagnostics.push(
        diagnostic('ST1012', xmlSpan(ctx, t.start, t.end), ctx.file, `unsupported type <${name}>`),
      );
      return 'BOOL';
  }
}

/** ST text of an `<initialValue>`. */
function initText(el: XmlElement): string {
  const v = el.children[0];
  if (!v) return '0';
  const name = localName(v);
  if (name === 'simpleValue') return attr(v, 'value') ?? '0';
  if (name === 'arrayValue') {
    return `[${childrenNamed(v, 'value')
      .map((x) => {
        const rep = attr(x, 'repetitionValue');
        const inner = initText(x);
        return rep ? `${rep}(${inner})` : inner;
      })
      .join(', ')}]`;
  }
  if (name === 'structValue') {
    return `(${childrenNamed(v, 'value')
      .map((x) => `${attr(x, 'member')} := ${initText(x)}`)
      .join(', ')})`;
  }
  return '0';
}

/**
 * False, with a warning, for a `<simpleValue>` initial value of a function block instance:
 * the Beremiz editor stores one ("0") for an instance and its generator leaves it out, so the
 * build has none. A `<structValue>` or a simple value in parentheses (the instance's inputs) stays.
 */
function fbInstanceInit(ctx: Ctx, v: XmlElement, init: XmlElement): boolean {
  const t = child(v, 'type')?.children[0];
  const value = init.children[0];
  if (!t || localName(t) !== 'derived' || !value || localName(value) !== 'simpleValue') return true;
  const type = attr(t, 'name') ?? '';
  // an instance's inputs written as an expression, `(nMax := 5)`, are an initial value
  if (!ctx.fbTypes.has(type.toUpperCase()) || (attr(value, 'value') ?? '').trim().startsWith('('))
    return true;
  ctx.diagnostics.push(
    diagnostic(
      'ST3011',
      xmlSpan(ctx, init.start, init.end),
      attr(value, 'value') ?? '',
      attr(v, 'name') ?? '_',
      type,
    ),
  );
  return false;
}

function variableText(ctx: Ctx, v: XmlElement, g: Gen): string {
  const addr = attr(v, 'address');
  const given = child(v, 'initialValue');
  const init = given && fbInstanceInit(ctx, v, given) ? given : undefined;
  let t = attr(v, 'name') ?? '_';
  if (addr) t += ` AT ${addr}`;
  t += ` : ${typeText(ctx, child(v, 'type'), g)}`;
  if (init)
    t += ` := ${(ctx.quoteStrings ? stringInit(child(v, 'type'), init) : undefined) ?? initText(init)}`;
  return `${t};`;
}

/**
 * The initial value of a STRING/WSTRING variable that Beremiz writes unquoted
 * (`<string/>` with `<simpleValue value="test"/>`), quoted as its PLCGenerator does; undefined
 * for any other type or a value already quoted. Not used for a CODESYS export, whose unquoted
 * values are expressions (`CONCAT(MqttBaseTopic, 'Out/')`).
 */
function stringInit(type: XmlElement | undefined, init: XmlElement): string | undefined {
  const t = type?.children[0];
  const v = init.children[0];
  if (!t || !v || localName(v) !== 'simpleValue') return undefined;
  const q = localName(t) === 'string' ? "'" : localName(t) === 'wstring' ? '"' : undefined;
  const value = attr(v, 'value');
  if (!q || value === undefined || value.startsWith(q)) return undefined;
  return q + value.replace(/[$'"]/g, (c) => (c === '$' || c === q ? `$${c}` : c)) + q;
}

function varBlocksText(ctx: Ctx, iface: XmlElement | undefined, g: Gen): void {
  if (!iface) return;
  for (const sec of iface.children) {
    const section = VAR_SECTION_TAGS[localName(sec)];
    if (!section) continue;
    const origin = xmlSpan(ctx, sec.start, sec.end);
    let head = section;
    if (attr(sec, 'constant') === 'true') head += ' CONSTANT';
    if (attr(sec, 'retain') === 'true') head += ' RETAIN';
    if (attr(sec, 'nonretain') === 'true') head += ' NON_RETAIN';
    if (attr(sec, 'persistent') === 'true') head += ' PERSISTENT';
    g.push(head, origin);
    for (const v of childrenNamed(sec, 'variable')) {
      g.push(variableText(ctx, v, g), xmlSpan(ctx, v.start, v.end));
    }
    g.push('END_VAR', origin);
  }
}

function returnTypeText(ctx: Ctx, iface: XmlElement | undefined, g: Gen): string {
  const rt = child(iface, 'returnType');
  return rt ? ` : ${typeText(ctx, rt, g)}` : '';
}

/** The `<data>` payloads of an element's `<addData>` with the given local name (CODESYS keeps its extensions there). */
function addData(el: XmlElement | undefined, name: string): XmlElement[] {
  const out: XmlElement[] = [];
  for (const data of childrenNamed(child(el, 'addData'), 'data')) out.push(...childrenNamed(data, name));
  return out;
}

/** `{attribute 'x'}` pragma lines from CODESYS's attributes extension. */
function attributeLines(el: XmlElement | undefined): string[] {
  const out: string[] = [];
  for (const a of addData(el, 'Attributes').flatMap((x) => childrenNamed(x, 'Attribute'))) {
    const name = attr(a, 'Name');
    if (!name || name.includes("'")) continue;
    const value = attr(a, 'Value');
    out.push(value ? `{attribute '${name}' := '${value.replace(/'/g, '')}'}` : `{attribute '${name}'}`);
  }
  return out;
}

/** EXTENDS / IMPLEMENTS of a POU or data type, from CODESYS's inheritance extensions. */
function inheritance(ctx: Ctx, el: XmlElement): { extends?: string; implements: string[] } {
  const out: { extends?: string; implements: string[] } = { implements: [] };
  // CODESYS 3.5 writes it in the interface's <addData> (…/pouinheritance), others in the POU's
  for (const inh of [...addData(el, 'Inheritance'), ...addData(child(el, 'interface'), 'Inheritance')]) {
    const ext = child(inh, 'Extends');
    const base = ext ? textOf(ctx.text, ext).trim() : '';
    if (base) out.extends = base;
    for (const i of childrenNamed(inh, 'Implements')) out.implements.push(...textOf(ctx.text, i).split(','));
  }
  out.implements = out.implements.map((x) => x.trim()).filter(Boolean);
  return out;
}

/** Access modifier of a CODESYS method/property: `<AccessModifiers Private="true"/>`. */
function accessOf(el: XmlElement): string {
  for (const m of addData(child(el, 'interface'), 'AccessModifiers').concat(addData(el, 'AccessModifiers'))) {
    for (const a of ['Private', 'Protected', 'Internal', 'Public'])
      if (attr(m, a) === 'true') return `${a.toUpperCase()} `;
  }
  return '';
}

interface Member {
  kind: 'method' | 'property' | 'action' | 'transition';
  el: XmlElement;
  name: string;
}

function readPou(ctx: Ctx, pou: XmlElement, out: TopLevelDeclaration[], support: SfcSupport): void {
  const name = attr(pou, 'name') ?? '_';
  const kind = attr(pou, 'pouType') ?? 'program';
  const origin = xmlSpan(ctx, pou.start, pou.end);
  const g = new Gen();
  const iface = child(pou, 'interface');
  for (const line of attributeLines(pou)) g.push(line, origin);
  const inh = inheritance(ctx, pou);
  const header =
    kind === 'function'
      ? `FUNCTION ${name}${returnTypeText(ctx, iface, g)}`
      : kind === 'functionBlock'
        ? `FUNCTION_BLOCK ${name}${inh.extends ? ` EXTENDS ${inh.extends}` : ''}${inh.implements.length > 0 ? ` IMPLEMENTS ${inh.implements.join(', ')}` : ''}`
        : `PROGRAM ${name}`;
  const end =
    kind === 'function' ? 'END_FUNCTION' : kind === 'functionBlock' ? 'END_FUNCTION_BLOCK' : 'END_PROGRAM';
  g.push(header, xmlSpan(ctx, pou.start, pou.start + 1));
  varBlocksText(ctx, iface, g);
  // transitions and actions first: an SFC body refers to them
  const members: Member[] = [];
  for (const a of childrenNamed(child(pou, 'actions'), 'action'))
    members.push({ kind: 'action', el: a, name: attr(a, 'name') ?? '_' });
  for (const t of childrenNamed(child(pou, 'transitions'), 'transition'))
    members.push({ kind: 'transition', el: t, name: attr(t, 'name') ?? '_' });
  const bodyEl = child(pou, 'body');
  const body = readBody(ctx, bodyEl, name, { pou, members, support }, true);
  if (body.extraVars.length > 0) {
    g.push('VAR', origin);
    for (const [v, o] of body.extraVars) g.push(v, o);
    g.push('END_VAR', origin);
  }
  // CODESYS keeps methods and properties in <addData>
  for (const m of addData(pou, 'Method'))
    members.push({ kind: 'method', el: m, name: attr(m, 'name') ?? '_' });
  for (const p of addData(pou, 'Property'))
    members.push({ kind: 'property', el: p, name: attr(p, 'name') ?? '_' });
  const methods = members.filter((m) => m.kind === 'method');
  const properties = members.filter((m) => m.kind === 'property');
  if (kind !== 'function') {
    for (const m of methods) {
      const mi = child(m.el, 'interface');
      g.push(
        `METHOD ${accessOf(m.el)}${m.name}${returnTypeText(ctx, mi, g)}`,
        xmlSpan(ctx, m.el.start, m.el.start + 1),
      );
      varBlocksText(ctx, mi, g);
      g.push('END_METHOD', xmlSpan(ctx, m.el.start, m.el.end));
    }
    for (const p of properties) {
      const pi = child(p.el, 'interface');
      g.push(
        `PROPERTY ${accessOf(p.el)}${p.name}${returnTypeText(ctx, pi, g) || ' : BOOL'}`,
        xmlSpan(ctx, p.el.start, p.el.start + 1),
      );
      for (const [tag, word] of [
        ['Get', 'GET'],
        ['Set', 'SET'],
      ] as const) {
        const acc = child(p.el, `${tag}Accessor`) ?? child(p.el, tag);
        if (!acc) continue;
        g.push(word, xmlSpan(ctx, acc.start, acc.start + 1));
        varBlocksText(ctx, child(acc, 'interface'), g);
        g.push(`END_${word}`, xmlSpan(ctx, acc.start, acc.end));
      }
      g.push('END_PROPERTY', xmlSpan(ctx, p.el.start, p.el.end));
    }
  } else if (methods.length + properties.length > 0) {
    reportUnread(ctx, pou, `methods or properties of FUNCTION ${name}`);
  }
  g.push(end, xmlSpan(ctx, pou.end, pou.end));
  const decls = parseGenerated(ctx, g);
  const d = decls[0];
  if (!d || (d.kind !== 'Program' && d.kind !== 'Function' && d.kind !== 'FunctionBlock')) {
    reportUnread(ctx, pou, `POU ${name}`);
    return;
  }
  d.body = body.statements;
  // VAR blocks leading the ST body are the POU's own (Beremiz's generator and MATIEC read them so)
  if (body.varBlocks && body.varBlocks.length > 0) d.varBlocks = [...d.varBlocks, ...body.varBlocks];
  if (body.language !== 'ST') d.bodyLanguage = body.language;
  d.span = origin;
  if (d.kind !== 'Function') {
    methods.forEach((m, i) => {
      const md = d.methods[i];
      if (md)
        md.body = readBody(ctx, child(m.el, 'body'), `method ${m.name} of ${name}`, {
          pou: m.el,
          members: [],
          support,
        }).statements;
    });
    properties.forEach((p, i) => {
      const pd = d.properties[i];
      if (!pd) return;
      if (pd.get)
        pd.get.body = readBody(
          ctx,
          child(child(p.el, 'GetAccessor') ?? child(p.el, 'Get'), 'body'),
          `GET of property ${p.name} of ${name}`,
        ).statements;
      if (pd.set)
        pd.set.body = readBody(
          ctx,
          child(child(p.el, 'SetAccessor') ?? child(p.el, 'Set'), 'body'),
          `SET of property ${p.name} of ${name}`,
        ).statements;
    });
    for (const a of members.filter((m) => m.kind === 'action')) {
      const span = xmlSpan(ctx, a.el.start, a.el.end);
      d.actions.push({
        kind: 'Action',
        name: a.name,
        nameSpan: span,
        body: readBody(ctx, child(a.el, 'body'), `action ${a.name} of ${name}`, { pou, members: [], support })
          .statements,
        span,
      });
    }
  } else {
    const actions = members.filter((m) => m.kind === 'action');
    if (actions.length > 0) reportUnread(ctx, pou, `actions of FUNCTION ${name}`);
  }
  out.push(d);
}

/** Something that exists in the file but cannot be read: one diagnostic naming it, never silence. */
function reportUnread(ctx: Ctx, el: XmlElement, what: string, why = 'cannot be read'): void {
  ctx.diagnostics.push(diagnostic('ST1012', xmlSpan(ctx, el.start, el.end), ctx.file, `${what} ${why}`));
}

/** An interface from CODESYS's interface extension: methods and properties with their signatures. */
function readInterface(ctx: Ctx, itf: XmlElement, out: TopLevelDeclaration[]): void {
  const name = attr(itf, 'name') ?? '_';
  const g = new Gen();
  const origin = xmlSpan(ctx, itf.start, itf.end);
  for (const line of attributeLines(itf)) g.push(line, origin);
  const inh = inheritance(ctx, itf);
  const ext = [...(inh.extends ? inh.extends.split(',') : []), ...inh.implements]
    .map((x) => x.trim())
    .filter(Boolean);
  g.push(`INTERFACE ${name}${ext.length > 0 ? ` EXTENDS ${ext.join(', ')}` : ''}`, origin);
  const methods = [
    ...childrenNamed(child(itf, 'Methods'), 'Method'),
    ...childrenNamed(itf, 'Method'),
    ...addData(itf, 'Method'),
  ];
  for (const m of methods) {
    const mi = child(m, 'interface');
    g.push(
      `METHOD ${attr(m, 'name') ?? '_'}${returnTypeText(ctx, mi, g)}`,
      xmlSpan(ctx, m.start, m.start + 1),
    );
    varBlocksText(ctx, mi, g);
    g.push('END_METHOD', xmlSpan(ctx, m.start, m.end));
  }
  const props = [
    ...childrenNamed(child(itf, 'Properties'), 'Property'),
    ...childrenNamed(itf, 'Property'),
    ...addData(itf, 'Property'),
  ];
  for (const p of props) {
    g.push(
      `PROPERTY ${attr(p, 'name') ?? '_'}${returnTypeText(ctx, child(p, 'interface'), g) || ' : BOOL'}`,
      xmlSpan(ctx, p.start, p.start + 1),
    );
    g.push('END_PROPERTY', xmlSpan(ctx, p.start, p.end));
  }
  g.push('END_INTERFACE', origin);
  const d = parseGenerated(ctx, g)[0];
  if (d?.kind === 'Interface') out.push(d);
  else reportUnread(ctx, itf, `interface ${name}`);
}

interface BodyResult {
  statements: Statement[];
  /** VAR blocks that led an ST body read with `ownVars` ({@link readBody}). */
  varBlocks?: VarBlock[];
  language: 'ST' | 'LD' | 'FBD' | 'IL' | 'SFC';
  extraVars: [string, Span][];
}

/** What an SFC body needs from its POU: the POU's actions and transitions by name. */
interface SfcContext {
  pou: XmlElement;
  /** The `<SFC>` element, whose LD/FBD elements feed wired transition conditions. */
  chart?: XmlElement;
  members: Member[];
  support: SfcSupport;
}

/** Whether the unit needs the SFC support declarations (step type, action control FB). */
interface SfcSupport {
  needed: boolean;
}

/**
 * The element that holds a body's text, and its range: Beremiz/OpenPLC wrap
 * it in `<xhtml:p>`, CODESYS in `<xhtml xmlns=...>`, some tools write it
 * directly, as text or CDATA.
 */
function textHolder(ctx: Ctx, el: XmlElement): XmlElement | undefined {
  let cur: XmlElement | undefined = el;
  for (let guard = 0; cur && guard < 8; guard++) {
    if (cur.texts.some((t) => t.cdata || ctx.text.slice(t.start, t.end).trim() !== '')) return cur;
    cur = cur.children.find((c) => localName(c) !== 'documentation');
  }
  return undefined;
}

/**
 * Parses the ST text held by `el` with every position in the XML file. A
 * CDATA section is parsed in place; text with entities is decoded, parsed,
 * and its positions mapped back through the decoded-to-original offset map
 * (padding would split `&lt;&gt;` into `< >`).
 */
function parseStText(ctx: Ctx, el: XmlElement): Parser | undefined {
  const holder = textHolder(ctx, el);
  if (!holder) return undefined;
  const runs = holder.texts.filter((t) => t.cdata || ctx.text.slice(t.start, t.end).trim() !== '');
  const first = runs[0]!;
  const last = runs[runs.length - 1]!;
  if (runs.length === 1 && (first.cdata || indexInRange(ctx.text, '&', first.start, first.end) < 0)) {
    const pos = ctx.lines.position(first.start);
    return createParser(
      ctx.text,
      ctx.file,
      first.start,
      first.end,
      pos.line,
      pos.column,
      'plcopen',
      ctx.keepComments,
    );
  }
  const { text, map } = decodeRuns(
    ctx.text,
    holder.texts.filter((t) => t.start >= first.start && t.end <= last.end),
  );
  const p = createParser(text, ctx.file, 0, text.length, 1, 1, 'plcopen', ctx.keepComments);
  p.offsetMap = (off: number): Span => {
    const o = map[Math.max(0, Math.min(off, map.length - 1))]!;
    return xmlSpan(ctx, o, o);
  };
  return p;
}

/** Decodes text and CDATA runs into one string with, for each decoded index, its offset in the file. */
function decodeRuns(
  text: string,
  runs: { cdata: boolean; start: number; end: number }[],
): { text: string; map: Int32Array } {
  let out = '';
  const offs: number[] = [];
  for (const r of runs) {
    if (r.cdata) {
      for (let i = r.start; i < r.end; i++) offs.push(i);
      out += text.slice(r.start, r.end);
      continue;
    }
    let i = r.start;
    while (i < r.end) {
      if (text.charCodeAt(i) === 38 /* & */) {
        const semi = text.indexOf(';', i);
        if (semi > i && semi < r.end && semi - i < 12) {
          const ch = decodeEntities(text.slice(i, semi + 1));
          if (ch.length <= 2 && ch !== text.slice(i, semi + 1)) {
            for (let k = 0; k < ch.length; k++) offs.push(i);
            out += ch;
            i = semi + 1;
            continue;
          }
        }
      }
      offs.push(i);
      out += text[i];
      i++;
    }
  }
  offs.push(runs.length > 0 ? runs[runs.length - 1]!.end : 0);
  return { text: out, map: Int32Array.from(offs) };
}

/** Finishes a parser over body text: diagnostics and spans into the XML file. */
function finishText(ctx: Ctx, p: Parser, nodes: unknown, last: NodeBase | undefined): void {
  p.finishRange(last);
  const toXml = p.offsetMap;
  if (toXml) {
    const fix = (s: Span): Span => {
      const a = toXml(s.offset);
      const b = toXml(s.endOffset);
      return {
        file: ctx.file,
        line: a.line,
        column: a.column,
        endLine: b.line,
        endColumn: b.column,
        offset: a.offset,
        endOffset: b.offset,
      };
    };
    remapSpans(nodes, fix);
    for (const d of p.diagnostics) ctx.diagnostics.push({ ...d, ...fix(d) });
  } else ctx.diagnostics.push(...p.diagnostics);
}

/**
 * Reads a body. With `ownVars` (a POU's main body), VAR blocks leading an ST body are read as
 * declarations, with their positions, and returned in `varBlocks`.
 */
function readBody(
  ctx: Ctx,
  bodyEl: XmlElement | undefined,
  owner: string,
  sfc?: SfcContext,
  ownVars = false,
): BodyResult {
  const lang = bodyEl?.children.find((c) => localName(c) !== 'documentation' && localName(c) !== 'addData');
  if (!lang) return { statements: [], language: 'ST', extraVars: [] };
  const name = localName(lang);
  if (name === 'ST') {
    const p = parseStText(ctx, lang);
    if (!p) return { statements: [], language: 'ST', extraVars: [] };
    const varBlocks = ownVars ? p.leadingVarBlocks() : [];
    const statements = p.body();
    const last = statements[statements.length - 1] ?? varBlocks[varBlocks.length - 1];
    finishText(ctx, p, [varBlocks, statements], last);
    return varBlocks.length > 0
      ? { statements, varBlocks, language: 'ST', extraVars: [] }
      : { statements, language: 'ST', extraVars: [] };
  }
  if (name === 'LD' || name === 'FBD') return convertLadder(ctx, lang, owner, name);
  if (name === 'IL') {
    const holder = textHolder(ctx, lang);
    if (!holder) return { statements: [], language: 'IL', extraVars: [] };
    const origin = xmlSpan(ctx, holder.start, holder.end);
    const r = ilToSt(textOf(ctx.text, holder), (n) => variableType(ctx, sfc?.pou, n));
    const e = r.errors[0];
    if (e) {
      const more = r.errors.length > 1 ? ` (and ${r.errors.length - 1} more lines)` : '';
      reportUnread(
        ctx,
        holder,
        `IL body of ${owner}`,
        `cannot be converted: line ${e.line}: ${e.message}${more}`,
      );
    }
    const g = new Gen();
    for (const l of r.lines) g.push(l, origin);
    return {
      statements: parseConverted(ctx, g, lang),
      language: 'IL',
      extraVars: r.vars.map((v) => [v, origin] as [string, Span]),
    };
  }
  if (name === 'SFC' && sfc) return convertSfc(ctx, lang, owner, sfc);
  ctx.diagnostics.push(
    diagnostic('ST1013', xmlSpan(ctx, lang.start, lang.end), name, owner, 'PLCopen ST, LD, FBD, SFC and IL'),
  );
  return { statements: [], language: name as BodyResult['language'], extraVars: [] };
}

/** The ST type of a variable declared in a POU's interface, for converters that must declare a temporary. */
function variableType(ctx: Ctx, pou: XmlElement | undefined, name: string): string | undefined {
  for (const sec of child(pou, 'interface')?.children ?? []) {
    for (const v of childrenNamed(sec, 'variable')) {
      if ((attr(v, 'name') ?? '').toUpperCase() === name.toUpperCase())
        return typeText(ctx, child(v, 'type'), new Gen());
    }
  }
  return undefined;
}

/** Parses converted ST text whose lines carry their XML origins. */
function parseConverted(ctx: Ctx, g: Gen, el: XmlElement): Statement[] {
  return parseGeneratedBody(
    g,
    ctx.file,
    'plcopen',
    xmlSpan(ctx, el.start, el.end),
    ctx.diagnostics,
    ctx.keepComments,
  );
}

// ---------------------------------------------------------------------------
// SFC → ST

/** Reads a graphical SFC body into the converter's model (§6.7: steps, transitions, action blocks). */
function convertSfc(ctx: Ctx, sfcEl: XmlElement, owner: string, sc: SfcContext): BodyResult {
  const byId = new Map<string, XmlElement>();
  const consumers = new Map<string, XmlElement[]>();
  for (const el of sfcEl.children) {
    const id = attr(el, 'localId');
    if (id !== undefined) byId.set(id, el);
    for (const c of connections(child(el, 'connectionPointIn'))) {
      const list = consumers.get(c.ref) ?? [];
      list.push(el);
      consumers.set(c.ref, list);
    }
    // convergences keep one connectionPointIn per branch
    for (const cpi of childrenNamed(el, 'connectionPointIn').slice(1)) {
      for (const c of connections(cpi)) {
        const list = consumers.get(c.ref) ?? [];
        list.push(el);
        consumers.set(c.ref, list);
      }
    }
  }
  const origin = (el: XmlElement): Span => xmlSpan(ctx, el.start, el.end);
  const model: SfcModel = { steps: [], transitions: [], associations: [], actions: new Set() };
  const problems: string[] = [];
  for (const m of sc.members) if (m.kind === 'action') model.actions.add(m.name.toUpperCase());
  const inputsOf = (el: XmlElement): string[] =>
    childrenNamed(el, 'connectionPointIn').flatMap((cpi) => connections(cpi).map((c) => c.ref));
  /** Steps that feed `el` (walking back through divergences and convergences). */
  const stepsBefore = (el: XmlElement, seen = new Set<XmlElement>()): string[] => {
    const out: string[] = [];
    for (const ref of inputsOf(el)) {
      const src = byId.get(ref);
      if (!src || seen.has(src)) continue;
      seen.add(src);
      const k = localName(src);
      if (k === 'step') out.push(attr(src, 'name') ?? '_');
      else if (k === 'transition') continue;
      else out.push(...stepsBefore(src, seen));
    }
    return out;
  };
  /** Steps that `el`'s output reaches (walking forward through divergences, convergences and jumps). */
  const stepsAfter = (id: string, seen = new Set<string>()): string[] => {
    const out: string[] = [];
    for (const dst of consumers.get(id) ?? []) {
      const did = attr(dst, 'localId') ?? '';
      if (seen.has(did)) continue;
      seen.add(did);
      const k = localName(dst);
      if (k === 'step') out.push(attr(dst, 'name') ?? '_');
      else if (k === 'jumpStep') out.push(attr(dst, 'targetName') ?? '_');
      else if (k === 'transition' || k === 'actionBlock') continue;
      else out.push(...stepsAfter(did, seen));
    }
    return out;
  };
  let inlineCount = 0;
  const prelude: string[] = [];
  const preludeVars: [string, Span][] = [];
  for (const el of sfcEl.children) {
    const k = localName(el);
    if (k === 'step') {
      model.steps.push({
        name: attr(el, 'name') ?? '_',
        initial: attr(el, 'initialStep') === 'true',
        origin: origin(el),
      });
    } else if (k === 'transition') {
      const from = stepsBefore(el);
      const to = stepsAfter(attr(el, 'localId') ?? '');
      const cond = transitionCondition(ctx, el, { ...sc, chart: sfcEl }, byId, prelude, preludeVars);
      if (cond === undefined)
        problems.push(`transition ${attr(el, 'localId')}: no condition that can be read`);
      const pr = attr(el, 'priority');
      model.transitions.push({
        from,
        to,
        condition: cond ?? 'FALSE',
        origin: origin(el),
        ...(pr ? { priority: Number(pr) } : {}),
      });
    } else if (k === 'actionBlock') {
      const steps = stepsBefore(el);
      const step = steps[0];
      if (!step) {
        problems.push(`action block ${attr(el, 'localId')} is not connected to a step`);
        continue;
      }
      for (const a of childrenNamed(el, 'action')) {
        const q = (attr(a, 'qualifier') ?? 'N').toUpperCase() as SfcQualifier;
        const dur = attr(a, 'duration');
        const time = dur ? (/^[a-z]+#/i.test(dur) ? dur : durationAttr(dur)) : undefined;
        const ref = child(a, 'reference');
        const inline = child(a, 'inline');
        const assoc: SfcModel['associations'][number] = { step, action: '', qualifier: q, origin: origin(a) };
        if (time) assoc.time = time;
        if (ref) assoc.action = attr(ref, 'name') ?? '_';
        else if (inline) {
          const holder = textHolder(ctx, child(inline, 'ST') ?? inline);
          assoc.action = `_SFC_INLINE_${++inlineCount}`;
          assoc.inline = holder ? textOf(ctx.text, holder) : '';
          if (!child(inline, 'ST'))
            problems.push(`inline action of action block ${attr(el, 'localId')} is not ST`);
        } else {
          problems.push(`action of action block ${attr(el, 'localId')} names nothing`);
          continue;
        }
        model.associations.push(assoc);
      }
    } else if (
      ![
        'selectionDivergence',
        'selectionConvergence',
        'simultaneousDivergence',
        'simultaneousConvergence',
        'jumpStep',
        'comment',
        'macroStep',
      ].includes(k)
    ) {
      // FBD/LD elements feeding a transition condition are read by transitionCondition
      if (
        ![
          'inVariable',
          'outVariable',
          'block',
          'contact',
          'coil',
          'leftPowerRail',
          'rightPowerRail',
          'connector',
          'continuation',
        ].includes(k)
      )
        problems.push(`<${k}> is not supported`);
    }
  }
  for (const why of problems) reportUnread(ctx, sfcEl, `SFC of ${owner}:`, why);
  sc.support.needed = true;
  const r = sfcToStText(model);
  const g = new Gen();
  for (const line of prelude) g.push(line, origin(sfcEl));
  for (const [line, o] of r.lines) g.push(line, o ?? origin(sfcEl));
  const statements = parseConverted(ctx, g, sfcEl);
  return {
    statements,
    language: 'SFC',
    extraVars: [...preludeVars, ...r.vars.map(([v, o]) => [v, o ?? origin(sfcEl)] as [string, Span])],
  };
}

/** The ST condition of a graphical transition: inline ST, a named transition of the POU, or a wired variable. */
function transitionCondition(
  ctx: Ctx,
  el: XmlElement,
  sc: SfcContext,
  byId: Map<string, XmlElement>,
  prelude: string[],
  extraVars: [string, Span][],
): string | undefined {
  const cond = child(el, 'condition');
  if (!cond) return undefined;
  const inline = child(cond, 'inline');
  if (inline) {
    const st = child(inline, 'ST');
    const holder = st ? textHolder(ctx, st) : undefined;
    return holder ? `(${textOf(ctx.text, holder).trim().replace(/;\s*$/, '')})` : undefined;
  }
  const ref = child(cond, 'reference');
  if (ref) {
    const name = attr(ref, 'name') ?? '';
    const t = sc.members.find((m) => m.kind === 'transition' && m.name.toUpperCase() === name.toUpperCase());
    const st = child(child(t?.el, 'body'), 'ST');
    if (t && !st) {
      // an FBD/LD/IL transition body assigns the transition's name: run it first, read the name
      if (extraVars.some(([v]) => v === `${name} : BOOL;`)) return name;
      const body = readBody(ctx, child(t.el, 'body'), `transition ${name}`, { ...sc, members: [] });
      if (body.statements.length === 0) return undefined;
      prelude.push(...body.statements.map((s) => printNode(s).trimEnd()));
      extraVars.push([`${name} : BOOL;`, xmlSpan(ctx, t.el.start, t.el.end)], ...body.extraVars);
      return name;
    }
    const holder = st ? textHolder(ctx, st) : undefined;
    if (!holder) return undefined;
    // a named transition body is `name := expression;` or a bare expression
    const text = textOf(ctx.text, holder).trim().replace(/;\s*$/, '');
    // the name comes from an attribute: escape it before it becomes a pattern
    const quoted = name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    const m = new RegExp(`^${quoted}\\s*:=\\s*`, 'i').exec(text);
    return `(${m ? text.slice(m[0].length) : text})`;
  }
  const cpi = child(cond, 'connectionPointIn');
  if (cpi) {
    // a condition wired from an LD or FBD network drawn in the chart (Beremiz, CODESYS)
    const srcs = connections(cpi);
    if (srcs.length === 0 || !srcs.every((c) => byId.has(c.ref))) return undefined;
    const r = graphToSt(ctx, sc.chart ?? el, `transition ${attr(el, 'localId') ?? ''}`, 'LD', srcs);
    if (r.lines) prelude.push(...r.lines.lines);
    extraVars.push(...r.extraVars);
    const values = r.values ?? [];
    return values.length === 1 ? `(${values[0]})` : `(${values.map((v) => `(${v})`).join(' OR ')})`;
  }
  return undefined;
}

// ---------------------------------------------------------------------------
// LD → ST

interface LdNode {
  el: XmlElement;
  kind: string;
  id: string;
  inputs: { ref: string; formal?: string }[];
}

function connections(el: XmlElement | undefined): { ref: string; formal?: string }[] {
  const out: { ref: string; formal?: string }[] = [];
  for (const c of childrenNamed(el, 'connection')) {
    const ref = attr(c, 'refLocalId');
    if (ref === undefined) continue;
    const formal = attr(c, 'formalParameter');
    out.push(formal ? { ref, formal } : { ref });
  }
  return out;
}

/**
 * Converts an LD or FBD body to ST statements (§8.2, §8.3: a network is
 * evaluated from its inputs to its outputs; FBD connectors/continuations are
 * named wires; jumps, labels and returns become JMP, labels and RETURN).
 */
function convertLadder(ctx: Ctx, ld: XmlElement, pouName: string, language: 'LD' | 'FBD' = 'LD'): BodyResult {
  const r = graphToSt(ctx, ld, pouName, language);
  return r.result!;
}

/** What {@link graphToSt} returns: the converted body, or the values of the wanted connections. */
interface GraphResult {
  result?: BodyResult;
  values?: string[];
  lines?: Gen;
  extraVars: [string, Span][];
}

/**
 * The LD/FBD network converter. With `wanted`, only the values flowing out of
 * those connections are computed (an SFC transition condition wired from an
 * LD or FBD network); `lines` then holds the FB calls they need.
 */
function graphToSt(
  ctx: Ctx,
  ld: XmlElement,
  pouName: string,
  language: 'LD' | 'FBD',
  wanted?: { ref: string; formal?: string }[],
): GraphResult {
  const nodes = new Map<string, LdNode>();
  const connectors = new Map<string, LdNode>();
  for (const el of ld.children) {
    const id = attr(el, 'localId');
    if (id === undefined) continue;
    const node: LdNode = { el, kind: localName(el), id, inputs: connections(child(el, 'connectionPointIn')) };
    nodes.set(id, node);
    if (node.kind === 'connector') connectors.set((attr(el, 'name') ?? '').toUpperCase(), node);
  }
  const g = new Gen();
  const extraVars: [string, Span][] = [];
  const flows = new Map<string, string>();
  const called = new Set<string>();
  const visiting = new Set<string>();
  const fail = (el: XmlElement, why: string): string => {
    ctx.diagnostics.push(
      diagnostic('ST1014', xmlSpan(ctx, el.start, el.end), attr(el, 'localId') ?? '?', pouName, why),
    );
    return 'FALSE';
  };
  const origin = (el: XmlElement): Span => xmlSpan(ctx, el.start, el.end);
  const varText = (el: XmlElement): string =>
    textOf(ctx.text, child(el, 'variable') ?? child(el, 'expression') ?? el).trim();

  /** The power flow / value leaving element `id` (optionally its formal output). */
  const flow = (ref: { ref: string; formal?: string }, from: XmlElement): string => {
    const n = nodes.get(ref.ref);
    if (!n) return fail(from, `connection to unknown element ${ref.ref}`);
    const key = `${ref.ref}/${ref.formal ?? ''}`;
    const memo = flows.get(key);
    if (memo !== undefined) return memo;
    if (visiting.has(key)) {
      // a loop through an FB instance reads the output it kept from its last call (§8.2.3 feedback)
      const inst = n.kind === 'block' ? attr(n.el, 'instanceName') : undefined;
      if (inst && ref.formal) return `${inst}.${ref.formal}`;
      return fail(n.el, 'feedback loop without a variable');
    }
    visiting.add(key);
    let out: string;
    switch (n.kind) {
      case 'leftPowerRail':
        out = 'TRUE';
        break;
      case 'contact': {
        const v = varText(n.el);
        if (!v) {
          out = fail(n.el, 'contact without a variable');
          break;
        }
        let term = v;
        const edge = attr(n.el, 'edge');
        if (edge === 'rising' || edge === 'falling') {
          const inst = `_LD_${edge === 'rising' ? 'R' : 'F'}TRIG_${n.id}`;
          extraVars.push([`${inst} : ${edge === 'rising' ? 'R_TRIG' : 'F_TRIG'};`, origin(n.el)]);
          g.push(`${inst}(CLK := ${v});`, origin(n.el));
          term = `${inst}.Q`;
        }
        if (attr(n.el, 'negated') === 'true') term = `NOT ${term}`;
        const input = inputFlow(n);
        out = input === 'TRUE' ? term : `${input} AND ${term}`;
        break;
      }
      case 'coil': {
        // right of a plain coil the power flow equals the coil variable, which was just
        // assigned: reading it avoids evaluating the rung twice (a second evaluation
        // would see the updated seal-in contact)
        const v = varText(n.el);
        const plain = attr(n.el, 'negated') !== 'true' && (attr(n.el, 'storage') ?? 'none') === 'none';
        out = plain && v ? v : inputFlow(n);
        break;
      }
      case 'inVariable':
      case 'inOutVariable':
        out = varText(n.el);
        if (!out) out = fail(n.el, 'variable without an expression');
        else if (attr(n.el, 'negated') === 'true') out = `NOT (${out})`;
        break;
      case 'block':
        out = blockOutput(n, ref.formal);
        break;
      case 'connector':
        out = inputFlow(n);
        break;
      case 'continuation': {
        const c = connectors.get((attr(n.el, 'name') ?? '').toUpperCase());
        out = c ? inputFlow(c) : fail(n.el, `no connector named ${attr(n.el, 'name') ?? ''}`);
        break;
      }
      default:
        out = fail(n.el, `<${n.kind}> is not supported`);
    }
    visiting.delete(key);
    flows.set(key, out);
    return out;
  };

  /** OR of all connections into an element: parallel branches join here. */
  const inputFlow = (n: LdNode): string => {
    if (n.inputs.length === 0) return fail(n.el, 'element is not connected');
    const parts = n.inputs.map((c) => flow(c, n.el));
    if (parts.length === 1) return parts[0]!;
    return `(${parts.join(' OR ')})`;
  };

  const blockInputs = (n: LdNode): { args: string[]; en?: string } => {
    const args: string[] = [];
    let en: string | undefined;
    for (const v of childrenNamed(child(n.el, 'inputVariables'), 'variable')) {
      const formal = attr(v, 'formalParameter') ?? '';
      const conns = connections(child(v, 'connectionPointIn'));
      if (conns.length === 0) continue;
      let value =
        conns.length === 1 ? flow(conns[0]!, n.el) : conns.map((c) => `(${flow(c, n.el)})`).join(' OR ');
      if (attr(v, 'negated') === 'true') value = `NOT (${value})`;
      if (formal.toUpperCase() === 'EN') en = value;
      else args.push(`${formal} := ${value}`);
    }
    for (const v of childrenNamed(child(n.el, 'inOutVariables'), 'variable')) {
      const conns = connections(child(v, 'connectionPointIn'));
      if (conns.length > 0) args.push(`${attr(v, 'formalParameter')} := ${flow(conns[0]!, n.el)}`);
    }
    return en === undefined || en === 'TRUE' ? { args } : { args, en };
  };

  const blockOutput = (n: LdNode, formal: string | undefined): string => {
    const type = attr(n.el, 'typeName') ?? '';
    const inst = attr(n.el, 'instanceName');
    if (inst) {
      if (!called.has(n.id)) {
        called.add(n.id);
        const { args, en } = blockInputs(n);
        const call = `${inst}(${args.join(', ')});`;
        g.push(en ? `IF ${en} THEN ${call} END_IF;` : call, origin(n.el));
      }
      if (!formal || formal.toUpperCase() === 'ENO') return 'TRUE';
      return `${inst}.${formal}`;
    }
    // a function box: the call is the value
    if (formal && formal.toUpperCase() === 'ENO') return 'TRUE';
    const { args } = blockInputs(n);
    const values = args.map((a) => a.slice(a.indexOf(':=') + 3));
    const op = infixOf(type, values.length);
    if (op) return `(${values.map((v) => `(${v})`).join(` ${op} `)})`;
    const up = type.toUpperCase();
    if ((up === 'NOT' || up === 'MOVE') && values.length === 1)
      return up === 'NOT' ? `(NOT (${values[0]}))` : `(${values[0]})`;
    return `${type}(${args.join(', ')})`;
  };

  if (wanted) return { values: wanted.map((w) => flow(w, ld)), lines: g, extraVars };
  const order = [...nodes.values()]
    .filter(
      (n) =>
        n.kind === 'coil' ||
        n.kind === 'outVariable' ||
        n.kind === 'block' ||
        n.kind === 'inOutVariable' ||
        n.kind === 'jump' ||
        n.kind === 'label' ||
        n.kind === 'return',
    )
    .sort((a, b) => sortKey(a) - sortKey(b) || Number(a.id) - Number(b.id));
  for (const n of order) {
    if (n.kind === 'block') {
      if (attr(n.el, 'instanceName')) blockOutput(n, undefined);
      continue;
    }
    if (n.kind === 'label') {
      g.push(`${attr(n.el, 'label') ?? '_'}:`, origin(n.el));
      continue;
    }
    if (n.kind === 'jump' || n.kind === 'return') {
      const what = n.kind === 'jump' ? `JMP ${attr(n.el, 'label') ?? '_'};` : 'RETURN;';
      const cond = n.inputs.length > 0 ? inputFlow(n) : 'TRUE';
      g.push(cond === 'TRUE' ? what : `IF ${cond} THEN ${what} END_IF;`, origin(n.el));
      continue;
    }
    // an output variable wired to nothing is not assigned (MATIEC compiles it so)
    if ((n.kind === 'inOutVariable' || n.kind === 'outVariable') && n.inputs.length === 0) continue;
    const target = varText(n.el);
    if (!target) {
      fail(n.el, 'coil without a variable');
      continue;
    }
    const value = inputFlow(n);
    if (n.kind === 'coil') {
      const storage = attr(n.el, 'storage');
      if (storage === 'set') g.push(`IF ${value} THEN ${target} := TRUE; END_IF;`, origin(n.el));
      else if (storage === 'reset') g.push(`IF ${value} THEN ${target} := FALSE; END_IF;`, origin(n.el));
      else if (attr(n.el, 'negated') === 'true') g.push(`${target} := NOT (${value});`, origin(n.el));
      else g.push(`${target} := ${value};`, origin(n.el));
    } else if (attr(n.el, 'negated') === 'true') g.push(`${target} := NOT (${value});`, origin(n.el));
    else g.push(`${target} := ${value};`, origin(n.el));
  }
  const statements = parseConverted(ctx, g, ld);
  return { result: { statements, language, extraVars }, extraVars };

  function sortKey(n: LdNode): number {
    // Beremiz writes executionOrderId="0" everywhere: only a positive order counts
    const exec = attr(n.el, 'executionOrderId');
    if (exec !== undefined && Number(exec) > 0) return Number(exec);
    const pos = child(n.el, 'position');
    const y = Number(attr(pos, 'y') ?? 0);
    const x = Number(attr(pos, 'x') ?? 0);
    return y * 100000 + x;
  }
}

// ---------------------------------------------------------------------------
// configuration

function durationAttr(v: string): string {
  // XML schema duration (PT0.01S) as written by some tools, else ST (T#10ms)
  const m = /^PT(?:(\d+(?:\.\d+)?)H)?(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)S)?$/i.exec(v);
  if (!m) return v;
  const ms = Number(m[1] ?? 0) * 3_600_000 + Number(m[2] ?? 0) * 60_000 + Number(m[3] ?? 0) * 1000;
  return `T#${Math.round(ms)}ms`;
}

/**
 * The configuration; a named `<globalVars name="GVL_X">` in it (CODESYS 3.5 writes its global
 * variable lists so) goes to `out` as a GlobalVarList of that name, so `GVL_X.v` resolves.
 */
function readConfiguration(
  ctx: Ctx,
  cfg: XmlElement,
  out: TopLevelDeclaration[],
): ConfigurationDecl | undefined {
  const g = new Gen();
  const origin = xmlSpan(ctx, cfg.start, cfg.end);
  g.push(`CONFIGURATION ${attr(cfg, 'name') ?? '_'}`, origin);
  const globalsOf = (el: XmlElement): void => {
    for (const gv of childrenNamed(el, 'globalVars')) {
      const wrapper = { ...el, children: [gv] } as XmlElement;
      const name = attr(gv, 'name');
      if (!name) {
        varBlocksText(ctx, wrapper, g);
        continue;
      }
      const lg = new Gen();
      varBlocksText(ctx, wrapper, lg);
      for (const d of parseGenerated(ctx, lg)) {
        if (d.kind === 'GlobalVarList') d.name = name;
        out.push(d);
      }
    }
  };
  globalsOf(cfg);
  for (const res of childrenNamed(cfg, 'resource')) {
    const ro = xmlSpan(ctx, res.start, res.end);
    g.push(`RESOURCE ${attr(res, 'name') ?? '_'} ON PLC`, ro);
    globalsOf(res);
    for (const t of childrenNamed(res, 'task')) {
      const to = xmlSpan(ctx, t.start, t.end);
      const parts: string[] = [];
      const single = attr(t, 'single');
      const interval = attr(t, 'interval');
      if (single) parts.push(`SINGLE := ${single}`);
      if (interval) parts.push(`INTERVAL := ${durationAttr(interval)}`);
      parts.push(`PRIORITY := ${attr(t, 'priority') ?? '0'}`);
      g.push(`TASK ${attr(t, 'name') ?? '_'}(${parts.join(', ')});`, to);
      for (const pi of childrenNamed(t, 'pouInstance'))
        g.push(
          `PROGRAM ${attr(pi, 'name')} WITH ${attr(t, 'name')} : ${attr(pi, 'typeName') || attr(pi, 'name')};`,
          xmlSpan(ctx, pi.start, pi.end),
        );
    }
    for (const pi of childrenNamed(res, 'pouInstance'))
      g.push(
        `PROGRAM ${attr(pi, 'name')} : ${attr(pi, 'typeName') || attr(pi, 'name')};`,
        xmlSpan(ctx, pi.start, pi.end),
      );
    g.push('END_RESOURCE', ro);
  }
  g.push('END_CONFIGURATION', origin);
  const d = parseGenerated(ctx, g)[0];
  return d?.kind === 'Configuration' ? d : undefined;
}
