/**
 * The safety verifier's index of one program version: POUs, declared
 * variables with scope keys, and every "atom" (an assignment, a call statement
 * or a control transfer) with the variables it reads and writes, including the
 * control dependence on the conditions that enclose it.
 *
 * Variable keys are `global::name` or `<pou>::name` (method and accessor
 * locals: `<pou>.<method>::name`), all case-folded (IEC 61131-3 §6.1.2).
 */
import type {
  AssignmentOperator,
  AssignmentStatement,
  CallArgument,
  CheckedProject,
  CompilationUnit,
  Expression,
  Identifier,
  Initializer,
  Pou,
  Statement,
  VarBlock,
  VarDecl,
  VarSection,
} from '../iec';
import { checkProject, controlExpressions, pouBodies, unparen, walkExpression, walkStatements } from '../iec';

/** One declared variable. */
export interface VarEntry {
  key: string;
  name: string;
  /** `global`, or the case-folded POU (or `pou.method`) that declares it. */
  scope: string;
  section: VarSection;
  constant: boolean;
  decl: VarDecl;
  /** Case-folded type name when the type is a plain name (`bool`, `ton`, `safetycore`). */
  typeName?: string;
  file: string;
}

/** One POU (PROGRAM, FUNCTION_BLOCK or FUNCTION). */
export interface PouEntry {
  name: string;
  id: string;
  kind: Pou['kind'];
  decl: Pou;
  file: string;
  vars: Map<string, VarEntry>;
}

/** One body a POU executes (its own body, a method, an accessor or an action). */
export interface BodyEntry {
  label: string;
  pou: PouEntry;
  /** Scope of its own locals (methods and accessors have their own). */
  localScope: string;
  statements: Statement[];
}

/** A statement that reads and writes variables: an assignment, a call, or a control transfer. */
export interface Atom {
  stmt: Statement;
  body: BodyEntry;
  parents: readonly Statement[];
  writes: string[];
  reads: string[];
  /** Case-folded POU names this statement runs (functions, FB types of called instances). */
  calls: string[];
  /** Position in the scan within its body (execution order of the text). */
  order: number;
}

/**
 * Every target an assignment writes with its operator: the target, then the further targets of
 * a line of several set/resets (`a S= b R= c;`, `moreTargets`), each of which takes the same
 * operand with its own operator. Rules that look at what a statement writes read this, never
 * `target` alone, or a write on such a line goes unseen.
 */
export function assignmentTargets(
  s: AssignmentStatement,
): { operator: AssignmentOperator; target: Expression }[] {
  return [{ operator: s.operator, target: s.target }, ...(s.moreTargets ?? [])];
}

/** Pseudo-variable written by RETURN/EXIT/JMP/CONTINUE of a body: every atom of the body depends on it. */
export function controlKey(body: BodyEntry): string {
  return `ctl::${body.label.toLowerCase()}`;
}

const STATEMENT_ATOMS = new Set([
  'Assignment',
  'CallStatement',
  'Return',
  'Exit',
  'Continue',
  'Jump',
  'Label',
]);

/** The identifier at the root of an lvalue: `a` of `a`, `a.b[i].c`, `a^` (undefined for `THIS^.x` and the like). */
function rootNode(e: Expression): Identifier | undefined {
  let x = unparen(e);
  for (;;) {
    if (x.kind === 'Identifier') return x;
    if (x.kind === 'Member' || x.kind === 'Index' || x.kind === 'BitAccess') x = unparen(x.object);
    else if (x.kind === 'Deref') x = unparen(x.operand);
    else return undefined;
  }
}

/** Index of one program version. */
export class ProjectIndex {
  readonly units: readonly CompilationUnit[];
  readonly pous = new Map<string, PouEntry>();
  readonly globals = new Map<string, VarEntry>();
  /** Every variable by key. */
  readonly vars = new Map<string, VarEntry>();
  readonly bodies: BodyEntry[] = [];
  readonly atoms: Atom[] = [];
  readonly atomOf = new Map<Statement, Atom>();
  /** Writers of each variable key. */
  readonly writers = new Map<string, Atom[]>();
  /** Enclosing compound statement of each statement. */
  readonly parentOf = new Map<Statement, Statement | undefined>();
  readonly bodyOf = new Map<Statement, BodyEntry>();
  /** Names of GVLs (for `GVL.x`). */
  readonly gvlNames = new Set<string>();
  private readonly atomsByPou = new Map<string, Atom[]>();
  private readonly varsByPou = new Map<string, VarEntry[]>();
  /** Entries by declaration and case-folded name: where the bound model's references land. */
  private readonly byDecl = new Map<VarDecl, Map<string, VarEntry>>();

  /** The checker's bound model of the units: what every name refers to. */
  private readonly model: CheckedProject;

  /**
   * @param model the checker's bound model of the same units (checked here when not given):
   *   every name is what it resolved it to (the one meaning of a program); the index has no
   *   scopes of its own.
   */
  constructor(units: readonly CompilationUnit[], model?: CheckedProject) {
    this.units = units;
    this.model = model ?? checkProject([...units]).checked;
    for (const u of units)
      for (const d of u.declarations) {
        if (d.kind === 'Program' || d.kind === 'FunctionBlock' || d.kind === 'Function') {
          const id = d.name.toLowerCase();
          const entry: PouEntry = { name: d.name, id, kind: d.kind, decl: d, file: u.file, vars: new Map() };
          this.pous.set(id, entry);
          this.addBlocks(d.varBlocks, id, u.file, entry.vars);
          if (d.kind !== 'Function') {
            for (const m of d.methods) this.addBlocks(m.varBlocks, `${id}.${m.name.toLowerCase()}`, u.file);
            for (const p of d.properties) {
              if (p.get) this.addBlocks(p.get.varBlocks, `${id}.${p.name.toLowerCase()}.get`, u.file);
              if (p.set) this.addBlocks(p.set.varBlocks, `${id}.${p.name.toLowerCase()}.set`, u.file);
            }
          }
        } else if (d.kind === 'GlobalVarList') {
          if (d.name) this.gvlNames.add(d.name.toLowerCase());
          this.addBlocks(d.varBlocks, 'global', u.file, this.globals);
        } else if (d.kind === 'Configuration') {
          this.addBlocks(d.varBlocks, 'global', u.file, this.globals);
          for (const r of d.resources) this.addBlocks(r.varBlocks, 'global', u.file, this.globals);
        }
      }
    for (const pou of this.pous.values())
      for (const b of pouBodies(pou.decl)) {
        const body: BodyEntry = {
          label: b.label,
          pou,
          localScope: b.ownerOfLocals.toLowerCase(),
          statements: b.body,
        };
        this.bodies.push(body);
        this.indexBody(body);
      }
  }

  private addBlocks(
    blocks: readonly VarBlock[],
    scope: string,
    file: string,
    into?: Map<string, VarEntry>,
  ): void {
    for (const b of blocks)
      for (const decl of b.decls)
        for (const n of decl.names) {
          const lname = n.name.toLowerCase();
          // VAR_EXTERNAL names a global: it is the global's key, not a new variable.
          if (b.section === 'VAR_EXTERNAL') continue;
          const entry: VarEntry = {
            key: `${scope}::${lname}`,
            name: n.name,
            scope,
            section: b.section,
            constant: b.constant,
            decl,
            ...(decl.type.kind === 'NamedType' ? { typeName: decl.type.name.toLowerCase() } : {}),
            file,
          };
          this.vars.set(entry.key, entry);
          into?.set(lname, entry);
          let names = this.byDecl.get(decl);
          if (!names) this.byDecl.set(decl, (names = new Map()));
          names.set(lname, entry);
          if (scope !== 'global') {
            const pou = scope.split('.')[0]!;
            const list = this.varsByPou.get(pou);
            if (list) list.push(entry);
            else this.varsByPou.set(pou, [entry]);
          }
        }
  }

  /**
   * The variable the bound model resolved a name (`x`, or the `x` of `Prog.x`/`GVL.x`) to, when
   * it is one the index holds; a VAR_EXTERNAL is the global it names (§6.5.1).
   */
  varOf(x: Expression): VarEntry | undefined {
    const ref = this.model.references.get(x);
    if (!ref || !('section' in ref)) return undefined;
    if (ref.section === 'VAR_EXTERNAL') return this.globals.get(ref.name.toLowerCase());
    return this.byDecl.get(ref.decl)?.get(ref.name.toLowerCase());
  }

  /** The variable an expression reads or writes as a whole (`x`, `Prog.x`, `GVL.x`), or its root (`a` of `a.b[i]`). */
  resolveRoot(e: Expression): VarEntry | undefined {
    const x = unparen(e);
    if (x.kind === 'Member') {
      const obj = unparen(x.object);
      // `Prog.x`, `GVL.x`: the member is the variable; `inst.x`: the instance is
      if (obj.kind === 'Identifier' && !this.varOf(obj)) {
        const v = this.varOf(x);
        if (v) return v;
      }
    }
    const root = rootNode(x);
    return root ? this.varOf(root) : undefined;
  }

  /** Keys of every variable an expression reads, and the POUs it calls. */
  readsOf(e: Expression, reads: Set<string>, calls: Set<string>): void {
    walkExpression(e, (x) => {
      if (x.kind === 'Identifier') {
        const v = this.varOf(x);
        if (v) reads.add(v.key);
      } else if (x.kind === 'Member') {
        const v = this.resolveRoot(x);
        if (v) reads.add(v.key);
      } else if (x.kind === 'Call') {
        const callee = this.calleePou(x.callee);
        if (callee) calls.add(callee);
      }
    });
  }

  /** Case-folded name of the user POU a callee runs: a function, or the FB type of an instance / method owner. */
  calleePou(callee: Expression): string | undefined {
    const c = unparen(callee);
    if (c.kind === 'Identifier') {
      const v = this.varOf(c);
      if (v) return v.typeName && this.pous.has(v.typeName) ? v.typeName : undefined;
      const ref = this.model.references.get(c);
      const id = ref && !('section' in ref) ? ref.name.toLowerCase() : undefined;
      return id && this.pous.has(id) ? id : undefined;
    }
    const v = this.resolveRoot(c);
    return v?.typeName && this.pous.has(v.typeName) ? v.typeName : undefined;
  }

  /** Keys an initialiser reads (constants, other variables). */
  initReads(init: Initializer | undefined, reads: Set<string>): void {
    if (!init) return;
    const calls = new Set<string>();
    const visit = (i: Initializer): void => {
      if (i.kind === 'ArrayInitializer') {
        for (const el of i.elements) {
          if (el.repeat) this.readsOf(el.repeat, reads, calls);
          if (el.value) visit(el.value);
        }
      } else if (i.kind === 'StructInitializer') {
        for (const f of i.fields) visit(f.value);
      } else this.readsOf(i, reads, calls);
    };
    visit(init);
  }

  /** Every variable declared in a POU or its methods and accessors. */
  varsOfPou(id: string): readonly VarEntry[] {
    return this.varsByPou.get(id) ?? [];
  }

  private indexBody(body: BodyEntry): void {
    let order = 0;
    const ctl = controlKey(body);
    walkStatements(body.statements, (s, parents) => {
      this.parentOf.set(s, parents[parents.length - 1]);
      this.bodyOf.set(s, body);
      if (!STATEMENT_ATOMS.has(s.kind)) return;
      const reads = new Set<string>([ctl]);
      const writes = new Set<string>();
      const calls = new Set<string>();
      for (const p of parents) {
        for (const e of controlExpressions(p)) this.readsOf(e, reads, calls);
        if (p.kind === 'For') this.readsOf(p.variable, reads, calls);
      }
      this.atomEffects(s, reads, writes, calls);
      if (s.kind === 'Return' || s.kind === 'Exit' || s.kind === 'Continue' || s.kind === 'Jump')
        writes.add(ctl);
      const atom: Atom = {
        stmt: s,
        body,
        parents: [...parents],
        writes: [...writes],
        reads: [...reads],
        calls: [...calls],
        order: order++,
      };
      this.atoms.push(atom);
      this.atomOf.set(s, atom);
      for (const w of writes) {
        const list = this.writers.get(w);
        if (list) list.push(atom);
        else this.writers.set(w, [atom]);
      }
    });
    // A FOR loop writes its control variable.
    walkStatements(body.statements, (s) => {
      if (s.kind !== 'For') return;
      const v = this.varOf(s.variable);
      if (!v) return;
      const reads = new Set<string>([ctl]);
      const calls = new Set<string>();
      for (const e of controlExpressions(s)) this.readsOf(e, reads, calls);
      const atom: Atom = {
        stmt: s,
        body,
        parents: [],
        writes: [v.key],
        reads: [...reads],
        calls: [...calls],
        order,
      };
      this.atoms.push(atom);
      const list = this.writers.get(v.key);
      if (list) list.push(atom);
      else this.writers.set(v.key, [atom]);
    });
  }

  private atomEffects(s: Statement, reads: Set<string>, writes: Set<string>, calls: Set<string>): void {
    if (s.kind === 'Assignment') {
      this.readsOf(s.value, reads, calls);
      this.inOutWritesIn(s.value, writes);
      for (const { operator, target: written } of assignmentTargets(s)) {
        const target = this.resolveRoot(written);
        const t = unparen(written);
        if (target) writes.add(target.key);
        // A partial write (field, element, bit) or a set/reset keeps the rest of the old value.
        if (t.kind !== 'Identifier' || operator === 'S=' || operator === 'R=') {
          if (target) reads.add(target.key);
          if (t.kind !== 'Identifier') this.readsOf(t, reads, calls);
        }
      }
    } else if (s.kind === 'CallStatement') {
      const call = s.call;
      const callee = unparen(call.callee);
      const inst = callee.kind === 'Identifier' ? this.varOf(callee) : this.resolveRoot(callee);
      if (inst) {
        // An FB call updates the instance from its inputs and its own state.
        writes.add(inst.key);
        reads.add(inst.key);
      }
      const pou = this.calleePou(callee);
      if (pou) calls.add(pou);
      if (callee.kind !== 'Identifier') this.readsOf(callee, reads, calls);
      const inOut = this.inOutArguments(pou, call.args);
      for (const a of call.args) {
        if (!a.value) continue;
        if (a.direction === 'input') {
          this.readsOf(a.value, reads, calls);
          // `T := RunOn` to a VAR_IN_OUT: the callee reads and writes RunOn itself
          if (inOut.has(a)) {
            const target = this.resolveRoot(a.value);
            if (target) writes.add(target.key);
          }
        } else {
          const out = this.resolveRoot(a.value);
          if (out) writes.add(out.key);
          const v = unparen(a.value);
          if (v.kind !== 'Identifier') this.readsOf(v, reads, calls);
        }
      }
    }
  }

  /** What the function calls inside an expression write through their VAR_IN_OUT parameters. */
  private inOutWritesIn(e: Expression, writes: Set<string>): void {
    walkExpression(e, (x) => {
      if (x.kind !== 'Call') return;
      for (const a of this.inOutArguments(this.calleePou(x.callee), x.args)) {
        const target = a.value && this.resolveRoot(a.value);
        if (target) writes.add(target.key);
      }
    });
  }

  /**
   * The arguments of a call that go to the callee's VAR_IN_OUT parameters, by name or, for a
   * call without names, by position among its inputs and in-outs in declaration order.
   */
  private inOutArguments(pou: string | undefined, args: readonly CallArgument[]): Set<CallArgument> {
    const out = new Set<CallArgument>();
    const entry = pou ? this.pous.get(pou) : undefined;
    if (!entry) return out;
    const params = [...entry.vars.values()].filter(
      (v) => v.scope === entry.id && (v.section === 'VAR_INPUT' || v.section === 'VAR_IN_OUT'),
    );
    let position = 0;
    for (const a of args) {
      const param = a.name
        ? params.find((p) => p.name.toLowerCase() === a.name!.toLowerCase())
        : a.direction === 'input'
          ? params[position++]
          : undefined;
      if (param?.section === 'VAR_IN_OUT' && a.direction === 'input') out.add(a);
    }
    return out;
  }

  /** Every atom of a POU (all its bodies). */
  atomsOfPou(id: string): readonly Atom[] {
    if (this.atomsByPou.size === 0)
      for (const a of this.atoms) {
        const list = this.atomsByPou.get(a.body.pou.id);
        if (list) list.push(a);
        else this.atomsByPou.set(a.body.pou.id, [a]);
      }
    return this.atomsByPou.get(id) ?? [];
  }
}

/** Case-folded key of a name in a scope. */
export function varKey(scope: string, name: string): string {
  return `${scope.toLowerCase()}::${name.toLowerCase()}`;
}
