import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { EXIT } from '@plcfleet/protocols';
import { CommanderError } from 'commander';
import { afterAll, describe, expect, it } from 'vitest';
import { COMMAND_GROUPS, COMMANDER_EXIT, createProgram } from './program';

// Issue 16 point 3: a command loads only the libraries it uses. Before, every command
// imported node-opcua (≈3 s) and printed its PKCS#1 warning on stderr. Timings are a
// benchmark (scripts/bench-cli-startup.mjs, docs/cli-startup.md), not asserted here.
const here = dirname(fileURLToPath(import.meta.url));
const agentRoot = resolve(here, '..', '..');
const recorder = join(agentRoot, 'src', 'testing', 'module-load-recorder.mjs');
const smallProject = join(agentRoot, 'scripts', 'fixtures', 'small-project');
const work = mkdtempSync(join(tmpdir(), 'cli-startup-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const HEAVY = [
  'node-opcua',
  'modbus-serial',
  '@anthropic-ai/sdk',
  '@modelcontextprotocol/sdk',
  'better-sqlite3',
  'kysely',
  'pino',
  'ws',
];

let runs = 0;
/** Runs the CLI from source and returns its output and the modules it resolved. */
function runCli(args: string[]) {
  const log = join(work, `modules-${runs++}.txt`);
  const r = spawnSync(
    process.execPath,
    [
      '--import',
      'tsx',
      '--import',
      recorder,
      '--conditions=source',
      join(agentRoot, 'src', 'cli.ts'),
      ...args,
    ],
    { cwd: agentRoot, encoding: 'utf8', timeout: 110_000, env: { ...process.env, PLCFLEET_MODULE_LOG: log } },
  );
  let modules: string[] = [];
  try {
    modules = readFileSync(log, 'utf8').split('\n').filter(Boolean);
  } catch {
    // nothing resolved: the assertions on stdout fail instead
  }
  return { code: r.status, stdout: r.stdout, stderr: r.stderr, modules };
}

function heavyIn(modules: string[]): string[] {
  return HEAVY.filter((lib) => modules.some((url) => url.includes(`/node_modules/${lib}/`)));
}

describe('plcfleet-agent start-up', { timeout: 120_000 }, () => {
  it('compile on a clean program loads no I/O library and prints nothing on stderr', () => {
    const r = runCli(['compile', smallProject]);
    expect(r.stdout).toMatch(/0 errors, 0 warnings/);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    expect(r.modules.some((url) => url.includes('/cli/iec-commands'))).toBe(true);
    expect(heavyIn(r.modules)).toEqual([]);
  });

  it('--help lists every command without loading any command module', () => {
    const r = runCli(['--help']);
    expect(r.code).toBe(0);
    for (const c of COMMAND_GROUPS.flatMap((g) => g.commands)) expect(r.stdout).toContain(`  ${c.name} `);
    expect(r.stderr).toBe('');
    expect(heavyIn(r.modules)).toEqual([]);
    expect(r.modules.filter((url) => /\/cli\/[\w-]+-commands/.test(url))).toEqual([]);
  });

  it("a command's own --help does not load the toolchain (simulate, safety, run, serve-plc); running it does", () => {
    const toolchain = (modules: string[]) => modules.filter((url) => /\/toolchain\/(src|dist)\//.test(url));
    for (const [name, module] of [
      ['simulate', 'sim-commands'],
      ['safety', 'safety-commands'],
      ['run', 'agent-commands'],
      ['serve-plc', 'plant-io-commands'],
    ] as const) {
      const r = runCli([name, '--help']);
      expect(r.code).toBe(0);
      expect(r.stdout).toContain(`Usage: plcfleet-agent ${name}`);
      expect(r.stderr).toBe('');
      expect(r.modules.some((url) => url.includes(`/cli/${module}`))).toBe(true);
      expect(toolchain(r.modules)).toEqual([]);
      // nor protocols, which pulls zod: both load it in the action with the toolchain
      expect(r.modules.filter((url) => url.includes('/node_modules/zod/'))).toEqual([]);
    }
    const run = runCli(['simulate', smallProject, '--scans', '1', '--final']);
    expect(run.code).toBe(EXIT.OK);
    expect(toolchain(run.modules).some((url) => url.includes('/sim/'))).toBe(true);
  });

  it('the recorder does see a library a command loads (serve-plc loads node-opcua)', () => {
    const r = runCli([
      'serve-plc',
      '--program',
      join(work, 'missing.st'),
      '--tags',
      join(work, 'missing.yaml'),
    ]);
    expect(r.code).toBe(2);
    expect(heavyIn(r.modules)).toContain('node-opcua');
  });
});

describe('command groups', () => {
  it('name exactly the commands their modules register', async () => {
    for (const group of COMMAND_GROUPS) {
      const program = await createProgram([group.commands[0]!.name]);
      expect(program.commands.map((c) => c.name()).sort()).toEqual(group.commands.map((c) => c.name).sort());
    }
  });

  it('give the same top-level help as the modules (update COMMAND_GROUPS when a command changes)', async () => {
    const fromSummaries = await createProgram(['--help']);
    const fromModules = await createProgram(['--help'], { loadAll: true });
    expect(fromSummaries.helpInformation()).toBe(fromModules.helpInformation());
  });

  it("answer help and usage errors with the codes of the tools' one table", () => {
    expect(COMMANDER_EXIT).toEqual({ OK: EXIT.OK, USAGE: EXIT.USAGE });
  });

  it('help <command> shows the real command', async () => {
    const program = await createProgram(['help', 'compile']);
    expect(program.commands.map((c) => c.name()).sort()).toEqual(['ast', 'compile', 'fmt']);
    expect(program.commands.find((c) => c.name() === 'compile')!.helpInformation()).toMatch(/--syntax-only/);
  });
});

describe('unknown flags', () => {
  async function usageError(args: string[]): Promise<{ code: string; printed: string }> {
    const program = await createProgram(args);
    let printed = '';
    program.configureOutput({ writeErr: (s) => (printed += s), writeOut: () => {} });
    for (const c of program.commands)
      c.configureOutput({ writeErr: (s) => (printed += s), writeOut: () => {} });
    try {
      await program.parseAsync(args, { from: 'user' });
    } catch (err) {
      if (err instanceof CommanderError) return { code: err.code, printed };
      throw err;
    }
    throw new Error('no usage error');
  }

  it('a misspelled required flag is named as unknown, with the flag meant (issue 17 point 10)', async () => {
    // Before: "error: required option '--migration <file>' not specified".
    const r = await usageError(['migrate', '--migraton', 'm.yaml', '--project', 'p']);
    expect(r.code).toBe('commander.unknownOption');
    expect(r.printed).toBe("error: unknown option '--migraton' (did you mean --migration?)\n");
  });

  it('an option value that looks like a flag is not taken for one', async () => {
    const r = await usageError(['migrate', '--migration', '--odd-name.yaml', '--projct', 'p']);
    expect(r.printed).toBe("error: unknown option '--projct' (did you mean --project?)\n");
  });

  it('a flag far from every known one gets no suggestion', async () => {
    const r = await usageError(['compile', '--zzzzzz', 'x.st']);
    expect(r.printed).toBe("error: unknown option '--zzzzzz'\n");
  });
});
