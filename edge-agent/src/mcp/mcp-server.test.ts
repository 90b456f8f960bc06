import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { SitePolicy } from '@plcfleet/protocols';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FIXTURES, policyAt, REPO } from '../testing/migration-fixtures';
import { createPlcfleetMcpServer } from '.';

let work: string;
beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'plcfleet-mcp-'));
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

/** A client of a server over `options`, connected in memory, and a one-call helper. */
async function open(options: Parameters<typeof createPlcfleetMcpServer>[0]) {
  const server = await createPlcfleetMcpServer(options);
  const [a, b] = InMemoryTransport.createLinkedPair();
  await server.connect(a);
  const client = new Client({ name: 'test', version: '1.0.0' });
  await client.connect(b);
  const call = async (name: string, args: Record<string, unknown> = {}) => {
    const r = (await client.callTool({ name, arguments: args })) as {
      content: Array<{ text: string }>;
      isError?: boolean;
    };
    return { text: r.content[0]!.text, isError: r.isError === true };
  };
  return { client, call, close: () => client.close() };
}

async function connect(allowEdit: boolean) {
  const dir = join(work, Math.random().toString(36).slice(2, 8));
  await cp(join(FIXTURES, 'multi-guard'), dir, { recursive: true });
  return { dir, ...(await open({ project: dir, policy: policyAt(join(dir, 'policy.yaml')), allowEdit })) };
}

describe('MCP server (SDK client, in-memory transport)', () => {
  it('is read-only by default and lists its tools', async () => {
    const { client, close } = await connect(false);
    const tools = (await client.listTools()).tools.map((t) => t.name).sort();
    expect(tools).toEqual([
      'compile',
      'diff',
      'equivalence',
      'list_files',
      'read_file',
      'safety',
      'scenarios',
      'search',
      'simulate',
    ]);
    await close();
  });

  it('verifies an engineer’s edit: compile, quick and full safety, equivalence, diff', async () => {
    const { call, close } = await connect(true);
    expect((await call('compile')).text).toMatch(/^OK/);
    expect((await call('search', { pattern: 'IF \\w+ = TRUE' })).text).toContain('FillerCell.st:');
    // A bypass of the E-stop: quick safety names it, full safety refutes the permissive.
    const e = await call('edit', {
      path: 'FillerCell.st',
      old_text: 'Filler_Enable := E_Stop_OK AND ',
      new_text: 'Filler_Enable := ',
    });
    expect(e).toEqual({ text: 'edited FillerCell.st', isError: false });
    expect((await call('diff')).text).toContain(
      '-Filler_Enable := E_Stop_OK AND Door_OK AND Hatch_OK AND Start;',
    );
    const quick = await call('safety', { mode: 'quick' });
    expect(quick.text).toMatch(/^FAILED/);
    expect(quick.text).toContain('forcing');
    const full = JSON.parse((await call('safety', { mode: 'full' })).text);
    expect(full.verdict).toBe('fail');
    const eq = JSON.parse((await call('equivalence', { program: 'FillerCell', seed: 3, runs: 20 })).text);
    expect(eq.equivalent).toBe(false);
    expect(eq.counterexample.variable).toBe('FillerCell.Filler_Enable');
    await close();
  });

  it('simulates a program and refuses bad arguments without crashing', async () => {
    const { call, close } = await connect(false);
    const sim = JSON.parse(
      (
        await call('simulate', {
          program: 'FillerCell',
          scans: 3,
          inputs: { E_Stop_OK: true, Door_Closed: true, Hatch_Closed: true, Start: true },
        })
      ).text,
    );
    expect(sim.values.Filler_Enable).toBe(true);
    expect(sim.scans).toBe(3);
    expect((await call('read_file', { path: '../etc/passwd' })).isError).toBe(true);
    expect((await call('simulate', { program: 'NoSuchProgram', scans: 1 })).isError).toBe(true);
    await close();
  });
});

describe('MCP safety on a Rockwell L5X project (issue 15)', () => {
  it('quick safety reads the L5X as the safety command does: a removed E-stop contact fails', async () => {
    const dir = join(work, 'l5x');
    await mkdir(dir, { recursive: true });
    const l5x = join(dir, 'ladder-line.L5X');
    const text = await readFile(join(REPO, 'examples/plants/ladder-line/ladder-line.L5X'), 'utf8');
    await writeFile(l5x, text);
    const policy = SitePolicy.parse({
      apiVersion: 'plcfleet/v1',
      kind: 'SitePolicy',
      site: 'ladder-line',
      emergencyStops: ['Conveyor_Run', 'Motor_Out'],
    });
    const server = await createPlcfleetMcpServer({ project: dir, policy });
    const [a, b] = InMemoryTransport.createLinkedPair();
    await server.connect(a);
    const client = new Client({ name: 'test', version: '1.0.0' });
    await client.connect(b);
    const quick = async () =>
      (
        (await client.callTool({ name: 'safety', arguments: { mode: 'quick' } })) as {
          content: Array<{ text: string }>;
        }
      ).content[0]!.text;
    try {
      expect(await quick()).toMatch(/^OK/);
      // the L5X's programs run on the virtual PLC as their model
      const sim = (await client.callTool({
        name: 'simulate',
        arguments: { program: 'MainProgram', scans: 2, inputs: { Start_PB: true }, vars: ['Conveyor_Run'] },
      })) as { content: Array<{ text: string }>; isError?: boolean };
      expect(sim.isError).not.toBe(true);
      expect(JSON.parse(sim.content[0]!.text).values).toEqual({ Conveyor_Run: true });
      // the conveyor's seal-in without its E-stop contact (XIO(EStop))
      const bypass = text.replace('XIO(Stop_PB)XIO(EStop)OTE(Conveyor_Run)', 'XIO(Stop_PB)OTE(Conveyor_Run)');
      expect(bypass).not.toBe(text);
      await writeFile(l5x, bypass);
      const r = await quick();
      expect(r).toMatch(/^FAILED/);
      expect(r).toContain('ladder-line.L5X:');
      expect(r).toContain('EStop no longer influences Conveyor_Run');
    } finally {
      await client.close();
    }
  });
});

/** A program whose build selects its speed by a compiler definition. */
const VARIANT = `PROGRAM Variant
VAR_INPUT Run : BOOL; END_VAR
VAR_OUTPUT Speed : INT; END_VAR
{IF defined(FAST)}
Speed := SEL(Run, 0, 100);
{ELSE}
Speed := SEL(Run, 0, 10);
{END_IF}
END_PROGRAM
`;

describe("MCP server: the build's define set (decision 0178)", () => {
  async function serve(defines?: string[]) {
    const dir = join(work, Math.random().toString(36).slice(2, 8));
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, 'Variant.st'), VARIANT);
    return open({ project: dir, ...(defines ? { defines } : {}) });
  }

  it('simulates the branches of the define set, and no program of every branch without one', async () => {
    const none = await serve();
    try {
      // compiling reads every branch; running them all would be a program no build has
      expect((await none.call('compile')).text).toMatch(/^OK/);
      const refused = await none.call('simulate', { program: 'Variant', scans: 1 });
      expect(refused.isError).toBe(true);
      expect(refused.text).toContain(
        "{IF defined(FAST)} (Variant.st:4) selects code by the build's compiler definitions",
      );
      const eq = JSON.parse((await none.call('equivalence', { program: 'Variant', runs: 2, scans: 5 })).text);
      expect(eq.equivalent).not.toBe(true);
    } finally {
      await none.close();
    }
    for (const [defines, speed] of [
      [['FAST'], 100],
      [[], 10],
    ] as const) {
      const s = await serve([...defines]);
      try {
        const sim = await s.call('simulate', { program: 'Variant', scans: 1, inputs: { Run: true } });
        expect(sim.isError).toBe(false);
        expect(JSON.parse(sim.text).values).toEqual({ Speed: speed });
        const eq = JSON.parse((await s.call('equivalence', { program: 'Variant', runs: 2, scans: 5 })).text);
        expect(eq, JSON.stringify(eq)).toMatchObject({ equivalent: true });
      } finally {
        await s.close();
      }
    }
  });
});

describe('plcfleet-agent mcp over stdio', () => {
  it('serves the verifiers to the SDK client through a child process', async () => {
    const dir = join(work, 'stdio');
    await cp(join(FIXTURES, 'multi-guard'), dir, { recursive: true });
    await writeFile(join(dir, 'Variant.st'), VARIANT);
    const transport = new StdioClientTransport({
      command: process.execPath,
      args: [
        '--import',
        'tsx',
        '--conditions=source',
        join(REPO, 'edge-agent/src/cli.ts'),
        'mcp',
        '--project',
        dir,
        '--policy',
        join(dir, 'policy.yaml'),
        '--define',
        'FAST',
      ],
      cwd: REPO,
      stderr: 'pipe',
    });
    const client = new Client({ name: 'test', version: '1.0.0' });
    await client.connect(transport);
    try {
      const tools = (await client.listTools()).tools.map((t) => t.name);
      expect(tools).not.toContain('edit');
      const r = (await client.callTool({ name: 'compile', arguments: {} })) as {
        content: Array<{ text: string }>;
      };
      expect(r.content[0]?.text).toMatch(/^OK/);
      // --define reaches the simulator: the FAST branch runs
      const sim = (await client.callTool({
        name: 'simulate',
        arguments: { program: 'Variant', scans: 1, inputs: { Run: true }, vars: ['Speed'] },
      })) as {
        content: Array<{ text: string }>;
      };
      expect(JSON.parse(sim.content[0]!.text).values).toEqual({ Speed: 100 });
    } finally {
      await client.close();
    }
    expect(await readFile(join(dir, 'FillerCell.st'), 'utf8')).toBe(
      await readFile(join(FIXTURES, 'multi-guard/FillerCell.st'), 'utf8'),
    );
  });
});
