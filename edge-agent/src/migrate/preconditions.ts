/**
 * Preconditions, evaluated before any transformation. A failed `onlyIf` or a
 * matched `skipIf` gives the verdict `skipped` with the reason ("do not proceed
 * if the site already uses the new standard"). Code conditions are decided on
 * the syntax tree: a function block that a library only declares is not "used"
 * until something instantiates or calls it.
 */
import { type Condition, type Migration, type SiteFacts, satisfiesRange } from '@plcfleet/protocols';
import type { Node, TypeSpec } from '@plcfleet/toolchain/iec';
import { compilePattern, findInPou, outlineUnit, type ParsedFile, walk } from '../transform';

/** The outcome of the preconditions. */
export type PreconditionOutcome =
  | { proceed: true; checked: string[] }
  | { proceed: false; reason: string }
  /** A condition needs site facts and none were given (bad input, not a skip). */
  | { proceed: false; needsFacts: true; reason: string };

function typeNames(t: TypeSpec, out: string[]): void {
  if (t.kind === 'NamedType') out.push(t.name);
  else if (t.kind === 'ArrayType') typeNames(t.elementType, out);
  else if (t.kind === 'PointerType' || t.kind === 'ReferenceType') typeNames(t.target, out);
}

/** True when some POU instantiates the type `name` (a variable of that type, an array of it) or calls a function of that name. */
export function usesPou(name: string, parsed: readonly ParsedFile[]): boolean {
  const want = name.toLowerCase();
  let found = false;
  for (const pf of parsed) {
    walk(pf.unit, (n: Node) => {
      if (found) return false;
      if (n.kind === 'VarDecl') {
        const names: string[] = [];
        typeNames(n.type, names);
        if (names.some((x) => x.toLowerCase() === want)) found = true;
      } else if (n.kind === 'Call' && n.callee.kind === 'Identifier' && n.callee.name.toLowerCase() === want)
        found = true;
      else if (n.kind === 'ProgramInstance' && n.program.toLowerCase() === want) found = true;
      return undefined;
    });
    if (found) return true;
  }
  return false;
}

/** True when the ST pattern matches somewhere in the project. */
export function usesPattern(st: string, parsed: readonly ParsedFile[]): boolean {
  const pattern = compilePattern(st);
  return parsed.some((pf) => outlineUnit(pf.unit).some((pou) => findInPou(pattern, pou).length > 0));
}

function describe(c: Condition): string {
  if ('firmware' in c) return `firmware ${c.firmware}`;
  if ('uses' in c) return 'pou' in c.uses ? `uses ${c.uses.pou}` : 'uses the pattern';
  if ('notUses' in c)
    return 'pou' in c.notUses ? `does not use ${c.notUses.pou}` : 'does not use the pattern';
  if ('siteTag' in c) return `site tag ${c.siteTag}`;
  if ('library' in c) return `library ${c.library.name} ${c.library.version}`;
  return `certifiedSafetyPlc: ${c.certifiedSafetyPlc}`;
}

/** Decides one condition; `null` when it needs site facts that are missing. */
export function conditionHolds(
  c: Condition,
  parsed: readonly ParsedFile[],
  facts: SiteFacts | null,
): boolean | null {
  if ('uses' in c) return 'pou' in c.uses ? usesPou(c.uses.pou, parsed) : usesPattern(c.uses.st, parsed);
  if ('notUses' in c)
    return !('pou' in c.notUses ? usesPou(c.notUses.pou, parsed) : usesPattern(c.notUses.st, parsed));
  if (!facts) return null;
  if ('library' in c) {
    // Facts that list no libraries say the site has none: the condition does not hold.
    const lib = facts.libraries.find((l) => l.name.toLowerCase() === c.library.name.toLowerCase());
    return lib !== undefined && satisfiesRange(lib.version, c.library.version);
  }
  if ('firmware' in c) return satisfiesRange(facts.firmware, c.firmware);
  if ('siteTag' in c) return facts.tags.some((t) => t.toLowerCase() === c.siteTag.toLowerCase());
  return facts.certifiedSafetyPlc === c.certifiedSafetyPlc;
}

function needsFacts(c: Condition): string {
  return `precondition "${describe(c)}" needs site facts`;
}

/** Evaluates `onlyIf` (all must hold) then `skipIf` (none may hold), in the order written. */
export function evaluatePreconditions(
  migration: Migration,
  parsed: readonly ParsedFile[],
  facts: SiteFacts | null,
): PreconditionOutcome {
  const checked: string[] = [];
  const note = (c: Condition) => (c.note ? ` (${c.note})` : '');
  const factsLine = (c: Condition) => {
    if (facts && 'firmware' in c) return ` — site firmware is ${facts.firmware}`;
    if (facts && 'library' in c) {
      const lib = facts.libraries.find((l) => l.name.toLowerCase() === c.library.name.toLowerCase());
      return ` — site has ${lib ? `${lib.name} ${lib.version}` : `no ${c.library.name}`}`;
    }
    return '';
  };
  for (const c of migration.preconditions.onlyIf) {
    const holds = conditionHolds(c, parsed, facts);
    if (holds === null) return { proceed: false, needsFacts: true, reason: needsFacts(c) };
    if (!holds) return { proceed: false, reason: `onlyIf not met: ${describe(c)}${factsLine(c)}${note(c)}` };
    checked.push(`onlyIf ${describe(c)}: holds`);
  }
  for (const c of migration.preconditions.skipIf) {
    const holds = conditionHolds(c, parsed, facts);
    if (holds === null) return { proceed: false, needsFacts: true, reason: needsFacts(c) };
    if (holds) return { proceed: false, reason: `skipIf matched: ${describe(c)}${note(c)}` };
    checked.push(`skipIf ${describe(c)}: does not hold`);
  }
  return { proceed: true, checked };
}
