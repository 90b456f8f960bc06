import { spawnSync } from 'node:child_process';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const clis = {
  'plcfleet-agent': 'edge-agent/src/cli.ts',
  'plcfleet-server': 'control-plane/src/cli.ts',
  plcfleet: 'sdk/src/cli.ts',
} as const;

// Runs a CLI from its TypeScript source (the `source` condition resolves
// @plcfleet/* to sources too), so the test never depends on a stale build.
function run(entry: string, args: string[]) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--conditions=source', entry, ...args], {
    cwd: root,
    encoding: 'utf8',
    timeout: 110_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe.each(Object.entries(clis))('%s', { timeout: 120_000 }, (name, entry) => {
  it('prints its subcommands with --help and exits 0', () => {
    const r = run(entry, ['--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`Usage: ${name}`);
    expect(r.stdout).toMatch(/Commands:\n(\s+\S+.*\n)+/);
  });
  it('rejects an unknown subcommand with one line and exit 2', () => {
    const r = run(entry, ['no-such-command']);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/unknown command 'no-such-command'/);
  });
  it('rejects an unknown flag with one line and exit 2', () => {
    const r = run(entry, ['--no-such-flag']);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/unknown option '--no-such-flag'/);
  });
});

describe('plcfleet-agent --json', () => {
  it('prints exactly one JSON object on stdout (library logs go to stderr)', () => {
    const r = run(clis['plcfleet-agent'], ['compile', 'examples/plants/press-line', '--json']);
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0]!)).toMatchObject({ errors: 0, pous: 9 });
  }, 120_000);
});
