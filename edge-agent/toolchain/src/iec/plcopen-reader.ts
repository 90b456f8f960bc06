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
  FunctionBlockDecl,
  Span,
  Statement,
  TopLevelDeclaration,
} from './ast';
import { diagnostic } from './diagnostics';
import { createParser, type ParseResult, parseSource } from './parser';
import {
  attr,
  child,
  childrenNamed,
  LineMap,
  localName,
  sameLengthDecoded,
  textOf,
  type XmlElement,
} from './xml';
import { openXmlRoot, type XmlSourceContext, xmlSpan } from './xml-source';

type Ctx = XmlSourceContext;

/** Generated ST text with, per line, the XML range it came from. */
class Gen {
  readonly lines: string[] = [];
  readonly origins: Span[] = [];
  push(line: string, origin: Span): void {
    for (const l of line.split('\n')) {
      this.lines.push(l);
      this.origins.push(origin);
    }
  }
  text(): string {
    return `${this.lines.join('\n')}\n`;
  }
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
export function readPlcopen(text: string, file: string): ParseResult {
  const ctx: Ctx = { text, file, lines: new LineMap(text), diagnostics: [] };
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
  const types = child(project, 'types');
  for (const dt of childrenNamed(child(types, 'dataTypes'), 'dataType')) {
    const g = new Gen();
    const origin = xmlSpan(ctx, dt.start, dt.end);
    g.push('TYPE', origin);
    const base = child(dt, 'baseType');
    const init = child(dt, 'initialValue');
    g.push(
      `${attr(dt, 'name') ?? '_'} : ${typeText(ctx, base, g)}${init ? ` := ${initText(init)}` : ''};`,
      origin,
    );
    g.push('END_TYPE', origin);
    declarations.push(...parseGenerated(ctx, g));
  }
  for (const pou of childrenNamed(child(types, 'pous'), 'pou')) readPou(ctx, pou, declarations);
  const instances = child(project, 'instances');
  for (const cfg of childrenNamed(child(instances, 'configurations'), 'configuration')) {
    const d = readConfiguration(ctx, cfg);
    if (d) declarations.push(d);
  }
  return { unit, diagnostics: ctx.diagnostics };
}

/** Parses generated ST and maps every position to the XML element of its line. */
function parseGenerated(ctx: Ctx, g: Gen): TopLevelDeclaration[] {
  const r = parseSource(g.text(), ctx.file, { format: 'plcopen' });
  const map = (s: Span): Span => g.origins[s.line - 1] ?? g.origins[g.origins.length - 1]!;
  remapSpans(r.unit, map);
  for (const d of r.diagnostics) {
    const o = map({ ...d, endOffset: d.endOffset });
    ctx.diagnostics.push({
      ...d,
      line: o.line,
      column: o.column,
      endLine: o.endLine,
      endColumn: o.endColumn,
      offset: o.offset,
      endOffset: o.endOffset,
    });
  }
  return r.unit.declarations;
}

function isSpan(v: unknown): v is Span {
  return typeof v === 'object' && v !== null && 'endOffset' in v && 'file' in v && 'line' in v;
}

/** Replaces every span under `node` through `map`. */
function remapSpans(node: unknown, map: (s: Span) => Span): void {
  if (Array.isArray(node)) {
    for (const x of node) remapSpans(x, map);
    return;
  }
  if (typeof node !== 'object' || node === null) return;
  const obj = node as Record<string, unknown>;
  for (const key of Object.keys(obj)) {
    const v = obj[key];
    if (isSpan(v)) obj[key] = map(v);
    else if (typeof v === 'object' && v !== null) remapSpans(v, map);
  }
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

function variableText(ctx: Ctx, v: XmlElement, g: Gen): string {
  const addr = attr(v, 'address');
  const init = child(v, 'initialValue');
  let t = attr(v, 'name') ?? '_';
  if (addr) t += ` AT ${addr}`;
  t += ` : ${typeText(ctx, child(v, 'type'), g)}`;
  if (init) t += ` := ${initText(init)}`;
  return `${t};`;
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

function readPou(ctx: Ctx, pou: XmlElement, out: TopLevelDeclaration[]): void {
  const name = attr(pou, 'name') ?? '_';
  const kind = attr(pou, 'pouType') ?? 'program';
  const origin = xmlSpan(ctx, pou.start, pou.end);
  const g = new Gen();
  const iface = child(pou, 'interface');
  const header =
    kind === 'function'
      ? `FUNCTION ${name}${returnTypeText(ctx, iface, g)}`
      : kind === 'functionBlock'
        ? `FUNCTION_BLOCK ${name}`
        : `PROGRAM ${name}`;
  const end =
    kind === 'function' ? 'END_FUNCTION' : kind === 'functionBlock' ? 'END_FUNCTION_BLOCK' : 'END_PROGRAM';
  g.push(header, xmlSpan(ctx, pou.start, pou.start + 1));
  varBlocksText(ctx, iface, g);
  // the body: ST in place, LD converted (its generated instances join the declarations)
  const bodyEl = child(pou, 'body');
  const body = readBody(ctx, bodyEl, name);
  if (body.extraVars.length > 0) {
    g.push('VAR', origin);
    for (const [v, o] of body.extraVars) g.push(v, o);
    g.push('END_VAR', origin);
  }
  // CODESYS keeps methods in <addData>
  const methods: { el: XmlElement; name: string }[] = [];
  for (const data of childrenNamed(child(pou, 'addData'), 'data')) {
    for (const m of childrenNamed(data, 'Method')) methods.push({ el: m, name: attr(m, 'name') ?? '_' });
  }
  for (const m of methods) {
    const mi = child(m.el, 'interface');
    g.push(`METHOD ${m.name}${returnTypeText(ctx, mi, g)}`, xmlSpan(ctx, m.el.start, m.el.start + 1));
    varBlocksText(ctx, mi, g);
    g.push('END_METHOD', xmlSpan(ctx, m.el.start, m.el.end));
  }
  g.push(end, xmlSpan(ctx, pou.end, pou.end));
  const decls = parseGenerated(ctx, g);
  const d = decls[0];
  if (!d || (d.kind !== 'Program' && d.kind !== 'Function' && d.kind !== 'FunctionBlock')) return;
  d.body = body.statements;
  if (body.language !== 'ST') d.bodyLanguage = body.language;
  d.span = origin;
  if (d.kind !== 'Function') {
    methods.forEach((m, i) => {
      const md = (d as FunctionBlockDecl).methods[i];
      if (md) md.body = readBody(ctx, child(m.el, 'body'), m.name).statements;
    });
    for (const a of childrenNamed(child(pou, 'actions'), 'action')) {
      const span = xmlSpan(ctx, a.start, a.end);
      d.actions.push({
        kind: 'Action',
        name: attr(a, 'name') ?? '_',
        nameSpan: span,
        body: readBody(ctx, child(a, 'body'), attr(a, 'name') ?? '_').statements,
        span,
      });
    }
  }
  out.push(d);
}

interface BodyResult {
  statements: Statement[];
  language: 'ST' | 'LD' | 'FBD' | 'IL' | 'SFC';
  extraVars: [string, Span][];
}

function readBody(ctx: Ctx, bodyEl: XmlElement | undefined, pouName: string): BodyResult {
  const lang = bodyEl?.children[0];
  if (!lang) return { statements: [], language: 'ST', extraVars: [] };
  const name = localName(lang);
  if (name === 'ST') {
    const xhtml = child(lang, 'xhtml') ?? lang;
    const runs = xhtml.texts;
    if (runs.length === 0) return { statements: [], language: 'ST', extraVars: [] };
    const start = runs[0]!.start;
    const end = runs[runs.length - 1]!.end;
    const text = runs.some((r) => r.cdata) ? ctx.text : sameLengthDecoded(ctx.text, start, end);
    const pos = ctx.lines.position(start);
    const p = createParser(text, ctx.file, start, end, pos.line, pos.column, 'plcopen');
    const statements = p.body();
    p.finishRange(statements[statements.length - 1]);
    ctx.diagnostics.push(...p.diagnostics);
    return { statements, language: 'ST', extraVars: [] };
  }
  if (name === 'LD') return convertLadder(ctx, lang, pouName);
  ctx.diagnostics.push(diagnostic('ST1013', xmlSpan(ctx, lang.start, lang.end), name, pouName));
  return { statements: [], language: name as BodyResult['language'], extraVars: [] };
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

/** Converts an LD body to ST statements. */
function convertLadder(ctx: Ctx, ld: XmlElement, pouName: string): BodyResult {
  const nodes = new Map<string, LdNode>();
  for (const el of ld.children) {
    const id = attr(el, 'localId');
    if (id === undefined) continue;
    nodes.set(id, { el, kind: localName(el), id, inputs: connections(child(el, 'connectionPointIn')) });
  }
  const g = new Gen();
  const extraVars: [string, Span][] = [];
  const flows = new Map<string, string>();
  const called = new Set<string>();
  const visiting = new Set<string>();
  let failed = false;
  const fail = (el: XmlElement, why: string): string => {
    ctx.diagnostics.push(
      diagnostic('ST1014', xmlSpan(ctx, el.start, el.end), attr(el, 'localId') ?? '?', pouName, why),
    );
    failed = true;
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
    if (visiting.has(key)) return fail(n.el, 'feedback loop without a variable');
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
        break;
      case 'block':
        out = blockOutput(n, ref.formal);
        break;
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
    return `${type}(${args.join(', ')})`;
  };

  const order = [...nodes.values()]
    .filter(
      (n) =>
        n.kind === 'coil' || n.kind === 'outVariable' || n.kind === 'block' || n.kind === 'inOutVariable',
    )
    .sort((a, b) => sortKey(a) - sortKey(b) || Number(a.id) - Number(b.id));
  for (const n of order) {
    if (n.kind === 'block') {
      if (attr(n.el, 'instanceName')) blockOutput(n, undefined);
      continue;
    }
    if (n.kind === 'inOutVariable' && n.inputs.length === 0) continue;
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
    } else g.push(`${target} := ${value};`, origin(n.el));
  }
  void failed;
  const text = g.text();
  const p = createParser(text, ctx.file, 0, text.length, 1, 1, 'plcopen');
  const statements = p.body();
  const map = (s: Span): Span => g.origins[s.line - 1] ?? xmlSpan(ctx, ld.start, ld.end);
  remapSpans(statements, map);
  for (const d of p.diagnostics) {
    const o = map({ ...d });
    ctx.diagnostics.push({
      ...d,
      line: o.line,
      column: o.column,
      endLine: o.endLine,
      endColumn: o.endColumn,
      offset: o.offset,
      endOffset: o.endOffset,
    });
  }
  return { statements, language: 'LD', extraVars };

  function sortKey(n: LdNode): number {
    const exec = attr(n.el, 'executionOrderId');
    if (exec !== undefined) return Number(exec);
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

function readConfiguration(ctx: Ctx, cfg: XmlElement): ConfigurationDecl | undefined {
  const g = new Gen();
  const origin = xmlSpan(ctx, cfg.start, cfg.end);
  g.push(`CONFIGURATION ${attr(cfg, 'name') ?? '_'}`, origin);
  const globalsOf = (el: XmlElement): void => {
    for (const gv of childrenNamed(el, 'globalVars')) {
      const wrapper = { ...el, children: [gv] } as XmlElement;
      varBlocksText(ctx, wrapper, g);
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
          `PROGRAM ${attr(pi, 'name')} WITH ${attr(t, 'name')} : ${attr(pi, 'typeName')};`,
          xmlSpan(ctx, pi.start, pi.end),
        );
    }
    for (const pi of childrenNamed(res, 'pouInstance'))
      g.push(`PROGRAM ${attr(pi, 'name')} : ${attr(pi, 'typeName')};`, xmlSpan(ctx, pi.start, pi.end));
    g.push('END_RESOURCE', ro);
  }
  g.push('END_CONFIGURATION', origin);
  const d = parseGenerated(ctx, g)[0];
  return d?.kind === 'Configuration' ? d : undefined;
}
