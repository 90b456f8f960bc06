/**
 * The simulator's view of a project: every declaration indexed by its
 * case-folded name (IEC 61131-3 §6.1.2), types resolved to {@link SimType},
 * and the memory layout of programs, function blocks, structures and globals
 * with mangled keys (`f0`, `g3`, ...) — the generated code never sees a user's
 * identifier.
 */
import {
  type ActionDecl,
  type CallArgument,
  type CheckedProject,
  type CompilationUnit,
  type ConfigurationDecl,
  type DeclaredName,
  type EnumType,
  type Expression,
  type FunctionBlockDecl,
  type FunctionDecl,
  type Initializer,
  type InterfaceDecl,
  type MethodDecl,
  type PouSymbol,
  type ProgramDecl,
  type PropertyDecl,
  type Span,
  STANDARD_FB_SOURCE,
  type StructType,
  type TypeDecl,
  type TypeSpec,
  type UnionType,
  type VarBlock,
  type VarSection,
  type VarSymbol,
} from '../iec';
import { SIM_ERROR_CODES, SimError } from './sim-errors';
import {
  DEFAULT_STRING_LENGTH,
  elem,
  elementaryName,
  type IntegerTypeName,
  isIntegerName,
  type SimType,
} from './sim-types';
import { isStdFb } from './std-fbs';

/** Names of the standard FBs the checker declares (`STANDARD_FB_SOURCE`). */
const STANDARD_FB_NAMES = new Set(
  [...STANDARD_FB_SOURCE.matchAll(/^FUNCTION_BLOCK[ \t]+(\w+)/gm)].map((m) => m[1]!.toUpperCase()),
);

/** Members an instance object holds as named properties; a larger one uses integer keys. */
const FAST_MEMBERS = 1000;

/**
 * The key scheme of an object holding `first` members plus those of `blocks`: `f0`, `f1`, …
 * (`prefix`), or, past FAST_MEMBERS, integer keys — V8 keeps an object with more than about
 * 1,020 named properties as a hash table, while integer keys are elements, fast at any count
 * (a plant program with thousands of FB instances, a tag list with thousands of globals).
 */
function memberKeys(blocks: readonly VarBlock[], first: number, prefix: string): (n: number) => string {
  const count = first + blocks.reduce((c, b) => c + b.decls.reduce((k, d) => k + d.names.length, 0), 0);
  return count > FAST_MEMBERS ? (n) => String(n) : (n) => `${prefix}${n}`;
}

/** A compile-time constant. */
export type ConstValue = number | bigint | boolean | string;

/** One declared variable with its place in memory. */
export interface VarInfo {
  /** The name as declared. */
  name: string;
  /** The mangled property key in the owning object. */
  key: string;
  type: SimType;
  section: VarSection;
  retain: boolean;
  constant: boolean;
  init?: Initializer;
  span: Span;
  /** File of the declaration. */
  file: string;
  /** Area of a located variable (`AT %IX0.0` → 'I'), §6.5.5. */
  area?: 'I' | 'Q' | 'M';
  /** Where it lives: the globals object, an instance object, or a call frame. */
  store: VarStore;
  /** FB_init arguments of the declaration (TwinCAT, CODESYS): `fb : FB_X(a := 1);`. */
  constructorArgs?: CallArgument[];
  /** FB_init arguments per element of an array of FBs: `afb : ARRAY[1..2] OF FB_X[(a := 1), (a := 2)];`. */
  elementConstructorArgs?: CallArgument[][];
}

/** Where a variable lives in the generated code. */
export type VarStore = 'global' | 'member' | 'frame';

/** A method (or property accessor) with the key under which the class table holds it. */
export interface MethodInfo {
  name: string;
  key: string;
  decl: MethodDecl;
  owner: PouLayout;
}

/** The layout of a PROGRAM or FUNCTION_BLOCK instance. */
export interface PouLayout {
  kind: 'program' | 'fb';
  name: string;
  /** Case-folded name: the key of the layout. */
  id: string;
  /** Index used in generated names (`B3`, `N3`). */
  index: number;
  decl: ProgramDecl | FunctionBlockDecl;
  file: string;
  parent?: PouLayout;
  vars: VarInfo[];
  byName: Map<string, VarInfo>;
  methods: Map<string, MethodInfo>;
  properties: Map<string, { name: string; type: SimType; decl: PropertyDecl; owner: PouLayout; key: string }>;
  actions: Map<string, { decl: ActionDecl; key: string; owner: PouLayout }>;
  interfaces: string[];
}

function lower(s: string): string {
  return s.toLowerCase();
}

function spanLoc(span: Span) {
  return { file: span.file, line: span.line, column: span.column };
}

/** Builds and holds the project index. */
export class ProjectModel {
  readonly units: CompilationUnit[];
  readonly functions = new Map<string, { decl: FunctionDecl; file: string; index: number }>();
  readonly fbDecls = new Map<string, { decl: FunctionBlockDecl | ProgramDecl; file: string }>();
  readonly interfaces = new Map<string, InterfaceDecl>();
  readonly typeDecls = new Map<string, { decl: TypeDecl; file: string }>();
  readonly configurations: { decl: ConfigurationDecl; file: string }[] = [];
  readonly globals = new Map<string, VarInfo>();
  /** GVL name → its variables (for `GVL.x`). */
  readonly gvls = new Map<string, Map<string, VarInfo>>();
  /** Unqualified enum member → candidates. */
  readonly enumMembers = new Map<string, { type: SimType & { kind: 'enum' }; value: number }[]>();
  private readonly resolvedTypes = new Map<string, SimType>();
  private readonly resolving = new Set<string>();
  private readonly layouts = new Map<string, PouLayout>();
  private readonly methodKeys = new Map<string, string>();
  private layoutCount = 0;

  /**
   * @param bound the checker's bound model of these units: what names in bodies refer to
   *   (`references`), declared types (array bounds, string lengths) and constants are read
   *   from it, not resolved or folded again.
   */
  constructor(
    units: CompilationUnit[],
    readonly bound: CheckedProject,
  ) {
    this.units = units;
    let fnIndex = 0;
    for (const u of units) {
      for (const d of u.declarations) {
        switch (d.kind) {
          case 'Function':
            this.functions.set(lower(d.name), { decl: d, file: u.file, index: fnIndex++ });
            break;
          case 'FunctionBlock':
          case 'Program':
            this.fbDecls.set(lower(d.name), { decl: d, file: u.file });
            break;
          case 'Interface':
            this.interfaces.set(lower(d.name), d);
            break;
          case 'TypeBlock':
            for (const t of d.types) this.typeDecls.set(lower(t.name), { decl: t, file: u.file });
            break;
          case 'Configuration':
            this.configurations.push({ decl: d, file: u.file });
            break;
          case 'GlobalVarList':
            break;
        }
      }
    }
    // Globals after all types are known: their types may name any of them.
    const globalBlocks: { b: VarBlock; file: string; gvl?: string }[] = [];
    for (const u of units) {
      for (const d of u.declarations) {
        const blocks: { blocks: VarBlock[]; gvl?: string }[] = [];
        if (d.kind === 'GlobalVarList')
          blocks.push({ blocks: d.varBlocks, ...(d.name ? { gvl: d.name } : {}) });
        if (d.kind === 'Configuration') {
          blocks.push({ blocks: d.varBlocks });
          for (const r of d.resources) blocks.push({ blocks: r.varBlocks });
        }
        for (const { blocks: bs, gvl } of blocks)
          for (const b of bs)
            if (b.section === 'VAR_GLOBAL') globalBlocks.push({ b, file: u.file, ...(gvl ? { gvl } : {}) });
      }
    }
    let g = 0;
    const key = memberKeys(
      globalBlocks.map((x) => x.b),
      0,
      'g',
    );
    for (const { b, file, gvl } of globalBlocks) {
      for (const v of this.varInfos(b, file, () => key(g++), 'global')) {
        this.globals.set(lower(v.name), v);
        if (gvl) {
          const m = this.gvls.get(lower(gvl)) ?? new Map<string, VarInfo>();
          m.set(lower(v.name), v);
          this.gvls.set(lower(gvl), m);
        }
      }
    }
    // Enumerations are resolved eagerly so unqualified members are known.
    for (const [name, { decl }] of this.typeDecls) if (decl.type.kind === 'EnumType') this.namedType(name);
  }

  /**
   * The VarInfos of a block, keys from `nextKey`. Each is registered under its declared
   * name node, which is how {@link slotOf} finds it from the checker's resolved reference.
   */
  varInfos(b: VarBlock, file: string, nextKey: () => string, store: VarStore): VarInfo[] {
    const out: VarInfo[] = [];
    for (const d of b.decls) {
      const declared = this.resolveTypeSpec(d.type);
      // §6.5.1.2: VAR_IN_OUT is passed by reference; it is used without `^`.
      const type: SimType =
        b.section === 'VAR_IN_OUT' ? { kind: 'ref', target: declared, implicit: true } : declared;
      for (const n of d.names) {
        out.push({
          name: n.name,
          key: nextKey(),
          type,
          section: b.section,
          retain: b.retain || b.persistent,
          constant: b.constant,
          ...(d.init ? { init: d.init } : {}),
          span: n.span,
          file,
          ...(d.location ? { area: d.location.area } : {}),
          store,
          ...(d.constructorArgs ? { constructorArgs: d.constructorArgs } : {}),
          ...(d.elementConstructorArgs ? { elementConstructorArgs: d.elementConstructorArgs } : {}),
        });
        this.slots.set(n, out[out.length - 1] as VarInfo);
      }
    }
    return out;
  }

  /** Declared name node → its slot (a frame's slots are those of the body generated last). */
  private readonly slots = new Map<DeclaredName, VarInfo>();

  /**
   * The memory slot of a variable the checker resolved a name to (`CheckedProject.references`):
   * found through the declaration's name node, so no name is looked up again. A VAR_EXTERNAL
   * names a global (§6.5.1), which is its slot.
   */
  slotOf(sym: VarSymbol): VarInfo | undefined {
    if (sym.section === 'VAR_EXTERNAL') return this.globals.get(lower(sym.name));
    const l = lower(sym.name);
    const node = sym.decl.names.find((n) => lower(n.name) === l);
    return node ? this.slots.get(node) : undefined;
  }

  /** The mangled key of a method or property name (one table for the project, so overrides share it). */
  methodKey(name: string): string {
    const l = lower(name);
    let k = this.methodKeys.get(l);
    if (!k) {
      k = `m${this.methodKeys.size}`;
      this.methodKeys.set(l, k);
    }
    return k;
  }

  /** The layout of a PROGRAM or FUNCTION_BLOCK, or undefined. */
  layout(name: string): PouLayout | undefined {
    const id = lower(name);
    const cached = this.layouts.get(id);
    if (cached) return cached;
    const entry = this.fbDecls.get(id);
    if (!entry) return undefined;
    const { decl, file } = entry;
    let parent: PouLayout | undefined;
    if (decl.kind === 'FunctionBlock' && decl.extends) {
      if (this.resolving.has(`layout:${id}`)) {
        throw new SimError(
          SIM_ERROR_CODES.UNSUPPORTED,
          `inheritance cycle at ${decl.name}`,
          spanLoc(decl.span),
        );
      }
      this.resolving.add(`layout:${id}`);
      parent = this.layout(decl.extends);
      this.resolving.delete(`layout:${id}`);
      if (!parent) {
        throw new SimError(
          SIM_ERROR_CODES.UNKNOWN_NAME,
          `base function block ${decl.extends} not found`,
          spanLoc(decl.span),
        );
      }
    }
    const vars: VarInfo[] = parent ? [...parent.vars] : [];
    const layout: PouLayout = {
      kind: decl.kind === 'Program' ? 'program' : 'fb',
      name: decl.name,
      id,
      index: this.layoutCount++,
      decl,
      file,
      ...(parent ? { parent } : {}),
      vars,
      byName: new Map(parent?.byName ?? []),
      methods: new Map(parent?.methods ?? []),
      properties: new Map(parent?.properties ?? []),
      actions: new Map(parent?.actions ?? []),
      interfaces: [
        ...(parent?.interfaces ?? []),
        ...(decl.kind === 'FunctionBlock' ? decl.implements : []),
      ].map(lower),
    };
    // Registered before member types resolve, so an FB may hold a pointer to its own type.
    this.layouts.set(id, layout);
    let n = vars.length;
    // VAR_TEMP lives in the call frame; VAR_EXTERNAL names a global (§6.5.1), not a member.
    const blocks = decl.varBlocks.filter((b) => b.section !== 'VAR_TEMP' && b.section !== 'VAR_EXTERNAL');
    const key = memberKeys(blocks, n, 'f');
    for (const b of blocks) {
      for (const v of this.varInfos(b, file, () => key(n++), 'member')) {
        vars.push(v);
        layout.byName.set(lower(v.name), v);
      }
    }
    for (const m of decl.methods) {
      layout.methods.set(lower(m.name), {
        name: m.name,
        key: this.methodKey(m.name),
        decl: m,
        owner: layout,
      });
    }
    for (const p of decl.properties) {
      layout.properties.set(lower(p.name), {
        name: p.name,
        type: this.resolveTypeSpec(p.type),
        decl: p,
        owner: layout,
        key: this.methodKey(p.name),
      });
    }
    for (const a of decl.actions) {
      layout.actions.set(lower(a.name), { decl: a, key: this.methodKey(`action ${a.name}`), owner: layout });
    }
    return layout;
  }

  /** Every layout reachable so far (after compilation: all used ones). */
  allLayouts(): PouLayout[] {
    return [...this.layouts.values()];
  }

  /** True when `name` is an FB (user or standard) or program type. */
  isFbType(name: string): boolean {
    return this.fbDecls.has(lower(name)) || isStdFb(name.toUpperCase());
  }

  /** Resolves a user or elementary type name. */
  namedType(name: string, span?: Span): SimType {
    const el = elementaryName(name);
    if (el) return el === 'STRING' || el === 'WSTRING' ? elem(el, DEFAULT_STRING_LENGTH) : elem(el);
    const upper = name.toUpperCase();
    if (isStdFb(upper)) return { kind: 'fb', name: upper };
    const id = lower(name);
    if (this.fbDecls.has(id)) return { kind: 'fb', name: id };
    if (this.interfaces.has(id)) return { kind: 'iface', name: id };
    const cached = this.resolvedTypes.get(id);
    if (cached) return cached;
    const td = this.typeDecls.get(id);
    if (!td && STANDARD_FB_NAMES.has(upper)) {
      // a standard FB the checker knows without an implementation in std-fbs.ts (none today: a
      // guard for one the checker adds before the simulator has its body)
      throw new SimError(
        SIM_ERROR_CODES.UNSUPPORTED,
        `standard function block ${upper} is not simulated`,
        span ? spanLoc(span) : undefined,
      );
    }
    if (!td) {
      throw new SimError(
        SIM_ERROR_CODES.UNKNOWN_NAME,
        `unknown type ${name}`,
        span ? spanLoc(span) : undefined,
      );
    }
    if (this.resolving.has(id)) {
      throw new SimError(SIM_ERROR_CODES.UNSUPPORTED, `type ${name} contains itself`, spanLoc(td.decl.span));
    }
    this.resolving.add(id);
    try {
      const t = this.resolveTypeSpec(td.decl.type, td.decl.name);
      this.resolvedTypes.set(id, t);
      return t;
    } finally {
      this.resolving.delete(id);
    }
  }

  /** Resolves a type as written. `declName` names enums and structs declared in a TYPE block. */
  resolveTypeSpec(spec: TypeSpec, declName?: string): SimType {
    switch (spec.kind) {
      case 'NamedType':
        return this.namedType(spec.name, spec.span);
      case 'StringType': {
        const known = this.bound.typeOfSpec(spec);
        const len =
          known?.kind === 'string' && spec.length
            ? known.length
            : spec.length
              ? this.constInt(spec.length)
              : DEFAULT_STRING_LENGTH;
        return elem(spec.wide ? 'WSTRING' : 'STRING', len);
      }
      case 'ArrayType': {
        const known = this.bound.typeOfSpec(spec);
        const dims = spec.dimensions.map((d, i) => {
          if (d.star || !d.low || !d.high) {
            throw new SimError(SIM_ERROR_CODES.UNSUPPORTED, 'ARRAY[*] is not simulated', spanLoc(d.span));
          }
          const b = known?.kind === 'array' && known.dims !== 'star' ? known.dims[i] : undefined;
          return b ? { lo: b.low, hi: b.high } : { lo: this.constInt(d.low), hi: this.constInt(d.high) };
        });
        return { kind: 'array', elem: this.resolveTypeSpec(spec.elementType), dims };
      }
      case 'PointerType':
        return { kind: 'ref', target: this.pointerTarget(spec.target), implicit: false };
      case 'ReferenceType':
        return { kind: 'ref', target: this.pointerTarget(spec.target), implicit: true };
      case 'SubrangeType':
        // §6.4.4.4: a subrange holds its base type's values; range checks are the checker's.
        return this.namedType(spec.base.name, spec.base.span);
      case 'EnumType':
        return this.enumType(spec, declName ?? 'enum');
      case 'StructType':
        return this.structType(spec, declName ?? 'struct');
      case 'UnionType':
        return this.structType(spec, declName ?? 'union');
    }
  }

  private pointerTarget(spec: TypeSpec): SimType {
    // A pointer to an FB or struct type that is being resolved is fine: the target is only a name then.
    if (spec.kind === 'NamedType') {
      const id = lower(spec.name);
      if (this.resolving.has(id)) return { kind: 'struct', name: spec.name, fields: [] };
    }
    return this.resolveTypeSpec(spec);
  }

  private enumType(spec: EnumType, name: string): SimType {
    const baseName = spec.baseType ? elementaryName(spec.baseType.name) : 'INT';
    const base: IntegerTypeName = baseName && isIntegerName(baseName) ? baseName : 'INT';
    const members: { name: string; value: number }[] = [];
    let next = 0;
    const t: SimType & { kind: 'enum' } = { kind: 'enum', name, members, base };
    // the binder's values (members may name earlier members: `B := A + 1`)
    const known = this.bound.typeOfSpec(spec) ?? this.bound.lookupType(name);
    for (const v of spec.values) {
      const bound = known?.kind === 'enum' ? known.values.get(lower(v.name))?.value : undefined;
      const value = bound !== undefined ? Number(bound) : v.value ? this.constInt(v.value) : next;
      members.push({ name: v.name, value });
      next = value + 1;
      const list = this.enumMembers.get(lower(v.name)) ?? [];
      list.push({ type: t, value });
      this.enumMembers.set(lower(v.name), list);
    }
    return t;
  }

  private structType(spec: StructType | UnionType, name: string): SimType {
    const fields: { name: string; type: SimType; init?: Initializer }[] = [];
    if (spec.kind === 'StructType' && spec.extends) {
      const base = this.namedType(spec.extends, spec.span);
      if (base.kind === 'struct') fields.push(...base.fields);
    }
    for (const m of spec.members) {
      const type = this.resolveTypeSpec(m.type);
      for (const n of m.names) fields.push({ name: n.name, type, ...(m.init ? { init: m.init } : {}) });
    }
    return { kind: 'struct', name, fields };
  }

  private symbols: Map<object, PouSymbol> | undefined;

  /** The checker's symbol of a POU, method, action or property declaration. */
  pouSymbol(decl: object): PouSymbol | undefined {
    if (!this.symbols) {
      this.symbols = new Map();
      for (const p of this.bound.pous.values()) {
        if (p.decl) this.symbols.set(p.decl, p);
        for (const m of [...p.methods.values(), ...p.actions.values(), ...p.properties.values()])
          if (m.decl && !this.symbols.has(m.decl)) this.symbols.set(m.decl, m);
      }
    }
    return this.symbols.get(decl);
  }

  /**
   * An integer constant expression (array bounds, string lengths, bit numbers, repeat counts),
   * evaluated by the bound model's one evaluator with names as in `pou`.
   */
  constInt(e: Expression, pou?: PouSymbol): number {
    const v = this.bound.constantOf(e, pou);
    if (typeof v === 'number' && Number.isInteger(v)) return v;
    if (typeof v === 'bigint') return Number(v);
    throw new SimError(SIM_ERROR_CODES.UNSUPPORTED, 'expected an integer constant', spanLoc(e.span));
  }
}
