/**
 * The kinds of migration this agent runs, one module per kind, and the table
 * the executor dispatches on. A type without a module here is refused — the
 * executor never runs a migration kind it does not know as another kind.
 */
import type { MigrationType } from '@plcfleet/protocols';
import type { Transformer } from '../../transform';
import { codeKind } from './code';
import { ladderToStKind } from './ladder-to-st';
import { libraryUpdateKind } from './library-update';
import type { MigrationKind } from './migration-kind';
import { protocolCutoverKind } from './protocol-cutover';
import { tagChangeKind } from './tag-change';

export type { KindJob, MigrationKind } from './migration-kind';

/** The kinds this agent runs, by migration `type`. */
const KINDS: Partial<Record<MigrationType, MigrationKind>> = {
  code: codeKind,
  'protocol-cutover': protocolCutoverKind,
  'ladder-to-st': ladderToStKind,
  'tag-change': tagChangeKind,
  'library-update': libraryUpdateKind,
};

/** The module of a migration type, or the reason it cannot be run here (a type from a newer schema, or one this agent has no module for). */
export function migrationKind(type: string): MigrationKind | { refused: string } {
  const kind = Object.hasOwn(KINDS, type) ? KINDS[type as MigrationType] : undefined;
  return kind ?? { refused: `migration type "${type}" is not supported by this agent` };
}

/**
 * False for a kind that makes its change without a transformer (a tag change: it
 * needs no recipe and no model), and for a type this agent refuses (the executor
 * says why); true otherwise.
 */
export function usesTransformer(type: string): boolean {
  const kind = migrationKind(type);
  if ('refused' in kind) return false;
  const probe: Transformer = { name: 'recipe', transform: () => Promise.reject(new Error('not called')) };
  return kind.transformerName({ transformer: probe }) !== 'none';
}
