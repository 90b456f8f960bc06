/**
 * The guard migration on a plant whose press enable is computed from the guarded permissive
 * (issue #14 point 4, "done when"): the one-way relation `Safety_OK: new -> old` carries through
 * `Press_Enable := Run_Latch.Q1 AND Safety_OK`, so the stricter enable passes; an enable made
 * more permissive still fails, and the counterexample names the related signal.
 */
import { readFileSync } from 'node:fs';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SitePolicy } from '@plcfleet/protocols';
import { ladderToSt, readL5x } from '@plcfleet/toolchain/l5x';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDirectorySource } from '../sources';
import { exampleMigration, FIXTURES, factsAt, policyAt, REPO } from '../testing/migration-fixtures';
import { createRecipeTransformer } from '../transform';
import { runMigration } from './run-migration';
import { createVerifiers } from './verifiers';

const PLANTS = join(REPO, 'edge-agent/toolchain/fixtures/safety-plants');
const guard = exampleMigration('safety-guard-monitor');
const facts = factsAt(join(FIXTURES, 'site.facts.yaml'));
const policy = policyAt(join(PLANTS, 'guarded-press.policy.yaml'));

let work: string;
beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'plcfleet-guarded-press-'));
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

async function plant(edit?: (text: string) => string): Promise<string> {
  const dir = join(work, Math.random().toString(36).slice(2, 8));
  await cp(join(PLANTS, 'guarded-press'), dir, { recursive: true });
  if (edit) {
    const file = join(dir, 'PressCell.st');
    await writeFile(file, edit(await readFile(file, 'utf8')));
  }
  return dir;
}

describe('the guard migration on a plant whose permissive is computed from the guarded signal', () => {
  it('passes: the stricter Safety_OK makes Press_Enable stricter, judged by the relation', async () => {
    const v = await runMigration({
      migration: guard,
      source: createDirectorySource(await plant()),
      policy,
      siteFacts: facts,
      transformer: createRecipeTransformer(),
    });
    expect(v.reason).toMatch(/1 application/);
    expect(v.evidence.equivalence).toMatchObject({ equivalent: true, claim: 'not-refuted', seed: 42 });
    expect(v.evidence.safety.verdict).toBe('pass');
    expect(v.outcome).toBe('passed');
    expect(v.evidence.diff).toContain('+Door_Closed_Monitor(');
  });

  it("proves the build's branches of {IF}: refused without a define set, passed with one (decision 0178)", async () => {
    // The lamp is computed in a branch a LINE_2 build drops. Before, the proofs ran both branches
    // one after the other, a program no build has; the migrate path still did after c6ead58.
    const dir = await plant((t) =>
      t.replace(
        'Guard_Open_Lamp := NOT Safety_OK;',
        '{IF defined(LINE_2)}\nGuard_Open_Lamp := FALSE;\n{ELSE}\nGuard_Open_Lamp := NOT Safety_OK;\n{END_IF}',
      ),
    );
    const run = (defines?: string[]) =>
      runMigration({
        migration: guard,
        source: createDirectorySource(dir),
        policy,
        siteFacts: facts,
        transformer: createRecipeTransformer(),
        ...(defines ? { defines } : {}),
      });
    const none = await run();
    expect(none.outcome).toBe('failed');
    expect(none.evidence.equivalence).toMatchObject({ equivalent: false, claim: 'undecided' });
    const built = await run([]);
    expect(built.evidence.equivalence).toMatchObject({ equivalent: true, claim: 'not-refuted' });
    expect(built.evidence.safety.verdict).toBe('pass');
    expect(built.outcome).toBe('passed');
  });

  it('fails when the press enable in the plant is made more permissive, naming the related signal', async () => {
    // The same migration, and a second rule that loosens the enable (an OR in place of the AND).
    const loosening = {
      ...guard,
      recipe: {
        ...guard.recipe!,
        rules: [
          ...guard.recipe!.rules,
          {
            ...guard.recipe!.rules[0]!,
            name: 'loosen-enable',
            match: 'Press_Enable := Run_Latch.Q1 AND Safety_OK;',
            replace: 'Press_Enable := Run_Latch.Q1 OR Safety_OK;',
            declare: [],
          },
        ],
      },
    };
    const v = await runMigration({
      migration: loosening,
      source: createDirectorySource(await plant()),
      policy,
      siteFacts: facts,
      transformer: createRecipeTransformer(),
    });
    expect(v.outcome).toBe('failed');
    expect(v.evidence.diff).toContain('+Press_Enable := Run_Latch.Q1 OR Safety_OK;');
    expect(v.evidence.equivalence).toMatchObject({ equivalent: false, claim: 'refuted' });
    expect(v.evidence.equivalence?.counterexample).toMatchObject({
      variable: 'PressCell.Press_Enable',
      before: false,
      after: true,
      relatedSignal: 'Safety_OK: new -> old',
    });
  });
});

describe("the job's safety verifier reads the bound model", () => {
  it('sees a constant forced onto the permissive through a VAR CONSTANT', async () => {
    const text = await readFile(join(PLANTS, 'guarded-press', 'PressCell.st'), 'utf8');
    const forced = text
      .replace(
        'VAR\n    Run_Latch : RS;',
        'VAR CONSTANT\n    GUARD_OK_ALWAYS : BOOL := NOT FALSE;\nEND_VAR\nVAR\n    Run_Latch : RS;',
      )
      .replace('(* Run latch', 'Safety_OK := GUARD_OK_ALWAYS;\n\n(* Run latch');
    expect(forced).toContain('Safety_OK := GUARD_OK_ALWAYS;');
    const lib = {
      path: 'SafetyLib.st',
      text: await readFile(join(PLANTS, 'guarded-press', 'SafetyLib.st'), 'utf8'),
    };
    const v = createVerifiers({ policy });
    const before = v.compile([{ path: 'PressCell.st', text }, lib]);
    const after = v.compile([{ path: 'PressCell.st', text: forced }, lib]);
    expect(after.ok).toBe(true);
    const r = await v.safety(before, after, 'quick');
    expect(r.verdict).toBe('fail');
    expect(r.findings.find((f) => f.rule === 'forcing/constant-assignment')).toMatchObject({
      file: 'PressCell.st',
      message: 'new assignment of a constant to Safety_OK: `Safety_OK := GUARD_OK_ALWAYS;`',
    });
  });
});

describe('L5X projects: compile, safety and the ladder-to-st change (issue 18)', () => {
  const path = 'ladder-line.L5X';
  const text = readFileSync(join(REPO, 'examples/plants/ladder-line/ladder-line.L5X'), 'utf8');
  const converted = Buffer.from(ladderToSt(readL5x(text), { runs: 10, seed: 1 }).output).toString('utf8');
  const sealIn = 'IF Stop_PB OR EStop THEN';
  const policy = SitePolicy.parse({
    apiVersion: 'plcfleet/v1',
    kind: 'SitePolicy',
    site: 'ladder-line',
    emergencyStops: ['Conveyor_Run', 'Motor_Out'],
  });

  it('checks an L5X for real: the plant compiles, a candidate with an undeclared tag fails at its rung', () => {
    const v = createVerifiers();
    const ok = v.compile([{ path, text }]);
    expect(ok.ok).toBe(true);
    expect(ok.models?.map((m) => m.file.path)).toEqual([path]);
    expect(ok.parsed).toEqual([]);
    const broken = v.compile([
      { path, text: text.replace('XIO(EStop)OTE(Conveyor_Run)', 'XIO(E_Stop)OTE(Conveyor_Run)') },
    ]);
    expect(broken.ok).toBe(false);
    expect(broken.diagnostics[0]).toMatchObject({
      file: path,
      severity: 'error',
      code: 'L5X2001',
      message: 'MainProgram/Conveyor rung 0: tag E_Stop is not declared',
    });
  });

  it('proves the E-stop logic of a ladder-to-st change equal and catches a hostile one', async () => {
    expect(converted).toContain(sealIn);
    const v = createVerifiers({ policy, seed: 1 });
    const before = v.compile([{ path, text }]);
    const after = v.compile([{ path, text: converted }]);
    expect(after.ok).toBe(true);
    const legit = await v.safety(before, after, 'full');
    const rules = (r: typeof legit) =>
      r.findings.filter((f) => f.rule.startsWith('estop/')).map((f) => f.rule);
    expect(rules(legit)).toEqual(['estop/proven-equivalent']);
    expect(legit.findings.filter((f) => f.severity === 'error')).toEqual([]);
    expect(legit.verdict).toBe('pass');
    expect(legit.proofs.map((p) => [p.kind, p.subject, p.result])).toEqual([
      ['estop', 'Conveyor_Run, Motor_Out', 'proven'],
    ]);
    // the same conversion with the E-stop dropped from the seal-in's reset
    const hostile = v.compile([{ path, text: converted.replace(sealIn, 'IF Stop_PB THEN') }]);
    expect(hostile.ok).toBe(true);
    const caught = await v.safety(before, hostile, 'full');
    expect(caught.verdict).toBe('fail');
    expect(rules(caught)).toContain('estop/slice-changed');
    expect(caught.findings.map((f) => f.message)).toContain(
      'EStop no longer influences Conveyor_Run (an interlock removed, bypassed or commented out)',
    );
    expect(caught.proofs[0]?.result).toBe('refuted');
  }, 120_000);

  it('fails closed when a program of the L5X cannot be modelled', async () => {
    const withPid = text.replace(
      'XIC(Jam_Sensor)OTL(Jam_Alarm)',
      'XIC(Jam_Sensor)MSG(Jam_Alarm)OTL(Jam_Alarm)',
    );
    const v = createVerifiers({ policy });
    const before = v.compile([{ path, text: withPid }]);
    // valid Logix: compile passes with a warning naming the instruction
    expect(before.ok).toBe(true);
    expect(before.diagnostics.map((d) => d.message)).toContain(
      'MainProgram/Conveyor rung 2: instruction MSG is not modelled',
    );
    const r = await v.safety(before, before, 'quick');
    expect(r.verdict).toBe('fail');
  });
});
