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
import { createRecipeTransformer } from '../transform';
import { runMigration } from './run-migration';
import { exampleMigration, FIXTURES, factsAt, policyAt, REPO } from './test-helpers';

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
