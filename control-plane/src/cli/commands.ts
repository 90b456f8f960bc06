/**
 * What `plcfleet-server` does, as functions that return exit codes (the CLI
 * entry only parses arguments), so tests can run them in-process.
 */
import { appendAudit, auditHead, parseAnchor, verifyAudit } from '../audit/audit.repository';
import type { Role } from '../auth/roles';
import { createUserWithToken } from '../auth/user.repository';
import { type ControlPlaneOptions, resolveConfig } from '../config';
import { ControlPlaneError } from '../errors';
import { type ControlPlaneHandle, startControlPlane } from '../server';
import { openStore, transaction } from '../store/database';

/** Where output goes (stdout and stderr by default). */
export interface Output {
  out: (line: string) => void;
  err: (line: string) => void;
}
const stdio: Output = {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
};

/**
 * `plcfleet-server audit verify [--anchor SEQ:HASH ...]`: 0 when the chain holds (and every
 * anchor is in place), 1 with the first broken link.
 */
export async function auditVerifyCommand(
  options: ControlPlaneOptions,
  json: boolean,
  io: Output = stdio,
  anchors: readonly string[] = [],
): Promise<number> {
  const parsed = anchors.map(parseAnchor);
  const store = await openStore(resolveConfig(options));
  try {
    const result = await verifyAudit(store.db, parsed);
    if (json) io.out(JSON.stringify(result));
    else if (result.ok)
      io.out(
        `audit chain ok: ${result.checked} row(s) verified` +
          (parsed.length ? `, ${result.anchorsChecked} anchor(s) in place` : '') +
          (result.head ? `; head ${result.head.seq}:${result.head.hash}` : ''),
      );
    else
      io.out(
        `audit chain broken at row ${result.firstBroken!.seq}: ${result.firstBroken!.problem} (${result.checked} row(s) before it verified)`,
      );
    return result.ok ? 0 : 1;
  } finally {
    await store.close();
  }
}

/** `plcfleet-server audit head`: the last row as `SEQ:HASH` (an anchor to keep elsewhere). */
export async function auditHeadCommand(
  options: ControlPlaneOptions,
  json: boolean,
  io: Output = stdio,
): Promise<number> {
  const store = await openStore(resolveConfig(options));
  try {
    const head = await auditHead(store.db);
    if (json) io.out(JSON.stringify(head));
    else if (head) io.out(`${head.seq}:${head.hash}`);
    else io.err('the audit log is empty');
    return 0;
  } finally {
    await store.close();
  }
}

/** `plcfleet-server tokens create --role R --name N`: prints a new API token once. */
export async function createTokenCommand(
  options: ControlPlaneOptions,
  input: { name: string; role: Role },
  io: Output = stdio,
): Promise<number> {
  const store = await openStore(resolveConfig(options));
  try {
    const created = await transaction(store.db, async (trx) => {
      const r = await createUserWithToken(trx, { name: input.name, role: input.role, createdBy: 'cli' });
      if (r.user.role !== input.role)
        throw new ControlPlaneError('CONFLICT', `user ${input.name} exists with role ${r.user.role}`);
      await appendAudit(trx, {
        actor: 'cli',
        action: 'token.created',
        subjectType: 'user',
        subjectId: r.user.id,
        details: { name: input.name, role: input.role, tokenId: r.tokenId },
      });
      return r;
    });
    io.out(created.token);
    io.err(`token for ${input.name} (${input.role}); it is not shown again`);
    return 0;
  } finally {
    await store.close();
  }
}

/** `plcfleet-server serve`: runs until SIGINT/SIGTERM. */
export async function serveCommand(
  options: ControlPlaneOptions,
  io: Output = stdio,
): Promise<ControlPlaneHandle> {
  const cp = await startControlPlane(options);
  io.err(`plcfleet control plane on ${cp.url} (agents: ${cp.url.replace(/^http/, 'ws')}/v1/agents)`);
  // A token the operator set (PLCFLEET_BOOTSTRAP_TOKEN) is theirs already; echoing it would copy it into logs.
  if (cp.bootstrapToken && resolveConfig(options).bootstrapToken !== undefined)
    io.err('bootstrap admin token created from PLCFLEET_BOOTSTRAP_TOKEN (not shown)');
  else if (cp.bootstrapToken)
    io.err(`bootstrap admin token (shown once, store it now): ${cp.bootstrapToken}`);
  const stop = () => {
    void cp.close().then(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  return cp;
}
