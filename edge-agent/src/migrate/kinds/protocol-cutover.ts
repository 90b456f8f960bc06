/**
 * `protocol-cutover` migrations: the program part (client blocks moved from
 * Modbus TCP to OPC UA) is a code change like any other; the runtime stages
 * (shadow → parallel → cutover) are the staging bridge's, not the executor's.
 */
import { codeKind } from './code';
import type { MigrationKind } from './migration-kind';

/** The `protocol-cutover` kind: its program change is made and verified as a `code` migration's. */
export const protocolCutoverKind: MigrationKind = codeKind;
