/**
 * Resolves the names of a site safety policy to declared variables of one
 * program version. Matching is case-insensitive like ST (IEC 61131-3 §6.1.2);
 * `PROGRAM.var` names exactly one program variable, a plain name denotes the
 * global of that name, or else every program variable of that name.
 * `Global.member` (`IO.Press_Valve`: a member of a Siemens data block, a global
 * structure or an FB instance) denotes the global whose member it is, once
 * every step of the path is a declared member. A name that resolves to nothing
 * is reported: the verifier fails closed on it.
 */
import type { SitePolicy } from '@plcfleet/protocols';
import type { TypeSpec, VarDecl } from '../iec';
import type { ProjectIndex, VarEntry } from './project-index';

/** What a policy name is protected as. */
export type SignalRole = 'estop' | 'safety' | 'permissive';

/** A policy name and the variables it denotes in one program version. */
export interface ResolvedSignal {
  /** The name as written in the policy. */
  name: string;
  role: SignalRole;
  vars: VarEntry[];
}

/** Outcome of {@link resolvePolicy}. */
export interface PolicyResolution {
  signals: ResolvedSignal[];
  /** Policy names that denote no declared variable. */
  unresolved: { name: string; role: SignalRole }[];
  /** Certified POU names that denote no POU. */
  unresolvedPous: string[];
}

/** The variables a policy name denotes (empty when none). */
export function resolveSignalName(index: ProjectIndex, name: string): VarEntry[] {
  const dot = name.indexOf('.');
  if (dot > 0) {
    const owner = name.slice(0, dot).toLowerCase();
    const member = name.slice(dot + 1).toLowerCase();
    const pou = index.pous.get(owner);
    if (pou && pou.kind === 'Program') {
      const v = pou.vars.get(member);
      return v ? [v] : [];
    }
    if (index.gvlNames.has(owner)) {
      const g = index.globals.get(member);
      return g ? [g] : [];
    }
    const g = index.globals.get(owner);
    return g && memberPathExists(index, g.decl.type, member.split('.')) ? [g] : [];
  }
  const lname = name.toLowerCase();
  const g = index.globals.get(lname);
  if (g) return [g];
  const out: VarEntry[] = [];
  for (const pou of index.pous.values()) {
    if (pou.kind !== 'Program') continue;
    const v = pou.vars.get(lname);
    if (v && v.section !== 'VAR_TEMP') out.push(v);
  }
  return out;
}

/**
 * True when `path` names a member, member of a member, ... of a value of type
 * `type`: a structure (inline, or a TYPE/UDT by name) or a function block
 * instance (an SCL instance DB). The verifier's variables are whole globals,
 * so the member is protected as its global: every write to the data block
 * counts (more is protected, never less).
 */
function memberPathExists(index: ProjectIndex, type: TypeSpec, path: readonly string[]): boolean {
  if (path.length === 0) return true;
  const [head, ...rest] = path as [string, ...string[]];
  if (type.kind === 'StructType') {
    const m = findMember(type.members, head);
    return m !== undefined && memberPathExists(index, m.type, rest);
  }
  if (type.kind !== 'NamedType') return false;
  // an SCL type name keeps its quotes (`"IO"`); a policy names it without them
  const tname = type.name.replace(/"/g, '').toLowerCase();
  const fb = index.pous.get(tname);
  if (fb) {
    if (fb.kind !== 'FunctionBlock') return false;
    const v = fb.vars.get(head.toLowerCase());
    return v !== undefined && v.section !== 'VAR_TEMP' && memberPathExists(index, v.decl.type, rest);
  }
  for (const u of index.units)
    for (const d of u.declarations) {
      if (d.kind !== 'TypeBlock') continue;
      const t = d.types.find((x) => x.name.replace(/"/g, '').toLowerCase() === tname);
      if (t) return t.type.kind === 'StructType' && memberPathExists(index, t.type, path);
    }
  return false;
}

function findMember(members: readonly VarDecl[], name: string): VarDecl | undefined {
  const lname = name.toLowerCase();
  return members.find((m) => m.names.some((n) => n.name.toLowerCase() === lname));
}

/** Resolves every name of a policy in one program version. */
export function resolvePolicy(index: ProjectIndex, policy: SitePolicy): PolicyResolution {
  const signals: ResolvedSignal[] = [];
  const unresolved: PolicyResolution['unresolved'] = [];
  const lists: [SignalRole, readonly string[]][] = [
    ['estop', policy.emergencyStops],
    ['safety', policy.safetySignals],
    ['permissive', policy.permissives],
  ];
  for (const [role, names] of lists)
    for (const name of names) {
      const vars = resolveSignalName(index, name);
      if (vars.length === 0) unresolved.push({ name, role });
      else signals.push({ name, role, vars });
    }
  const unresolvedPous = policy.certifiedPous
    .filter((c) => !index.pous.has(c.name.toLowerCase()))
    .map((c) => c.name);
  return { signals, unresolved, unresolvedPous };
}
