/**
 * Reads TwinCAT 3 PLC objects (`.TcPOU`, `.TcDUT`, `.TcGVL`, `.TcIO`): the
 * ST inside `<Declaration>` and `<Implementation><ST>` CDATA is parsed in
 * place, so every position is a position in the XML file. Methods,
 * properties (Get/Set) and actions are child elements of the POU.
 */
import type {
  ActionDecl,
  Comment,
  CompilationUnit,
  FunctionBlockDecl,
  InterfaceDecl,
  MethodDecl,
  NodeBase,
  ProgramDecl,
  PropertyAccessor,
  PropertyDecl,
  Span,
  Statement,
  TopLevelDeclaration,
  VarBlock,
} from './ast';
import { remapSpans } from './ast-utils';
import { Gen, parseGeneratedBody, pushMapped } from './converted-text';
import { diagnostic } from './diagnostics';
import { nwlToSt } from './nwl-to-st';
import { createParser, type ParseOptions, type ParseResult, type Parser, parseSource } from './parser';
import {
  attr,
  child,
  childrenNamed,
  LineMap,
  localName,
  parseXml,
  sameLengthDecoded,
  textOf,
  type XmlElement,
  XmlError,
  type XmlText,
} from './xml';
import {
  isTwinCatEncrypted,
  openXmlRoot,
  TWINCAT_ENCRYPTED,
  type XmlSourceContext,
  xmlSpan,
} from './xml-source';

interface Ctx extends XmlSourceContext {
  comments: Comment[];
  /** Make `Comment` nodes ({@link ParseOptions.comments}). */
  keepComments: boolean;
}

/** An empty TwinCAT unit of a file, with the reader's context: what each reader fills. */
function twinCatUnit(
  text: string,
  file: string,
  lines = new LineMap(text),
  options: ParseOptions = {},
): { ctx: Ctx; declarations: TopLevelDeclaration[]; unit: CompilationUnit } {
  const ctx: Ctx = {
    text,
    file,
    lines,
    diagnostics: [],
    comments: [],
    keepComments: options.comments !== false,
  };
  const declarations: TopLevelDeclaration[] = [];
  const unit: CompilationUnit = {
    kind: 'CompilationUnit',
    file,
    format: 'twincat',
    declarations,
    comments: ctx.comments,
    span: xmlSpan(ctx, 0, text.length),
  };
  return { ctx, declarations, unit };
}

/** Parses one TwinCAT XML object file (`lines`: the text's line map, if made already). Never throws. */
export function readTwinCat(
  text: string,
  file: string,
  lines?: LineMap,
  options: ParseOptions = {},
): ParseResult {
  const { ctx, declarations, unit } = twinCatUnit(text, file, lines, options);
  const plc = openXmlRoot(ctx, 'TcPlcObject', 'no <TcPlcObject> element');
  if (!plc) return { unit, diagnostics: ctx.diagnostics };
  for (const obj of plc.children) {
    const kind = localName(obj);
    if (kind === 'POU' || kind === 'Itf') readPou(ctx, obj, declarations);
    // an enumeration with a text list (.TcTLEO) declares its enum like a DUT
    else if (kind === 'DUT' || kind === 'GVL' || kind === 'EnumerationTextList') {
      const decls = declarationOf(ctx, obj, (p) => p.declarationPart(), []);
      for (const d of decls) {
        if (d.kind === 'GlobalVarList' && !d.name) {
          const n = attr(obj, 'Name');
          if (n) d.name = n;
        }
        declarations.push(d);
      }
    }
  }
  return { unit, diagnostics: ctx.diagnostics };
}

/** Does `text[start, end)` hold more than white space (what `trim` removes)? */
function nonBlank(text: string, start: number, end: number): boolean {
  for (let i = start; i < end; i++) {
    const c = text.charCodeAt(i);
    // ASCII blanks decide without a string; any other character is asked of `trim`
    if (c === 32 || c === 10 || c === 13 || c === 9) continue;
    return text.slice(i, end).trim() !== '';
  }
  return false;
}

/** The ST text range of an element: its CDATA (or escaped text) content. */
function contentRange(
  ctx: Ctx,
  el: XmlElement | undefined,
): { text: string; start: number; end: number } | undefined {
  if (!el) return undefined;
  // the first and last CDATA or non-blank run
  let first: XmlText | undefined;
  let last: XmlText | undefined;
  for (const t of el.texts) {
    if (!t.cdata && !nonBlank(ctx.text, t.start, t.end)) continue;
    first ??= t;
    last = t;
  }
  if (!first || !last) return { text: ctx.text, start: el.end, end: el.end };
  if (first.cdata) return { text: ctx.text, start: first.start, end: first.end };
  return { text: sameLengthDecoded(ctx.text, first.start, last.end), start: first.start, end: last.end };
}

function parserFor(ctx: Ctx, el: XmlElement | undefined): Parser | undefined {
  const r = contentRange(ctx, el);
  if (!r) return undefined;
  const pos = ctx.lines.position(r.start);
  return createParser(r.text, ctx.file, r.start, r.end, pos.line, pos.column, 'twincat', ctx.keepComments);
}

function declarationOf<T>(ctx: Ctx, obj: XmlElement, read: (p: Parser) => T, empty: T): T {
  const p = parserFor(ctx, child(obj, 'Declaration'));
  if (!p) return empty;
  const out = read(p);
  const last = Array.isArray(out)
    ? (out[out.length - 1] as NodeBase | undefined)
    : (out as NodeBase | undefined);
  finish(ctx, p, last);
  return out;
}

function finish(ctx: Ctx, p: Parser, last: NodeBase | undefined): void {
  const comments = p.finishRange(last);
  for (let i = 0; i < comments.length; i++) ctx.comments.push(comments[i]!);
  for (let i = 0; i < p.diagnostics.length; i++) ctx.diagnostics.push(p.diagnostics[i]!);
}

interface Body {
  body: Statement[];
  language?: 'ST' | 'FBD' | 'IL' | 'SFC' | 'LD';
  /** Variables a converted body needs, to add to the POU. */
  vars?: VarBlock;
}

function bodyOf(ctx: Ctx, obj: XmlElement, owner = attr(obj, 'Name') ?? '?'): Body {
  const impl = child(obj, 'Implementation');
  if (!impl) return { body: [] };
  const st = child(impl, 'ST');
  if (!st) {
    const other = impl.children[0];
    if (other && localName(other) === 'NWL') return networkList(ctx, other, owner);
    if (other) {
      const lang = localName(other) as 'FBD' | 'IL' | 'SFC' | 'LD';
      ctx.diagnostics.push(
        diagnostic(
          'ST1013',
          xmlSpan(ctx, other.start, other.end),
          lang,
          owner,
          'TwinCAT ST and LD/FBD (NWL)',
        ),
      );
      return { body: [], language: lang };
    }
    return { body: [] };
  }
  const p = parserFor(ctx, st)!;
  const body = p.body();
  finish(ctx, p, body[body.length - 1]);
  return { body, language: 'ST' };
}

/** A TwinCAT LD/FBD network list converted to ST (`nwl-to-st.ts`); what cannot be converted is ST1014 on its element. */
function networkList(ctx: Ctx, nwl: XmlElement, owner: string): Body {
  const spanOf = (el: XmlElement): Span => xmlSpan(ctx, el.start, el.end);
  const r = nwlToSt(ctx.text, nwl, spanOf);
  for (const e of r.errors) ctx.diagnostics.push(diagnostic('ST1014', e.span, e.network, owner, e.message));
  const whole = spanOf(nwl);
  const body = parseGeneratedBody(r.lines, ctx.file, 'twincat', whole, ctx.diagnostics, ctx.keepComments);
  const language = /"Fbd"/i.test(ctx.text.slice(nwl.start, Math.min(nwl.end, nwl.start + 600)))
    ? 'FBD'
    : 'LD';
  if (r.vars.length === 0) return { body, language };
  const g = new Gen();
  g.push('FUNCTION_BLOCK _NWL\nVAR', whole);
  for (const [v, o] of r.vars) g.push(v, o);
  g.push('END_VAR\nEND_FUNCTION_BLOCK', whole);
  const decl = parseSource(g.text(), ctx.file, { format: 'twincat', comments: ctx.keepComments });
  const map = (s: Span): Span => g.origins[s.line - 1] ?? whole;
  remapSpans(decl.unit, map);
  pushMapped(ctx.diagnostics, decl.diagnostics, map);
  const fb = decl.unit.declarations[0];
  return {
    body,
    language,
    ...(fb?.kind === 'FunctionBlock' && fb.varBlocks[0] ? { vars: fb.varBlocks[0] } : {}),
  };
}

/** Adds the variables a converted body needs to the POU that owns it. */
function addVars(pou: TopLevelDeclaration, body: Body): void {
  if (body.vars && (pou.kind === 'Program' || pou.kind === 'FunctionBlock' || pou.kind === 'Function'))
    pou.varBlocks.push(body.vars);
}

function readPou(ctx: Ctx, obj: XmlElement, out: TopLevelDeclaration[]): void {
  const decls = declarationOf(ctx, obj, (p) => p.declarationPart(), [] as TopLevelDeclaration[]);
  const pou = decls[0];
  if (!pou) return;
  out.push(...decls);
  if (pou.kind === 'Program' || pou.kind === 'FunctionBlock' || pou.kind === 'Function') {
    const b = bodyOf(ctx, obj);
    pou.body = b.body;
    if (b.language && b.language !== 'ST') pou.bodyLanguage = b.language;
    addVars(pou, b);
  }
  for (const m of childrenNamed(obj, 'Method')) {
    const decl = declarationOf(ctx, m, (p) => p.memberDeclaration(), undefined);
    if (decl?.kind !== 'Method') continue;
    const b = bodyOf(ctx, m, `method ${decl.name} of ${attr(obj, 'Name') ?? '?'}`);
    decl.body = b.body;
    if (b.vars) decl.varBlocks.push(b.vars);
    addMember(pou, decl);
  }
  for (const pr of childrenNamed(obj, 'Property')) {
    const decl = declarationOf(ctx, pr, (p) => p.memberDeclaration(), undefined);
    if (decl?.kind !== 'Property') continue;
    for (const which of ['Get', 'Set'] as const) {
      const accEl = child(pr, which);
      if (!accEl) continue;
      const up = which === 'Get' ? 'GET' : 'SET';
      const p = parserFor(ctx, child(accEl, 'Declaration'));
      const acc: PropertyAccessor = p
        ? p.accessorDeclaration(up)
        : {
            kind: 'PropertyAccessor' as const,
            accessor: up,
            varBlocks: [],
            body: [],
            span: xmlSpan(ctx, accEl.start, accEl.end),
          };
      if (p) finish(ctx, p, acc);
      acc.body = bodyOf(ctx, accEl).body;
      acc.span = xmlSpan(ctx, accEl.start, accEl.end);
      if (up === 'GET') decl.get = acc;
      else decl.set = acc;
    }
    addMember(pou, decl);
  }
  for (const a of childrenNamed(obj, 'Action')) {
    if (pou.kind !== 'Program' && pou.kind !== 'FunctionBlock') continue;
    const span = xmlSpan(ctx, a.start, a.end);
    const action: ActionDecl = {
      kind: 'Action',
      name: attr(a, 'Name') ?? '',
      nameSpan: span,
      body: [],
      span,
    };
    const b = bodyOf(ctx, a, `action ${action.name} of ${pou.name}`);
    action.body = b.body;
    addVars(pou, b);
    pou.actions.push(action);
  }
}

function addMember(pou: TopLevelDeclaration, m: MethodDecl | PropertyDecl): void {
  const owner = pou as ProgramDecl | FunctionBlockDecl | InterfaceDecl;
  if (owner.kind !== 'Program' && owner.kind !== 'FunctionBlock' && owner.kind !== 'Interface') return;
  if (m.kind === 'Method') owner.methods.push(m);
  else owner.properties.push(m);
}

/** An ST identifier: what a `.tsproj` data type or member name must be to become a declaration. */
const IDENTIFIER = /^[A-Za-z_]\w*$/;
/**
 * A `.tsproj` member or base type written as ST can read it: a name (namespaced, with a string
 * length), `ARRAY [..] OF` one, or `POINTER TO`/`REFERENCE TO` one.
 */
const TYPE_TEXT =
  /^(?:(?:POINTER|REFERENCE) TO )?(?:ARRAY ?\[[-\d. ,]+\] OF )?[A-Za-z_][\w.]*(?:\s*[([]\d+[)\]])?$/i;

/**
 * Reads the data types of a TwinCAT system project (`.tsproj`): the `<DataTypes>` the system
 * manager keeps for I/O mapping and its own types (`AMSNETID`, a struct mapped to a terminal).
 * Each `<DataType>` whose name is an identifier becomes a TYPE declaration at its XML lines:
 * `<SubItem>`s a STRUCT, `<EnumInfo>`s an enumeration over its `<BaseType>`, `<ArrayInfo>`s an
 * ARRAY of it, else an alias of `<BaseType>`. Types the system manager names after their
 * definition (`ARRAY [0..1] OF BIT`) and types it cannot write as ST are left out. Only the
 * `<DataTypes>` element is parsed: the rest of a system project (I/O, tasks) holds no code.
 * Never throws.
 */
export function readTsProj(text: string, file: string, options: ParseOptions = {}): ParseResult {
  const { ctx, declarations, unit } = twinCatUnit(text, file, undefined, options);
  if (isTwinCatEncrypted(text)) {
    ctx.diagnostics.push(diagnostic('ST1012', xmlSpan(ctx, 0, 0), file, `it is ${TWINCAT_ENCRYPTED}`));
    return { unit, diagnostics: ctx.diagnostics };
  }
  const at = /<DataTypes\s*>/.exec(text);
  const close = at ? text.indexOf('</DataTypes>', at.index) : -1;
  if (!at || close < 0) return { unit, diagnostics: ctx.diagnostics };
  const end = close + '</DataTypes>'.length;
  let types: XmlElement | undefined;
  try {
    // the element alone, at its offsets in the file
    types = child(parseXml(' '.repeat(at.index) + text.slice(at.index, end)), 'DataTypes');
  } catch (err) {
    const off = err instanceof XmlError ? err.offset : at.index;
    ctx.diagnostics.push(diagnostic('ST1012', xmlSpan(ctx, off, off), file, (err as Error).message));
    return { unit, diagnostics: ctx.diagnostics };
  }
  const g = new Gen();
  const seen = new Set<string>();
  for (const dt of childrenNamed(types, 'DataType')) {
    const name = childText(text, dt, 'Name');
    if (!name || !IDENTIFIER.test(name) || seen.has(name.toUpperCase())) continue;
    const spec = tsprojTypeSpec(text, dt);
    if (!spec) continue;
    seen.add(name.toUpperCase());
    const origin = xmlSpan(ctx, dt.start, dt.end);
    g.push(`TYPE ${name} :`, xmlSpan(ctx, child(dt, 'Name')!.start, child(dt, 'Name')!.end));
    for (const [line, el] of spec) g.push(line, el ? xmlSpan(ctx, el.start, el.end) : origin);
    g.push('END_TYPE', origin);
  }
  if (g.lines.length === 0) return { unit, diagnostics: ctx.diagnostics };
  const parsed = parseSource(g.text(), file, { format: 'twincat', comments: ctx.keepComments });
  const whole = xmlSpan(ctx, types!.start, types!.end);
  const map = (s: Span): Span => g.origins[s.line - 1] ?? whole;
  remapSpans(parsed.unit.declarations, map);
  pushMapped(ctx.diagnostics, parsed.diagnostics, map);
  declarations.push(...parsed.unit.declarations);
  return { unit, diagnostics: ctx.diagnostics };
}

/** The trimmed text of a child element, or undefined. */
function childText(text: string, el: XmlElement, name: string): string | undefined {
  const c = child(el, name);
  return c ? textOf(text, c).trim() : undefined;
}

/** `ARRAY [l..u, …] OF ` for an element's `<ArrayInfo>`s, '' without; undefined when one is unreadable. */
function arrayPrefix(text: string, el: XmlElement): string | undefined {
  const dims: string[] = [];
  for (const a of childrenNamed(el, 'ArrayInfo')) {
    const lo = Number(childText(text, a, 'LBound') ?? '0');
    const n = Number(childText(text, a, 'Elements'));
    if (!Number.isInteger(lo) || !Number.isInteger(n) || n < 1) return undefined;
    dims.push(`${lo}..${lo + n - 1}`);
  }
  return dims.length === 0 ? '' : `ARRAY[${dims.join(', ')}] OF `;
}

/** A `<Type>`/`<BaseType>` as ST (`PointerTo`/`ReferenceTo` attributes kept), or undefined. */
function typeText(text: string, el: XmlElement | undefined): string | undefined {
  if (!el) return undefined;
  const t = textOf(text, el).trim().replace(/\s+/g, ' ');
  const ref = attr(el, 'ReferenceTo') === 'true' ? 'REFERENCE TO ' : '';
  const ptr = Number(attr(el, 'PointerTo') ?? '0');
  const out = (Number.isInteger(ptr) && ptr > 0 ? 'POINTER TO '.repeat(ptr) : '') + ref + t;
  return TYPE_TEXT.test(t) ? out : undefined;
}

/**
 * The ST lines after `TYPE Name :` for one `.tsproj` `<DataType>`, each with the element it
 * comes from, or undefined when it is none of struct, enumeration, array or alias.
 */
function tsprojTypeSpec(text: string, dt: XmlElement): [string, XmlElement | undefined][] | undefined {
  const subItems = childrenNamed(dt, 'SubItem');
  if (subItems.length > 0) {
    const out: [string, XmlElement | undefined][] = [['STRUCT', undefined]];
    for (const s of subItems) {
      const name = childText(text, s, 'Name');
      const type = typeText(text, child(s, 'Type'));
      const array = arrayPrefix(text, s);
      if (!name || !IDENTIFIER.test(name) || !type || array === undefined) return undefined;
      out.push([`    ${name} : ${array}${type};`, s]);
    }
    out.push(['END_STRUCT', undefined]);
    return out;
  }
  const base = typeText(text, child(dt, 'BaseType'));
  const enums = childrenNamed(dt, 'EnumInfo');
  if (enums.length > 0) {
    const values: [string, XmlElement][] = [];
    for (const e of enums) {
      const n = childText(text, e, 'Text');
      const v = childText(text, e, 'Enum');
      if (!n || !IDENTIFIER.test(n) || !v || !/^-?\d+$/.test(v)) return undefined;
      values.push([`    ${n} := ${v}`, e]);
    }
    const last = values.length - 1;
    return [
      ['(', undefined],
      ...values.map(([l, e], i): [string, XmlElement] => [i < last ? `${l},` : l, e]),
      // TwinCAT writes the base type of an enumeration after its values
      [base && /^[A-Za-z_]\w*$/.test(base) ? `) ${base};` : ');', undefined],
    ];
  }
  if (!base) return undefined;
  const array = arrayPrefix(text, dt);
  if (array === undefined) return undefined;
  return [[`${array}${base};`, undefined]];
}
