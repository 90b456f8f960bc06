/**
 * The guard migration on a plant whose press enable is computed from the guarded permissive
 * (issue #14 point 4, "done when"): the one-way relation `Safety_OK: new -> old` carries through
 * `Press_Enable := Run_Latch.Q1 AND Safety_OK`, so the stricter enable passes; an enable made
 * more permissive still fails, and the counterexample names the related signal.
 */
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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
