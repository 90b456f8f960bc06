/**
 * The checks: the second half of "compile". Over the binder's symbols they
 * type every expression, record what each name refers to, and report what
 * is wrong with stable codes — names, types, assignments, calls,
 * FB instance vs function calls, constants, duplicates, CASE selectors.
 */
import type {
  CallArgument,
  CallExpression,
  CompilationUnit,
  ConfigurationDecl,
  Expression,
  Span,
  Statement,
  VarBlock,
  VarDecl,
} from './ast';
import { Binder, type CheckedProject, type CheckOptions, type Scope, SYSTEM_NAMESPACE } from './binder';
import { type Diagnostic, diagnostic } from './diagnostics';
import { repeatedByName } from './initializers';
import { STANDARD_FUNCTIONS, stdArgumentOrder, stdFbPin } from './standard-library';
import { BCD_BIT_STRINGS, conversionResult, STD_FUNCTIONS } from './stdlib';
import {
  commonType,
  convert,
  ELEMENTARY,
  intInfo,
  isBool,
  isDuration,
  isInteger,
  isNumeric,
  isReal,
  isTimeLike,
  type PouSymbol,
  T_BOOL,
  T_BYTE,
  T_ERROR,
  T_LREAL,
  T_STRING,
  T_TIME,
  T_VOID,
  T_WSTRING,
  TYPE_ALIASES,
  type Type,
  typeName,
  underlying,
  type VarSymbol,
} from './types';
import { walkStatements } from './visitor';

export type { CheckedProject, CheckOptions } from './binder';

/** Expression depth past which the checker types a subtree bottom-up (see `settle`). */
const SETTLE_DEPTH = 48;

/**
 * The type of every untyped real literal, and of the untyped integer literals 0 to 255: one
 * object each, as T_BOOL is every BOOL's, where a new one per literal stayed in `exprTypes`
 * for the project's life (struckig: 9,570 real and 5,267 integer literal types).
 */
const T_REAL_LITERAL: Type = { kind: 'real-literal' };
const SMALL_INT_LITERALS: Type[] = Array.from({ length: 256 }, (_, value) => ({
  kind: 'int-literal',
  value,
}));

/** The kinds of expression `Checker.rareExpr` types. */
type RareExpression = Exclude<
  Expression,
  {
    kind:
      | 'Identifier'
      | 'Member'
      | 'Binary'
      | 'IntegerLiteral'
      | 'Index'
      | 'Paren'
      | 'BoolLiteral'
      | 'Call'
      | 'StringLiteral'
      | 'Unary'
      | 'RealLiteral';
  }
>;

/** A call without named arguments: no parameter is skipped for one. */
const NO_NAMES: ReadonlySet<string> = new Set();

/**
 * The lower-case names of a call's named arguments: most calls with positional ones name none,
 * and share one empty set instead of making a set and two lists each.
 */
function namedArguments(args: readonly CallArgument[]): ReadonlySet<string> {
  let names: Set<string> | undefined;
  for (let i = 0; i < args.length; i++) {
    const n = args[i]!.name;
    if (n !== undefined) (names ??= new Set()).add(n.toLowerCase());
  }
  return names ?? NO_NAMES;
}

/** A reference's target, any other type itself. */
const dereferenced = (t: Type): Type => (t.kind === 'reference' ? t.target : t);

/** The comparison operators: their value is a BOOL whatever their operands. */
const COMPARISONS: ReadonlySet<string> = new Set(['=', '<>', '<', '>', '<=', '>=']);

/** `-0`, the negation of an untyped 0: made once, so that no negation in the check yields -0. */
const T_MINUS_ZERO_LITERAL: Type = { kind: 'int-literal', value: -0 };

/**
 * The type of `-x` for an untyped integer literal x. A negation that yields -0 (`-0` written)
 * sent optimised code that had seen small integers only back to the interpreter (`minus zero`),
 * the whole of `exprInner` when inlined there: 0 is answered from constants instead.
 */
function negatedIntLiteral(value: number | bigint): Type {
  if (typeof value === 'bigint') return { kind: 'int-literal', value: -value };
  if (value === 0) return Object.is(value, -0) ? SMALL_INT_LITERALS[0]! : T_MINUS_ZERO_LITERAL;
  return { kind: 'int-literal', value: -value };
}

function intLiteralType(value: number | bigint): Type {
  // -0 keeps an object of its own: it is not the 0 the table holds
  if (
    typeof value === 'number' &&
    value >= 0 &&
    value < 256 &&
    Number.isInteger(value) &&
    !Object.is(value, -0)
  )
    return SMALL_INT_LITERALS[value]!;
  return { kind: 'int-literal', value };
}

/**
 * The type of SCL/AX `NULL` (decision 0134): a pointer to nothing, so a dereference
 * (`NULL^`) cascades no error; known by identity where it is stored or compared.
 */
const T_NULL: Type = { kind: 'pointer', target: T_ERROR };

/** A type's name in a message: `NULL` for `NULL`. */
const nullOr = (t: Type): string => (t === T_NULL ? 'NULL' : typeName(t));

/** Can this type hold `NULL` (a reference, a pointer, an interface, `NULL` itself)? */
function takesNull(t: Type): boolean {
  const u = underlying(t.kind === 'reference' ? t.target : t);
  return u === T_NULL || u.kind === 'pointer' || u.kind === 'interface' || u.kind === 'error';
}

/** Checks parsed units together. Never throws. */
export function checkProject(
  units: CompilationUnit[],
  options: CheckOptions = {},
): { checked: CheckedProject; diagnostics: Diagnostic[] } {
  const c = new Checker(units, options);
  try {
    c.run();
  } catch (err) {
    // a checker bug must not crash the agent: fail closed with a diagnostic
    const span = units[0]?.span ?? {
      file: '<project>',
      line: 1,
      column: 1,
      endLine: 1,
      endColumn: 1,
      offset: 0,
      endOffset: 0,
    };
    c.diagnostics.push(diagnostic('ST1012', span, 'project', `internal checker error: ${String(err)}`));
  }
  return { checked: c.project(), diagnostics: c.diagnostics };
}

class Checker extends Binder {
  run(): void {
    this.bind();
    // every name is declared now: one found nowhere stays unknown (`identifier`)
    this.unknownNames = new Set();
    for (const p of this.bodies) this.checkPou(p);
    for (const c of this.configurations) this.checkConfiguration(c);
    this.checkMemberInits();
    // globals named as a standard FB (ST3010): lists, configurations and resources of ST/PLCopen
    for (const u of this.units) {
      if (!this.matiecFiles.has(u.file)) continue;
      for (const d of u.declarations) {
        const blocks =
          d.kind === 'GlobalVarList'
            ? d.varBlocks
            : d.kind === 'Configuration'
              ? [...d.varBlocks, ...d.resources.flatMap((r) => r.varBlocks)]
              : [];
        for (const b of blocks) this.namedAsStandardFb(b.decls);
      }
    }
  }

  /**
   * Names as written that are no enumeration value, list, type, standard function or elementary
   * type name, nor external: made once binding is done (a global list's initial value may name a
   * global declared after it).
   */
  private unknownNames: Set<string> | undefined;

  /** The body whose labels are not yet in its scope's `labels` (read at its first JMP). */
  private unreadLabels: { scope: Scope; body: Statement[] } | undefined;

  /** A structure member's initial value is checked like a variable's (an unknown name in it is ST2001). */
  private checkMemberInits(): void {
    for (const [name, decl] of this.typeDecls) {
      const spec = decl.type;
      if (spec.kind !== 'StructType' && spec.kind !== 'UnionType') continue;
      const t = this.types.get(name);
      for (const m of spec.members) {
        const first = m.names[0];
        if (!m.init || !first) continue;
        const mt = t?.kind === 'struct' ? t.members.get(first.name.toLowerCase())?.type : undefined;
        this.checkInitializer(m.init, mt ?? T_ERROR, undefined);
      }
    }
  }

  // ------------------------------------------------------------ bodies

  private checkPou(p: PouSymbol): void {
    const d = p.decl;
    if (!d) return;
    const owner = p.parent ?? (p.kind === 'functionBlock' || p.kind === 'program' ? p : undefined);
    // one hidden class for every scope (decision 0180): no field added or deleted later
    const scope: Scope = {
      pou: p,
      owner,
      loops: 0,
      labels: new Set(),
      resultName: p.returnType && p.returnType.kind !== 'void' ? p.name.toLowerCase() : undefined,
      resultAssigned: false,
    };
    let body: Statement[] = [];
    let varBlocks: VarBlock[] = [];
    if (d.kind === 'Program' || d.kind === 'Function' || d.kind === 'FunctionBlock' || d.kind === 'Method') {
      body = d.body;
      varBlocks = d.varBlocks;
    } else if (d.kind === 'Action') body = d.body;
    else if (d.kind === 'Property') {
      const acc = (
        p as PouSymbol & { accessor?: { body: Statement[]; varBlocks: VarBlock[]; accessor: 'GET' | 'SET' } }
      ).accessor;
      if (!acc) return;
      body = acc.body;
      varBlocks = acc.varBlocks;
      if (acc.accessor === 'SET') scope.resultName = undefined;
    }
    if (d.kind === 'Function') {
      for (const b of d.varBlocks) {
        // VAR_STAT is allowed in CODESYS/TwinCAT functions; VAR_INST only in methods
        if (b.section === 'VAR_INST') this.report('ST2030', b.span, b.section);
      }
    }
    for (let i = 0; i < varBlocks.length; i++) {
      const decls = varBlocks[i]!.decls;
      if (varBlocks[i]!.section === 'VAR_EXTERNAL') this.checkExternals(decls);
      if (this.matiecFiles.has(varBlocks[i]!.span.file)) this.namedAsStandardFb(decls);
      for (let j = 0; j < decls.length; j++) this.checkInit(decls[j]!, scope);
    }
    // the labels are read at the body's first JMP (most bodies have none): one walk fewer
    this.unreadLabels = { scope, body };
    this.statements(body, scope);
    this.unreadLabels = undefined;
    if (
      scope.resultName &&
      !scope.resultAssigned &&
      (d.kind === 'Function' || d.kind === 'Method') &&
      body.length > 0 &&
      !p.external
    ) {
      this.report('ST3007', d.nameSpan, p.name);
    }
  }

  /**
   * A VAR_EXTERNAL gives access to a VAR_GLOBAL of the configuration or resource (or a global
   * list), which must exist: MATIEC refuses one that matches none, and a simulator has nothing to
   * bind it to. Only in a project that declares globals or a configuration: a POU checked alone,
   * apart from the rest of its project, keeps its externals as declarations (request h1-h2-02).
   */
  private checkExternals(decls: VarDecl[]): void {
    if (this.globals.size === 0 && this.configurations.length === 0) return;
    for (const d of decls)
      for (const n of d.names) {
        const lower = n.name.toLowerCase();
        if (!this.globals.has(lower) && !this.externalNames.has(lower)) this.report('ST2034', n.span, n.name);
      }
  }

  /**
   * A variable named as a standard function block, `ton : TON` (identifiers are
   * case-insensitive): MATIEC reads the name as the type and refuses the declaration, so an
   * OpenPLC program cannot be loaded on its target. A warning in plain ST and PLCopen files
   * (request h1-h2-06); what TwinCAT does with it is not documented.
   */
  private namedAsStandardFb(decls: VarDecl[]): void {
    for (const d of decls)
      for (const n of d.names) {
        const p = this.pous.get(n.name.toLowerCase());
        if (p?.builtin && p.kind === 'functionBlock') this.report('ST3010', n.span, n.name, p.name);
      }
  }

  protected checkInit(v: VarDecl, scope: Scope | undefined): void {
    if (!v.init && !v.constructorArgs && !v.elementConstructorArgs) return;
    const target = this.resolveDeclType(v, scope);
    if (v.init) this.checkInitializer(v.init, target, scope);
    if (v.constructorArgs) this.checkFbInitArgs(v, target, v.constructorArgs, scope);
    if (v.elementConstructorArgs) {
      const t = underlying(target);
      const element = t.kind === 'array' ? t.element : T_ERROR;
      for (const args of v.elementConstructorArgs) this.checkFbInitArgs(v, element, args, scope);
    }
  }

  /**
   * The arguments of a declaration `fb : FB_X(a, p := b)`: a call of FB_X's FB_init (its own or
   * the nearest base's) without its first two inputs, `bInitRetains` and `bInCopyCode`, which
   * the runtime sets (Beckhoff, "FB_init"). Their names are bound like any expression of the
   * declaring POU (the simulator runs FB_init with them). An FB of the project without FB_init
   * takes none (request h1-h2-04); one from a library interface or with an unknown base is not
   * judged, its arguments only bound.
   */
  private checkFbInitArgs(v: VarDecl, type: Type, args: CallArgument[], scope: Scope | undefined): void {
    const t = underlying(type);
    if (t.kind !== 'fb' || t.pou.builtin || t.pou.external || hasUnknownBase(t.pou)) {
      this.argsLoose(args, scope);
      return;
    }
    let init: PouSymbol | undefined;
    const seen = new Set<PouSymbol>();
    for (let p: PouSymbol | undefined = t.pou; p && !init && !seen.has(p); p = p.base) {
      seen.add(p);
      init = p.methods.get('fb_init');
    }
    const span = v.type.span;
    const callee = `${t.pou.name}.FB_init`;
    if (!init) {
      if (args.length > 0) this.report('ST2010', span, callee, 0, args.length);
      this.argsLoose(args, scope);
      return;
    }
    const implicit =
      init.params.length >= 2 &&
      /^bInitRetains$/i.test(init.params[0]!.name) &&
      /^bInCopyCode$/i.test(init.params[1]!.name);
    const call: CallExpression = {
      kind: 'Call',
      callee: { kind: 'Identifier', name: callee, span },
      args,
      span,
    };
    this.checkArgs(implicit ? { ...init, params: init.params.slice(2) } : init, call, scope, false);
  }

  private resolveDeclType(v: VarDecl, scope: Scope | undefined): Type {
    const first = v.names[0];
    if (!first) return T_ERROR;
    const lower = first.name.toLowerCase();
    const sym = scope?.pou.vars.get(lower) ?? this.globals.get(lower);
    return sym && sym.decl === v ? sym.type : T_ERROR;
  }

  private checkInitializer(init: import('./ast').Initializer, target: Type, scope: Scope | undefined): void {
    const t = underlying(target);
    if (init.kind === 'ArrayInitializer') {
      const el = t.kind === 'array' ? t.element : T_ERROR;
      if (t.kind !== 'array' && t.kind !== 'error')
        this.report('ST2004', init.span, 'an array initialiser', typeName(target), '');
      // indexed loops: a table's initialiser has thousands of elements, checked in cold code where
      // for-of makes an iterator result per step
      for (let i = 0; i < init.elements.length; i++) {
        const e = init.elements[i]!;
        const rep = e.repeat ? undefined : this.namedRepeat(e, scope);
        if (rep) {
          if (rep.value) this.checkInitializer(rep.value, el, scope);
          continue;
        }
        if (e.repeat) this.expr(e.repeat, scope);
        if (e.value) this.checkInitializer(e.value, el, scope);
      }
      return;
    }
    if (init.kind === 'StructInitializer') {
      for (let i = 0; i < init.fields.length; i++) {
        const f = init.fields[i]!;
        let ft: Type = T_ERROR;
        if (t.kind === 'struct') {
          const m = t.members.get(f.name.toLowerCase());
          if (!m) this.report('ST2015', f.nameSpan, t.name, f.name);
          else ft = m.type;
        } else if (t.kind === 'fb') {
          const m = this.fbMember(t.pou, f.name.toLowerCase());
          // a member of a base FB the check does not know: its EXTENDS was reported already
          if (!m && hasUnknownBase(t.pou)) ft = T_ERROR;
          // a property with a setter is initialised through it (`fb : FB_Brake := (Mode := ...)`, TwinCAT)
          else if (
            m &&
            !('section' in m) &&
            m.kind === 'property' &&
            m.decl?.kind === 'Property' &&
            m.decl.set
          )
            ft = m.returnType ?? T_ERROR;
          else if (!m || !('section' in m)) this.report('ST2015', f.nameSpan, t.pou.name, f.name);
          else ft = m.type;
        } else if (t.kind !== 'error')
          this.report('ST2004', init.span, 'a structure initialiser', typeName(target), '');
        this.checkInitializer(f.value, ft, scope);
      }
      return;
    }
    const vt = this.expr(init, scope);
    this.assignable(this.sclCharacter(init, vt, target), target, init.span, 'initial value');
  }

  /** `[N(7)]`: a repetition counted by a named constant, which the parser reads as a call of `N`. */
  private namedRepeat(
    e: import('./ast').ArrayInitElement,
    scope: Scope | undefined,
  ): { count: number; value?: Expression } | undefined {
    const r = repeatedByName(e);
    if (!r) return undefined;
    const n = this.constValue(r.repeat, scope);
    if (n === undefined) return undefined;
    this.expr(r.repeat, scope);
    return { count: Number(n), ...(r.value ? { value: r.value } : {}) };
  }

  /**
   * `t`, the type of `e`, or CHAR (WCHAR) where `e` is an untyped one-character string literal of
   * Siemens SCL and `other`, what it is compared with or assigned to, is a CHAR (WCHAR): SCL
   * writes a character constant in quotes like a string of one (TIA Portal, "CHAR"), as its start
   * values and CASE labels already are (the SCL reader). The literal is recorded as that type.
   */
  private sclCharacter(e: Expression, t: Type, other: Type): Type {
    if (e.kind !== 'StringLiteral' || e.typeName || e.value.length !== 1 || t.kind !== 'string') return t;
    if (!this.sclFiles.has(e.span.file)) return t;
    const o = underlying(other);
    if (o.kind !== 'elementary' || o.name !== (t.wide ? 'WCHAR' : 'CHAR')) return t;
    this.recordType(e, o);
    return o;
  }

  /** ST2004/ST3001 where `from` does not fit `to`; `what` is assigned (a target's text is made for a report only). */
  private assignable(from: Type, to: Type, span: Span, what: string | Expression): void {
    // `NULL` unbinds a reference, a pointer or an interface variable, and nothing else
    const c = from === T_NULL ? (takesNull(to) ? 'ok' : 'error') : convert(from, to);
    if (c === 'error')
      this.report(
        'ST2004',
        span,
        nullOr(from),
        typeName(to),
        typeof what === 'string' ? what : exprText(what),
      );
    else if (c === 'lossy') this.report('ST3001', span, typeName(from), typeName(to));
  }

  private statements(list: Statement[], scope: Scope): void {
    // indexed loops on the checker's paths: `for…of` makes an iterator and a result object per
    // step until V8 has optimised the loop, and a cold check runs most of its loops that way
    for (let i = 0; i < list.length; i++) this.statement(list[i]!, scope);
  }

  private statement(s: Statement, scope: Scope): void {
    switch (s.kind) {
      case 'Assignment':
        this.assignment(s, scope);
        return;
      case 'CallStatement':
        this.call(s.call, scope, true);
        return;
      case 'If':
        this.condition(s.condition, scope, 'IF condition');
        this.statements(s.then, scope);
        for (let i = 0; i < s.elsifs.length; i++) {
          const e = s.elsifs[i]!;
          this.condition(e.condition, scope, 'ELSIF condition');
          this.statements(e.body, scope);
        }
        if (s.else) this.statements(s.else, scope);
        return;
      case 'Case': {
        const st = this.expr(s.selector, scope);
        const u = underlying(st);
        const ok = u.kind === 'error' || u.kind === 'enum' || isInteger(u);
        if (!ok) this.report('ST2014', s.selector.span, typeName(st));
        const seen = new Set<string>();
        for (let bi = 0; bi < s.branches.length; bi++) {
          const b = s.branches[bi]!;
          for (let li = 0; li < b.labels.length; li++) {
            const l = b.labels[li]!;
            const parts = l.kind === 'CaseRange' ? [l.low, l.high] : [l.value];
            for (const part of parts) {
              const lt = this.expr(part, scope);
              // a literal selector (`CASE 0 OF`) takes any integer label
              const sel: Type = u.kind === 'int-literal' ? { kind: 'elementary', name: 'LINT' } : st;
              if (ok && convert(lt, sel) === 'error' && !(u.kind === 'enum' && isInteger(lt)))
                this.report('ST2028', part.span, typeName(lt), typeName(st));
            }
            if (l.kind === 'CaseValue') {
              const v = this.constValue(l.value, scope);
              const key = v === undefined ? undefined : String(v);
              if (key !== undefined) {
                if (seen.has(key)) this.report('ST3005', l.span, key);
                seen.add(key);
              }
            }
          }
          this.statements(b.body, scope);
        }
        if (s.else) this.statements(s.else, scope);
        return;
      }
      case 'For': {
        const control = s.target ?? (s.variable.name !== '' ? s.variable : undefined);
        if (control) {
          const vt = this.written(control, scope);
          if (!isInteger(vt) && vt.kind !== 'error')
            this.report('ST2019', control.span, exprText(control), typeName(vt));
          this.writable(control, scope);
          this.assignable(this.expr(s.from, scope), vt, s.from.span, control);
          this.assignable(this.expr(s.to, scope), vt, s.to.span, control);
          if (s.by) this.assignable(this.expr(s.by, scope), vt, s.by.span, control);
        }
        scope.loops++;
        this.statements(s.body, scope);
        scope.loops--;
        return;
      }
      case 'While':
        this.condition(s.condition, scope, 'WHILE condition');
        scope.loops++;
        this.statements(s.body, scope);
        scope.loops--;
        return;
      case 'Repeat':
        scope.loops++;
        this.statements(s.body, scope);
        scope.loops--;
        this.condition(s.until, scope, 'UNTIL condition');
        return;
      case 'Exit':
      case 'Continue':
        if (scope.loops === 0) this.report('ST2020', s.span, s.kind === 'Exit' ? 'EXIT' : 'CONTINUE');
        return;
      case 'Jump':
        if (this.unreadLabels?.scope === scope) {
          walkStatements(this.unreadLabels.body, (x) => {
            if (x.kind === 'Label') scope.labels.add(x.name.toLowerCase());
          });
          this.unreadLabels = undefined;
        }
        if (!scope.labels.has(s.label.toLowerCase())) this.report('ST2023', s.span, s.label);
        return;
      case 'Return':
      case 'Label':
      case 'Empty':
        return;
      case 'Try':
        // CODESYS/TwinCAT __TRY/__CATCH/__FINALLY: each part is an ordinary statement list
        this.statements(s.body, scope);
        if (s.catchBody) this.statements(s.catchBody, scope);
        if (s.finallyBody) this.statements(s.finallyBody, scope);
        return;
    }
  }

  private condition(e: Expression, scope: Scope, what: string): void {
    if (e.kind === 'Identifier' && e.name === '') return;
    const t = this.expr(e, scope);
    if (!isBool(underlying(t)) && t.kind !== 'error') this.report('ST2018', e.span, what, typeName(t));
  }

  private assignment(s: import('./ast').AssignmentStatement, scope: Scope): void {
    if (s.operator === 'REF=') {
      const sym = this.rootSymbol(s.target, scope);
      const tt = this.written(s.target, scope);
      const declared = sym && 'section' in sym && s.target.kind === 'Identifier' ? sym.type : undefined;
      const refType = declared ?? this.declaredTypeOf(s.target);
      if (refType && refType.kind !== 'reference' && refType.kind !== 'error' && tt.kind !== 'error')
        this.report('ST2025', s.target.span, exprText(s.target));
      const vt = this.expr(s.value, scope);
      // TwinCAT resets a reference with `r REF= 0` (its libraries do; a reference "can be invalid
      // (0)", Beckhoff's REFERENCE page): an invalid reference, not an integer bound to it
      const reset =
        s.value.kind === 'IntegerLiteral' &&
        Number(s.value.value) === 0 &&
        this.twincatFiles.has(s.span.file);
      if (refType?.kind === 'reference' && !reset)
        this.assignable(vt, refType.target, s.value.span, s.target);
      return;
    }
    const tt = this.written(s.target, scope);
    // `a S= b R= c;`: every target is set or reset by the last operand (moreTargets)
    const more = s.moreTargets?.map((m) => this.written(m.target, scope));
    const vt = this.expr(s.value, scope);
    this.writable(s.target, scope);
    if (s.operator === 'S=' || s.operator === 'R=') {
      if (!isBool(underlying(tt)) && tt.kind !== 'error')
        this.report('ST2018', s.target.span, `${s.operator} target`, typeName(tt));
      s.moreTargets?.forEach((m, i) => {
        this.writable(m.target, scope);
        const t = more![i]!;
        if (!isBool(underlying(t)) && t.kind !== 'error')
          this.report('ST2018', m.target.span, `${m.operator} target`, typeName(t));
      });
      if (!isBool(underlying(vt)) && vt.kind !== 'error')
        this.report('ST2018', s.value.span, `${s.operator} value`, typeName(vt));
      return;
    }
    if (vt.kind === 'void') {
      this.report('ST2004', s.value.span, 'no value', typeName(tt), exprText(s.target));
      return;
    }
    this.assignable(this.sclCharacter(s.value, vt, tt), tt, s.value.span, s.target);
  }

  private declaredTypeOf(e: Expression): Type | undefined {
    const ref = this.references.get(e);
    return ref && 'section' in ref ? ref.type : undefined;
  }

  /** The variable an lvalue starts from (`a` in `a.b[1]^`). */
  private rootSymbol(e: Expression, scope: Scope): VarSymbol | PouSymbol | undefined {
    if (e.kind === 'Identifier' || e.kind === 'Member') return this.references.get(e);
    if (e.kind === 'Index' || e.kind === 'BitAccess') return this.rootSymbol(e.object, scope);
    if (e.kind === 'Deref') return undefined;
    return undefined;
  }

  /** Reports writes to constants, FB outputs from outside, inputs (%I) and non-variables. */
  private writable(target: Expression, scope: Scope): void {
    switch (target.kind) {
      case 'Identifier': {
        if (target.name === '') return;
        const ref = this.references.get(target);
        if (!ref) return;
        if (!('section' in ref)) {
          if (ref.kind === 'property' || (scope.resultName && this.lower(ref.name) === scope.resultName)) {
            if (scope.resultName === this.lower(target.name)) scope.resultAssigned = true;
            return;
          }
          this.report('ST2027', target.span, target.name);
          return;
        }
        if (scope.resultName === this.lower(target.name)) scope.resultAssigned = true;
        if (ref.constant) this.report('ST2006', target.span, target.name);
        else if (ref.section === 'VAR_INPUT' && ref.owner === scope.pou && ref.decl.type.kind !== 'ArrayType')
          this.report('ST3003', target.span, target.name);
        else if (ref.decl.location?.area === 'I') {
          // TwinCAT, CODESYS and MATIEC compile a write to an input-located variable (simulation
          // code does it): a warning in their files
          if (this.vendorFiles.has(target.span.file)) this.report('ST3009', target.span, target.name);
          else this.report('ST2007', target.span, target.name, 'it is a physical input');
        }
        return;
      }
      case 'Member': {
        const ref = this.references.get(target);
        if (ref && 'section' in ref) {
          if (ref.constant) {
            this.report('ST2006', target.span, exprText(target));
            return;
          }
          // the object's type read only for an output: `exprTypes` is filled when read
          const objType = ref.section === 'VAR_OUTPUT' ? this.exprTypes.get(target.object) : undefined;
          const ot = objType ? underlying(objType) : undefined;
          if (ot && (ot.kind === 'fb' || ot.kind === 'program') && ref.section === 'VAR_OUTPUT') {
            const inside = scope.owner && ot.pou === scope.owner;
            if (!inside)
              this.report(
                'ST2007',
                target.span,
                exprText(target),
                'outputs are written only by their function block',
              );
            return;
          }
        }
        if (ref && !('section' in ref) && ref.kind !== 'property') {
          this.report('ST2027', target.span, exprText(target));
          return;
        }
        this.writableBase(target.object, scope);
        return;
      }
      case 'Index':
      case 'BitAccess':
        this.writableBase(target.object, scope);
        return;
      case 'Deref':
        return;
      case 'DirectAddress':
        if (target.area === 'I') this.report('ST2007', target.span, target.text, 'it is a physical input');
        return;
      case 'Paren':
        this.writable(target.expression, scope);
        return;
      default:
        this.report('ST2027', target.span, exprText(target));
    }
  }

  private writableBase(e: Expression, scope: Scope): void {
    if (e.kind === 'Identifier') {
      const ref = this.references.get(e);
      if (ref && 'section' in ref && ref.constant && !this.constantInstanceMember(e, ref.section))
        this.report('ST2006', e.span, e.name);
    } else if (e.kind === 'Member' || e.kind === 'Index' || e.kind === 'BitAccess') {
      if (e.kind === 'Member') {
        const ref = this.references.get(e);
        if (ref && 'section' in ref && ref.constant) {
          this.report('ST2006', e.span, exprText(e));
          return;
        }
      }
      this.writableBase(e.object, scope);
    }
  }

  /**
   * TwinCAT and CODESYS make a `VAR_INPUT CONSTANT` function block instance constant as a
   * binding (it is neither assigned nor passed on as VAR_IN_OUT) but let the block write the
   * instance's members and call it: in their files a member write is no error (decision 0089).
   */
  private constantInstanceMember(e: Expression, section: string): boolean {
    if (section !== 'VAR_INPUT' || !this.vendorFiles.has(e.span.file)) return false;
    const t = this.exprTypes.get(e);
    return t !== undefined && underlying(t).kind === 'fb';
  }

  // ------------------------------------------------------------ names

  private identifier(e: import('./ast').Identifier, scope: Scope | undefined): Type {
    if (e.name === '') return T_ERROR;
    const lower = this.lower(e.name);
    // `.name` skips the POU's variables, result and members: globals, GVLs, POUs, types only
    if (scope && !e.global) {
      const v = this.lookupVar(scope, lower);
      if (v) {
        this.recordReference(e, v);
        return v.type.kind === 'reference' ? v.type.target : v.type;
      }
      if (scope.resultName === lower && scope.pou.returnType) {
        this.recordReference(e, scope.pou);
        return scope.pou.returnType;
      }
      if (scope.owner) {
        const m = this.fbMember(scope.owner, lower);
        if (m) {
          this.recordReference(e, m);
          if ('section' in m) return m.type.kind === 'reference' ? m.type.target : m.type;
          if (m.kind === 'property') return m.returnType ?? T_ERROR;
          return { kind: 'callable', pou: m };
        }
      }
    }
    const g = this.globals.get(lower);
    if (g) {
      // inside a POU (a list's own initialisers may name its members, as in a library's GVL)
      if (scope && this.isQualifiedOnly(g)) this.report('ST2033', e.span, e.name, g.gvl);
      this.recordReference(e, g);
      return g.type.kind === 'reference' ? g.type.target : g.type;
    }
    const pou = this.pous.get(lower);
    if (pou) {
      this.recordReference(e, pou);
      if (pou.kind === 'function') return { kind: 'callable', pou };
      if (pou.kind === 'program') return { kind: 'program', pou };
      this.typeNames.add(e);
      return pou.kind === 'functionBlock' ? { kind: 'fb', pou } : { kind: 'interface', pou };
    }
    // a name already found to be none of these is not looked up again (each use of an unknown name
    // came this way: an upper-case copy and a regular expression for the conversions)
    const unknown = this.unknownNames;
    if (unknown === undefined || !unknown.has(e.name)) {
      const ev = this.bareEnumValue(lower);
      if (ev) return ev;
      const ns = this.gvls.get(lower);
      if (ns) return ns;
      const ty = this.types.get(lower);
      if (ty) {
        this.typeNames.add(e);
        return ty;
      }
      const up = e.name.toUpperCase();
      if (STD_FUNCTIONS.has(up) || conversionResult(up)) return { kind: 'callable', pou: this.stdPou(up) };
      // an elementary type name used as a value: SIZEOF(INT), TypeClass checks
      const el =
        ELEMENTARY.get(TYPE_ALIASES.get(up) ?? up) ??
        (up === 'STRING' ? T_STRING : up === 'WSTRING' ? T_WSTRING : undefined);
      if (el) {
        this.typeNames.add(e);
        return el;
      }
      if (this.externalNames.has(lower)) return T_ERROR;
      unknown?.add(e.name);
    }
    // SCL/AX `NULL`: an unbound reference, compared with and stored in references (decision 0134)
    if (lower === 'null' && this.sclFiles.has(e.span.file)) return T_NULL;
    // one report per unknown name and POU: later uses are the same mistake
    const key = `${scope?.pou.name ?? ''}\u0000${lower}`;
    if (this.reportedUnknown.has(key)) return T_ERROR;
    this.reportedUnknown.add(key);
    const note = this.missingFileNote(e.name);
    const lib = note ? undefined : this.libraryOf(e.name.toUpperCase());
    if (lib) this.reportLibraryName(e.span, e.name, lib);
    else this.report('ST2001', e.span, e.name, note);
    return T_ERROR;
  }

  // ------------------------------------------------------------ expressions

  /** Types an expression, records it in exprTypes, and reports what is wrong inside it. */
  expr(e: Expression, scope: Scope | undefined): Type {
    const settled = this.settled?.get(e);
    if (settled) return settled;
    if (++this.exprDepth > SETTLE_DEPTH && !this.settling) this.settle(e, scope);
    try {
      const t = this.exprInner(e, scope);
      this.recordType(e, t);
      return t;
    } finally {
      this.exprDepth--;
    }
  }

  /**
   * Types a variable written (an assignment's or a `FOR`'s target, a `=>` output): `writable`,
   * `rootSymbol` and `declaredTypeOf` read its records back, so they are made even in a check
   * that keeps none (`recordExpressions: false`, decision 0124).
   */
  private written(e: Expression, scope: Scope | undefined): Type {
    this.recording++;
    try {
      return this.expr(e, scope);
    } finally {
      this.recording--;
    }
  }

  /** Recursion depth of {@link expr}; past SETTLE_DEPTH the subtree is typed bottom-up first. */
  private exprDepth = 0;
  private settling = false;
  /** Types of nodes typed ahead by {@link settle}: `expr` returns them without typing again. */
  private settled: Map<Expression, Type> | undefined;

  /**
   * Types the operator nodes under a deep expression bottom-up, without
   * recursion, so that typing `e` afterwards finds every operand typed and
   * recurses one level at a time: a 20,000-term chain or 1,000 nested calls
   * cost heap, not stack. Only nodes typed the same wherever they stand are
   * settled (operators, parentheses, calls as values — never a bare name,
   * whose meaning may depend on the operator above it).
   */
  private settle(root: Expression, scope: Scope | undefined): void {
    this.settling = true;
    this.settled ??= new Map();
    const post: Expression[] = [];
    const stack: Expression[] = [];
    const push = (x: Expression | undefined) => {
      if (!x) return;
      if (x.kind === 'Binary' || x.kind === 'Unary' || x.kind === 'Paren' || x.kind === 'Call') stack.push(x);
    };
    // children of `root` only: `root` itself is typed by the caller
    const children = (x: Expression) => {
      if (x.kind === 'Binary') {
        push(x.left);
        push(x.right);
      } else if (x.kind === 'Unary') push(x.operand);
      else if (x.kind === 'Paren') push(x.expression);
      else if (x.kind === 'Call') for (let i = 0; i < x.args.length; i++) push(x.args[i]!.value);
      else if (x.kind === 'Index') for (let i = 0; i < x.indices.length; i++) push(x.indices[i]!);
    };
    children(root);
    while (stack.length > 0) {
      const x = stack.pop()!;
      post.push(x);
      children(x);
    }
    try {
      for (let i = post.length - 1; i >= 0; i--) {
        const x = post[i]!;
        if (this.settled.has(x)) continue;
        const t = this.exprInner(x, scope);
        this.recordType(x, t);
        this.settled.set(x, t);
      }
    } finally {
      this.settling = false;
    }
  }

  private exprInner(e: Expression, scope: Scope | undefined): Type {
    // the cases in the order of how often they come in dense code (decision 0180): a cold check runs
    // this switch unoptimised, where each case before the match is one string comparison
    switch (e.kind) {
      case 'Identifier':
        return this.identifier(e, scope);
      case 'Member':
        return this.member(e, scope);
      case 'Binary':
        return this.binary(e, scope);
      case 'IntegerLiteral':
        return e.typeName ? this.typedLiteral(e.typeName, e.span) : intLiteralType(e.value);
      case 'Index':
        return this.index(e, scope);
      case 'Paren':
        return this.expr(e.expression, scope);
      case 'BoolLiteral':
        return T_BOOL;
      case 'Call':
        return this.call(e, scope, false);
      case 'StringLiteral': {
        // a typed character literal `CHAR#'0'` / `WCHAR#"0"` is a CHAR / WCHAR (3rd edition §6.3.3)
        const tn = e.typeName?.toUpperCase();
        if (tn === 'CHAR' || tn === 'WCHAR') return { kind: 'elementary', name: tn };
        return { kind: 'string', wide: e.wide, length: Math.max(1, e.value.length) };
      }
      case 'Unary': {
        const t = this.expr(e.operand, scope);
        if (t.kind === 'error') return t;
        const u = underlying(t);
        if (e.operator === 'NOT') {
          if (isBool(u) || intInfo(u)) return t;
          const flag = this.flagOperand(e.operand, u, scope);
          if (flag !== u) return flag;
          if (u.kind === 'int-literal') return t;
          this.report('ST2005', e.span, 'NOT', typeName(t), '');
          return T_ERROR;
        }
        if (isNumeric(u) || isDuration(u)) {
          if (u.kind === 'int-literal') return negatedIntLiteral(u.value);
          return t;
        }
        this.report('ST2005', e.span, e.operator, typeName(t), '');
        return T_ERROR;
      }
      case 'RealLiteral':
        return e.typeName ? this.typedLiteral(e.typeName, e.span) : T_REAL_LITERAL;
      default:
        return this.rareExpr(e, scope);
    }
  }

  /**
   * The expressions dense code writes least (a few hundred of struckig's 58,552), out of
   * `exprInner`: TurboFan compiles that switch early in a cold check, on the core the check
   * shares, and compiled these cases with it.
   */
  private rareExpr(e: RareExpression, scope: Scope | undefined): Type {
    switch (e.kind) {
      case 'Deref': {
        const t = underlying(this.expr(e.operand, scope));
        if (t.kind === 'pointer') return t.target;
        if (t.kind === 'reference') return t.target;
        if (t.kind !== 'error') this.report('ST2026', e.operand.span, exprText(e.operand));
        return T_ERROR;
      }
      case 'This':
        return scope?.owner ? { kind: 'pointer', target: { kind: 'fb', pou: scope.owner } } : T_ERROR;
      case 'TimeLiteral':
        return e.type === 'LTIME' ? { kind: 'elementary', name: 'LTIME' } : T_TIME;
      case 'BitAccess': {
        const t = this.expr(e.object, scope);
        if (e.bit.kind !== 'IntegerLiteral') this.expr(e.bit, scope);
        // an enumeration's bits are those of its base type (`eMode.0`, TwinCAT)
        const info = intInfo(t.kind === 'enum' ? underlying(t.base) : t);
        if (!info && t.kind !== 'error') this.report('ST2015', e.span, typeName(t), `bit ${exprText(e.bit)}`);
        return T_BOOL;
      }
      case 'Super':
        return scope?.owner?.base
          ? { kind: 'pointer', target: { kind: 'fb', pou: scope.owner.base } }
          : T_ERROR;
      case 'DateTimeLiteral':
        return { kind: 'elementary', name: e.type };
      case 'EnumLiteral': {
        const t = this.resolveNamedType(e.typeName.toLowerCase(), e.span);
        if (!t) return this.unknownType(e.typeName, e.span);
        if (t.kind === 'enum' && !t.values.has(e.value.toLowerCase())) {
          this.report('ST2015', e.span, t.name, e.value);
          return T_ERROR;
        }
        return t;
      }
      case 'AssignmentExpression': {
        // `a := b := 0`, `IF (n := n + 1) > 10`: an assignment whose value is the value assigned
        const tt = this.written(e.target, scope);
        const vt = this.expr(e.value, scope);
        if (scope) this.writable(e.target, scope);
        if (vt.kind === 'void')
          this.report('ST2004', e.value.span, 'no value', typeName(tt), exprText(e.target));
        else this.assignable(vt, tt, e.value.span, e.target);
        return tt;
      }
      case 'TypeArgument':
        // a type where an argument goes (`SIZEOF(INT)`, `__NEW(POINTER TO T)`): the type itself
        return this.resolveType(e.type);
      case 'DirectAddress':
        return {
          kind: 'elementary',
          name: ({ X: 'BOOL', B: 'BYTE', W: 'WORD', D: 'DWORD', L: 'LWORD' } as const)[e.size],
        };
    }
  }

  /**
   * `a[i]`: a method of its own, not a case of `exprInner`: the types an index meets vary most
   * (arrays, strings, pointers, references), and a cold check threw the whole of `exprInner` back
   * to the interpreter at the first new one (decision 0180).
   */
  private index(e: import('./ast').IndexExpression, scope: Scope | undefined): Type {
    let t = underlying(this.expr(e.object, scope));
    for (let k = 0; k < e.indices.length; k++) {
      const i = e.indices[k]!;
      const it = this.expr(i, scope);
      if (!isInteger(it) && underlying(it).kind !== 'enum' && it.kind !== 'error')
        this.report('ST2016', i.span, `${exprText(e.object)}`, `a ${typeName(it)}`);
    }
    if (t.kind === 'reference') t = underlying(t.target);
    if (t.kind === 'array') {
      if (t.dims !== 'star' && t.dims.length !== e.indices.length) {
        // ARRAY[..] OF ARRAY[..]: a[i, j] is not a[i][j]; report the count
        this.report('ST2016', e.span, exprText(e.object), e.indices.length);
        return T_ERROR;
      }
      return t.element;
    }
    // a character of a string: CHAR/WCHAR in Siemens SCL (TIA Portal, "STRING": `#s[2]` is
    // its 2nd character, a CHAR), BYTE/WORD in CODESYS and TwinCAT
    if (t.kind === 'string') {
      if (this.sclFiles.has(e.span.file)) return { kind: 'elementary', name: t.wide ? 'WCHAR' : 'CHAR' };
      return t.wide ? { kind: 'elementary', name: 'WORD' } : T_BYTE;
    }
    if (t.kind === 'pointer') return t.target; // CODESYS: p[i] indexes through a pointer
    if (t.kind !== 'error') this.report('ST2016', e.span, exprText(e.object), e.indices.length);
    return T_ERROR;
  }

  private typedLiteral(typeNameRaw: string, span: Span): Type {
    const up = typeNameRaw.toUpperCase();
    const el = ELEMENTARY.get(TYPE_ALIASES.get(up) ?? up);
    if (el) return el;
    if (up === 'STRING') return T_STRING;
    if (up === 'WSTRING') return T_WSTRING;
    return this.resolveNamedType(typeNameRaw.toLowerCase(), span) ?? this.unknownType(typeNameRaw, span);
  }

  private binary(e: import('./ast').BinaryExpression, scope: Scope | undefined): Type {
    const lt = this.expr(e.left, scope);
    const rt = this.expr(e.right, scope);
    if (lt.kind === 'error' || rt.kind === 'error') return COMPARISONS.has(e.operator) ? T_BOOL : T_ERROR;
    const l = underlying(this.sclCharacter(e.left, lt, rt));
    const r = underlying(this.sclCharacter(e.right, rt, lt));
    // `NULL` is compared (`=`, `<>`) with a reference, a pointer or an interface only
    if (lt === T_NULL || rt === T_NULL)
      return (e.operator === '=' || e.operator === '<>') && takesNull(lt) && takesNull(rt)
        ? T_BOOL
        : this.badOperands(e, lt, rt);
    switch (e.operator) {
      case 'AND':
      case 'OR':
      case 'XOR':
      case 'AND_THEN':
      case 'OR_ELSE': {
        if (isBool(l) && isBool(r)) return T_BOOL;
        if ((e.operator === 'AND_THEN' || e.operator === 'OR_ELSE') && !(isBool(l) && isBool(r)))
          return this.badOperands(e, lt, rt);
        const lf = this.flagOperand(e.left, l, scope);
        const rf = this.flagOperand(e.right, r, scope);
        if ((intInfo(lf) || lf.kind === 'int-literal') && (intInfo(rf) || rf.kind === 'int-literal'))
          return commonType(lf, rf);
        if ((isBool(l) && r.kind === 'int-literal') || (isBool(r) && l.kind === 'int-literal')) return T_BOOL;
        return this.badOperands(e, lt, rt);
      }
      case '=':
      case '<>':
      case '<':
      case '>':
      case '<=':
      case '>=': {
        if (
          (isReal(l) || isReal(r)) &&
          (e.operator === '=' || e.operator === '<>') &&
          isNumeric(l) &&
          isNumeric(r)
        )
          this.report('ST3006', e.span, e.operator);
        return comparable(l, r) ? T_BOOL : this.badOperands(e, lt, rt);
      }
      case '+':
      case '-': {
        if (isNumeric(l) && isNumeric(r)) return commonType(l, r);
        // time arithmetic (§6.6.2.5.6)
        if (isTimeLike(l) && (isDuration(r) || r.kind === 'int-literal')) {
          if (e.operator === '-' && isTimeLike(r) && !isDuration(l)) return T_TIME;
          return l.kind === 'elementary' && isDuration(r) ? l : l;
        }
        if (e.operator === '-' && isTimeLike(l) && isTimeLike(r)) return isDuration(l) ? l : T_TIME;
        if (e.operator === '+' && isDuration(l) && isTimeLike(r)) return r;
        if (l.kind === 'pointer' && isInteger(r)) return l;
        if (isInteger(l) && r.kind === 'pointer') return r;
        if (l.kind === 'pointer' && r.kind === 'pointer' && e.operator === '-')
          return { kind: 'elementary', name: 'LINT' };
        // an enumeration counts as its base type; a strict one's variables not ('strict': arithmetic
        // with variables of the type is a compile error, Beckhoff; decision 0158)
        if (this.strictVariable(e.left, l, scope) || this.strictVariable(e.right, r, scope))
          return this.badOperands(e, lt, rt);
        if (l.kind === 'enum' && isNumeric(r)) return commonType(l.base, r);
        if (r.kind === 'enum' && isNumeric(l)) return commonType(l, r.base);
        return this.badOperands(e, lt, rt);
      }
      case '*':
      case '/':
        if (isNumeric(l) && isNumeric(r)) return commonType(l, r);
        if (isDuration(l) && isNumeric(r)) return l;
        if (e.operator === '*' && isNumeric(l) && isDuration(r)) return r;
        if (e.operator === '/' && isDuration(l) && isDuration(r)) return { kind: 'elementary', name: 'DINT' };
        return this.badOperands(e, lt, rt);
      case 'MOD':
        if (isInteger(l) && isInteger(r)) return commonType(l, r);
        return this.badOperands(e, lt, rt);
      case '**':
        if (isNumeric(l) && isNumeric(r)) {
          const lr = l.kind === 'elementary' && l.name === 'LREAL';
          return lr ? T_LREAL : isReal(l) ? l : { kind: 'elementary', name: 'REAL' };
        }
        return this.badOperands(e, lt, rt);
    }
  }

  /**
   * ST2005 for an operator whose operands do not fit it; the error type. A method, where a closure
   * over the operands was made (with its context) for every operator typed.
   */
  private badOperands(e: import('./ast').BinaryExpression, lt: Type, rt: Type): Type {
    this.report('ST2005', e.span, e.operator, nullOr(lt), nullOr(rt));
    return T_ERROR;
  }

  /** Enumeration values usable without their type's name, by lower-case name (built once). */
  private bareEnumValues: Map<string, Type> | undefined;

  /**
   * The enumeration a bare name is a value of. A value of a `{attribute 'qualified_only'}`
   * enumeration is written `E.value` only (TwinCAT, CODESYS), so a bare name is another
   * enumeration's value, or something else (TcUnit's `TEST` beside `E_MotionError.TEST`).
   */
  private bareEnumValue(lower: string): Type | undefined {
    const first = this.enumValues.get(lower);
    if (!first || !this.qualifiedOnly(first)) return first;
    if (!this.bareEnumValues) {
      this.bareEnumValues = new Map();
      for (const t of this.types.values())
        if (t.kind === 'enum' && !this.qualifiedOnly(t) && !t.name.startsWith(`${SYSTEM_NAMESPACE}.`))
          for (const v of t.values.keys()) if (!this.bareEnumValues.has(v)) this.bareEnumValues.set(v, t);
    }
    return this.bareEnumValues.get(lower);
  }

  private qualifiedOnly(t: Type): boolean {
    return t.kind === 'enum' && this.typeAttributes.get(t.name.toLowerCase())?.has('qualified_only') === true;
  }

  /**
   * An operand of AND, OR, XOR or NOT as the flag operations see it (decision 0158): in a
   * TwinCAT/CODESYS file an enumeration is its base type there, as the vendors compile it and as
   * their static analysis allows flags (SA0058, attribute 'flags'). A variable of a strict
   * enumeration stays itself, so the operator is refused: 'strict' makes operations on variables
   * of the type compile errors. Anything else is returned as it is.
   */
  private flagOperand(x: Expression, t: Type, scope: Scope | undefined): Type {
    if (t.kind !== 'enum' || !this.vendorFiles.has(x.span.file)) return t;
    if (this.strictVariable(x, t, scope)) return t;
    return underlying(t.base);
  }

  /** Is `x` (of type `t`) a value of a strict enumeration that is not a constant? */
  private strictVariable(x: Expression, t: Type, scope: Scope | undefined): boolean {
    return t.kind === 'enum' && t.strict === true && this.constValue(x, scope) === undefined;
  }

  private member(e: import('./ast').MemberExpression, scope: Scope | undefined): Type {
    if (
      e.object.kind === 'Identifier' &&
      e.object.name.length === SYSTEM_NAMESPACE.length &&
      e.object.name.toUpperCase() === SYSTEM_NAMESPACE
    ) {
      // `__SYSTEM.TYPE_CLASS.TYPE_BOOL`: a compiler-defined type, used like any type name
      const t = this.lookupTypeName(`${SYSTEM_NAMESPACE}.${e.member}`.toLowerCase(), e.span);
      if (t) {
        this.typeNames.add(e);
        return t;
      }
    }
    const qualified = this.libraryQualified(e, scope);
    if (qualified) return qualified;
    const ot = this.expr(e.object, scope);
    let t = underlying(ot);
    if (t.kind === 'reference') t = underlying(t.target);
    const lower = this.lower(e.member);
    switch (t.kind) {
      case 'error':
        return T_ERROR;
      case 'struct': {
        const m = t.members.get(lower);
        if (!m) break;
        this.recordReference(e, m);
        return m.type.kind === 'reference' ? m.type.target : m.type;
      }
      case 'fb':
      case 'program':
      case 'interface': {
        if (this.typeNames.has(e.object)) break;
        const m = this.fbMember(t.pou, lower);
        if (!m) break;
        this.recordReference(e, m);
        if ('section' in m) return m.type.kind === 'reference' ? m.type.target : m.type;
        if (m.kind === 'property') return m.returnType ?? T_ERROR;
        return { kind: 'callable', pou: m };
      }
      case 'namespace': {
        const m = t.members.get(lower);
        if (!m) break;
        this.recordReference(e, m);
        return m.type.kind === 'reference' ? m.type.target : m.type;
      }
      case 'enum': {
        if (this.typeNames.has(e.object) || e.object.kind === 'Identifier') {
          if (t.values.has(lower)) return t;
          if (this.typeNames.has(e.object)) break;
        }
        break;
      }
      default:
        break;
    }
    // bit access through a named constant (`nWord.cBit`, CODESYS/TwinCAT), the constant a bit of the type
    const bits = intInfo(t.kind === 'enum' ? underlying(t.base) : t)?.bits;
    if (bits !== undefined && !this.typeNames.has(e.object)) {
      const n = this.constValue({ kind: 'Identifier', name: e.member, span: e.memberSpan }, scope);
      if (n !== undefined && n >= 0 && n < bits) return T_BOOL;
    }
    // (an object of unknown type returned at `case 'error'`); a member of a base the check does not know
    if ((t.kind === 'fb' || t.kind === 'interface') && hasUnknownBase(t.pou)) return T_ERROR;
    this.report('ST2015', e.memberSpan, typeName(ot), e.member);
    return T_ERROR;
  }

  /**
   * `Lib.Name` where `Lib` is the namespace of a library the project references and no
   * name of the project: the library's `Name` (given), or ST2017 naming the library.
   */
  private libraryQualified(e: import('./ast').MemberExpression, scope: Scope | undefined): Type | undefined {
    if (e.object.kind !== 'Identifier') return undefined;
    const ns = this.lower(e.object.name);
    if (!this.libraryNamespaces.has(ns)) return undefined;
    if ((scope && this.lookupVar(scope, ns)) || this.globals.has(ns) || this.pous.has(ns)) return undefined;
    if (this.typeDecls.has(ns)) return undefined;
    const missing = this.libraryNamespaces.get(ns);
    if (missing) {
      this.report('ST2017', e.span, `${e.object.name}.${e.member}`, missing);
      return T_ERROR;
    }
    const bare: import('./ast').Identifier = { kind: 'Identifier', name: e.member, span: e.memberSpan };
    const t = this.identifier(bare, scope);
    const ref = this.references.get(bare);
    if (ref) this.recordReference(e, ref);
    if (this.typeNames.has(bare)) this.typeNames.add(e);
    return t;
  }

  /** Function, FB instance, method, action or program call. `statement` is true for call statements. */
  private call(e: CallExpression, scope: Scope | undefined, statement: boolean): Type {
    const ct = this.expr(e.callee, scope);
    const t = underlying(ct);
    if (t.kind === 'error') {
      this.argsLoose(e.args, scope);
      return T_ERROR;
    }
    if (t.kind === 'callable' && t.pou.builtin && !t.pou.decl) return this.stdCall(e, t.pou.name, scope);
    if (t.kind === 'callable') {
      // an action's call sets its FB's inputs (`fbRing.A_AddTail(pWrite := p, cbWrite := n)`)
      const target = t.pou.kind === 'action' && t.pou.parent ? t.pou.parent : t.pou;
      this.checkArgs(target, e, scope, true);
      const rt = t.pou.returnType;
      if (t.pou.kind === 'action') return T_VOID;
      return rt ?? T_VOID;
    }
    if ((t.kind === 'fb' || t.kind === 'program') && !this.typeNames.has(e.callee)) {
      // programs and FBs may call a program; a function may not (Beckhoff's and CODESYS's
      // "Object Program"; the simulator refuses it too, decision 0094)
      if (t.kind === 'program' && scope?.pou.kind === 'function')
        this.report('ST2030', e.callee.span, `a call of PROGRAM ${t.pou.name}`);
      this.checkArgs(t.pou, e, scope, false);
      if (t.kind === 'fb') this.inOutsGiven(t.pou, e);
      if (!statement) {
        // CODESYS evaluates `fb(...)` in an expression as no value
        return T_VOID;
      }
      return T_VOID;
    }
    if (t.kind === 'fb' && this.typeNames.has(e.callee)) {
      this.report('ST2012', e.callee.span, exprText(e.callee));
      this.argsLoose(e.args, scope);
      return T_ERROR;
    }
    if (t.kind === 'pointer' && t.target.kind === 'fb') {
      this.checkArgs(t.target.pou, e, scope, false);
      this.inOutsGiven(t.target.pou, e);
      return T_VOID;
    }
    if (t.kind === 'string' && this.typeNames.has(e.callee) && e.args.length === 1 && !e.args[0]!.name) {
      // `STRING(80)` where a type goes as an argument (`SIZEOF(STRING(80))`, `__NEW(STRING(1), n)`)
      const n = e.args[0]!.value ? this.constValue(e.args[0]!.value, scope) : undefined;
      if (n === undefined) this.report('ST2022', e.args[0]!.span, 'a string length');
      this.typeNames.add(e);
      return { ...t, length: Number(n ?? t.length) };
    }
    this.report('ST2011', e.callee.span, exprText(e.callee));
    this.argsLoose(e.args, scope);
    return T_ERROR;
  }

  private argsLoose(args: CallArgument[], scope: Scope | undefined): void {
    for (let i = 0; i < args.length; i++) {
      const v = args[i]!.value;
      if (v) this.expr(v, scope);
    }
  }

  private stdCall(e: CallExpression, up: string, scope: Scope | undefined): Type {
    const all = e.args.map((a) => (a.value ? this.stdArgument(up, a.value, scope) : T_ERROR));
    // EN and ENO are extra parameters of every function and take no part in its overloading
    // (IEC 61131-3 §6.6.1.5): the result and the comparisons come from the function's own inputs
    const own = e.args.filter((a) => a.name === undefined || !this.isEnOrEno(a.name));
    const types = own.length === e.args.length ? all : all.filter((_, i) => own.includes(e.args[i]!));
    const fn = STANDARD_FUNCTIONS.get(up);
    if (fn?.semantics.kind === 'compare') {
      // GT, EQ, … compare each input with the next, as the operators do: inputs of one kind
      // (IEC 61131-3 comparison functions; MATIEC refuses EQ(BOOL, INT))
      for (let i = 1; i < types.length; i++) {
        const l = types[i - 1]!;
        const r = types[i]!;
        if (l.kind === 'error' || r.kind === 'error' || l === T_NULL || r === T_NULL) continue;
        if (!comparable(underlying(l), underlying(r))) {
          this.report('ST2005', e.span, up, typeName(l), typeName(r));
          break;
        }
      }
    }
    if (fn) {
      let n = 0;
      for (let i = 0; i < e.args.length; i++) {
        const a = e.args[i]!;
        if (a.direction === 'input' && (a.name === undefined || this.lower(a.name) !== 'en')) n++;
      }
      if (n < fn.min || n > fn.max)
        this.report('ST2010', e.span, up, fn.max === fn.min ? fn.min : `${fn.min}+`, n);
      else if (!stdArgumentOrder(fn, e.args)) {
        // a formal argument that is not a parameter of the function, or one given twice
        const bad = e.args.find((a) => a.name !== undefined && !this.isEnOrEno(a.name)) ?? e.args[0]!;
        this.report('ST2008', bad.nameSpan ?? bad.span, up, bad.name ?? '(positional)');
      }
      // a reference argument counts as its target (a new list only where there is one)
      return fn.result(types.some((t) => t.kind === 'reference') ? types.map(dereferenced) : types);
    }
    const conv = conversionResult(up)!;
    if (own.length !== 1) this.report('ST2010', e.span, up, 1, own.length);
    const at = types[0];
    // the overloaded BCD_TO_* takes any of the bit strings (Table 22); its width is the argument's
    const u = at && underlying(at.kind === 'reference' ? at.target : at);
    if (conv.bcd === 'decode' && !conv.from && u && u.kind !== 'error' && u.kind !== 'int-literal') {
      if (u.kind !== 'elementary' || !BCD_BIT_STRINGS.includes(u.name))
        this.report(
          'ST2004',
          own[0]!.span,
          typeName(at!),
          'a bit string (BYTE, WORD, DWORD or LWORD)',
          `argument of ${up}`,
        );
    }
    if (at && conv.from && at.kind !== 'error') {
      const c = convert(at, conv.from);
      if (c === 'error')
        this.report('ST2004', own[0]!.span, typeName(at), typeName(conv.from), `argument of ${up}`);
    }
    return conv.to;
  }

  /** Is `name` EN or ENO (any case), the extra parameters of every function (§6.6.1.5)? */
  private isEnOrEno(name: string): boolean {
    const lower = this.lower(name);
    return lower === 'en' || lower === 'eno';
  }

  /** An argument of a standard function; `__NEW(FB_X(a := 1))` (TwinCAT) is an FB type with its FB_init arguments. */
  private stdArgument(up: string, value: Expression, scope: Scope | undefined): Type {
    if (up === '__NEW' && value.kind === 'Call') {
      const t = this.expr(value.callee, scope);
      if (t.kind === 'fb' && this.typeNames.has(value.callee)) {
        // FB_init arguments are not matched to FB_init yet, as in declarations (`fb : FB_X(a := 1)`)
        this.argsLoose(value.args, scope);
        return t;
      }
    }
    return this.expr(value, scope);
  }

  /**
   * Every VAR_IN_OUT of an FB (its own and its bases') is given in a call of an instance: the
   * FB works on the caller's variable, and there is none to keep from a previous call (TwinCAT
   * and CODESYS: C0039 "VAR_IN_OUT must be assigned in call"; Beckhoff's VAR_IN_OUT page: they
   * "must be assigned when the function block is called"). An LD/FBD box whose in-out pin is
   * left open converts to such a call (decision 0156). An action's call is not an instance call.
   */
  /** Blocks by whether they or a base declare a VAR_IN_OUT (asked at each instance call). */
  private readonly inOutBlocks = new Map<PouSymbol, boolean>();

  private hasInOut(pou: PouSymbol): boolean {
    let has = this.inOutBlocks.get(pou);
    if (has === undefined) {
      has = false;
      const seen = new Set<PouSymbol>();
      for (let p: PouSymbol | undefined = pou; p && !seen.has(p) && !has; p = p.base) {
        seen.add(p);
        has = p.params.some((v) => v.section === 'VAR_IN_OUT');
      }
      this.inOutBlocks.set(pou, has);
    }
    return has;
  }

  private inOutsGiven(pou: PouSymbol, e: CallExpression): void {
    // TwinCAT's rule only: MATIEC (OpenPLC, Beremiz) compiles such a call — OSCAT's OpenPLC
    // port sets `FB.pt := pt;` and calls `FB()` — and S7 binds in-outs by its own rules
    if (pou.builtin || hasUnknownBase(pou) || !this.twincatFiles.has(e.span.file)) return;
    // `SUPER^()` and `THIS^()` run a body of the instance already called, its in-outs bound
    const root = e.callee.kind === 'Deref' ? e.callee.operand.kind : undefined;
    if (root === 'Super' || root === 'This') return;
    // most blocks have no in-out: the names given are gathered only for one that has
    if (!this.hasInOut(pou)) return;
    const given = new Set(e.args.flatMap((a) => (a.name === undefined ? [] : [a.name.toLowerCase()])));
    const positional = e.args.filter((a) => a.name === undefined).length;
    // positional arguments bind the first parameters in order (§6.6.1.7)
    for (const p of pou.params.slice(0, positional)) given.add(p.name.toLowerCase());
    const seen = new Set<PouSymbol>();
    for (let p: PouSymbol | undefined = pou; p && !seen.has(p); p = p.base) {
      seen.add(p);
      for (const v of p.params)
        if (v.section === 'VAR_IN_OUT' && !given.has(v.name.toLowerCase()))
          this.report('ST2021', e.span, v.name, exprText(e.callee));
    }
  }

  private checkArgs(pou: PouSymbol, e: CallExpression, scope: Scope | undefined, isFunction: boolean): void {
    let positional = 0;
    // the callee's name (`exprText(e.callee)`) is made for a report only: most calls have none
    // a project FUNCTION named like a standard one is the one called: where an argument does not
    // fit, say which POU's parameter it is (MATIEC would have called the standard function)
    const up = pou.kind === 'function' && !pou.builtin && pou.decl ? pou.name.toUpperCase() : '';
    const shadowing =
      up !== '' && pou.decl && STD_FUNCTIONS.has(up)
        ? ` of the FUNCTION ${pou.name} declared at ${pou.decl.span.file}:${pou.decl.span.line}, not the standard ${up}`
        : '';
    // the names given, made at the first positional argument (most calls of an FB name them all)
    let named: ReadonlySet<string> | undefined;
    for (let i = 0; i < e.args.length; i++) {
      const a = e.args[i]!;
      let param: VarSymbol | undefined;
      if (a.name !== undefined) {
        const lower = this.lower(a.name);
        if (lower === 'en' || lower === 'eno') {
          if (a.value) this.expr(a.value, scope);
          continue;
        }
        param =
          pou.vars.get(lower) ??
          (pou.builtin ? pou.vars.get(stdFbPin(pou.name, lower).toLowerCase()) : undefined);
        if (!param && pou.kind === 'functionBlock') {
          const m = this.fbMember(pou, lower);
          if (m && 'section' in m) param = m;
        }
        if (
          !param ||
          (param.section !== 'VAR_INPUT' && param.section !== 'VAR_OUTPUT' && param.section !== 'VAR_IN_OUT')
        ) {
          // a pin of a base FB the check does not know (its EXTENDS was reported already)
          if (!param && hasUnknownBase(pou)) {
            if (a.value) this.expr(a.value, scope);
            continue;
          }
          this.report('ST2008', a.nameSpan ?? a.span, exprText(e.callee), a.name);
          if (a.value) this.expr(a.value, scope);
          continue;
        }
        const isOut = param.section === 'VAR_OUTPUT';
        if (a.direction === 'output' && !isOut) {
          this.report(
            'ST2009',
            a.span,
            a.name,
            exprText(e.callee),
            param.section === 'VAR_INPUT' ? 'input' : 'in-out',
            ':=',
          );
          if (a.value) this.expr(a.value, scope);
          continue;
        }
        if (a.direction === 'input' && isOut) {
          this.report('ST2009', a.span, a.name, exprText(e.callee), 'output', '=>');
          if (a.value) this.expr(a.value, scope);
          continue;
        }
      } else {
        // after named arguments a positional one takes the next parameter not yet given
        // (`BubbleSortLreal(data := p, n, indicesSorted := q)`: TwinCAT compiles it)
        named ??= namedArguments(e.args);
        while (
          named.size > 0 &&
          pou.params[positional] &&
          named.has(pou.params[positional]!.name.toLowerCase())
        )
          positional++;
        param = pou.params[positional++];
        if (!param) {
          this.report('ST2010', e.span, exprText(e.callee), pou.params.length, e.args.length);
          this.argsLoose(e.args.slice(e.args.indexOf(a)), scope);
          return;
        }
      }
      if (!a.value) continue;
      const out = param.section === 'VAR_OUTPUT' || a.direction === 'output';
      const vt = out ? this.written(a.value, scope) : this.expr(a.value, scope);
      const pt = param.type.kind === 'reference' ? param.type.target : param.type;
      if (out) {
        this.writable(a.value, scope as Scope);
        this.assignable(pt, vt, a.value.span, (a.name ?? param.name) + shadowing);
      } else if (param.section === 'VAR_IN_OUT') {
        // VAR_IN_OUT CONSTANT (CODESYS/TwinCAT) takes any value of its type: it is passed read-only
        if (!isLvalue(a.value) && !param.constant)
          this.report('ST2021', a.value.span, param.name, exprText(e.callee));
        else if (
          vt.kind !== 'error' &&
          convert(vt, pt) !== 'ok' &&
          !(pt.kind === 'array' && pt.dims === 'star')
        )
          this.report('ST2004', a.value.span, typeName(vt), typeName(pt), param.name + shadowing);
      } else {
        const what = param.name + shadowing;
        if (vt.kind === 'void') this.report('ST2004', a.value.span, 'no value', typeName(pt), what);
        else this.assignable(this.sclCharacter(a.value, vt, pt), pt, a.value.span, what);
      }
    }
    void isFunction;
  }

  // ------------------------------------------------------------ configuration

  private checkConfiguration(c: ConfigurationDecl): void {
    const check = (tasks: import('./ast').TaskDecl[], programs: import('./ast').ProgramInstance[]): void => {
      const taskNames = new Set(tasks.map((t) => t.name.toLowerCase()));
      for (const t of tasks) {
        if (t.interval)
          this.assignable(this.expr(t.interval, undefined), T_TIME, t.interval.span, 'INTERVAL');
        if (t.priority) this.expr(t.priority, undefined);
        if (t.single) this.expr(t.single, undefined);
      }
      for (const p of programs) {
        const pou = this.pous.get(p.program.toLowerCase());
        if (pou?.kind !== 'program') this.report('ST2029', p.span, p.name, 'program', p.program);
        if (p.task !== undefined && !taskNames.has(p.task.toLowerCase()))
          this.report('ST2029', p.span, p.name, 'task', p.task);
        for (const a of p.args) if (a.value) this.expr(a.value, undefined);
      }
    };
    check(c.tasks, c.programs);
    for (const r of c.resources) check(r.tasks, r.programs);
  }
}

function isLvalue(e: Expression): boolean {
  switch (e.kind) {
    case 'Identifier':
    case 'Member':
    case 'Index':
    case 'Deref':
    case 'BitAccess':
    case 'DirectAddress':
      return true;
    case 'Paren':
      return isLvalue(e.expression);
    default:
      return false;
  }
}

/** Short source-like text of an expression for messages. */
function exprText(e: Expression): string {
  switch (e.kind) {
    case 'Identifier':
      return e.name;
    case 'Member':
      return `${exprText(e.object)}.${e.member}`;
    case 'Index':
      return `${exprText(e.object)}[...]`;
    case 'Deref':
      return `${exprText(e.operand)}^`;
    case 'This':
      return 'THIS';
    case 'Super':
      return 'SUPER';
    case 'Call':
      return `${exprText(e.callee)}(...)`;
    case 'BitAccess':
      return `${exprText(e.object)}.${exprText(e.bit)}`;
    case 'DirectAddress':
      return e.text;
    case 'IntegerLiteral':
    case 'RealLiteral':
    case 'BoolLiteral':
    case 'StringLiteral':
    case 'TimeLiteral':
    case 'DateTimeLiteral':
      return e.raw;
    case 'Paren':
      return `(${exprText(e.expression)})`;
    default:
      return 'expression';
  }
}

/**
 * Does the FB extend, directly or through its bases, one the check could not resolve (a
 * library not given)? Its members and pins are then unknown, not missing: the EXTENDS is
 * the one error to report.
 */
function hasUnknownBase(pou: PouSymbol): boolean {
  for (let p: PouSymbol | undefined = pou, n = 0; p && n < 64; p = p.base, n++) {
    const d = p.decl;
    if (d && d.kind === 'FunctionBlock' && d.extends && !p.base) return true;
  }
  return false;
}

/** May values of `l` and `r` be compared (`=`, `<`, …, and the comparison functions)? */
function comparable(l: Type, r: Type): boolean {
  if (isNumeric(l) && isNumeric(r)) return true;
  if (convert(l, r) !== 'error' || convert(r, l) !== 'error') return true;
  if ((l.kind === 'enum' && (isInteger(r) || r.kind === 'enum')) || (r.kind === 'enum' && isInteger(l)))
    return true;
  return l.kind === 'pointer' || r.kind === 'pointer';
}
