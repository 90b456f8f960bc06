/**
 * The ladder → Structured Text migration for a PLCopen TC6 XML file: each
 * selected POU whose body is LD gets an ST body in its place (the ST the
 * PLCopen reader converts the ladder to, IEC 61131-3 §8.2), with the
 * edge-detection instances the ST needs declared in the POU's local
 * variables. Every other byte of the file stays as it was. The written file
 * is read back and run against the ladder on the virtual PLC; only POUs
 * proven equivalent are kept as ST.
 */
import {
  type CompilationUnit,
  parseSource,
  printNode,
  readPlcopen,
  type Statement,
  type VarDecl,
} from '../iec/index';
import { checkEquivalence, SimError } from '../sim/index';
import { L5xError } from './l5x-reader';
import { type LadderToStOptions, provenConversion, type RoutineConversion } from './ladder-to-st';
import { Unsupported } from './logix-operands';
import { attrOf, childEl, childEls, scanXml, type XElement } from './xml-scanner';

/** The result for a PLCopen file: per-POU outcomes, their ST, and the new file. */
export interface PlcopenLadderResult {
  routines: RoutineConversion[];
  /** ST lines by POU name, for every POU converted (proven or not). */
  st: Map<string, string[]>;
  /** The file with the proven POUs' LD bodies replaced (the input's bytes when none is). */
  output: Uint8Array;
}

/** Types the PLCopen schema writes as their own element (`<BOOL/>`), not `<derived name="..."/>`. */
const ELEMENTARY = new Set(
  'BOOL BYTE WORD DWORD LWORD SINT INT DINT LINT USINT UINT UDINT ULINT REAL LREAL TIME LTIME DATE DT TOD LDATE LDT LTOD CHAR WCHAR'.split(
    ' ',
  ),
);

/** Does this file look like PLCopen XML (and not an L5X)? */
export function isPlcopenLadderInput(head: string): boolean {
  return !head.includes('RSLogix5000Content') && /<project\b[^>]*plcopen\.org/i.test(head);
}

interface LdPou {
  name: string;
  pouType: string;
  pou: XElement;
  ld: XElement;
}

function ldPous(doc: XElement): LdPou[] {
  const project = childEl(doc, 'project');
  const out: LdPou[] = [];
  for (const pou of childEls(childEl(childEl(project, 'types'), 'pous'), 'pou')) {
    const body = childEl(pou, 'body');
    const ld = childEl(body, 'LD');
    if (ld) out.push({ name: attrOf(pou, 'name') ?? '', pouType: attrOf(pou, 'pouType') ?? '', pou, ld });
  }
  return out;
}

/** The whitespace that starts the line `offset` is on. */
function indentAt(text: string, offset: number): string {
  const lineStart = text.lastIndexOf('\n', offset - 1) + 1;
  return /^[ \t]*/.exec(text.slice(lineStart, offset))![0];
}

function lineEnd(text: string): string {
  return text.includes('\r\n') ? '\r\n' : '\n';
}

/** `<xhtml:p>` where the root declares the prefix (Beremiz, OpenPLC), CODESYS's `<xhtml xmlns=...>` otherwise. */
function textWrapper(text: string): [string, string] {
  return /xmlns:xhtml=/.test(text.slice(0, 2000))
    ? ['<xhtml:p>', '</xhtml:p>']
    : ['<xhtml xmlns="http://www.w3.org/1999/xhtml">', '</xhtml>'];
}

function declaredNames(pou: XElement): Set<string> {
  const names = new Set<string>();
  for (const section of childEl(pou, 'interface')?.children ?? []) {
    for (const v of childEls(section, 'variable')) names.add((attrOf(v, 'name') ?? '').toUpperCase());
  }
  return names;
}

/** Variables the POU writes that the proof compares: non-input variables of elementary type. */
function comparedNames(pou: XElement): string[] {
  const out: string[] = [];
  for (const section of childEl(pou, 'interface')?.children ?? []) {
    if (section.name === 'inputVars' || section.name === 'externalVars') continue;
    for (const v of childEls(section, 'variable')) {
      const type = childEl(v, 'type')?.children[0];
      if (type && ELEMENTARY.has(type.name)) out.push(attrOf(v, 'name') ?? '');
    }
  }
  return out;
}

/**
 * Does this PROGRAM read nothing from outside itself: no input, in-out or external variable,
 * no variable located at an input (`%I`), and no global variable anywhere in the file that
 * another POU could write? Then the PROGRAM's trace from its initial state is the only one
 * there is, and one run compares all of its behaviour (within the scans run).
 */
function closedProgram(pou: XElement, xml: XElement): boolean {
  for (const section of childEl(pou, 'interface')?.children ?? []) {
    if (section.name === 'inputVars' || section.name === 'inOutVars' || section.name === 'externalVars')
      if (childEls(section, 'variable').length > 0) return false;
    for (const v of childEls(section, 'variable')) if (/^%I/i.test(attrOf(v, 'address') ?? '')) return false;
  }
  const hasGlobals = (e: XElement): boolean =>
    (e.name === 'globalVars' && childEls(e, 'variable').length > 0) || e.children.some(hasGlobals);
  return !hasGlobals(xml);
}

const HARNESS = 'LX_LD_PROOF';

/**
 * A program that calls one instance of a function block every scan with its inputs
 * as the program's (random) inputs and copies its outputs out: the proof of an FB's body.
 */
function fbHarness(p: LdPou): { unit: CompilationUnit; compare: string[] } | undefined {
  const vars = (section: string) =>
    childEls(childEl(p.pou, 'interface'), section)
      .flatMap((sec) => childEls(sec, 'variable'))
      .map((v) => ({ name: attrOf(v, 'name') ?? '', type: childEl(v, 'type')?.children[0]?.name ?? '' }))
      .filter((v) => ELEMENTARY.has(v.type));
  const ins = vars('inputVars');
  const outs = vars('outputVars');
  if (outs.length === 0) return undefined;
  const src = [
    `PROGRAM ${HARNESS}`,
    'VAR_INPUT',
    ...ins.map((v) => `    ${v.name} : ${v.type};`),
    'END_VAR',
    'VAR_OUTPUT',
    ...outs.map((v) => `    LX_${v.name} : ${v.type};`),
    'END_VAR',
    'VAR',
    `    LX_FB : ${p.name};`,
    'END_VAR',
    `LX_FB(${ins.map((v) => `${v.name} := ${v.name}`).join(', ')});`,
    ...outs.map((v) => `LX_${v.name} := LX_FB.${v.name};`),
    'END_PROGRAM',
  ].join('\n');
  return { unit: parseSource(src, 'ld-proof.st').unit, compare: outs.map((v) => `LX_${v.name}`) };
}

type BodyOwner = { kind: string; name: string; body: Statement[]; varBlocks: { decls: VarDecl[] }[] };

function ownerIn(unit: CompilationUnit, name: string): BodyOwner | undefined {
  return unit.declarations.find(
    (d) =>
      'body' in d && 'name' in d && typeof d.name === 'string' && d.name.toUpperCase() === name.toUpperCase(),
  ) as BodyOwner | undefined;
}

/** The edits for one POU: its LD element replaced by ST, the converter's instances declared. */
function pouEdits(
  text: string,
  p: LdPou,
  st: string[],
  extras: { name: string; type: string }[],
): { start: number; end: number; text: string }[] {
  const nl = lineEnd(text);
  const ind = indentAt(text, p.ld.start);
  const step = ind.includes('\t') ? '\t' : '  ';
  const [open, close] = textWrapper(text);
  const body = st.join(nl);
  if (body.includes(']]>')) throw new Unsupported(`POU ${p.name}: its ST holds ']]>'`);
  const edits = [
    {
      start: p.ld.start,
      end: p.ld.end,
      text: `<ST>${nl}${ind}${step}${open}<![CDATA[${body}]]>${close}${nl}${ind}</ST>`,
    },
  ];
  if (extras.length === 0) return edits;
  const itf = childEl(p.pou, 'interface');
  if (!itf || itf.contentStart === itf.end)
    throw new Unsupported(`POU ${p.name} has no <interface> to declare in`);
  const vars = (vi: string) =>
    extras
      .map((x) => {
        const type = ELEMENTARY.has(x.type.toUpperCase())
          ? `<${x.type.toUpperCase()} />`
          : `<derived name="${x.type}" />`;
        return `${vi}<variable name="${x.name}"><type>${type}</type></variable>${nl}`;
      })
      .join('');
  const local = childEls(itf, 'localVars').find((l) => l.attrs.size === 0 && l.contentStart !== l.end);
  if (local) {
    const last = local.children[local.children.length - 1];
    const vi = last ? indentAt(text, last.start) : indentAt(text, local.start) + step;
    const at = last ? text.indexOf('\n', last.end) + 1 || last.end : local.contentStart;
    edits.push({ start: at, end: at, text: last ? vars(vi) : nl + vars(vi) });
  } else {
    const li = itf.children[0] ? indentAt(text, itf.children[0].start) : indentAt(text, itf.start) + step;
    const at = text.lastIndexOf('\n', itf.contentEnd - 1) + 1;
    edits.push({ start: at, end: at, text: `${li}<localVars>${nl}${vars(li + step)}${li}</localVars>${nl}` });
  }
  return edits;
}

function splice(text: string, edits: { start: number; end: number; text: string }[]): string {
  let out = text;
  for (const e of [...edits].sort((a, b) => b.start - a.start))
    out = out.slice(0, e.start) + e.text + out.slice(e.end);
  return out;
}

function errorsOf(r: ReturnType<typeof readPlcopen>): string[] {
  return r.diagnostics
    .filter((d) => d.severity === 'error')
    .map((d) => `${d.line}:${d.column}: ${d.message}`);
}

/** The first error of reading the project, its position kept apart and the file not named (the caller names it once). */
function readError(r: ReturnType<typeof readPlcopen>, file: string): L5xError | undefined {
  const d = r.diagnostics.find((x) => x.severity === 'error');
  if (!d) return undefined;
  // ST1012 reads "cannot read FILE: why"
  const prefix = `cannot read ${file}: `;
  const why = d.message.startsWith(prefix) ? d.message.slice(prefix.length) : d.message;
  return new L5xError(why, d.offset, { line: d.line, column: d.column });
}

/**
 * Converts the LD bodies of a PLCopen XML project to ST, proves each POU equivalent to its
 * ladder on the virtual PLC and keeps the proven ones. Routines are named by POU.
 */
export function plcopenLadderToSt(
  bytes: Uint8Array,
  file: string,
  options: LadderToStOptions = {},
): PlcopenLadderResult {
  const text = Buffer.from(bytes).toString('utf8');
  const before = readPlcopen(text, file);
  const broken = readError(before, file);
  if (broken) throw broken;
  const doc = scanXml(text);
  const all = ldPous(doc);
  let selected = all;
  if (options.routines && options.routines.length > 0) {
    selected = options.routines.map((name) => {
      const p = all.find((x) => x.name.toUpperCase() === name.toUpperCase());
      if (!p) throw new Unsupported(`no POU ${name} with an LD body in the file`);
      return p;
    });
  }
  const routines: RoutineConversion[] = [];
  const st = new Map<string, string[]>();
  const proven: { start: number; end: number; text: string }[] = [];
  for (const p of selected) {
    const r = convertPou(text, file, before.unit, p, options, doc);
    routines.push(r.result);
    if (r.result.converted) st.set(p.name, r.lines);
    if (r.result.equivalent) proven.push(...r.edits);
  }
  const output = proven.length > 0 ? new Uint8Array(Buffer.from(splice(text, proven), 'utf8')) : bytes;
  return { routines, st, output };
}

function convertPou(
  text: string,
  file: string,
  unit: CompilationUnit,
  p: LdPou,
  options: LadderToStOptions,
  doc: XElement,
): { result: RoutineConversion; lines: string[]; edits: { start: number; end: number; text: string }[] } {
  const fail = (reason: string, converted = false, lines: string[] = []) => ({
    result: {
      name: p.name,
      converted,
      equivalent: false,
      runs: 0,
      scans: 0,
      counterexample: null,
      reason,
    },
    lines,
    edits: [],
  });
  const harness = p.pouType === 'functionBlock' ? fbHarness(p) : undefined;
  if (p.pouType !== 'program' && !harness) {
    return fail(
      p.pouType === 'functionBlock'
        ? `${p.name}: a function block without outputs of elementary type has nothing to compare`
        : `${p.name} is a ${p.pouType}: only PROGRAM and FUNCTION_BLOCK bodies are proven`,
    );
  }
  const owner = ownerIn(unit, p.name);
  if (!owner) return fail(`${p.name}: the reader did not produce the POU`);
  const lines = owner.body.flatMap((s) => printNode(s).replace(/\n+$/, '').split('\n'));
  const known = declaredNames(p.pou);
  const extras = owner.varBlocks
    .flatMap((b) => b.decls)
    .flatMap((d) => d.names.map((n) => ({ name: n.name, type: printNode(d.type) })))
    .filter((x) => !known.has(x.name.toUpperCase()));
  let edits: ReturnType<typeof pouEdits>;
  let after: ReturnType<typeof readPlcopen>;
  try {
    edits = pouEdits(text, p, lines, extras);
    after = readPlcopen(splice(text, edits), file);
  } catch (e) {
    if (e instanceof Unsupported) return fail(e.reason);
    throw e;
  }
  const errs = errorsOf(after);
  if (errs.length > 0) return fail(`${p.name}: the ST form does not read back: ${errs[0]}`, true, lines);
  try {
    // a PROGRAM that reads nothing from outside has one trace: one run compares it whole (the
    // simulator otherwise refuses a proof with no input to drive, as it would prove nothing)
    const closed = !harness && closedProgram(p.pou, doc);
    const r = checkEquivalence({
      before: harness ? [unit, harness.unit] : [unit],
      after: harness ? [after.unit, harness.unit] : [after.unit],
      program: harness ? HARNESS : p.name,
      seed: options.seed ?? 1,
      runs: closed ? 1 : (options.runs ?? 100),
      ...(closed ? { requireInputs: false } : {}),
      scans: options.scans ?? 300,
      compare: harness ? harness.compare : comparedNames(p.pou),
    });
    return {
      result: provenConversion(p.name, r),
      lines,
      edits,
    };
  } catch (e) {
    if (e instanceof SimError) return fail(`${p.name}: simulation failed: ${e.message}`, true, lines);
    throw e;
  }
}
