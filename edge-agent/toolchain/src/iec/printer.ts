/**
 * AST → canonical Structured Text. Canonical form: keywords upper case,
 * names as written, four-space indentation of declarations and nested
 * statements (POU bodies start at column 1, as in CODESYS/TwinCAT editors),
 * one statement per line, literals as written (`raw`). Parentheses are the
 * author's (`Paren` nodes); the printer adds them only where a synthesized
 * tree would otherwise change meaning (IEC 61131-3 Table 71 precedence).
 * `parseSource(printUnit(u))` gives `u` back (positions aside).
 */
import type {
  ArrayInitElement,
  BinaryExpression,
  CallArgument,
  CaseLabel,
  Comment,
  CompilationUnit,
  ConfigurationDecl,
  EnumType,
  Expression,
  FunctionBlockDecl,
  FunctionDecl,
  Initializer,
  InterfaceDecl,
  MethodDecl,
  Node,
  NodeBase,
  Pragma,
  ProgramDecl,
  ProgramInstance,
  PropertyAccessor,
  PropertyDecl,
  ResourceDecl,
  SfcActionAssociation,
  SfcNetwork,
  SfcStep,
  SfcTransition,
  Statement,
  TaskDecl,
  TopLevelDeclaration,
  TypeDecl,
  TypeSpec,
  UnaryExpression,
  VarBlock,
  VarDecl,
} from './ast';
import { GVL_NAME_ATTRIBUTE } from './ast';

/** Printer options. */
export interface PrintOptions {
  /** Indentation unit. @default '    ' (four spaces) */
  indent?: string;
  /** Print attached comments and pragmas. @default true */
  comments?: boolean;
}

const PREC: Record<string, number> = {
  OR: 1,
  OR_ELSE: 1,
  XOR: 2,
  AND: 3,
  AND_THEN: 3,
  '=': 4,
  '<>': 4,
  '<': 5,
  '>': 5,
  '<=': 5,
  '>=': 5,
  '+': 6,
  '-': 6,
  '*': 7,
  '/': 7,
  MOD: 7,
  '**': 8,
};
const UNARY_PREC = 9;

function precedence(e: Expression): number {
  if (e.kind === 'Binary') return PREC[e.operator] ?? 0;
  if (e.kind === 'AssignmentExpression') return 0;
  if (e.kind === 'Unary') return UNARY_PREC;
  return 10;
}

/** Prints a whole compilation unit as canonical ST. */
export function printUnit(unit: CompilationUnit, options: PrintOptions = {}): string {
  const p = new Printer(options);
  // a TwinCAT GVL keeps its name in the XML; elsewhere (PLCopen, ST) the name is printed as an attribute
  p.gvlNames = unit.format !== 'twincat';
  const named = (d: TopLevelDeclaration | undefined): boolean =>
    d?.kind === 'GlobalVarList' && !!d.name && p.gvlNames;
  unit.declarations.forEach((d, i) => {
    // VAR_GLOBAL blocks in a row without a name read back as one list: printed as one (no blank
    // line), so print → parse → print gives the same text whichever reader made them
    const prev = unit.declarations[i - 1];
    const oneList = d.kind === 'GlobalVarList' && prev?.kind === 'GlobalVarList' && !named(d);
    if (i > 0 && !oneList) p.blank();
    p.topLevel(d);
  });
  return p.result();
}

/**
 * Prints any node: an expression or type as one line (no trailing newline),
 * statements and declarations as lines ending in a newline.
 */
export function printNode(node: Node, options: PrintOptions = {}): string {
  const p = new Printer(options);
  switch (node.kind) {
    case 'CompilationUnit':
      return printUnit(node, options);
    case 'Program':
    case 'Function':
    case 'FunctionBlock':
    case 'Interface':
    case 'TypeBlock':
    case 'GlobalVarList':
    case 'Configuration':
      p.topLevel(node);
      return p.result();
    case 'Method':
      p.method(node);
      return p.result();
    case 'Property':
      p.property(node);
      return p.result();
    case 'PropertyAccessor':
      p.accessor(node);
      return p.result();
    case 'Action':
      p.lead(node);
      p.line(`ACTION ${node.name}:`, node);
      p.body(node.body);
      p.line('END_ACTION');
      return p.result();
    case 'VarBlock':
      p.varBlock(node);
      return p.result();
    case 'VarDecl':
      p.varDecl(node);
      return p.result();
    case 'TypeDecl':
      p.typeDecl(node);
      return p.result();
    case 'Task':
      p.task(node);
      return p.result();
    case 'ProgramInstance':
      p.programInstance(node);
      return p.result();
    case 'Resource':
      p.resource(node);
      return p.result();
    case 'Assignment':
    case 'CallStatement':
    case 'If':
    case 'Case':
    case 'For':
    case 'While':
    case 'Repeat':
    case 'Exit':
    case 'Continue':
    case 'Return':
    case 'Jump':
    case 'Label':
    case 'Try':
    case 'Empty':
      p.statement(node);
      return p.result();
    case 'SfcNetwork':
      p.sfc(node);
      return p.result();
    case 'SfcStep':
      p.sfcStep(node);
      return p.result();
    case 'SfcTransition':
      p.sfcTransition(node);
      return p.result();
    case 'SfcActionAssociation':
      return p.sfcAssociation(node);
    case 'Elsif':
      return `ELSIF ${p.expr(node.condition)} THEN`;
    case 'CaseBranch':
      return `${node.labels.map((l) => p.caseLabel(l)).join(', ')}:`;
    case 'CaseValue':
    case 'CaseRange':
      return p.caseLabel(node);
    case 'CallArgument':
      return p.arg(node);
    case 'ArrayDimension':
      return node.star ? '*' : `${p.expr(node.low!)}..${p.expr(node.high!)}`;
    case 'EnumValue':
      return node.value ? `${node.name} := ${p.expr(node.value)}` : node.name;
    case 'ArrayInitializer':
    case 'StructInitializer':
      return p.init(node);
    case 'ArrayInitElement':
      return p.arrayElement(node);
    case 'FieldInitializer':
      return `${node.name} := ${p.init(node.value)}`;
    case 'NamedType':
    case 'StringType':
    case 'ArrayType':
    case 'PointerType':
    case 'ReferenceType':
    case 'SubrangeType':
    case 'EnumType':
    case 'StructType':
    case 'UnionType':
      return p.typeInline(node);
    default:
      return p.expr(node);
  }
}

class Printer {
  private readonly lines: string[] = [];
  private depth = 0;
  private readonly unit: string;
  private readonly withComments: boolean;

  constructor(options: PrintOptions) {
    this.unit = options.indent ?? '    ';
    this.withComments = options.comments ?? true;
  }

  result(): string {
    return this.lines.length === 0 ? '' : `${this.lines.join('\n')}\n`;
  }
  blank(): void {
    this.lines.push('');
  }
  private pad(): string {
    return this.unit.repeat(this.depth);
  }
  /** A line at the current depth, with the node's same-line trailing comments. */
  line(text: string, node?: NodeBase): void {
    let t = this.pad() + text;
    if (node && this.withComments && node.trailingComments) {
      for (const c of node.trailingComments) if (!c.ownLine) t += ` ${c.text}`;
    }
    this.lines.push(t);
  }
  /** Leading comments and pragmas of a node, each on its own line. */
  /** Print a global variable list's name as `{attribute 'gvl_name' := ...}` (plain ST has no syntax for it). */
  gvlNames = false;
  lead(node: NodeBase): void {
    if (!this.withComments) return;
    if (node.leadingComments) for (const c of node.leadingComments) this.comment(c);
    if (node.pragmas) for (const p of node.pragmas) this.pragma(p);
  }
  /** Comments and pragmas that stood on their own lines after the node (end of a block). */
  after(node: NodeBase): void {
    if (!this.withComments) return;
    if (node.trailingComments) for (const c of node.trailingComments) if (c.ownLine) this.comment(c);
    if (node.trailingPragmas) for (const p of node.trailingPragmas) this.pragma(p);
  }
  private pragma(p: Pragma): void {
    this.lines.push(this.pad() + (p.text.startsWith('@') ? p.text : `{${p.text}}`));
  }
  private comment(c: Comment): void {
    this.lines.push(this.pad() + c.text);
  }

  // ------------------------------------------------------------ declarations

  topLevel(d: TopLevelDeclaration): void {
    switch (d.kind) {
      case 'Program':
      case 'FunctionBlock':
      case 'Function':
        this.pou(d);
        return;
      case 'Interface':
        this.interface(d);
        return;
      case 'TypeBlock':
        this.lead(d);
        this.line('TYPE', d);
        this.depth++;
        for (const t of d.types) this.typeDecl(t);
        this.depth--;
        this.line('END_TYPE');
        this.after(d);
        return;
      case 'GlobalVarList':
        this.lead(d);
        if (this.gvlNames && d.name && !d.pragmas?.some((x) => x.attribute?.name === GVL_NAME_ATTRIBUTE))
          this.line(`{attribute '${GVL_NAME_ATTRIBUTE}' := '${d.name}'}`);
        d.varBlocks.forEach((b) => {
          this.varBlock(b);
        });
        if (this.withComments && d.trailingComments) for (const c of d.trailingComments) this.comment(c);
        return;
      case 'Configuration':
        this.configuration(d);
        return;
    }
  }

  private pou(d: ProgramDecl | FunctionBlockDecl | FunctionDecl): void {
    this.lead(d);
    let head: string;
    let end: string;
    if (d.kind === 'Program') {
      head = `PROGRAM ${d.access ? `${d.access} ` : ''}${d.name}`;
      end = 'END_PROGRAM';
    } else if (d.kind === 'Function') {
      head = `FUNCTION ${d.access ? `${d.access} ` : ''}${d.name}${d.returnType ? ` : ${this.typeInline(d.returnType)}` : ''}`;
      end = 'END_FUNCTION';
    } else {
      head = d.isClass ? 'CLASS ' : 'FUNCTION_BLOCK ';
      if (d.access) head += `${d.access} `;
      if (d.abstract) head += 'ABSTRACT ';
      if (d.final) head += 'FINAL ';
      head += d.name;
      if (d.extends) head += ` EXTENDS ${d.extends}`;
      if (d.implements.length > 0) head += ` IMPLEMENTS ${d.implements.join(', ')}`;
      end = d.isClass ? 'END_CLASS' : 'END_FUNCTION_BLOCK';
    }
    this.lines.push(head);
    for (const b of d.varBlocks) this.varBlock(b);
    this.body(d.body);
    if (d.kind !== 'Function' && d.sfc) this.sfc(d.sfc);
    if (d.kind !== 'Function') {
      for (const m of d.methods) this.method(m);
      for (const pr of d.properties) this.property(pr);
      for (const a of d.actions) {
        this.lead(a);
        this.line(`ACTION ${a.name}:`);
        this.body(a.body);
        this.line('END_ACTION', a);
        this.after(a);
      }
    }
    this.line(end, d);
    this.after(d);
  }

  body(stmts: Statement[]): void {
    for (const s of stmts) this.statement(s);
  }

  /** Textual SFC (§6.7.1): steps, then transitions, at body level. */
  sfc(n: SfcNetwork): void {
    this.lead(n);
    for (const s of n.steps) this.sfcStep(s);
    for (const t of n.transitions) this.sfcTransition(t);
    this.after(n);
  }

  sfcStep(s: SfcStep): void {
    this.lead(s);
    this.line(`${s.initial ? 'INITIAL_STEP' : 'STEP'} ${s.name}:`, s);
    this.depth++;
    for (const a of s.actions) this.line(`${this.sfcAssociation(a)};`);
    this.depth--;
    this.line('END_STEP');
    this.after(s);
  }

  sfcAssociation(a: SfcActionAssociation): string {
    const parts: string[] = [];
    if (a.qualifier) parts.push(a.qualifier);
    if (a.time) parts.push(this.expr(a.time));
    if (parts.length === 0 && a.indicators.length > 0) parts.push('N');
    parts.push(...a.indicators);
    return parts.length > 0 ? `${a.action}(${parts.join(', ')})` : a.action;
  }

  sfcTransition(t: SfcTransition): void {
    this.lead(t);
    let head = 'TRANSITION';
    if (t.name) head += ` ${t.name}`;
    if (t.priority) head += ` (PRIORITY := ${this.expr(t.priority)})`;
    const steps = (l: string[]): string => (l.length === 1 ? l[0]! : `(${l.join(', ')})`);
    head += ` FROM ${steps(t.from)} TO ${steps(t.to)}`;
    this.line(`${head} := ${this.expr(t.condition)};`);
    this.line('END_TRANSITION', t);
    this.after(t);
  }

  method(m: MethodDecl): void {
    this.lead(m);
    let head = 'METHOD ';
    if (m.access) head += `${m.access} `;
    if (m.abstract) head += 'ABSTRACT ';
    if (m.final) head += 'FINAL ';
    head += m.name;
    if (m.returnType) head += ` : ${this.typeInline(m.returnType)}`;
    this.line(head);
    for (const b of m.varBlocks) this.varBlock(b);
    this.body(m.body);
    this.line('END_METHOD', m);
    this.after(m);
  }

  property(p: PropertyDecl): void {
    this.lead(p);
    let head = 'PROPERTY ';
    if (p.access) head += `${p.access} `;
    if (p.abstract) head += 'ABSTRACT ';
    if (p.final) head += 'FINAL ';
    head += `${p.name} : ${this.typeInline(p.type)}`;
    this.line(head);
    if (p.get) this.accessor(p.get);
    if (p.set) this.accessor(p.set);
    this.line('END_PROPERTY', p);
    this.after(p);
  }

  accessor(a: PropertyAccessor): void {
    this.lead(a);
    this.line(a.access ? `${a.accessor} ${a.access}` : a.accessor);
    for (const b of a.varBlocks) this.varBlock(b);
    this.body(a.body);
    this.line(a.accessor === 'GET' ? 'END_GET' : 'END_SET', a);
    this.after(a);
  }

  private interface(d: InterfaceDecl): void {
    this.lead(d);
    this.lines.push(`INTERFACE ${d.name}${d.extends.length > 0 ? ` EXTENDS ${d.extends.join(', ')}` : ''}`);
    for (const m of d.methods) this.method(m);
    for (const p of d.properties) this.property(p);
    this.line('END_INTERFACE', d);
    this.after(d);
  }

  varBlock(b: VarBlock): void {
    this.lead(b);
    let head: string = b.section;
    if (b.constant) head += ' CONSTANT';
    if (b.retain) head += ' RETAIN';
    if (b.nonRetain) head += ' NON_RETAIN';
    if (b.persistent) head += ' PERSISTENT';
    if (b.access) head += ` ${b.access}`;
    this.line(head, b);
    this.depth++;
    for (const d of b.decls) this.varDecl(d);
    this.depth--;
    this.line('END_VAR');
    this.after(b);
  }

  varDecl(d: VarDecl): void {
    this.lead(d);
    let t = d.names.map((n) => n.name).join(', ');
    if (d.location) t += ` AT ${d.location.text}`;
    const type = d.type;
    if (type.kind === 'StructType' || type.kind === 'UnionType') {
      this.line(`${t} :`);
      this.structBody(
        type.kind === 'StructType' ? (type.overlap ? 'STRUCT OVERLAP' : 'STRUCT') : 'UNION',
        type.members,
        type.kind === 'StructType' ? type.extends : undefined,
      );
      this.line(`${type.kind === 'StructType' ? 'END_STRUCT' : 'END_UNION'};`, d);
      this.after(d);
      return;
    }
    t += ` : ${this.typeInline(type)}`;
    if (d.constructorArgs) t += `(${d.constructorArgs.map((a) => this.arg(a)).join(', ')})`;
    if (d.elementConstructorArgs)
      t += `[${d.elementConstructorArgs.map((args) => `(${args.map((a) => this.arg(a)).join(', ')})`).join(', ')}]`;
    if (d.init) t += ` := ${this.init(d.init)}`;
    this.line(`${t};`, d);
    this.after(d);
  }

  private structBody(word: string, members: VarDecl[], _ext: string | undefined): void {
    this.line(word);
    this.depth++;
    for (const m of members) this.varDecl(m);
    this.depth--;
  }

  typeDecl(t: TypeDecl): void {
    this.lead(t);
    const type = t.type;
    const base = type.kind === 'StructType' && type.extends ? `${t.name} EXTENDS ${type.extends}` : t.name;
    const name = t.access ? `${t.access} ${base}` : base;
    if (type.kind === 'StructType' || type.kind === 'UnionType') {
      this.line(`${name} :`);
      this.structBody(
        type.kind === 'StructType' ? (type.overlap ? 'STRUCT OVERLAP' : 'STRUCT') : 'UNION',
        type.members,
        undefined,
      );
      const end = type.kind === 'StructType' ? 'END_STRUCT' : 'END_UNION';
      this.line(t.init ? `${end} := ${this.init(t.init)};` : `${end};`, t);
      this.after(t);
      return;
    }
    if (type.kind === 'EnumType' && type.values.some((v) => v.leadingComments || v.pragmas)) {
      this.line(`${name} :`);
      this.line('(');
      this.depth++;
      type.values.forEach((v, i) => {
        this.lead(v);
        const sep = i < type.values.length - 1 ? ',' : '';
        this.line(`${v.value ? `${v.name} := ${this.expr(v.value)}` : v.name}${sep}`);
      });
      this.depth--;
      let close = ')';
      if (type.baseType) close += ` ${type.baseType.name}`;
      if (t.init) close += ` := ${this.init(t.init)}`;
      this.line(`${close};`, t);
      this.after(t);
      return;
    }
    let text = `${name} : ${this.typeInline(type)}`;
    if (t.init) text += ` := ${this.init(t.init)}`;
    this.line(`${text};`, t);
    this.after(t);
  }

  /** A type on one line (structures inline are printed on one line too). */
  typeInline(t: TypeSpec): string {
    switch (t.kind) {
      case 'NamedType':
        return t.genericArgs ? `${t.name}<${t.genericArgs.map((a) => this.expr(a)).join(', ')}>` : t.name;
      case 'StringType': {
        const w = t.wide ? 'WSTRING' : 'STRING';
        return t.length ? `${w}(${this.expr(t.length)})` : w;
      }
      case 'ArrayType':
        return `ARRAY[${t.dimensions.map((d) => (d.star ? '*' : `${this.expr(d.low!)}..${this.expr(d.high!)}`)).join(', ')}] OF ${this.typeInline(t.elementType)}`;
      case 'PointerType':
        return `${t.syntax} ${this.typeInline(t.target)}`;
      case 'ReferenceType':
        return `REFERENCE TO ${this.typeInline(t.target)}`;
      case 'SubrangeType':
        return `${t.base.name}(${this.expr(t.low)}..${this.expr(t.high)})`;
      case 'EnumType':
        return this.enumInline(t);
      case 'StructType':
      case 'UnionType': {
        const w = t.kind === 'StructType' ? 'STRUCT' : 'UNION';
        const members = t.members.map((m) => {
          const sub = new Printer({ indent: '', comments: false });
          sub.varDecl(m);
          return sub.result().trim();
        });
        const open = t.kind === 'StructType' && t.overlap ? 'STRUCT OVERLAP' : w;
        return `${open} ${members.join(' ')} END_${w}`;
      }
    }
  }

  private enumInline(t: EnumType): string {
    const vals = t.values.map((v) => (v.value ? `${v.name} := ${this.expr(v.value)}` : v.name)).join(', ');
    return `(${vals})${t.baseType ? ` ${t.baseType.name}` : ''}`;
  }

  init(i: Initializer): string {
    if (i.kind === 'ArrayInitializer') return `[${i.elements.map((e) => this.arrayElement(e)).join(', ')}]`;
    if (i.kind === 'StructInitializer')
      return `(${i.fields.map((f) => `${f.name} := ${this.init(f.value)}`).join(', ')})`;
    return this.expr(i);
  }

  arrayElement(e: ArrayInitElement): string {
    if (e.repeat) return `${this.expr(e.repeat)}(${e.value ? this.init(e.value) : ''})`;
    return e.value ? this.init(e.value) : '';
  }

  private configuration(c: ConfigurationDecl): void {
    this.lead(c);
    this.line(`CONFIGURATION ${c.name}`);
    this.depth++;
    for (const b of c.varBlocks) this.varBlock(b);
    for (const r of c.resources) this.resource(r);
    for (const t of c.tasks) this.task(t);
    for (const p of c.programs) this.programInstance(p);
    this.depth--;
    this.line('END_CONFIGURATION', c);
    this.after(c);
  }

  resource(r: ResourceDecl): void {
    this.lead(r);
    this.line(`RESOURCE ${r.name}${r.on ? ` ON ${r.on}` : ''}`);
    this.depth++;
    for (const b of r.varBlocks) this.varBlock(b);
    for (const t of r.tasks) this.task(t);
    for (const p of r.programs) this.programInstance(p);
    this.depth--;
    this.line('END_RESOURCE', r);
    this.after(r);
  }

  task(t: TaskDecl): void {
    this.lead(t);
    const parts: string[] = [];
    if (t.single) parts.push(`SINGLE := ${this.expr(t.single)}`);
    if (t.interval) parts.push(`INTERVAL := ${this.expr(t.interval)}`);
    if (t.priority) parts.push(`PRIORITY := ${this.expr(t.priority)}`);
    this.line(`TASK ${t.name}(${parts.join(', ')});`, t);
    this.after(t);
  }

  programInstance(p: ProgramInstance): void {
    this.lead(p);
    let t = 'PROGRAM ';
    if (p.retain) t += `${p.retain} `;
    t += p.name;
    if (p.task !== undefined) t += ` WITH ${p.task}`;
    t += ` : ${p.program}`;
    if (p.args.length > 0) t += `(${p.args.map((a) => this.arg(a)).join(', ')})`;
    this.line(`${t};`, p);
    this.after(p);
  }

  // ------------------------------------------------------------ statements

  statement(s: Statement): void {
    this.lead(s);
    switch (s.kind) {
      case 'Assignment': {
        let targets = `${this.expr(s.target)} ${s.operator} `;
        for (const m of s.moreTargets ?? []) targets += `${this.expr(m.target)} ${m.operator} `;
        this.line(`${targets}${this.expr(s.value)};`, s);
        break;
      }
      case 'CallStatement':
        this.line(`${this.expr(s.call)};`, s);
        break;
      case 'If':
        this.line(`IF ${this.expr(s.condition)} THEN`, s);
        this.nested(s.then);
        for (const e of s.elsifs) {
          this.line(`ELSIF ${this.expr(e.condition)} THEN`, e);
          this.nested(e.body);
        }
        if (s.else) {
          this.line('ELSE');
          this.nested(s.else);
        }
        this.line('END_IF;');
        break;
      case 'Case':
        this.line(`CASE ${this.expr(s.selector)} OF`, s);
        this.depth++;
        for (const b of s.branches) {
          this.lead(b);
          this.line(`${b.labels.map((l) => this.caseLabel(l)).join(', ')}:`, b);
          this.nested(b.body);
        }
        this.depth--;
        if (s.else) {
          this.line('ELSE');
          this.nested(s.else);
        }
        this.line('END_CASE;');
        break;
      case 'For': {
        let h = `FOR ${s.target ? this.expr(s.target) : s.variable.name} := ${this.expr(s.from)} TO ${this.expr(s.to)}`;
        if (s.by) h += ` BY ${this.expr(s.by)}`;
        this.line(`${h} DO`, s);
        this.nested(s.body);
        this.line('END_FOR;');
        break;
      }
      case 'While':
        this.line(`WHILE ${this.expr(s.condition)} DO`, s);
        this.nested(s.body);
        this.line('END_WHILE;');
        break;
      case 'Repeat':
        this.line('REPEAT', s);
        this.nested(s.body);
        this.line(`UNTIL ${this.expr(s.until)}`);
        this.line('END_REPEAT;');
        break;
      case 'Exit':
        this.line('EXIT;', s);
        break;
      case 'Continue':
        this.line('CONTINUE;', s);
        break;
      case 'Return':
        if (!s.condition) this.line('RETURN;', s);
        else if (s.condition.kind === 'Paren') this.line(`RETURN${this.expr(s.condition)};`, s);
        else this.line(`RETURN(${this.expr(s.condition)});`, s);
        break;
      case 'Jump':
        this.line(`JMP ${s.label};`, s);
        break;
      case 'Label':
        this.line(`${s.name}:`, s);
        break;
      case 'Try':
        this.line('__TRY', s);
        this.nested(s.body);
        if (s.catchBody) {
          this.line(s.catchVariable !== undefined ? `__CATCH(${s.catchVariable})` : '__CATCH');
          this.nested(s.catchBody);
        }
        if (s.finallyBody) {
          this.line('__FINALLY');
          this.nested(s.finallyBody);
        }
        this.line('__ENDTRY');
        break;
      case 'Empty':
        this.line(';', s);
        break;
    }
    this.after(s);
  }

  private nested(list: Statement[]): void {
    this.depth++;
    for (const s of list) this.statement(s);
    this.depth--;
  }

  caseLabel(l: CaseLabel): string {
    return l.kind === 'CaseRange' ? `${this.expr(l.low)}..${this.expr(l.high)}` : this.expr(l.value);
  }

  arg(a: CallArgument): string {
    if (a.name === undefined) return a.value ? this.expr(a.value) : '';
    if (a.direction === 'output') {
      const head = `${a.negated ? 'NOT ' : ''}${a.name} =>`;
      return a.value ? `${head} ${this.expr(a.value)}` : head;
    }
    return a.value ? `${a.name} := ${this.expr(a.value)}` : `${a.name} :=`;
  }

  // ------------------------------------------------------------ expressions

  expr(e: Expression): string {
    switch (e.kind) {
      case 'Identifier':
        return e.global ? `.${e.name}` : e.name;
      case 'Member':
        return `${this.operand(e.object)}.${e.member}`;
      case 'Index':
        return `${this.operand(e.object)}[${e.indices.map((i) => this.expr(i)).join(', ')}]`;
      case 'BitAccess':
        return `${this.operand(e.object)}.${e.explicit ? '%X' : ''}${this.expr(e.bit)}`;
      case 'Deref':
        return `${this.operand(e.operand)}^`;
      case 'Call':
        return `${this.operand(e.callee)}(${e.args.map((a) => this.arg(a)).join(', ')})`;
      case 'Unary':
        return this.unary(e);
      case 'Binary':
        return this.binary(e);
      case 'Paren':
        return `(${this.expr(e.expression)})`;
      case 'This':
        return 'THIS';
      case 'Super':
        return 'SUPER';
      case 'DirectAddress':
        return e.text;
      case 'IntegerLiteral':
        if (e.raw) return e.raw;
        return `${e.typeName ? `${e.typeName}#` : ''}${e.value.toString()}`;
      case 'RealLiteral': {
        if (e.raw) return e.raw;
        const v = Number.isInteger(e.value) ? e.value.toFixed(1) : String(e.value);
        return `${e.typeName ? `${e.typeName}#` : ''}${v}`;
      }
      case 'BoolLiteral':
        return e.raw || (e.value ? 'TRUE' : 'FALSE');
      case 'StringLiteral':
        return e.raw || quoteString(e.value, e.wide);
      case 'TimeLiteral':
        return e.raw || `${e.type === 'LTIME' ? 'LTIME' : 'T'}#${formatDurationNs(e.ns)}`;
      case 'DateTimeLiteral':
        return e.raw;
      case 'EnumLiteral':
        return `${e.typeName}#${e.value}`;
      case 'AssignmentExpression':
        return `${this.expr(e.target)} := ${this.expr(e.value)}`;
      case 'TypeArgument':
        return this.typeInline(e.type);
    }
  }

  /** A run of prefix operators, printed in a loop (a parsed `NOT NOT ... x` may be thousands deep). */
  private unary(e: UnaryExpression): string {
    const ops: UnaryExpression['operator'][] = [];
    let cur: Expression = e;
    while (cur.kind === 'Unary') {
      ops.push(cur.operator);
      cur = cur.operand;
    }
    let text = precedence(cur) < UNARY_PREC ? `(${this.expr(cur)})` : this.expr(cur);
    // the first character, tracked so a long run is not re-scanned at every step
    let first = text[0];
    for (let j = ops.length - 1; j >= 0; j--) {
      const op = ops[j]!;
      if (op === 'NOT') text = `NOT ${text}`;
      else text = first === '-' || first === '+' ? `${op} ${text}` : `${op}${text}`;
      first = op === 'NOT' ? 'N' : op;
    }
    return text;
  }

  /**
   * A binary expression. Left operands are followed in a loop, not by
   * recursion: all operators are left-associative (§7.3.2), so a long
   * `a OR b OR c ...` is a left-deep chain as deep as it has terms.
   */
  private binary(e: BinaryExpression): string {
    const rights: string[] = [];
    let cur: Expression = e;
    let head: string | undefined;
    while (cur.kind === 'Binary') {
      const p = PREC[cur.operator] ?? 0;
      const r = precedence(cur.right) <= p ? `(${this.expr(cur.right)})` : this.expr(cur.right);
      rights.push(` ${cur.operator} ${r}`);
      if (precedence(cur.left) < p) {
        head = `(${this.expr(cur.left)})`;
        break;
      }
      cur = cur.left;
    }
    let out = head ?? this.expr(cur);
    for (let j = rights.length - 1; j >= 0; j--) out += rights[j];
    return out;
  }

  /** Operand of a postfix operator: anything below postfix precedence needs parentheses. */
  private operand(e: Expression): string {
    return precedence(e) < 10 ? `(${this.expr(e)})` : this.expr(e);
  }
}

/** Quotes a string value for ST (`$` escapes per IEC 61131-3 §6.3.3). */
export function quoteString(value: string, wide: boolean): string {
  const q = wide ? '"' : "'";
  let out = q;
  for (const ch of value) {
    if (ch === '$') out += '$$';
    else if (ch === q) out += `$${q}`;
    else if (ch === '\n') out += '$N';
    else if (ch === '\r') out += '$R';
    else if (ch === '\t') out += '$T';
    else if (ch === '\f') out += '$P';
    else {
      const c = ch.codePointAt(0)!;
      if (c < 32 || (!wide && c > 255)) out += wide ? `$${c.toString(16).padStart(4, '0')}` : '?';
      else out += ch;
    }
  }
  return out + q;
}

/** Formats nanoseconds as a duration body: `1h2m3s4ms`. */
export function formatDurationNs(ns: bigint): string {
  let v = ns < 0n ? -ns : ns;
  const parts: string[] = [];
  const units: [string, bigint][] = [
    ['d', 86_400_000_000_000n],
    ['h', 3_600_000_000_000n],
    ['m', 60_000_000_000n],
    ['s', 1_000_000_000n],
    ['ms', 1_000_000n],
    ['us', 1_000n],
    ['ns', 1n],
  ];
  for (const [u, size] of units) {
    if (v >= size) {
      parts.push(`${v / size}${u}`);
      v %= size;
    }
  }
  const body = parts.length > 0 ? parts.join('') : '0ms';
  return ns < 0n ? `-${body}` : body;
}
