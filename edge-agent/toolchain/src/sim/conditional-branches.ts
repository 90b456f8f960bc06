/**
 * A program that selects code with `{IF defined(...)}` runs one configuration on a PLC: the
 * branches its build's compiler definitions select. Without a define set the front end keeps
 * every branch (decision 0017, right for checking and printing), and running that tree would
 * execute code no build of the program holds — a silent change of meaning. The simulator
 * therefore runs such a program only with a define set (decision 0178).
 */
import type { CompilationUnit, Pragma } from '../iec';
import type { SourceLocation } from './sim-errors';

/** The first `{IF ...}` pragma of the units, if any: where the program selects code by its defines. */
export function firstConditionalPragma(
  units: readonly CompilationUnit[],
): { text: string; location: SourceLocation } | undefined {
  for (const unit of units) {
    const found = walk(unit);
    if (found) return { text: found.text, location: found.span };
  }
  return undefined;
}

/**
 * Why a program with `{IF}` branches and no define set is not run (decision 0178), for people:
 * the simulator's refusal, the safety proofs' and the migrate verifiers' say it alike. `where`:
 * the pragma's place, when the message does not carry it otherwise.
 */
export function unconfiguredReason(text: string, where?: SourceLocation): string {
  return `{${text}}${where ? ` (${where.file}:${where.line})` : ''} selects code by the build's compiler definitions, and a PLC runs one configuration, not every branch: name the build's define set (--define <names>, or agent.yaml's defines; --define '' or defines: [] for a build that defines none)`;
}

function isIf(p: Pragma): boolean {
  return /^IF\b/i.test(p.text.trim());
}

function walk(node: unknown): Pragma | undefined {
  if (typeof node !== 'object' || node === null) return undefined;
  if (Array.isArray(node)) {
    for (const item of node) {
      const f = walk(item);
      if (f) return f;
    }
    return undefined;
  }
  const record = node as Record<string, unknown>;
  for (const key of ['pragmas', 'trailingPragmas']) {
    const list = record[key];
    if (Array.isArray(list)) for (const p of list as Pragma[]) if (isIf(p)) return p;
  }
  for (const [key, value] of Object.entries(record)) {
    if (key === 'pragmas' || key === 'trailingPragmas' || key === 'span' || key === 'comments') continue;
    if (typeof value === 'object' && value !== null) {
      const f = walk(value);
      if (f) return f;
    }
  }
  return undefined;
}
