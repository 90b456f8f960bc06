import { cp, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Evidence } from '@plcfleet/protocols';
import { computeEvidenceHash } from '@plcfleet/protocols/signing';
import { readL5x } from '@plcfleet/toolchain/l5x';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDirectorySource } from '../../sources';
import { exampleMigration, REPO } from '../../testing/migration-fixtures';
import { createRecipeTransformer } from '../../transform';
import { runMigration } from '../run-migration';
import { createVerifiers } from '../verifiers';
import { ladderToStKind } from './ladder-to-st';

const PLANT = join(REPO, 'examples/plants/ladder-line');
const migration = exampleMigration('ladder-to-st');

let work: string;
beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'plcfleet-ladder-kind-'));
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

describe('the ladder-to-st kind', () => {
  it('converts the plant through runMigration, proves it and lists each routine', async () => {
    const dir = join(work, 'plant');
    await cp(PLANT, dir, { recursive: true });
    const out = join(work, 'job');
    const v = await runMigration({
      migration,
      source: createDirectorySource(dir),
      transformer: createRecipeTransformer(),
      outDir: out,
    });
    // the directory source reads the .L5X (6 ladder routines) and the PLCopen pump cell (1)
    expect(v.reason).toMatch(
      /^7 of 7 ladder routine\(s\) converted to ST and proven equivalent; compile, safety/,
    );
    expect(v.outcome).toBe('passed');
    expect(v.evidence.transformer).toBe('none');
    expect(v.evidence.equivalence).toMatchObject({ equivalent: true, runs: 50, scans: 300, seed: 1 });
    expect(v.evidence.diff).toContain('+          <ST>');
    expect(v.evidence.diff).toMatch(/^\+.*<Routine Name="Conveyor" Type="ST"/m);
    const trace = (await readFile(join(out, 'trace.jsonl'), 'utf8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { type: string; routines?: unknown });
    const proven = (name: string) => ({
      name,
      converted: true,
      equivalent: true,
      runs: 50,
      scans: 300,
      counterexample: null,
      reason: null,
    });
    const listed = trace.find((e) => e.type === 'ladder-to-st')?.routines as { name: string }[];
    expect([...listed].sort((a, b) => a.name.localeCompare(b.name))).toEqual(
      [
        'MainProgram/MainRoutine',
        'MainProgram/Conveyor',
        'MainProgram/Timers',
        'MainProgram/Counters',
        'MainProgram/Sequencer',
        'MainProgram/Pumps',
        'PRG_PumpLadder/body',
      ]
        .sort((a, b) => a.localeCompare(b))
        .map(proven),
    );
    // the same list is in the verdict's evidence, under its hash
    expect(v.evidence.routines).toEqual(listed);
  });

  it('converts the L5X routines that scope.routines selects; the others stay ladder', async () => {
    const text = await readFile(join(PLANT, 'ladder-line.L5X'), 'utf8');
    const files = [{ path: 'ladder-line.L5X', text }];
    const traced: { type: string; [k: string]: unknown }[] = [];
    const job = {
      migration: {
        ...migration,
        scope: { ...migration.scope, routines: ['MainProgram/Co*', 'MainProgram/Legacy_FBD'] },
      },
      files,
      before: { ok: true, diagnostics: [], parsed: [] },
      verifiers: createVerifiers(),
      transformer: createRecipeTransformer(),
      policy: null,
      siteFacts: null,
      trace: (e: { type: string; [k: string]: unknown }) => traced.push(e),
      progress: () => {},
    };
    const r = await ladderToStKind.change(job);
    expect(r.outcome).toBe('changed');
    expect(r.reason).toBe('2 of 2 ladder routine(s) converted to ST and proven equivalent');
    const routines = readL5x(Buffer.from(r.files[0]!.text, 'utf8')).programs[0]!.routines;
    expect(routines.map((x) => `${x.name}:${x.type}`)).toEqual([
      'MainRoutine:RLL',
      'Conveyor:ST',
      'Timers:RLL',
      'Counters:ST',
      'Sequencer:RLL',
      'Pumps:RLL',
      'Legacy_FBD:FBD',
    ]);
    expect(traced[0]).toMatchObject({ type: 'ladder-to-st' });
    expect(ladderToStKind.scopeJudge(job, job.before, r)).toEqual({
      judge: 'scope',
      verdict: 'pass',
      findings: [],
    });
    const eq = await ladderToStKind.equivalence(job, job.before, r);
    expect(eq).toMatchObject({ equivalent: true, runs: 50, scans: 300, claim: 'not-refuted' });
    // the evidence's per-routine list: the CLI's JSON, one entry per selected routine
    const fields = ladderToStKind.evidence?.(r);
    const conveyor = {
      name: 'MainProgram/Conveyor',
      converted: true,
      equivalent: true,
      runs: 50,
      scans: 300,
      counterexample: null,
      reason: null,
    };
    expect(fields).toEqual({
      routines: [conveyor, { ...conveyor, name: 'MainProgram/Counters' }],
    });
    const withList = Evidence.parse(fields);
    expect(withList.routines).toEqual(fields?.routines);
    // the hash covers the list: one routine differing changes it; evidence without the field
    // (every other kind, every verdict written before it) hashes as it did
    const other = Evidence.parse({ routines: [conveyor, { ...conveyor, name: 'MainProgram/Timers' }] });
    expect(computeEvidenceHash(withList)).not.toBe(computeEvidenceHash(other));
    const without = Evidence.parse({});
    expect('routines' in without).toBe(false);
    expect(computeEvidenceHash(without)).not.toBe(computeEvidenceHash(withList));
    expect(computeEvidenceHash(Evidence.parse(JSON.parse(JSON.stringify(withList))))).toBe(
      computeEvidenceHash(withList),
    );
  });

  it('leaves files outside scope.files alone', async () => {
    const text = await readFile(join(PLANT, 'ladder-line.L5X'), 'utf8');
    const job = {
      migration: { ...migration, scope: { ...migration.scope, files: ['cells/**'] } },
      files: [{ path: 'ladder-line.L5X', text }],
      before: { ok: true, diagnostics: [], parsed: [] },
      verifiers: createVerifiers(),
      transformer: createRecipeTransformer(),
      policy: null,
      siteFacts: null,
      trace: () => {},
      progress: () => {},
    };
    const r = await ladderToStKind.change(job);
    expect(r.outcome).toBe('no-change');
    expect(r.files[0]!.text).toBe(text);
  });

  it('fails when nothing in scope is ladder', async () => {
    const text = await readFile(join(PLANT, 'ladder-line.L5X'), 'utf8');
    const job = {
      migration: { ...migration, scope: { ...migration.scope, routines: ['Other/*'] } },
      files: [{ path: 'ladder-line.L5X', text }],
      before: { ok: true, diagnostics: [], parsed: [] },
      verifiers: createVerifiers(),
      transformer: createRecipeTransformer(),
      policy: null,
      siteFacts: null,
      trace: () => {},
      progress: () => {},
    };
    const r = await ladderToStKind.change(job);
    expect(r.outcome).toBe('no-change');
    expect(r.reason).toBe('no ladder routine of the project matches Other/*');
    expect(r.files[0]!.text).toBe(text);
  });
});
