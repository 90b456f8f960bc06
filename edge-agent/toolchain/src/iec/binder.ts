/**
 * The binder: the first half of "compile". It declares every POU, type,
 * global and enumeration of a project (the standard FBs included), resolves
 * declared types, folds constants with the one evaluator and lays down the
 * symbol tables — the bound model (`CheckedProject`) that the checks then
 * fill with resolved references and expression types, and that the
 * simulator, the safety verifier and the recipe engine read.
 */
import type {
  CompilationUnit,
  ConfigurationDecl,
  EnumType as EnumTypeNode,
  Expression,
  Identifier,
  InterfaceDecl,
  MethodDecl,
  PropertyDecl,
  Span,
  TypeDecl,
  TypeSpec,
  VarBlock,
  VarDecl,
} from './ast';
import { GVL_NAME_ATTRIBUTE } from './ast';
import { type ConstantValue, evaluateConstant, integerConstant } from './constant-evaluator';
import { type Diagnostic, type DiagnosticCode, diagnostic } from './diagnostics';
import { parseSource } from './parser';
import type { MissingBuildFile } from './plcproj-reader';
import { STANDARD_FB_SOURCE, SYSTEM_TYPES_SOURCE, VENDOR_SYMBOLS } from './stdlib';
import {
  ELEMENTARY,
  layoutOf,
  type PouSymbol,
  T_BYTE,
  T_ERROR,
  T_STRING,
  T_WSTRING,
  TYPE_ALIASES,
  type Type,
  type VarSymbol,
} from './types';

/** The attribute of a global variable list whose members are used qualified only (`GVL.name`). */
const QUALIFIED_ONLY = 'qualified_only';

/** Options of {@link checkProject}. */
export interface CheckOptions {
  /** Units whose declarations are known but whose bodies are not checked (vendor stubs, e.g. OSCAT's stubs.st). */
  externals?: CompilationUnit[];
  /** Names declared to exist outside the project (a vendor library list); used freely, typed loosely. */
  externalNames?: string[];
  /**
   * Libraries the project references (a `.plcproj`'s placeholders, a CODESYS PLCopen export's
   * libraries; `system` ones only qualify names). A name found nowhere in
   * a project that references libraries not given in `externals` (matched by file name) is
   * ST2017 naming those libraries rather than a bare unknown name. @default none
   */
  libraryReferences?: readonly { name: string; namespace?: string; system?: boolean }[];
  /**
   * Files a `.plcproj`'s build lists that are not on disk ({@link filesOfBuild}): a name found
   * nowhere that is one's base name (`Helper` of `Lib\Helper.TcPOU`) is ST2001/ST2002 naming
   * that file, never a library's (request h2-3). @default none
   */
  missingBuildFiles?: readonly MissingBuildFile[];
  /**
   * `false`: the check keeps an expression's type and what a name refers to only where its own
   * rules read them back (the variables written: assignment and `FOR` targets, `=>` outputs), for
   * a caller that reads nothing of the checked project but its diagnostics (`compile`, decision
   * 0124). The diagnostics are the same; the checked project's `exprTypes`, `references`,
   * `typeOf` and `typeOfSpec` then throw. @default true
   */
  recordExpressions?: boolean;
}

/**
 * The methods, properties and actions of a POU without any: one shared map, never written
 * (the binder gives a POU a map of its own with its first member). Most POUs, the standard
 * library's among them, have none, and three maps per POU were a cold check's largest
 * allocation after the checker's node tables (decision 0139).
 */
const NO_MEMBERS: Map<string, PouSymbol> = new Map();

/**
 * OpenPLC's (MATIEC's) control blocks beyond the standard (IEC 61131-3 Annex F), shipped as
 * behaviour models in OPENPLC_MODELS; vendor libraries declare blocks of the same names.
 */
const OPENPLC_CONTROL_BLOCKS: ReadonlySet<string> = new Set([
  'PID',
  'RAMP',
  'DERIVATIVE',
  'INTEGRAL',
  'HYSTERESIS',
]);
const OPENPLC_MODELS = 'edge-agent/toolchain/models/openplc';
/** The checked project: symbol tables plus the resolved type of every checked expression. */
export interface CheckedProject {
  units: CompilationUnit[];
  /** Programs, functions, function blocks and interfaces by lower-case name (standard FBs included, `builtin`). */
  pous: Map<string, PouSymbol>;
  /** Global variables by lower-case name (VAR_GLOBAL of GVLs and configurations). */
  globals: Map<string, VarSymbol>;
  /** User-defined types (TYPE ... END_TYPE) by lower-case name. */
  types: Map<string, Type>;
  configurations: ConfigurationDecl[];
  /** Resolved type of each expression node the checker visited. */
  exprTypes: Map<Expression, Type>;
  /** What an Identifier/Member expression refers to, when it is a variable or a POU. */
  references: Map<Expression, VarSymbol | PouSymbol>;
  /** Type of an expression (undefined when not visited, e.g. in a unit with syntax errors skipped). */
  typeOf(expr: Expression): Type | undefined;
  /** A POU by name (case-insensitive). */
  lookupPou(name: string): PouSymbol | undefined;
  /** A user or elementary type by name (case-insensitive). */
  lookupType(name: string): Type | undefined;
  /** The resolved type of a written type (a declaration's `TypeSpec`): array bounds and string lengths folded. */
  typeOfSpec(spec: TypeSpec): Type | undefined;
  /**
   * The value of a constant expression, names resolved as in `pou` (a name or a symbol, e.g. a
   * method's: its VAR CONSTANT entries, its owner's, then globals and enumerations) — the one
   * constant evaluator over the model.
   */
  constantOf(e: Expression, pou?: string | PouSymbol): ConstantValue | undefined;
}

let builtinUnit: CompilationUnit | undefined;
function standardUnit(): CompilationUnit {
  builtinUnit ??= parseSource(STANDARD_FB_SOURCE, '<standard library>').unit;
  return builtinUnit;
}

let systemTypesUnit: CompilationUnit | undefined;
/** The compiler's `__SYSTEM` types, each declared under its qualified name (`__SYSTEM.TYPE_CLASS`). */
function systemUnit(): CompilationUnit {
  if (!systemTypesUnit) {
    systemTypesUnit = parseSource(SYSTEM_TYPES_SOURCE, '<standard library>').unit;
    for (const d of systemTypesUnit.declarations)
      if (d.kind === 'TypeBlock') for (const t of d.types) t.name = `${SYSTEM_NAMESPACE}.${t.name}`;
      else if (d.kind === 'Interface') d.name = `${SYSTEM_NAMESPACE}.${d.name}`;
  }
  return systemTypesUnit;
}

/** The namespace of the compiler-defined types (TwinCAT, CODESYS). */
export const SYSTEM_NAMESPACE = '__SYSTEM';

/** What names mean at a point of a body: the POU, its owner, loops, labels and result. */
export interface Scope {
  pou: PouSymbol;
  /** The FB/program whose members are visible (self for FBs, parent for methods/actions). */
  owner?: PouSymbol;
  loops: number;
  labels: Set<string>;
  /** Name (lower) that holds the function/method/property result. */
  resultName?: string;
  resultAssigned: boolean;
}

const EMPTY_SPAN: Span = {
  file: '',
  line: 1,
  column: 1,
  endLine: 1,
  endColumn: 1,
  offset: 0,
  endOffset: 0,
};

/** Symbols, scopes, declared types and constants of a project; `Checker` adds the checks. */
/**
 * An empty list whose elements are objects from the start: a `[]` holds small integers until its
 * first object is pushed, and code optimised on the first project's lists (objects) was sent back
 * (`wrong map`, then `not a Smi`) by the next project's fresh ones.
 */
function objectList<T>(): T[] {
  const list: (T | undefined)[] = [undefined];
  list.pop();
  return list as T[];
}

/** Does an output come before an input or in-out in `params`? */
function outputBeforeInput(params: readonly VarSymbol[]): boolean {
  let output = false;
  for (let i = 0; i < params.length; i++) {
    if (params[i]!.section === 'VAR_OUTPUT') output = true;
    else if (output) return true;
  }
  return false;
}

export abstract class Binder {
  readonly diagnostics: Diagnostic[] = [];
  /**
   * Names as written to their lower case, made once per name (decision 0180): the parser gives
   * one string per distinct identifier, so a name is looked up here by a hash it already has,
   * where `toLowerCase` makes a new string (and a new hash) at every reference.
   */
  private readonly lowerNames = new Map<string, string>();

  protected lower(name: string): string {
    let l = this.lowerNames.get(name);
    if (l === undefined) {
      l = name.toLowerCase();
      this.lowerNames.set(name, l);
    }
    return l;
  }

  protected readonly pous = new Map<string, PouSymbol>();
  protected readonly typeDecls = new Map<string, TypeDecl>();
  /** Attributes (lower-case name → value) on a type's declaration or its TYPE block, by lower-case type name. */
  protected readonly typeAttributes = new Map<string, Map<string, string>>();
  protected readonly types = new Map<string, Type>();
  protected readonly resolving = new Set<string>();
  protected readonly globals = new Map<string, VarSymbol>();
  protected readonly gvls = new Map<string, Type>();
  /** GVLs marked {attribute 'qualified_only'} (lower case): their members are used as GVL.name only. */
  protected readonly qualifiedOnlyGvls = new Set<string>();
  protected readonly enumValues = new Map<string, Type>();
  /**
   * Every expression typed and its type, in the order typed (`recordType`): the map
   * `exprTypes` is filled from them only when read, so a check nobody asks types of
   * (`compile`) makes no map entry for each expression (decision 0175).
   */
  private readonly typedExprs: Expression[] = objectList();
  private readonly typedTypes: Type[] = objectList();
  private readonly exprTypesMap = new Map<Expression, Type>();
  /**
   * Above 0 while the check records types and references: always with `recordExpressions`
   * (1 from the start), else only while it types a variable written (`Checker.written`), whose
   * records its rules read back (decision 0124).
   */
  protected recording: number;
  /** Records the type of `e`, as `exprTypes.set(e, t)` would, order and all. */
  protected recordType(e: Expression, t: Type): void {
    if (this.recording === 0) return;
    this.typedExprs.push(e);
    this.typedTypes.push(t);
  }
  /** Records what the name `e` refers to (`references`), when the check records. */
  protected recordReference(e: Expression, s: VarSymbol | PouSymbol): void {
    if (this.recording !== 0) this.references.set(e, s);
  }
  /** The type of every expression typed so far: the records not yet in the map put in, in order. */
  protected get exprTypes(): Map<Expression, Type> {
    const es = this.typedExprs;
    const ts = this.typedTypes;
    const map = this.exprTypesMap;
    for (let i = 0; i < es.length; i++) map.set(es[i]!, ts[i]!);
    es.length = 0;
    ts.length = 0;
    return map;
  }
  protected readonly references = new Map<Expression, VarSymbol | PouSymbol>();
  protected readonly typeNames = new Set<Expression>();
  protected readonly externalNames = new Set<string>();
  protected readonly configurations: ConfigurationDecl[] = [];
  protected readonly firstDecl = new Map<string, Span>();
  protected readonly bodies: PouSymbol[] = [];
  protected readonly reportedUnknown = new Set<string>();
  /** Files whose dialect has functions without a result: TwinCAT 3 (VOID) and Siemens SCL (`: Void`). */
  protected readonly voidFunctionFiles = new Set<string>();
  /**
   * Files of vendor tools (TwinCAT, PLCopen from CODESYS/Beremiz), which compile a write to an
   * input-located variable: ST3009 there, ST2007 in plain ST.
   */
  protected readonly vendorFiles = new Set<string>();
  /**
   * Files of Siemens SCL and SIMATIC AX (format `scl`): `NULL` is the literal of an unbound
   * reference (`REF_TO`, interface) unless the program declares that name, a string's element is
   * a CHAR (WCHAR), and a one-character string literal beside a CHAR is one.
   */
  protected readonly sclFiles = new Set<string>();
  /** Files of plain ST and PLCopen XML, the formats MATIEC (OpenPLC, Beremiz) compiles. */
  protected readonly matiecFiles = new Set<string>();
  /** Files of TwinCAT (format `twincat`), whose compiler refuses an FB call without its in-outs (C0039). */
  protected readonly twincatFiles = new Set<string>();

  constructor(
    protected readonly units: CompilationUnit[],
    protected readonly options: CheckOptions,
  ) {
    this.recording = options.recordExpressions === false ? 0 : 1;
    for (const n of options.externalNames ?? []) this.externalNames.add(n.toLowerCase());
    for (const m of options.missingBuildFiles ?? []) {
      const base = (m.include.split(/[\\/]/).pop() ?? '').replace(/\.[^.]*$/, '').toLowerCase();
      if (base && !this.missingFiles.has(base)) this.missingFiles.set(base, m.include);
    }
    for (const u of units) {
      if (u.format === 'twincat' || u.format === 'scl') this.voidFunctionFiles.add(u.file);
      if (u.format === 'twincat' || u.format === 'plcopen') this.vendorFiles.add(u.file);
      if (u.format === 'scl') this.sclFiles.add(u.file);
      if (u.format === 'twincat') this.twincatFiles.add(u.file);
      if (u.format === 'st' || u.format === 'plcopen') this.matiecFiles.add(u.file);
    }
    const given = new Set(
      (options.externals ?? []).map((u) =>
        (u.file.split(/[\\/]/).pop() ?? '').replace(/\.[^.]*$/, '').toLowerCase(),
      ),
    );
    const missing = (options.libraryReferences ?? []).filter(
      (l) => !l.system && !given.has(l.name.toLowerCase()) && !given.has((l.namespace ?? '').toLowerCase()),
    );
    for (const l of options.libraryReferences ?? [])
      for (const n of [l.name, l.namespace ?? l.name])
        this.libraryNamespaces.set(n.toLowerCase(), given.has(l.name.toLowerCase()) ? undefined : l.name);
    for (const n of given) this.libraryNamespaces.set(n, undefined);
    if (missing.length > 0)
      this.unshippedLibraries =
        missing.length === 1 ? missing[0]!.name : `one of ${missing.map((l) => l.name).join(', ')}`;
  }

  /** The build's files not on disk by base name (lower case) → the path the project writes. */
  protected readonly missingFiles = new Map<string, string>();

  /**
   * `: the build lists <file>, which is not on disk` when an unknown `name` is the base name
   * of a file the project's build lists but that is missing (ST2001/ST2002's tail), else ''.
   */
  protected missingFileNote(name: string): string {
    const file = this.missingFiles.get(name.toLowerCase());
    return file === undefined ? '' : `: the build lists ${file}, which is not on disk`;
  }

  /** The referenced libraries not given, as ST2017 names them; undefined when every reference is given. */
  protected readonly unshippedLibraries: string | undefined;

  /**
   * The library ST2017 names for an unknown name (upper case): the library known to declare it —
   * unless the project references libraries, not that one, and some are not given: then the name
   * may come through one of those (Tc3_UnitTest's FB_Testsuite is not TcUnit's), so they are named.
   */
  /**
   * ST2017 for a name of a library the project does not have; ST2032 when that library's
   * interface was given (a shipped file, --libraries) but does not declare the name.
   */
  protected reportLibraryName(span: Span, name: string, lib: string): void {
    const key = lib.toLowerCase();
    const given = this.libraryNamespaces.has(key) && this.libraryNamespaces.get(key) === undefined;
    // in the formats OpenPLC and Beremiz compile, the five control blocks MATIEC ships are most
    // likely those: say where their behaviour models are (request h3-lead-01)
    const where =
      !given && this.matiecFiles.has(span.file) && OPENPLC_CONTROL_BLOCKS.has(name.toUpperCase())
        ? `${lib}, or OpenPLC's (MATIEC's) control blocks (OpenPLC and Beremiz code: pass --models ${OPENPLC_MODELS})`
        : lib;
    this.report(given ? 'ST2032' : 'ST2017', span, name, where);
  }

  protected libraryOf(upper: string): string | undefined {
    const lib = VENDOR_SYMBOLS.get(upper);
    if (!lib || (this.unshippedLibraries && !this.libraryNamespaces.has(lib.toLowerCase())))
      return this.unshippedLibraries ?? lib;
    return lib;
  }
  /**
   * Namespaces of libraries (lower case) that qualify names (`Tc2_System.MEMCPY`): those given
   * (the externals' file names) map to undefined, those referenced but not given to their name.
   */
  protected readonly libraryNamespaces = new Map<string, string | undefined>();

  project(): CheckedProject {
    const pous = this.pous;
    const types = this.types;
    // a check without records (`recordExpressions: false`) has only its targets': no reader may
    // take that for the whole (decision 0124)
    const recorded = (): void => {
      if (this.recording === 0)
        throw new Error('this project was checked without expression records (recordExpressions: false)');
    };
    const exprTypes = (): Map<Expression, Type> => {
      recorded();
      return this.exprTypes;
    };
    const references = (): Map<Expression, VarSymbol | PouSymbol> => {
      recorded();
      return this.references;
    };
    return {
      units: this.units,
      pous,
      globals: this.globals,
      types,
      configurations: this.configurations,
      // one map, filled when first read (and again with what was typed since)
      get exprTypes(): Map<Expression, Type> {
        return exprTypes();
      },
      get references(): Map<Expression, VarSymbol | PouSymbol> {
        return references();
      },
      typeOf: (e) => exprTypes().get(e),
      lookupPou: (n) => pous.get(n.toLowerCase()),
      lookupType: (n) => {
        const up = n.toUpperCase();
        return ELEMENTARY.get(TYPE_ALIASES.get(up) ?? up) ?? types.get(n.toLowerCase());
      },
      typeOfSpec: (spec) => {
        recorded();
        return this.specTypes.get(spec);
      },
      constantOf: (e, pouName) => {
        const p = typeof pouName === 'string' ? pous.get(pouName.toLowerCase()) : pouName;
        const owner = p && (p.kind === 'functionBlock' || p.kind === 'program') ? p : p?.parent;
        const scope: Scope | undefined = p
          ? { pou: p, owner, loops: 0, labels: new Set(), resultName: undefined, resultAssigned: false }
          : undefined;
        return evaluateConstant(e, (n) => this.constantName(n, scope));
      },
    };
  }

  protected report(code: DiagnosticCode, span: Span, ...args: (string | number)[]): void {
    if (span.file === '<standard library>') return;
    this.diagnostics.push(diagnostic(code, span, ...args));
  }

  /** Declares and resolves everything the bodies refer to (the binding phases). */
  protected bind(): void {
    this.declareUnit(standardUnit(), true, false);
    this.declareUnit(systemUnit(), true, false);
    for (const u of this.options.externals ?? []) this.declareUnit(u, false, true);
    for (const u of this.units) this.declareUnit(u, false, false);
    for (const name of this.typeDecls.keys()) this.resolveNamedType(name, EMPTY_SPAN);
    for (const p of new Set(this.pous.values())) this.resolvePou(p);
    for (const u of [...(this.options.externals ?? []), ...this.units]) this.declareGlobals(u);
  }

  // ------------------------------------------------------------ declare

  protected duplicate(lower: string, name: string, span: Span): boolean {
    const first = this.firstDecl.get(lower);
    if (first) {
      this.report('ST2003', span, name, `${first.file}:${first.line}`);
      return true;
    }
    this.firstDecl.set(lower, span);
    return false;
  }

  protected declareUnit(unit: CompilationUnit, builtin: boolean, external: boolean): void {
    for (const d of unit.declarations) {
      switch (d.kind) {
        case 'Program':
        case 'Function':
        case 'FunctionBlock':
        case 'Interface': {
          const lower = d.name.toLowerCase();
          if (this.duplicate(lower, d.name, d.nameSpan)) break;
          const isExternal = external || !!d.pragmas?.some((p) => /^@EXTERNAL$/i.test(p.text));
          const kind =
            d.kind === 'Program'
              ? 'program'
              : d.kind === 'Function'
                ? 'function'
                : d.kind === 'FunctionBlock'
                  ? 'functionBlock'
                  : 'interface';
          const sym = this.newPou(kind, d.name, d, builtin, isExternal, unit.file);
          this.pous.set(lower, sym);
          break;
        }
        case 'TypeBlock':
          for (const t of d.types) {
            const lower = t.name.toLowerCase();
            if (this.duplicate(lower, t.name, t.nameSpan)) continue;
            this.typeDecls.set(lower, t);
            // `{attribute 'strict'} TYPE E : (...)`: the attribute is on the TYPE block (one per DUT)
            const attrs = [...(d.pragmas ?? []), ...(t.pragmas ?? [])].flatMap((p) =>
              p.attribute ? [[p.attribute.name.toLowerCase(), p.attribute.value ?? ''] as const] : [],
            );
            if (attrs.length > 0) this.typeAttributes.set(lower, new Map(attrs));
          }
          break;
        case 'Configuration':
          if (!external) this.configurations.push(d);
          break;
        case 'GlobalVarList':
          break;
      }
    }
  }

  protected newPou(
    kind: PouSymbol['kind'],
    name: string,
    decl: PouSymbol['decl'],
    builtin: boolean,
    external: boolean,
    file: string | undefined,
  ): PouSymbol {
    // every field in one order, the optional ones as undefined: one hidden class for all POUs,
    // so the check's reads of a POU stay monomorphic (decision 0180)
    return {
      kind,
      name,
      decl,
      vars: new Map(),
      // a list of objects from the start: pushing the first parameter onto a `[]` deoptimised
      // declareVarBlocks (`not a Smi`) once a POU without parameters had run through it
      params: objectList(),
      returnType: undefined,
      base: undefined,
      interfaces: [],
      methods: NO_MEMBERS,
      properties: NO_MEMBERS,
      actions: NO_MEMBERS,
      parent: undefined,
      builtin,
      external,
      file,
    };
  }

  /** Is this global a member of a qualified_only list (reached as GVL.name only)? */
  protected isQualifiedOnly(sym: VarSymbol): sym is VarSymbol & { gvl: string } {
    return sym.gvl !== undefined && this.qualifiedOnlyGvls.has(sym.gvl.toLowerCase());
  }

  protected declareGlobals(unit: CompilationUnit): void {
    const add = (blocks: VarBlock[], gvlName: string | undefined, qualifiedOnly = false): void => {
      let ns: Map<string, VarSymbol> | undefined;
      if (gvlName) {
        const lower = gvlName.toLowerCase();
        if (qualifiedOnly) this.qualifiedOnlyGvls.add(lower);
        let t = this.gvls.get(lower);
        if (!t) {
          t = { kind: 'namespace', name: gvlName, members: new Map() };
          this.gvls.set(lower, t);
        }
        ns = (t as { members: Map<string, VarSymbol> }).members;
      }
      for (const b of blocks) {
        if (b.section !== 'VAR_GLOBAL') continue;
        for (const d of b.decls) {
          const type = this.resolveType(d.type);
          for (const n of d.names) {
            const lower = n.name.toLowerCase();
            const sym: VarSymbol = {
              name: n.name,
              section: 'VAR_GLOBAL',
              type,
              constant: b.constant,
              retain: b.retain,
              persistent: b.persistent,
              decl: d,
              owner: undefined,
              gvl: gvlName || undefined,
            };
            if (this.globals.has(lower)) {
              const first = this.globals.get(lower)!;
              // two qualified_only lists may each declare the name: GVL_A.x and GVL_B.x differ
              if (ns && !ns.has(lower) && this.isQualifiedOnly(first) && this.isQualifiedOnly(sym)) {
                ns.set(lower, sym);
                continue;
              }
              this.report('ST2003', n.span, n.name, `${first.decl.span.file}:${first.decl.span.line}`);
              continue;
            }
            this.globals.set(lower, sym);
            ns?.set(lower, sym);
          }
        }
      }
    };
    for (const d of unit.declarations) {
      // a library interface file names its GVL with {attribute 'gvl_name' := 'GVL_Param_TcUnit'}
      // (plain ST has no syntax for it; a TwinCAT .TcGVL names it in the XML)
      if (d.kind === 'GlobalVarList')
        add(
          d.varBlocks,
          d.name ?? d.pragmas?.find((p) => p.attribute?.name === GVL_NAME_ATTRIBUTE)?.attribute?.value,
          d.pragmas?.some((p) => p.attribute?.name.toLowerCase() === QUALIFIED_ONLY) === true,
        );
      else if (d.kind === 'Configuration') {
        add(d.varBlocks, undefined);
        for (const r of d.resources) add(r.varBlocks, undefined);
      }
    }
    // initialisers of globals are checked once all globals exist
    for (const d of unit.declarations) {
      if (d.kind !== 'GlobalVarList') continue;
      for (const b of d.varBlocks) for (const v of b.decls) this.checkInit(v, undefined);
    }
  }

  // ------------------------------------------------------------ types

  protected resolveNamedType(lowerName: string, span: Span): Type | undefined {
    const done = this.types.get(lowerName);
    if (done) return done;
    const decl = this.typeDecls.get(lowerName);
    if (!decl) return undefined;
    if (this.resolving.has(lowerName)) {
      this.report('ST2002', span, `${decl.name} (defined in terms of itself)`);
      return T_ERROR;
    }
    this.resolving.add(lowerName);
    let t: Type;
    const spec = decl.type;
    if (spec.kind === 'EnumType') {
      t = this.enumType(decl.name, spec);
      if (t.kind === 'enum' && this.typeAttributes.get(lowerName)?.has('strict')) t.strict = true;
    } else if (spec.kind === 'StructType' || spec.kind === 'UnionType') {
      const members = new Map<string, VarSymbol>();
      const st: Type = { kind: 'struct', name: decl.name, members, union: spec.kind === 'UnionType' };
      const pack = Number(this.typeAttributes.get(lowerName)?.get('pack_mode'));
      if ([1, 2, 4, 8].includes(pack)) st.packMode = pack;
      if (spec.kind === 'StructType') st.decl = spec;
      else st.unionDecl = spec;
      this.types.set(lowerName, st);
      if (spec.kind === 'StructType' && spec.extends) {
        const base = this.resolveNamedType(spec.extends.toLowerCase(), decl.nameSpan);
        if (base?.kind === 'struct') for (const [k, v] of base.members) members.set(k, v);
        else if (!base) this.unknownType(spec.extends, decl.nameSpan);
      }
      for (const m of spec.members) {
        const mt = this.resolveType(m.type);
        for (const n of m.names) {
          const lower = n.name.toLowerCase();
          if (members.has(lower) && members.get(lower)!.decl !== m) {
            this.report('ST2003', n.span, n.name, `${decl.name}`);
            continue;
          }
          members.set(lower, {
            name: n.name,
            section: 'VAR',
            type: mt,
            constant: false,
            retain: false,
            persistent: false,
            decl: m,
            owner: undefined,
            gvl: undefined,
          });
        }
      }
      t = st;
    } else t = this.resolveType(spec);
    this.types.set(lowerName, t);
    this.resolving.delete(lowerName);
    return t;
  }

  protected enumType(name: string, spec: EnumTypeNode): Type {
    const values = new Map<string, { name: string; value: number | bigint }>();
    const base = spec.baseType
      ? this.resolveType(spec.baseType)
      : { kind: 'elementary' as const, name: 'INT' as const };
    const t: Type = { kind: 'enum', name, base, values, decl: spec };
    let next: number | bigint = 0;
    for (const v of spec.values) {
      let value: number | bigint = next;
      if (v.value) {
        const cv = this.constValue(v.value, undefined, values);
        if (cv === undefined) this.notConstant(v.value, `the value of ${v.name}`);
        else value = cv;
      }
      const lower = v.name.toLowerCase();
      if (values.has(lower)) this.report('ST2003', v.span, v.name, name);
      values.set(lower, { name: v.name, value });
      // `__SYSTEM.TYPE_CLASS.TYPE_BOOL` is always written qualified: its values are not bare names
      if (!this.enumValues.has(lower) && !name.startsWith(`${SYSTEM_NAMESPACE}.`))
        this.enumValues.set(lower, t);
      next = typeof value === 'bigint' ? value + 1n : value + 1;
    }
    return t;
  }

  protected unknownType(name: string, span: Span): Type {
    const dot = name.indexOf('.');
    // `Lib.Type`: the library whose namespace `Lib` is (IBaseLibrary: Base Interfaces), else `Lib`
    const prefix = name.slice(0, dot);
    const lib =
      dot > 0 && !VENDOR_SYMBOLS.has(name.toUpperCase())
        ? (VENDOR_SYMBOLS.get(prefix.toUpperCase()) ?? prefix)
        : this.libraryOf(name.toUpperCase());
    if (this.externalNames.has(name.toLowerCase())) return T_ERROR;
    if (dot > 0 && this.externalNames.has(name.slice(dot + 1).toLowerCase())) return T_ERROR;
    const note = this.missingFileNote(name);
    if (note) this.report('ST2002', span, name, note);
    else if (lib) this.reportLibraryName(span, name, lib);
    else this.report('ST2002', span, name);
    return T_ERROR;
  }

  /** Resolves a written type to a checker type (reports unknown names once per use). */
  /** Resolved written types, for consumers of the model (`typeOfSpec`). */
  protected readonly specTypes = new Map<TypeSpec, Type>();

  resolveType(spec: TypeSpec): Type {
    const t = this.resolveTypeNow(spec);
    // read by no rule: a check without records keeps none (decision 0124)
    if (this.recording !== 0) this.specTypes.set(spec, t);
    return t;
  }

  private resolveTypeNow(spec: TypeSpec): Type {
    switch (spec.kind) {
      case 'NamedType': {
        const raw = spec.name;
        const up = raw.toUpperCase();
        const el = ELEMENTARY.get(TYPE_ALIASES.get(up) ?? up);
        if (el) return el;
        if (up === 'STRING') return T_STRING;
        if (up === 'WSTRING') return T_WSTRING;
        if (up === 'PVOID' || up === 'POINTER') return { kind: 'pointer', target: T_BYTE };
        if (up.startsWith('ANY')) return T_ERROR; // generic parameters of library stubs
        const lower = raw.toLowerCase();
        const found = this.lookupTypeName(lower, spec.span);
        if (found) return found;
        const dot = lower.lastIndexOf('.');
        if (dot >= 0) {
          const tail = this.lookupTypeName(lower.slice(dot + 1), spec.span);
          if (tail) return tail;
          const tailEl = ELEMENTARY.get(up.slice(dot + 1));
          if (tailEl) return tailEl;
        }
        return this.unknownType(raw, spec.span);
      }
      case 'StringType': {
        let length = 80;
        if (spec.length) {
          const v = this.constValue(spec.length, undefined);
          if (v === undefined) this.notConstant(spec.length, 'a string length');
          else length = Number(v);
        }
        return { kind: 'string', wide: spec.wide, length };
      }
      case 'ArrayType': {
        const element = this.resolveType(spec.elementType);
        if (spec.dimensions.some((d) => d.star)) return { kind: 'array', dims: 'star', element };
        const dims = spec.dimensions.map((d) => {
          const low = this.constValue(d.low!, undefined);
          const high = this.constValue(d.high!, undefined);
          if (low === undefined) this.notConstant(d.low!, 'an array bound');
          if (high === undefined) this.notConstant(d.high!, 'an array bound');
          return { low: Number(low ?? 0), high: Number(high ?? 0) };
        });
        return { kind: 'array', dims, element };
      }
      case 'PointerType':
        return { kind: 'pointer', target: this.resolveType(spec.target) };
      case 'ReferenceType':
        return { kind: 'reference', target: this.resolveType(spec.target) };
      case 'SubrangeType': {
        const base = this.resolveType(spec.base);
        const low = this.constValue(spec.low, undefined);
        const high = this.constValue(spec.high, undefined);
        if (low === undefined) this.notConstant(spec.low, 'a subrange bound');
        if (high === undefined) this.notConstant(spec.high, 'a subrange bound');
        return { kind: 'subrange', base, low: Number(low ?? 0), high: Number(high ?? 0) };
      }
      case 'EnumType':
        return this.enumType('(anonymous enum)', spec);
      case 'StructType':
      case 'UnionType': {
        const members = new Map<string, VarSymbol>();
        for (const m of spec.members) {
          const mt = this.resolveType(m.type);
          for (const n of m.names)
            members.set(n.name.toLowerCase(), {
              name: n.name,
              section: 'VAR',
              type: mt,
              constant: false,
              retain: false,
              persistent: false,
              decl: m,
              owner: undefined,
              gvl: undefined,
            });
        }
        return { kind: 'struct', name: '(anonymous struct)', members, union: spec.kind === 'UnionType' };
      }
    }
  }

  protected lookupTypeName(lower: string, span: Span): Type | undefined {
    const t = this.resolveNamedType(lower, span);
    if (t) return t;
    const pou = this.pous.get(lower);
    if (pou) {
      if (pou.kind === 'functionBlock') return { kind: 'fb', pou };
      if (pou.kind === 'interface') return { kind: 'interface', pou };
      if (pou.kind === 'program') return { kind: 'program', pou };
    }
    return undefined;
  }

  /** Evaluates a constant integer expression (array bounds, enum values, string lengths) with the one evaluator. */
  protected constValue(
    e: Expression,
    scope: Scope | undefined,
    enumSoFar?: Map<string, { value: number | bigint }>,
  ): number | bigint | undefined {
    return integerConstant(
      evaluateConstant(
        e,
        (n) => this.constantName(n, scope, enumSoFar),
        0,
        (arg) => this.sizeOfArgument(arg),
      ),
    );
  }

  /** SIZEOF of a type name in a constant expression (an array bound), in TwinCAT's 64-bit layout. */
  private sizeOfArgument(arg: Expression): number | undefined {
    if (arg.kind === 'TypeArgument') return layoutOf(this.resolveType(arg.type))?.size;
    if (arg.kind !== 'Identifier') return undefined;
    const up = arg.name.toUpperCase();
    const el =
      ELEMENTARY.get(TYPE_ALIASES.get(up) ?? up) ??
      (up === 'STRING' ? T_STRING : up === 'WSTRING' ? T_WSTRING : undefined);
    if (el) return layoutOf(el)?.size;
    const lower = arg.name.toLowerCase();
    const t = this.lookupTypeName(lower, arg.span);
    return t ? layoutOf(t)?.size : undefined;
  }

  /**
   * ST2022, unless the expression uses a name declared nowhere that a library
   * not given may hold (`GeneralConstants.MAX_STATES` of a referenced library):
   * then ST2017 naming the library, as for any other name from it.
   */
  protected notConstant(e: Expression, what: string): void {
    const missing = this.undeclaredLibraryName(e);
    if (missing) this.reportLibraryName(e.span, missing.name, missing.lib);
    else this.report('ST2022', e.span, what);
  }

  private undeclaredLibraryName(e: Expression): { name: string; lib: string } | undefined {
    switch (e.kind) {
      case 'Paren':
        return this.undeclaredLibraryName(e.expression);
      case 'Unary':
        return this.undeclaredLibraryName(e.operand);
      case 'Binary':
        return this.undeclaredLibraryName(e.left) ?? this.undeclaredLibraryName(e.right);
      case 'Identifier': {
        const lower = e.name.toLowerCase();
        if (this.declaredConstantName(lower) || this.enumValues.has(lower)) return undefined;
        const lib = this.libraryOf(e.name.toUpperCase());
        return lib ? { name: e.name, lib } : undefined;
      }
      case 'Member': {
        if (e.object.kind !== 'Identifier') {
          // `Lib.GVL.CONST` through the namespace of a referenced library not given
          let root: Expression = e.object;
          let path = e.member;
          for (; root.kind === 'Member'; root = root.object) path = `${root.member}.${path}`;
          if (root.kind !== 'Identifier') return undefined;
          const lib = this.libraryNamespaces.get(root.name.toLowerCase());
          return lib && !this.declaredConstantName(e.member.toLowerCase())
            ? { name: `${root.name}.${path}`, lib }
            : undefined;
        }
        const owner = e.object.name;
        if (this.declaredConstantName(e.member.toLowerCase()) || this.typeDecls.has(owner.toLowerCase()))
          return undefined;
        const known = VENDOR_SYMBOLS.has(owner.toUpperCase()) ? owner : e.member;
        const lib = this.libraryOf(known.toUpperCase());
        return lib ? { name: `${owner}.${e.member}`, lib } : undefined;
      }
      default:
        return undefined;
    }
  }

  private declaredConstantName(lower: string): boolean {
    return !!(this.globals.get(lower) ?? this.localConstant(lower) ?? this.pendingGlobalConstant(lower));
  }

  /** What a name in a constant expression is: an enum value, or the initialiser of a constant. */
  protected constantName(
    e: Identifier | import('./ast').MemberExpression | import('./ast').EnumLiteral,
    scope: Scope | undefined,
    enumSoFar?: Map<string, { value: number | bigint }>,
  ): ConstantValue | { init: Expression } | undefined {
    const initOf = (sym: VarSymbol | undefined) =>
      sym?.constant &&
      sym.decl.init &&
      sym.decl.init.kind !== 'ArrayInitializer' &&
      sym.decl.init.kind !== 'StructInitializer'
        ? { init: sym.decl.init }
        : undefined;
    if (e.kind === 'Identifier') {
      const lower = e.name.toLowerCase();
      // `.NAME` (global namespace operator) skips the POU's own constants and the enum being declared
      if (e.global) return initOf(this.globals.get(lower) ?? this.pendingGlobalConstant(lower));
      const ev = enumSoFar?.get(lower);
      if (ev) return ev.value;
      return initOf(
        (scope && this.lookupVar(scope, lower)) ??
          this.localConstant(lower) ??
          this.globals.get(lower) ??
          this.pendingGlobalConstant(lower),
      );
    }
    if (e.kind === 'Member') {
      // GVL.CONST or Enum.Value; Lib.GVL.CONST through a library's namespace
      if (e.object.kind === 'Member' && e.object.object.kind === 'Identifier') {
        const ns = e.object.object.name.toLowerCase();
        if (this.libraryNamespaces.has(ns) && !this.libraryNamespaces.get(ns))
          return initOf(
            this.globals.get(e.member.toLowerCase()) ?? this.pendingGlobalConstant(e.member.toLowerCase()),
          );
      }
      if (e.object.kind !== 'Identifier') return undefined;
      const owner = e.object.name.toLowerCase();
      const t = this.types.get(owner) ?? this.resolveNamedType(owner, e.span);
      if (t?.kind === 'enum') return t.values.get(e.member.toLowerCase())?.value;
      const gvl = this.gvls.get(owner);
      return initOf(
        (gvl?.kind === 'namespace' ? gvl.members.get(e.member.toLowerCase()) : undefined) ??
          this.globals.get(e.member.toLowerCase()) ??
          this.pendingGlobalConstant(e.member.toLowerCase()),
      );
    }
    const t = this.resolveNamedType(e.typeName.toLowerCase(), e.span);
    return t?.kind === 'enum' ? t.values.get(e.value.toLowerCase())?.value : undefined;
  }

  /** While a POU's variables are declared, its own VAR CONSTANT entries can size its arrays (in any block order). */
  protected constPou: PouSymbol | undefined;
  protected localConstant(lower: string): VarSymbol | undefined {
    for (let p = this.constPou, n = 0; p && n < 8; p = p.parent, n++) {
      const d = p.decl;
      const blocks = d && 'varBlocks' in d ? d.varBlocks : [];
      const found = constantIn(blocks, lower);
      if (found) return found;
    }
    return undefined;
  }

  /** Global constants are needed for array bounds before globals are declared: find one by scanning the units. */
  protected pendingGlobalConstant(lower: string): VarSymbol | undefined {
    const v = (this.globalConstantDecls ??= this.indexGlobalConstants()).get(lower);
    return v && provisionalConstant(v, lower, 'VAR_GLOBAL');
  }

  /** Every VAR_GLOBAL CONSTANT declaration by lower-case name, the first of a name in unit order. */
  private globalConstantDecls: Map<string, VarDecl> | undefined;
  private indexGlobalConstants(): Map<string, VarDecl> {
    const index = new Map<string, VarDecl>();
    const add = (u: CompilationUnit) => {
      for (const d of u.declarations) {
        if (d.kind !== 'GlobalVarList' && d.kind !== 'Configuration') continue;
        for (const b of d.varBlocks) {
          if (!b.constant) continue;
          for (const v of b.decls)
            for (const n of v.names) {
              const lower = n.name.toLowerCase();
              if (!index.has(lower)) index.set(lower, v);
            }
        }
      }
    };
    for (const u of this.options.externals ?? []) add(u);
    for (const u of this.units) add(u);
    return index;
  }

  // ------------------------------------------------------------ POU declarations

  protected resolvePou(p: PouSymbol): void {
    const d = p.decl;
    if (!d) return;
    if (d.kind === 'Interface') {
      this.resolveInterface(p, d);
      return;
    }
    if (d.kind !== 'Program' && d.kind !== 'Function' && d.kind !== 'FunctionBlock') return;
    this.declareVars(p, d.varBlocks);
    if (d.kind === 'Function') {
      if (d.returnType) p.returnType = this.resolveType(d.returnType);
      // TwinCAT 3 and Siemens SCL accept functions without a result (VOID); plain ST and PLCopen
      // need one (§6.6.2.2)
      else if (!p.external && !this.voidFunctionFiles.has(d.nameSpan.file))
        this.report('ST2013', d.nameSpan, d.name);
    }
    if (d.kind === 'FunctionBlock') {
      if (d.extends) {
        const base = this.pous.get(d.extends.toLowerCase()) ?? this.pous.get(tail(d.extends));
        if (!base) this.unknownType(d.extends, d.nameSpan);
        else if (base.kind !== 'functionBlock')
          this.report('ST2024', d.nameSpan, d.extends, 'a function block');
        else if (base === p) this.report('ST2024', d.nameSpan, d.extends, 'another function block');
        else p.base = base;
      }
      for (const i of d.implements) {
        const itf = this.pous.get(i.toLowerCase()) ?? this.pous.get(tail(i));
        if (!itf) this.unknownType(i, d.nameSpan);
        else if (itf.kind !== 'interface') this.report('ST2024', d.nameSpan, i, 'an interface');
        else p.interfaces.push(itf);
      }
    }
    if (d.kind === 'FunctionBlock' || d.kind === 'Program') {
      for (const m of d.methods) this.declareMethod(p, m);
      for (const pr of d.properties) this.declareProperty(p, pr);
      for (const a of d.actions) {
        const lower = a.name.toLowerCase();
        if (p.actions.has(lower)) {
          this.report('ST2003', a.nameSpan, a.name, p.name);
          continue;
        }
        const sym = this.newPou('action', a.name, a, p.builtin, p.external, p.file);
        sym.parent = p;
        if (p.actions === NO_MEMBERS) p.actions = new Map();
        p.actions.set(lower, sym);
        if (!p.external && !p.builtin) this.bodies.push(sym);
      }
    }
    if (!p.external && !p.builtin) this.bodies.push(p);
  }

  protected resolveInterface(p: PouSymbol, d: InterfaceDecl): void {
    for (const e of d.extends) {
      const base = this.pous.get(e.toLowerCase()) ?? this.pous.get(tail(e));
      if (!base) this.unknownType(e, d.nameSpan);
      else if (base.kind !== 'interface') this.report('ST2024', d.nameSpan, e, 'an interface');
      else p.interfaces.push(base);
    }
    for (const m of d.methods) this.declareMethod(p, m, true);
    for (const pr of d.properties) this.declareProperty(p, pr, true);
  }

  protected declareMethod(owner: PouSymbol, m: MethodDecl, signatureOnly = false): void {
    const lower = m.name.toLowerCase();
    if (owner.methods.has(lower)) {
      this.report('ST2003', m.nameSpan, m.name, owner.name);
      return;
    }
    const sym = this.newPou('method', m.name, m, owner.builtin, owner.external, owner.file);
    sym.parent = owner;
    this.declareVars(sym, m.varBlocks);
    if (m.returnType) sym.returnType = this.resolveType(m.returnType);
    if (owner.methods === NO_MEMBERS) owner.methods = new Map();
    owner.methods.set(lower, sym);
    if (!signatureOnly && !owner.external && !owner.builtin && !m.abstract) this.bodies.push(sym);
  }

  protected declareProperty(owner: PouSymbol, pr: PropertyDecl, signatureOnly = false): void {
    const lower = pr.name.toLowerCase();
    if (owner.properties.has(lower)) {
      this.report('ST2003', pr.nameSpan, pr.name, owner.name);
      return;
    }
    const sym = this.newPou('property', pr.name, pr, owner.builtin, owner.external, owner.file);
    sym.parent = owner;
    sym.returnType = this.resolveType(pr.type);
    if (owner.properties === NO_MEMBERS) owner.properties = new Map();
    owner.properties.set(lower, sym);
    if (signatureOnly || owner.external || owner.builtin) return;
    for (const acc of [pr.get, pr.set]) {
      if (!acc) continue;
      const a = this.newPou('property', pr.name, pr, false, false, owner.file);
      a.parent = owner;
      a.returnType = sym.returnType;
      this.declareVars(a, acc.varBlocks);
      (a as PouSymbol & { accessor?: typeof acc }).accessor = acc;
      this.bodies.push(a);
    }
  }

  protected declareVars(p: PouSymbol, blocks: VarBlock[]): void {
    const saved = this.constPou;
    this.constPou = p;
    try {
      this.declareVarBlocks(p, blocks);
    } finally {
      this.constPou = saved;
    }
  }

  protected declareVarBlocks(p: PouSymbol, blocks: VarBlock[]): void {
    // indexed loops: this runs cold for every POU, where for-of allocates an iterator result per step
    for (let bi = 0; bi < blocks.length; bi++) {
      const b = blocks[bi]!;
      for (let di = 0; di < b.decls.length; di++) {
        const d = b.decls[di]!;
        const type = this.resolveType(d.type);
        for (let ni = 0; ni < d.names.length; ni++) {
          const n = d.names[ni]!;
          const lower = this.lower(n.name);
          if (p.vars.has(lower)) {
            const first = p.vars.get(lower)!;
            this.report('ST2003', n.span, n.name, `${first.decl.span.file}:${first.decl.span.line}`);
            continue;
          }
          const sym: VarSymbol = {
            name: n.name,
            section: b.section,
            type,
            constant: b.constant,
            retain: b.retain,
            persistent: b.persistent,
            decl: d,
            owner: p,
            gvl: undefined,
          };
          p.vars.set(lower, sym);
          if (b.section === 'VAR_INPUT' || b.section === 'VAR_OUTPUT' || b.section === 'VAR_IN_OUT')
            p.params.push(sym);
        }
      }
    }
    // positional order (§6.6.1.4.2: a non-formal call lists the parameters in the order of
    // their declaration): inputs and in-outs as declared — a callee may declare VAR_IN_OUT
    // before VAR_INPUT — then the outputs
    // (a stable sort: a list already in that order, as most are, is left as it is)
    if (outputBeforeInput(p.params))
      p.params.sort((a, b) => Number(a.section === 'VAR_OUTPUT') - Number(b.section === 'VAR_OUTPUT'));
  }

  protected lookupVar(scope: Scope, lower: string): VarSymbol | undefined {
    const own = scope.pou.vars.get(lower);
    if (own) return own;
    for (let p = scope.owner, n = 0; p && n < 64; p = p.base, n++) {
      const v = p.vars.get(lower);
      if (v) return v;
    }
    return undefined;
  }

  protected fbMember(fb: PouSymbol, lower: string): VarSymbol | PouSymbol | undefined {
    // the block's own members first; the walk (a Set and a stack per call) only past them
    const own =
      fb.vars.get(lower) ?? fb.methods.get(lower) ?? fb.properties.get(lower) ?? fb.actions.get(lower);
    if (own || (!fb.base && fb.interfaces.length === 0)) return own;
    const seen = new Set<PouSymbol>();
    const stack = [fb];
    while (stack.length > 0) {
      const p = stack.pop()!;
      if (seen.has(p)) continue;
      seen.add(p);
      const v = p.vars.get(lower) ?? p.methods.get(lower) ?? p.properties.get(lower) ?? p.actions.get(lower);
      if (v) return v;
      if (p.base) stack.push(p.base);
      stack.push(...p.interfaces);
    }
    return undefined;
  }

  protected readonly stdPous = new Map<string, PouSymbol>();
  protected stdPou(up: string): PouSymbol {
    let p = this.stdPous.get(up);
    if (!p) {
      p = this.newPou('function', up, undefined, true, false, undefined);
      this.stdPous.set(up, p);
    }
    return p;
  }

  /** Checks a declaration's initial value (the checks' part; called while globals are declared). */
  protected abstract checkInit(v: VarDecl, scope: Scope | undefined): void;
}

/** The last segment of a dotted name, lower case (`Lib.FB_X` → `fb_x`). */
function tail(name: string): string {
  const lower = name.toLowerCase();
  const dot = lower.lastIndexOf('.');
  return dot >= 0 ? lower.slice(dot + 1) : lower;
}

/**
 * The provisional symbol of a constant named `lower` in `blocks`' VAR CONSTANT
 * blocks (its type is resolved later), for sizing arrays before every
 * declaration is bound.
 */
function constantIn(blocks: VarBlock[], lower: string): VarSymbol | undefined {
  for (const b of blocks) {
    if (!b.constant) continue;
    for (const v of b.decls) {
      if (v.names.some((x) => x.name.toLowerCase() === lower))
        return provisionalConstant(v, lower, b.section);
    }
  }
  return undefined;
}

function provisionalConstant(decl: VarDecl, lower: string, section: VarBlock['section']): VarSymbol {
  return {
    name: lower,
    section,
    type: T_ERROR,
    constant: true,
    retain: false,
    persistent: false,
    decl,
    owner: undefined,
    gvl: undefined,
  };
}
