import { spawn } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { EXIT } from '@plcfleet/protocols';
import { describe, expect, it } from 'vitest';

// Issue 17 point 10: `plcfleet-agent mcp` printed a stack trace for a project it
// could not read and exited 13 (a top-level await left pending) when its client
// closed stdin, the normal way an MCP client ends a stdio server.
const agentRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const smallProject = join(agentRoot, 'scripts', 'fixtures', 'small-project');

function mcp(args: string[], stdin: (write: (line: string) => void, stdout: () => string) => Promise<void>) {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', '--conditions=source', join(agentRoot, 'src', 'cli.ts'), 'mcp', ...args],
    { cwd: agentRoot, stdio: ['pipe', 'pipe', 'pipe'] },
  );
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((res) => child.on('exit', (code) => res(code)));
  return (async () => {
    await stdin(
      (line) => child.stdin.write(`${line}\n`),
      () => stdout,
    );
    child.stdin.end();
    const code = await exited;
    return { code, stdout, stderr };
  })();
}

async function until(check: () => boolean, ms = 60_000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('plcfleet-agent mcp', { timeout: 120_000 }, () => {
  it('answers a client and exits 0 when the client closes stdin', async () => {
    const r = await mcp(['--project', smallProject], async (write, stdout) => {
      write(
        JSON.stringify({
          jsonrpc: '2.0',
          id: 1,
          method: 'initialize',
          params: {
            protocolVersion: '2025-03-26',
            capabilities: {},
            clientInfo: { name: 't', version: '1' },
          },
        }),
      );
      await until(() => stdout().includes('"id":1'));
    });
    expect(JSON.parse(r.stdout.split('\n')[0]!).result.serverInfo.name).toBe('plcfleet');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(EXIT.OK);
  });

  it('without --project says so in one line and exits 2', async () => {
    const r = await mcp([], async () => {});
    expect(r.code).toBe(EXIT.USAGE);
    expect(r.stderr).toBe("error: required option '--project <path>' not specified\n");
  });

  it('a project that does not exist is one line naming it, not a stack trace', async () => {
    const r = await mcp(['--project', join(agentRoot, 'no-such-project')], async () => {});
    expect(r.code).toBe(EXIT.USAGE);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(
      /^plcfleet-agent mcp: --project: .*no-such-project: no such file or directory\n$/,
    );
  });
});
