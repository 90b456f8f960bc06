import { execFile } from 'node:child_process';
import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { EXIT, TagMap } from '@plcfleet/protocols';
import { Command } from 'commander';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryRuntime, startPlcServer } from '../plant-io';
import { DRIFT_EXIT, type DriftArgs, runDrift } from './drift-commands';
import { registerIecCommands } from './iec-commands';

const PLANT = join(__dirname, '../../../examples/plants/press-line');

let work: string;
let released: string;
let repoUrl: string;
let conveyor: string;
beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'plcfleet-cli-drift-'));
  released = join(work, 'released');
  await cp(PLANT, released, { recursive: true });
  conveyor = await readFile(join(PLANT, 'Conveyor.st'), 'utf8');
  // The released program: three files under plc/ in a bare repository, tagged r1.
  const git = (cwd: string, ...args: string[]) =>
    promisify(execFile)('git', ['-C', cwd, ...args], {
      env: {
        ...process.env,
        GIT_AUTHOR_NAME: 'e',
        GIT_AUTHOR_EMAIL: 'e@x',
        GIT_COMMITTER_NAME: 'e',
        GIT_COMMITTER_EMAIL: 'e@x',
      },
    });
  const bare = join(work, 'plant.git');
  const clone = join(work, 'clone');
  await mkdir(join(clone, 'plc'), { recursive: true });
  await git(work, 'init', '--quiet', '--bare', bare);
  await git(clone, 'init', '--quiet');
  for (const name of ['Conveyor.st', 'GVL_IO.st', 'PressControl.st'])
    await cp(join(PLANT, name), join(clone, 'plc', name));
  await git(clone, 'add', '--all');
  await git(clone, 'commit', '--quiet', '-m', 'release 1');
  await git(clone, 'tag', 'r1');
  await git(clone, 'push', '--quiet', bare, 'HEAD:refs/heads/main', 'r1');
  repoUrl = `git+file://${bare}`;
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

const run = async (args: DriftArgs, env: Record<string, string> = {}) => {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runDrift(args, { out: (l) => out.push(l), err: (l) => err.push(l) }, env);
  return { code, out, err };
};

async function liveFolder(name: string, conveyorText: string): Promise<string> {
  const dir = join(work, name);
  await cp(released, dir, { recursive: true });
  await writeFile(join(dir, 'Conveyor.st'), conveyorText);
  return dir;
}

describe('plcfleet-agent drift', () => {
  it('exits 0 when the live program is the released one', async () => {
    const r = await run({ released, live: released, json: true });
    expect(r.code).toBe(DRIFT_EXIT.SAME);
    expect(JSON.parse(r.out[0]!)).toMatchObject({ status: 'same', pous: [] });
  });

  it('exits 0 on formatting and comments only, with a Git release by tag', async () => {
    const live = await liveFolder('fmt', conveyor.replace(/\n {4}/g, '\n  ').replace(/\(\*[^*]*\*\)/g, ''));
    const r = await run({ released: `${repoUrl}#r1:plc`, live: join(live), json: true });
    // The released side has three files; the live folder has the whole plant: compare the same three.
    expect(r.code).toBe(DRIFT_EXIT.DRIFTED);
    const onlyAdded = JSON.parse(r.out[0]!).pous.every((p: { change: string }) => p.change === 'added');
    expect(onlyAdded).toBe(true);
    const subset = join(work, 'fmt-subset');
    await cp(live, subset, { recursive: true });
    for (const f of [
      'CommLib.st',
      'Config.st',
      'DriveComm.st',
      'SafetyCore.st',
      'SafetyLib.st',
      'TwoHandControl.st',
    ])
      await rm(join(subset, f));
    const same = await run({ released: `${repoUrl}#r1:plc`, live: subset, json: true });
    expect(same.err).toEqual([]);
    expect(same.code).toBe(DRIFT_EXIT.SAME);
    expect(JSON.parse(same.out[0]!)).toMatchObject({
      status: 'same',
      releasedCommit: expect.stringMatching(/^[0-9a-f]{40}$/),
    });
  });

  it('exits 1 on changed logic and lists the POU with a short diff', async () => {
    const live = await liveFolder('logic', conveyor.replace('Parts_Fed + 1', 'Parts_Fed + 5'));
    const r = await run({ released, live, json: true });
    expect(r.code).toBe(DRIFT_EXIT.DRIFTED);
    const c = JSON.parse(r.out[0]!);
    expect(c.pous).toEqual([
      expect.objectContaining({ pou: 'Conveyor', change: 'modified', diff: expect.stringContaining('+ 5') }),
    ]);
    const text = await run({ released, live });
    expect(text.out[0]).toMatch(/^DRIFTED: 1 POU/);
    expect(text.out[1]).toMatch(/^modified Conveyor \(Conveyor.st\)/);
  });

  it('exits 2 on bad input and 5 when a source cannot be reached', async () => {
    expect((await run({ released: join(work, 'nope'), live: released })).code).toBe(DRIFT_EXIT.USAGE);
    const noRef = await run({ released: `${repoUrl}`, live: released });
    expect(noRef.code).toBe(DRIFT_EXIT.USAGE);
    expect(noRef.err[0]).toMatch(/--released: .*names the branch, tag or commit/);
    const insecure = await run({ released, live: 'opc.tcp://127.0.0.1:1', security: 'none' });
    expect(insecure.code).toBe(DRIFT_EXIT.USAGE);
    expect(insecure.err[0]).toMatch(/--insecure/);
    const noPassword = await run({ released, live: 'opc.tcp://127.0.0.1:1', user: 'operator' });
    expect(noPassword.code).toBe(DRIFT_EXIT.USAGE);
    expect(noPassword.err[0]).toMatch(/--user operator needs the password in \$PLC_OPCUA_PASSWORD/);
    const gone = await run({ released: `git+file://${work}/missing.git#main`, live: released });
    expect(gone.code).toBe(DRIFT_EXIT.UNREACHABLE);
    expect(gone.err[0]).toMatch(/cannot be reached/);
  });

  it('reads the live program of a PLC over OPC UA (and says when it cannot)', async () => {
    const pki = join(work, 'pki');
    const live = ['Conveyor.st', 'GVL_IO.st', 'PressControl.st'];
    const texts = await Promise.all(live.map((n) => readFile(join(PLANT, n), 'utf8')));
    const runtime = new MemoryRuntime({ Run: ['BOOL', false] }, () => {}, [
      ...live.map((name, i) => ({
        name,
        text: texts[i]!.replace(/\(\*[^*]*\*\)/g, '(* edited at the PLC *)'),
      })),
    ]);
    const tags = TagMap.parse({
      apiVersion: 'plcfleet/v1',
      kind: 'TagMap',
      tags: [
        {
          name: 'Run',
          modbus: { table: 'coil', address: 0, type: 'BOOL' },
          opcua: { nodeId: 'ns=1;s=Main.Run', browseName: 'Run' },
        },
      ],
    });
    const plc = await startPlcServer({
      runtime,
      tags,
      modbus: false,
      opcua: { dataDir: join(pki, 'server'), port: 0, security: 'none', allowAnonymous: true },
    });
    try {
      const endpoint = plc.opcua!.endpointUrl;
      const r = await run({
        released: `${repoUrl}#r1:plc`,
        live: endpoint,
        security: 'none',
        insecure: true,
        dataDir: join(pki, 'client'),
        json: true,
      });
      expect(r.code).toBe(DRIFT_EXIT.SAME);
      expect(JSON.parse(r.out[0]!)).toMatchObject({ status: 'same', live: endpoint });
    } finally {
      await plc.close();
    }
    const down = await run({
      released,
      live: 'opc.tcp://127.0.0.1:1',
      security: 'none',
      insecure: true,
      dataDir: join(pki, 'client'),
      timeoutMs: '2000',
    });
    expect(down.code).toBe(DRIFT_EXIT.UNREACHABLE);
    expect(down.err[0]).toMatch(/--live opc\.tcp:\/\/127\.0\.0\.1:1/);
  });
});

// `compile` reads a Git URL through a temporary checkout (issue #22); here beside the drift
// tests, which hold the Git fixture (cli/ has no index for a test elsewhere to import through).
describe('plcfleet-agent compile on a Git URL', () => {
  const compile = async (...args: string[]) => {
    const program = new Command('plcfleet-agent').exitOverride();
    registerIecCommands(program);
    let out = '';
    let err = '';
    const w = process.stdout.write.bind(process.stdout);
    const e = process.stderr.write.bind(process.stderr);
    process.stdout.write = ((s: string) => {
      out += s;
      return true;
    }) as typeof process.stdout.write;
    process.stderr.write = ((s: string) => {
      err += s;
      return true;
    }) as typeof process.stderr.write;
    process.exitCode = undefined;
    try {
      await program.parseAsync(['node', 'plcfleet-agent', 'compile', ...args]);
    } finally {
      process.stdout.write = w;
      process.stderr.write = e;
    }
    const code = process.exitCode;
    process.exitCode = undefined;
    return { out, err, code };
  };

  it('checks the program at a tag, and says which ref is missing or which remote is gone', async () => {
    const r = await compile(`${repoUrl}#r1:plc`, '--json');
    // The release holds three of the plant's files: two blocks they use are not among them.
    expect(JSON.parse(r.out)).toMatchObject({ files: 3, pous: 2, errors: 2 });
    expect(JSON.parse(r.out).diagnostics.map((d: { message: string }) => d.message)).toEqual([
      "unknown type 'SafetyCore'",
      "unknown type 'TwoHandControl'",
    ]);
    expect(r.code).toBe(1);
    const missing = await compile(`${repoUrl}#no-such-tag:plc`);
    expect(missing.code).toBe(EXIT.USAGE);
    expect(missing.err).toContain('no branch, tag or commit "no-such-tag"');
    const gone = await compile(`git+file://${work}/gone.git#main`);
    expect(gone.code).toBe(EXIT.UNREACHABLE);
  });
});
