/**
 * TIA Portal PLC tag tables: the global tags (`"Door_Closed"` at `%I1.1`)
 * and user constants (`"heaterStages"`) a block names. TIA Portal exports a
 * tag table through Openness as a SimaticML document
 * (`<SW.Tags.PlcTagTable>` with `<SW.Tags.PlcTag>` and
 * `<SW.Tags.PlcUserConstant>` objects). It reads as a global variable list:
 * each tag a located global of its data type, each user constant a
 * `VAR_GLOBAL CONSTANT` with its value; names keep their text, and every
 * span points into the XML (a declaration at its object, a name at the text
 * of its `<Name>`).
 */
import { type CompilationUnit, type Diagnostic, diagnostic, type ParseResult, type Span } from '../iec';
import { readScl } from './scl-reader';

/** Is this XML text a TIA Portal tag table export? */
export function isTagTableXml(text: string): boolean {
  return /<SW\.Tags\.PlcTagTable[\s>]/.test(text.slice(0, 4096));
}

interface TagObject {
  kind: 'tag' | 'constant';
  /** Offsets of the object element in the XML. */
  start: number;
  end: number;
  name?: { text: string; start: number; end: number };
  type?: string | undefined;
  address?: string | undefined;
  value?: string | undefined;
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

function unescapeXml(s: string): string {
  return s.replace(
    /&(amp|lt|gt|quot|apos|#(\d+)|#x([0-9a-fA-F]+));/g,
    (_, e: string, dec?: string, hex?: string) =>
      dec ? String.fromCodePoint(Number(dec)) : hex ? String.fromCodePoint(parseInt(hex, 16)) : ENTITIES[e]!,
  );
}

/** The first `<Tag>text</Tag>` of an attribute list between `from` and `to`, with the text's offsets. */
function attribute(
  xml: string,
  tag: string,
  from: number,
  to: number,
): { text: string; start: number; end: number } | undefined {
  const open = `<${tag}>`;
  const at = xml.indexOf(open, from);
  if (at < 0 || at >= to) return undefined;
  const start = at + open.length;
  const end = xml.indexOf(`</${tag}>`, start);
  if (end < 0 || end > to) return undefined;
  return { text: unescapeXml(xml.slice(start, end)).trim(), start, end };
}

/** The tag and constant objects of a tag table document, in order. */
function objects(xml: string): TagObject[] {
  const out: TagObject[] = [];
  const re = /<SW\.Tags\.(PlcTag|PlcUserConstant)\b[^>]*?(\/?)>/g;
  for (let m = re.exec(xml); m; m = re.exec(xml)) {
    const kind = m[1] === 'PlcTag' ? 'tag' : 'constant';
    const start = m.index;
    const close = `</SW.Tags.${m[1]}>`;
    const closeAt = m[2] === '/' ? -1 : xml.indexOf(close, re.lastIndex);
    const end = closeAt < 0 ? re.lastIndex : closeAt + close.length;
    // the attributes end where the object's own ObjectList (comments) begins
    const list = xml.indexOf('</AttributeList>', re.lastIndex);
    const attrEnd = list >= 0 && list < end ? list : end;
    const attr = (tag: string) => attribute(xml, tag, re.lastIndex, attrEnd);
    const o: TagObject = { kind, start, end };
    const name = attr('Name');
    if (name) o.name = name;
    o.type = attr('DataTypeName')?.text;
    o.address = attr('LogicalAddress')?.text;
    o.value = attr('Value')?.text;
    out.push(o);
    re.lastIndex = end;
  }
  return out;
}

/**
 * A TIA address as an IEC one: `%I1.1` → `%IX1.1`, `%MW12` stays, the
 * peripheral suffix `:P` is dropped (the virtual PLC has one image). Undefined
 * for anything else.
 */
function iecAddress(address: string): string | undefined {
  const a = address.replace(/\s+/g, '').toUpperCase();
  const bit = /^%([IQM])(\d+)\.([0-7])(:P)?$/.exec(a);
  if (bit) return `%${bit[1]}X${bit[2]}.${bit[3]}`;
  const word = /^%([IQM])([BWDL])(\d+)(:P)?$/.exec(a);
  if (word) return `%${word[1]}${word[2]}${word[3]}`;
  return undefined;
}

/** One line of offsets into `xml` for the spans of the generated source. */
function spanAt(xml: string, file: string, offset: number, endOffset: number): Span {
  const pos = (o: number) => {
    const before = xml.slice(0, o);
    const line = before.split('\n').length;
    return { line, column: o - (before.lastIndexOf('\n') + 1) + 1 };
  };
  const a = pos(offset);
  const b = pos(endOffset);
  return { file, line: a.line, column: a.column, endLine: b.line, endColumn: b.column, offset, endOffset };
}

/**
 * Reads a TIA Portal tag table export into a compilation unit of global
 * declarations. A tag without a name or a type, or with an address that is
 * not an input, output or memory address, is reported at its object and left
 * out. Never throws.
 */
export function readTagTable(xml: string, fileName: string): ParseResult {
  const diagnostics: Diagnostic[] = [];
  const objs = objects(xml);
  const tags: string[] = [];
  const consts: string[] = [];
  const kept: TagObject[] = [];
  const keptConsts: TagObject[] = [];
  for (const o of objs) {
    const at = spanAt(xml, fileName, o.start, o.end);
    if (!o.name || !o.type) {
      diagnostics.push(diagnostic('ST1001', at, 'a <Name> and a <DataTypeName>', 'an incomplete tag'));
      continue;
    }
    const name = `"${o.name.text}"`;
    if (o.kind === 'constant') {
      if (o.value === undefined) {
        diagnostics.push(diagnostic('ST1001', at, `a <Value> of constant ${name}`, 'none'));
        continue;
      }
      consts.push(`${name} : ${o.type} := ${o.value};`);
      keptConsts.push(o);
      continue;
    }
    const address = o.address ? iecAddress(o.address) : undefined;
    if (o.address && !address) {
      diagnostics.push(
        diagnostic('ST1001', at, `an input, output or memory address of tag ${name}`, o.address),
      );
      continue;
    }
    tags.push(`${name}${address ? ` AT ${address}` : ''} : ${o.type};`);
    kept.push(o);
  }
  // one declaration a line; `from[i]` is the object of line i + 1
  const lines: string[] = [];
  const from: (TagObject | undefined)[] = [];
  const section = (head: string, decls: string[], objs: TagObject[]) => {
    if (decls.length === 0) return;
    lines.push(head, ...decls, 'END_VAR');
    from.push(undefined, ...objs, undefined);
  };
  section('VAR_GLOBAL', tags, kept);
  section('VAR_GLOBAL CONSTANT', consts, keptConsts);
  const r = readScl(lines.join('\n'), fileName);
  const unit: CompilationUnit = r.unit;
  // spans into the XML: each declaration at its object, each name at its <Name> text
  const order = [...kept, ...keptConsts];
  let k = 0;
  for (const d of unit.declarations) {
    if (d.kind !== 'GlobalVarList') continue;
    d.span = spanAt(xml, fileName, 0, xml.length);
    for (const b of d.varBlocks) {
      b.span = d.span;
      for (const v of b.decls) {
        const o = order[k++];
        if (!o) continue;
        const at = spanAt(xml, fileName, o.start, o.end);
        respan(v, at);
        for (const nm of v.names) nm.span = spanAt(xml, fileName, o.name!.start, o.name!.end);
      }
    }
  }
  unit.span = spanAt(xml, fileName, 0, xml.length);
  // a type or value the SCL reader refuses is reported at the object it came from
  for (const d of r.diagnostics) {
    const o = from[(d.line ?? 1) - 1];
    const at = o ? spanAt(xml, fileName, o.start, o.end) : unit.span;
    const { line, column, endLine, endColumn, offset, endOffset } = at;
    diagnostics.push({ ...d, line, column, endLine, endColumn, offset, endOffset });
  }
  return { unit, diagnostics };
}

/** Every span under `node` becomes `span`. */
function respan(node: object, span: Span): void {
  const stack: object[] = [node];
  while (stack.length > 0) {
    const o = stack.pop() as Record<string, unknown>;
    for (const key of Object.keys(o)) {
      const v = o[key];
      if (key === 'span' || key === 'nameSpan' || key === 'memberSpan') o[key] = span;
      else if (v !== null && typeof v === 'object') stack.push(v);
    }
  }
}
