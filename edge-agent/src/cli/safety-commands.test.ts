import { execFile } from 'node:child_process';
import { cp, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { EXIT } from '@plcfleet/protocols';
import { describe, expect, it } from 'vitest';
import { runHash, runSafety, type SafetyIo } from './safety-commands';

const corpus = fileURLToPath(new URL('../../toolchain/fixtures/safety-corpus', import.meta.url));

function io(): SafetyIo & { lines: string[]; errors: string[] } {
  const lines: string[] = [];
  const errors: string[] = [];
  return { lines, errors, out: (l) => lines.push(l), err: (l) => errors.push(l) };
}

/** A temporary directory holding `files` (path relative to it → text). */
async function tempTree(prefix: string, files: Record<string, string>): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  for (const [rel, text] of Object.entries(files)) {
    await mkdir(join(dir, rel, '..'), { recursive: true });
    await writeFile(join(dir, rel), text);
  }
  return dir;
}

function caseArgs(name: string, withMigration = false) {
  const dir = join(corpus, name);
  return {
    before: join(dir, 'before'),
    after: join(dir, 'after'),
    policy: join(dir, 'policy.yaml'),
    ...(withMigration ? { migration: join(dir, 'migration.yaml') } : {}),
  };
}

describe('plcfleet-agent safety', () => {
  it('exits 1 with the JSON contract on an unsafe change', async () => {
    const o = io();
    const code = await runSafety({ ...caseArgs('press-maintenance-bypass'), json: true, seed: '3' }, o);
    expect(code).toBe(EXIT.FAILED);
    const r = JSON.parse(o.lines[0]!);
    expect(Object.keys(r).sort()).toEqual(['findings', 'ms', 'proofs', 'verdict']);
    expect(r.verdict).toBe('fail');
    const bypass = r.findings.find((f: { rule: string }) => f.rule === 'forcing/bypass-or');
    expect(bypass).toMatchObject({ category: 'forcing', severity: 'error', file: 'PressControl.st' });
    expect(bypass.line).toBeGreaterThan(0);
    const proof = r.proofs.find(
      (p: { kind: string; result: string }) => p.kind === 'permissive' && p.result === 'refuted',
    );
    expect(proof.counterexample.inputs.length).toBeGreaterThan(0);
  });

  it('exits 0 on the guard migration with its migration file', async () => {
    const o = io();
    const code = await runSafety(caseArgs('press-safe-guard-migration', true), o);
    expect(code).toBe(EXIT.OK);
    expect(o.lines[0]).toMatch(/^safety: PASS/);
    // A random search that found nothing is evidence, not proof: the line says what it rests on.
    expect(o.lines).toContain(
      'proof permissive Safety_OK: not refuted in 32 random runs × 200 scans (seed 42)',
    );
    expect(o.lines.some((l) => /proven|proved/.test(l))).toBe(false);
  });

  it('says in the JSON what each claim rests on: proved only by an exhaustive search', async () => {
    const o = io();
    await runSafety({ ...caseArgs('press-safe-guard-migration', true), json: true }, o);
    const r = JSON.parse(o.lines[0]!);
    expect(r.proofs.length).toBeGreaterThan(0);
    for (const p of r.proofs) {
      expect(p).toMatchObject({ method: 'random', claim: 'not-refuted', seed: 42 });
      expect(p.basis).toBe('in 32 random runs × 200 scans (seed 42)');
    }
    const bypass = io();
    await runSafety({ ...caseArgs('press-maintenance-bypass'), json: true, seed: '3' }, bypass);
    const refuted = JSON.parse(bypass.lines[0]!).proofs.find((p: { claim: string }) => p.claim === 'refuted');
    expect(refuted.basis).toMatch(
      /^at scan \d+ \(\w+\) by (random|exhaustive) search in \d+ runs? \(seed 3\)$/,
    );
  });

  it('flags the redundant-sensor inputs the guard change adds and nothing drives, not once the tag map wires them', async () => {
    const o = io();
    expect(await runSafety(caseArgs('press-safe-guard-migration', true), o)).toBe(EXIT.OK);
    const undriven = o.lines.filter((l) => l.startsWith('warning safety-logic/undriven-input'));
    expect(undriven).toHaveLength(2);
    expect(undriven[0]).toMatch(
      /^warning safety-logic\/undriven-input PressControl\.st:\d+ input PressControl\.Front_Guard_Closed_Redundant is added by the change and nothing drives it/,
    );
    const wired = io();
    const tagMap = join(corpus, 'press-safe-guard-migration', 'tagmap.yaml');
    expect(
      await runSafety({ ...caseArgs('press-safe-guard-migration', true), tagMap: [tagMap] }, wired),
    ).toBe(EXIT.OK);
    expect(wired.lines.filter((l) => l.includes('undriven-input'))).toEqual([]);
  });

  it('exits 2 on unreadable or invalid input', async () => {
    const o = io();
    expect(
      await runSafety({ ...caseArgs('press-maintenance-bypass'), before: join(corpus, 'nope') }, o),
    ).toBe(EXIT.USAGE);
    expect(
      await runSafety(
        {
          ...caseArgs('press-maintenance-bypass'),
          policy: join(corpus, 'press-maintenance-bypass', 'expect.json'),
        },
        o,
      ),
    ).toBe(EXIT.USAGE);
    expect(await runSafety({ ...caseArgs('press-maintenance-bypass'), seed: 'x' }, o)).toBe(EXIT.USAGE);
    expect(o.errors).toHaveLength(3);
    // An expect.json given as the policy: its fields are named as unknown (parse errors lead with them).
    expect(o.errors[1]).toMatch(/expect\.json: \(root\): unknown fields "description", "verdict"/);
  });
});

describe('plcfleet-agent safety --plant --binding', () => {
  /** Fills below 400, stops above 600; `extra` is OR-ed into the pump permissive. */
  const ctl = (extra = '') =>
    `PROGRAM Ctl\nVAR_INPUT Level : INT; Enable : BOOL; END_VAR\nVAR_OUTPUT Pump : BOOL; Outlet : BOOL := TRUE; END_VAR\nPump := (Enable AND (Level < 400 OR (Pump AND NOT (Level > 600))))${extra};\nOutlet := TRUE;\nEND_PROGRAM\n`;
  /** The tank: the pump fills 3 a cycle, the open outlet drains 2; it starts at 500 and never passes ~610. */
  const TANK =
    'PROGRAM Tank\nVAR_INPUT PumpOn : BOOL; OutletOpen : BOOL; END_VAR\nVAR_OUTPUT Level : INT := 500; END_VAR\nIF PumpOn THEN Level := Level + 3; END_IF;\nIF OutletOpen THEN Level := Level - 2; END_IF;\nIF Level < 0 THEN Level := 0; END_IF;\nEND_PROGRAM\n';
  const BINDING = (sensor: string) =>
    `apiVersion: plcfleet/v1\nkind: PlantBinding\ndelay: 1\nsensors:\n  - { from: ${sensor}, to: Level }\nactuators:\n  - { from: Pump, to: PumpOn }\n  - { from: Outlet, to: OutletOpen, delay: 0 }\n`;

  async function project() {
    const dir = await tempTree('safety-plant-', {
      'before/ctl.st': ctl(),
      'after/ctl.st': ctl(' OR (Enable AND Level > 900)'),
      'reached/ctl.st': ctl(' OR (Enable AND Level > 450)'),
      'tank.st': TANK,
      'binding.yaml': BINDING('Level'),
      'typo.yaml': BINDING('Levle'),
      'policy.yaml': 'apiVersion: plcfleet/v1\nkind: SitePolicy\nsite: tank-site\npermissives: [Pump]\n',
    });
    const args = {
      before: join(dir, 'before'),
      after: join(dir, 'after'),
      policy: join(dir, 'policy.yaml'),
      json: true,
    };
    return { dir, args };
  }

  it('proves in closed loop: a loosening the tank never reaches is not refuted, one it reaches is', async () => {
    const { dir, args } = await project();
    try {
      const open = io();
      expect(await runSafety(args, open)).toBe(EXIT.FAILED);
      expect(JSON.parse(open.lines[0]!).findings.map((f: { rule: string }) => f.rule)).toContain(
        'permissive/loosened',
      );
      const closed = io();
      await runSafety({ ...args, plant: join(dir, 'tank.st'), binding: join(dir, 'binding.yaml') }, closed);
      const r = JSON.parse(closed.lines[0]!);
      expect(r.findings.map((f: { rule: string }) => f.rule)).not.toContain('permissive/loosened');
      expect(r.proofs.find((p: { kind: string }) => p.kind === 'permissive')).toMatchObject({
        result: 'proven',
        claim: 'not-refuted',
      });
      const reached = io();
      expect(
        await runSafety(
          {
            ...args,
            after: join(dir, 'reached'),
            plant: join(dir, 'tank.st'),
            binding: join(dir, 'binding.yaml'),
          },
          reached,
        ),
      ).toBe(EXIT.FAILED);
      expect(JSON.parse(reached.lines[0]!).findings.map((f: { rule: string }) => f.rule)).toContain(
        'permissive/loosened',
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('exits 2 on one flag alone, a bad binding file, and a wire end the programs lack', async () => {
    const { dir, args } = await project();
    try {
      const alone = io();
      expect(await runSafety({ ...args, plant: join(dir, 'tank.st') }, alone)).toBe(EXIT.USAGE);
      expect(alone.errors[0]).toMatch(/--binding is required with --plant/);
      const bad = io();
      expect(
        await runSafety({ ...args, plant: join(dir, 'tank.st'), binding: join(dir, 'policy.yaml') }, bad),
      ).toBe(EXIT.USAGE);
      expect(bad.errors[0]).toContain(`binding file ${join(dir, 'policy.yaml')}: `);
      const typo = io();
      expect(
        await runSafety({ ...args, plant: join(dir, 'tank.st'), binding: join(dir, 'typo.yaml') }, typo),
      ).toBe(EXIT.USAGE);
      expect(typo.errors[0]).toMatch(/the plant has no variable Levle/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('plcfleet-agent safety --libraries --models --define', () => {
  const libraries = fileURLToPath(new URL('../../toolchain/libraries', import.meta.url));
  /** A TwinCAT MAIN that reads its task index (Tc2_System) and debounces a start with TON (Tc2_Standard). */
  const main = (run: string) => `<?xml version="1.0" encoding="utf-8"?>
<TcPlcObject Version="1.1.0.1" ProductVersion="3.1.4024.12">
  <POU Name="MAIN" Id="{8f1c7a52-0c3e-4d7e-9a51-2f0f6f2f3a11}" SpecialFunc="None">
    <Declaration><![CDATA[PROGRAM MAIN
VAR_INPUT
    bStart : BOOL;
    bGuard : BOOL;
END_VAR
VAR_OUTPUT
    bRun : BOOL;
END_VAR
VAR
    fbTask : GETCURTASKINDEX;
    fbDebounce : TON;
    nTask : BYTE;
END_VAR]]></Declaration>
    <Implementation>
      <ST><![CDATA[fbTask();
nTask := fbTask.index;
fbDebounce(IN := bStart, PT := T#50MS);
bRun := ${run};]]></ST>
    </Implementation>
  </POU>
</TcPlcObject>
`;
  const PLCPROJ = `<?xml version="1.0" encoding="utf-8"?>
<Project DefaultTargets="Build" xmlns="http://schemas.microsoft.com/developer/msbuild/2003">
  <ItemGroup>
    <Compile Include="POUs\\MAIN.TcPOU"><SubType>Code</SubType></Compile>
  </ItemGroup>
  <ItemGroup>
    <PlaceholderReference Include="Tc2_Standard"><Namespace>Tc2_Standard</Namespace></PlaceholderReference>
    <PlaceholderReference Include="Tc2_System"><Namespace>Tc2_System</Namespace></PlaceholderReference>
  </ItemGroup>
</Project>
`;
  /** The library FB's behaviour in ST, as a site would supply it with --models: it runs in task 2. */
  const MODEL =
    'FUNCTION_BLOCK GETCURTASKINDEX\nVAR_OUTPUT\n    index : BYTE;\nEND_VAR\nindex := 2;\nEND_FUNCTION_BLOCK\n';

  async function project() {
    const dir = await tempTree('safety-libraries-', {
      'before/Plc.plcproj': PLCPROJ,
      'before/POUs/MAIN.TcPOU': main('fbDebounce.Q AND bGuard'),
      'after/Plc.plcproj': PLCPROJ,
      'after/POUs/MAIN.TcPOU': main('fbDebounce.Q AND bGuard'),
      'loosened/Plc.plcproj': PLCPROJ,
      'loosened/POUs/MAIN.TcPOU': main('fbDebounce.Q AND (bGuard OR nTask = 2)'),
      'simulated/Plc.plcproj': PLCPROJ,
      'simulated/POUs/MAIN.TcPOU': main(
        'fbDebounce.Q AND bGuard;\n{IF NOT defined(PRODUCTION)}\nbRun := bStart;\n{END_IF}\nnTask := nTask',
      ),
      'models/GETCURTASKINDEX.st': MODEL,
      'policy.yaml': 'apiVersion: plcfleet/v1\nkind: SitePolicy\nsite: cell-1\npermissives: [bRun]\n',
    });
    const args = { before: join(dir, 'before'), after: join(dir, 'after'), policy: join(dir, 'policy.yaml') };
    return { dir, args };
  }

  it('passes an unchanged program that calls Tc2_Standard/Tc2_System blocks with --libraries, fails it without', async () => {
    const { dir, args } = await project();
    try {
      const o = io();
      expect(await runSafety({ ...args, libraries }, o)).toBe(EXIT.OK);
      expect(o.lines[0]).toMatch(/^safety: PASS \(0 error/);
      const without = io();
      expect(await runSafety(args, without)).toBe(EXIT.FAILED);
      const missing = without.lines.find((l) => l.includes('GETCURTASKINDEX'));
      expect(missing).toMatch(/^error .*POUs\/MAIN\.TcPOU:\d+ .*--libraries DIR/);
      expect(without.lines.join('\n')).not.toContain('--externals');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('refuses a proof through a library FB without a body by name, runs it with --models', async () => {
    const { dir, args } = await project();
    try {
      const loosened = { ...args, after: join(dir, 'loosened'), libraries, json: true };
      // without a body the permissive proof cannot run: undecided, an error naming the block
      const o = io();
      expect(await runSafety(loosened, o)).toBe(EXIT.FAILED);
      const bare = JSON.parse(o.lines[0]!);
      expect(bare.proofs).toMatchObject([{ subject: 'bRun', result: 'inconclusive', claim: 'undecided' }]);
      const unproven = bare.findings.find((f: { rule: string }) => f.rule === 'permissive/unproven');
      expect(unproven).toMatchObject({ severity: 'error', file: 'POUs/MAIN.TcPOU' });
      expect(unproven.message).toContain("'GETCURTASKINDEX'");
      expect(unproven.message).toContain(
        'has no body to simulate; supply a behaviour model in ST for it (--models)',
      );
      // with its behaviour (task 2) the loosening is run, and refuted
      const modelled = io();
      expect(await runSafety({ ...loosened, models: join(dir, 'models') }, modelled)).toBe(EXIT.FAILED);
      const r = JSON.parse(modelled.lines[0]!);
      expect(r.proofs).toMatchObject([{ subject: 'bRun', result: 'refuted', claim: 'refuted' }]);
      expect(r.proofs[0].counterexample.variable).toBe('bRun');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('judges the configuration --define selects: a test-only branch it leaves out does not count', async () => {
    const { dir, args } = await project();
    try {
      const simulated = { ...args, after: join(dir, 'simulated'), libraries };
      const all = io();
      expect(await runSafety(simulated, all)).toBe(EXIT.FAILED);
      expect(all.lines.some((l) => l.startsWith('error ') && l.includes('bRun := bStart'))).toBe(true);
      const production = io();
      expect(await runSafety({ ...simulated, define: ['PRODUCTION'] }, production)).toBe(EXIT.OK);
      expect(production.lines[0]).toMatch(/^safety: PASS \(0 error/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('exits 2 on a --libraries or --models directory that does not exist', async () => {
    const { dir, args } = await project();
    try {
      const o = io();
      expect(await runSafety({ ...args, libraries: join(dir, 'nope') }, o)).toBe(EXIT.USAGE);
      expect(o.errors).toEqual([`safety: --libraries: no such library directory: ${join(dir, 'nope')}`]);
      const m = io();
      expect(await runSafety({ ...args, libraries, models: join(dir, 'none') }, m)).toBe(EXIT.USAGE);
      expect(m.errors).toEqual([`safety: --models: no such behaviour model directory: ${join(dir, 'none')}`]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('plcfleet-agent safety on Git URLs', () => {
  const git = async (cwd: string, ...args: string[]) =>
    (
      await promisify(execFile)('git', ['-C', cwd, ...args], {
        env: {
          ...process.env,
          GIT_AUTHOR_NAME: 'r',
          GIT_AUTHOR_EMAIL: 'r@r',
          GIT_COMMITTER_NAME: 'r',
          GIT_COMMITTER_EMAIL: 'r@r',
          GIT_CONFIG_NOSYSTEM: '1',
        },
      })
    ).stdout.trim();

  it('checks out --before and --after from a plant repository (REF:SUBDIR), same verdict as the folders', async () => {
    const root = await mkdtemp(join(tmpdir(), 'plcfleet-safety-git-'));
    try {
      const dir = join(corpus, 'press-maintenance-bypass');
      const bare = join(root, 'plant.git');
      const work = join(root, 'work');
      await git(root, 'init', '--quiet', '--bare', bare);
      await git(root, 'init', '--quiet', work);
      await cp(join(dir, 'before'), join(work, 'plc'), { recursive: true });
      await git(work, 'add', '--all');
      await git(work, 'commit', '--quiet', '-m', 'as it is');
      await git(work, 'tag', 'v1');
      await rm(join(work, 'plc'), { recursive: true });
      await cp(join(dir, 'after'), join(work, 'plc'), { recursive: true });
      await git(work, 'add', '--all');
      await git(work, 'commit', '--quiet', '-m', 'the change');
      const v2 = await git(work, 'rev-parse', 'HEAD');
      await git(work, 'push', '--quiet', '--tags', bare, 'HEAD:refs/heads/main');
      const url = `git+file://${bare}`;
      const o = io();
      const code = await runSafety(
        {
          before: `${url}#v1:plc`,
          after: `${url}#${v2}:plc`,
          policy: join(dir, 'policy.yaml'),
          json: true,
          quick: true,
        },
        o,
      );
      expect(o.errors).toEqual([]);
      expect(code).toBe(EXIT.FAILED);
      const r = JSON.parse(o.lines[0]!);
      expect(r.findings.some((f: { rule: string }) => f.rule === 'forcing/bypass-or')).toBe(true);

      const missing = io();
      const bad = await runSafety(
        { before: `${url}#no-such-ref`, after: join(dir, 'after'), policy: join(dir, 'policy.yaml') },
        missing,
      );
      expect(bad).toBe(EXIT.USAGE);
      expect(missing.errors[0]).toMatch(/^safety: /);
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });
});

describe('plcfleet-agent hash', () => {
  it('prints a semantic hash that survives comments and layout but not edits', async () => {
    const hashes: string[] = [];
    for (const side of ['before', 'after']) {
      const o = io();
      expect(await runHash(join(corpus, 'press-safe-certified-recommented', side), 'safetycore', o)).toBe(0);
      hashes.push(o.lines[0]!);
    }
    expect(hashes[0]).toMatch(/^[0-9a-f]{64}$/);
    expect(hashes[1]).toBe(hashes[0]);
    const o = io();
    await runHash(join(corpus, 'press-certified-safetycore-edited', 'after'), 'SafetyCore', o);
    expect(o.lines[0]).not.toBe(hashes[0]);
  });

  it('exits 2 for an unknown POU', async () => {
    const o = io();
    expect(await runHash(join(corpus, 'press-safe-certified-recommented', 'before'), 'NoSuchPou', o)).toBe(2);
    expect(o.errors[0]).toMatch(/no POU named NoSuchPou/);
  });
});
