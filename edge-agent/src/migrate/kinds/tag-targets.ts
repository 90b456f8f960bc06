/**
 * The variables a tag-change migration renames, resolved in the bound model
 * (the one meaning of the program): a global (bare or `GVL.Name`), a PROGRAM
 * variable (bare when only one program declares it, or `Program.Name`), or a
 * member of a function block's interface (`FB_Type.Member`, an HMI faceplate's
 * pin). Every reference of a name comes from the model's resolved references.
 */
import type { SitePolicy, TagChange } from '@plcfleet/protocols';
import type { CheckedProject, PouSymbol, Type, VarDecl, VarSymbol } from '@plcfleet/toolchain/iec';
import { type ProjectIndex, resolveSignalName } from '@plcfleet/toolchain/safety';
import { TagChangeRefused } from './text-edits';

/** One tag change resolved to the variable it renames. */
export interface TagTarget {
  index: number;
  change: TagChange;
  /** The name as declared. */
  name: string;
  /** The new name (last part of `to`). */
  newName: string;
  symbol: VarSymbol;
  /** `VAR_EXTERNAL` declarations of a global in POUs. */
  aliases: VarSymbol[];
  /** Lower-case names that qualify it in text: its GVL, its PROGRAM, or the instances of its function block. */
  qualifiers: Set<string>;
  /** Its function block, when it is a member of one's interface (then only qualified text refers to it). */
  memberOf?: PouSymbol;
  /** More than one scope declares this name (a bare reference in an HMI file is then ambiguous). */
  ambiguousBare: boolean;
  /** `file:line` of its declaration. */
  where: string;
}

const lower = (s: string) => s.toLowerCase();
const last = (n: string) => n.split('.').at(-1)!;

/** `file:line` of a variable's declaration. */
function declaredAt(v: VarSymbol): string {
  const n = v.decl.names.find((d) => lower(d.name) === lower(v.name)) ?? v.decl.names[0];
  return n ? `${n.span.file}:${n.span.line}` : '(unknown place)';
}

function userPous(checked: CheckedProject): PouSymbol[] {
  return [...checked.pous.values()].filter((p) => !p.builtin && !p.external);
}

function fbOf(t: Type | undefined): PouSymbol | undefined {
  if (!t) return undefined;
  if (t.kind === 'fb') return t.pou;
  if (t.kind === 'array') return fbOf(t.element);
  return undefined;
}

/** Every variable of the project (globals, POU variables), for names and instances. */
function allVars(checked: CheckedProject): VarSymbol[] {
  return [...checked.globals.values(), ...userPous(checked).flatMap((p) => [...p.vars.values()])];
}

/** Resolves each change of the migration, refusing names that are missing, ambiguous or not variables. */
export function resolveTagTargets(changes: readonly TagChange[], checked: CheckedProject): TagTarget[] {
  const programs = userPous(checked).filter((p) => p.kind === 'program');
  return changes.map((change, index) => {
    const tag = `tagChanges[${index}] ${change.from}`;
    const parts = change.from.split('.');
    const name = last(change.from);
    let symbol: VarSymbol | undefined;
    let memberOf: PouSymbol | undefined;
    if (parts.length > 2)
      throw new TagChangeRefused(
        `${tag}: only Scope.Name is understood (a GVL, a PROGRAM or a function block)`,
      );
    if (parts.length === 2) {
      const q = parts[0]!;
      const pou = checked.lookupPou(q);
      const global = checked.globals.get(lower(name));
      if (pou && !pou.builtin && (pou.kind === 'program' || pou.kind === 'functionBlock')) {
        symbol = pou.vars.get(lower(name));
        if (pou.kind === 'functionBlock') memberOf = pou;
      } else if (global && global.gvl !== undefined && lower(global.gvl) === lower(q)) symbol = global;
      if (!symbol && pou && !pou.builtin && pou.kind !== 'program' && pou.kind !== 'functionBlock')
        throw new TagChangeRefused(
          `${tag}: ${pou.name} is a ${pou.kind}; only globals, PROGRAM variables and function block pins are renamed`,
        );
      if (!symbol) throw new TagChangeRefused(`${tag}: ${q} declares no variable ${name} (nothing renamed)`);
    } else {
      const candidates = [
        ...(checked.globals.has(lower(name)) ? [checked.globals.get(lower(name))!] : []),
        ...programs.flatMap((p) => (p.vars.has(lower(name)) ? [p.vars.get(lower(name))!] : [])),
      ];
      if (candidates.length === 0)
        throw new TagChangeRefused(`${tag}: no global or PROGRAM variable of that name (nothing renamed)`);
      if (candidates.length > 1)
        throw new TagChangeRefused(
          `${tag}: ambiguous, declared at ${candidates.map(declaredAt).join(' and ')}; qualify it (Program.Name or GVL.Name)`,
        );
      symbol = candidates[0]!;
    }
    if (symbol.section === 'VAR_EXTERNAL')
      throw new TagChangeRefused(`${tag}: ${declaredAt(symbol)} is a VAR_EXTERNAL; rename the global itself`);
    const isGlobal = !symbol.owner;
    const aliases = isGlobal
      ? userPous(checked).flatMap((p) =>
          [...p.vars.values()].filter((v) => v.section === 'VAR_EXTERNAL' && lower(v.name) === lower(name)),
        )
      : [];
    const qualifiers = new Set<string>();
    if (isGlobal && symbol.gvl) qualifiers.add(lower(symbol.gvl));
    if (symbol.owner && !memberOf) qualifiers.add(lower(symbol.owner.name));
    if (memberOf)
      for (const v of allVars(checked)) if (fbOf(v.type) === memberOf) qualifiers.add(lower(v.name));
    const sameName =
      (checked.globals.has(lower(name)) ? 1 : 0) + programs.filter((p) => p.vars.has(lower(name))).length;
    return {
      index,
      change,
      name: symbol.name,
      newName: last(change.to),
      symbol,
      aliases,
      qualifiers,
      ...(memberOf ? { memberOf } : {}),
      ambiguousBare: sameName > 1,
      where: declaredAt(symbol),
    };
  });
}

/**
 * Refuses a rename onto a name that already means something where the tag is
 * visible: the same scope, a POU that uses the tag (its local would capture the
 * references), a global, a POU or a type of that name.
 */
export function refuseCollisions(
  targets: readonly TagTarget[],
  checked: CheckedProject,
  usedIn: (t: TagTarget) => Set<PouSymbol>,
): void {
  for (const t of targets) {
    const to = lower(t.newName);
    if (to === lower(t.name)) continue; // a change of case or a retype only
    const tag = `tagChanges[${t.index}] ${t.change.from} → ${t.change.to}`;
    const clash = (v: VarSymbol | undefined, why: string) => {
      if (v) throw new TagChangeRefused(`${tag}: ${t.newName} ${why} at ${declaredAt(v)}`);
    };
    const scopes = new Set<PouSymbol>(usedIn(t));
    if (t.symbol.owner) scopes.add(t.symbol.owner);
    for (let p = t.memberOf; p; p = p.base) scopes.add(p);
    for (const p of scopes) {
      clash(p.vars.get(to), `is already declared in ${p.name}`);
      if (p.methods.has(to) || p.properties.has(to) || p.actions.has(to))
        throw new TagChangeRefused(
          `${tag}: ${t.newName} is already a method, property or action of ${p.name}`,
        );
    }
    if (!t.memberOf) clash(checked.globals.get(to), 'is already a global');
    const pou = checked.lookupPou(t.newName);
    if (pou && !pou.builtin)
      throw new TagChangeRefused(`${tag}: ${t.newName} is already a POU${pou.file ? ` (${pou.file})` : ''}`);
    if (checked.lookupType(t.newName) && !t.memberOf)
      throw new TagChangeRefused(`${tag}: ${t.newName} is already a type name`);
  }
}

/** The site policy's signal lists, in the order the safety verifier reads them. */
const POLICY_SIGNAL_LISTS = ['emergencyStops', 'safetySignals', 'permissives'] as const;

/**
 * Refuses a rename of a variable the site safety policy names by its old name
 * only: the policy is a separate document, so after the rename it would point
 * at a name the program no longer declares (or, worse, at a new variable of
 * that name). A policy that also lists the new name (`E_Stop` and `EStop`) is
 * ready for the change: the safety verifier judges it through the rename.
 * Each policy name is resolved as the safety verifier resolves it
 * (`resolveSignalName`).
 */
export function refusePolicySignalRenames(
  targets: readonly TagTarget[],
  policy: SitePolicy,
  index: ProjectIndex,
): void {
  const renamed = new Map<VarDecl, TagTarget>();
  for (const t of targets) for (const s of [t.symbol, ...t.aliases]) renamed.set(s.decl, t);
  const listed = new Set(POLICY_SIGNAL_LISTS.flatMap((list) => policy[list].map(lower)));
  for (const list of POLICY_SIGNAL_LISTS)
    policy[list].forEach((name, i) => {
      for (const v of resolveSignalName(index, name)) {
        const t = renamed.get(v.decl);
        if (!t || lower(v.name) !== lower(t.name)) continue;
        const newName = [...name.split('.').slice(0, -1), t.newName].join('.');
        if (listed.has(lower(newName))) continue;
        throw new TagChangeRefused(
          `tagChanges[${t.index}] ${t.change.from} (declared at ${t.where}): the site policy ${policy.site} lists it as ${list}[${i}] "${name}"; renaming a safety signal would leave the policy naming a variable that no longer exists — list "${newName}" in the policy too (the safety check reads the rename both ways), then run the change`,
        );
      }
    });
}
