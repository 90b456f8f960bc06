/**
 * `plcfleet-server serve` output (issue #17: the bootstrap token from the
 * environment was echoed on stderr, and from there into the service's log).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { serveCommand } from './commands';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

async function serve(env: Record<string, string>) {
  const dir = mkdtempSync(join(tmpdir(), 'cp-serve-'));
  dirs.push(dir);
  const err: string[] = [];
  const cp = await serveCommand(
    { port: 0, host: '127.0.0.1', dataDir: dir, logLevel: 'silent', env },
    { out: () => {}, err: (l) => err.push(l) },
  );
  await cp.close();
  return { token: cp.bootstrapToken, stderr: err.join('\n') };
}

describe('serve', () => {
  it('does not echo a bootstrap token that came from PLCFLEET_BOOTSTRAP_TOKEN', async () => {
    const secret = 'plc_from-the-environment-0123456789';
    const r = await serve({ PLCFLEET_BOOTSTRAP_TOKEN: secret });
    expect(r.token).toBe(secret);
    expect(r.stderr).not.toContain(secret);
    expect(r.stderr).toMatch(/created from PLCFLEET_BOOTSTRAP_TOKEN \(not shown\)/);
  });

  it('shows a generated bootstrap token once, since nobody else knows it', async () => {
    const r = await serve({});
    expect(r.token).toMatch(/^plc_/);
    expect(r.stderr).toContain(`store it now): ${r.token}`);
  });
});
