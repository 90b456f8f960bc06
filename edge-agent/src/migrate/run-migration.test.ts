import { cp, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseScenarioFile } from '@plcfleet/toolchain/sim';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDirectorySource, hashProgram } from '../sources';
import { exampleMigration, FIXTURES, factsAt, policyAt, REPO } from '../testing/migration-fixtures';
import { createRecipeTransformer } from '../transform';
import { runMigration } from './run-migration';
import { writeVerifiedChange } from './write-change';

let work: string;
beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'plcfleet-migrate-'));
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

const guard = exampleMigration('safety-guard-monitor');
const facts = factsAt(join(FIXTURES, 'site.facts.yaml'));

async function copyPlant(name: string): Promise<string> {
  const dir = join(work, `${name}-${Math.random().toString(36).slice(2, 8)}`);
  await cp(join(FIXTURES, name), dir, { recursive: true });
  return dir;
}

describe('runMigration with the recipe transformer', () => {
  it('migrates a plant with several guards: compile, safety (permissive tightened), scenarios, equivalence, judges', async () => {
    const dir = await copyPlant('multi-guard');
    const source = createDirectorySource(dir);
    const before = await source.read();
    const scenarios = [
      parseScenarioFile(
        await readFile(join(FIXTURES, 'multi-guard.scenarios.yaml'), 'utf8'),
        'multi-guard.scenarios.yaml',
      ),
    ];
    const out = join(work, 'job-multi');
    const phases: string[] = [];
    const v = await runMigration({
      migration: guard,
      source,
      policy: policyAt(join(dir, 'policy.yaml')),
      siteFacts: facts,
      transformer: createRecipeTransformer(),
      scenarios,
      outDir: out,
      onProgress: (e) => phases.push(e.phase),
    });
    expect(v.reason).toMatch(/3 application\(s\)/);
    expect(v.outcome).toBe('passed');
    expect(v.safetyFailure).toBe(false);
    expect(v.evidence.safety.verdict).toBe('pass');
    expect(v.evidence.scenarios.map((s) => s.passed)).toEqual([true, true]);
    expect(v.evidence.equivalence?.equivalent).toBe(true);
    expect(v.evidence.judges.map((j) => [j.judge, j.verdict])).toEqual([['scope', 'pass']]);
    expect(phases).toEqual(
      expect.arrayContaining([
        'read',
        'preconditions',
        'transform',
        'safety',
        'scenarios',
        'judge',
        'verdict',
      ]),
    );
    // The diff holds only the guard statements and the new declarations.
    const removed = v.evidence.diff.split('\n').filter((l) => l.startsWith('-') && !l.startsWith('---'));
    const added = v.evidence.diff.split('\n').filter((l) => l.startsWith('+') && !l.startsWith('+++'));
    expect(removed.map((l) => l.slice(1).trim())).toEqual([
      'IF Door_Closed = TRUE THEN',
      'Door_OK := TRUE;',
      'END_IF;',
      'IF Hatch_Closed = TRUE THEN',
      'Hatch_OK := TRUE;',
      'END_IF;',
      'IF Fence_Closed = TRUE THEN',
      'Fence_OK := TRUE;',
      'END_IF;',
    ]);
    expect(added.filter((l) => /: (BOOL|SAFETY_GUARD_MONITOR);$/.test(l))).toHaveLength(6);
    expect(added.filter((l) => /_Monitor\($/.test(l))).toHaveLength(3);
    // Evidence is complete and the job folder is there; the source was not written.
    expect(v.evidence.sha256Before).toBe(hashProgram(before));
    expect(v.evidence.sha256After).not.toBe(v.evidence.sha256Before);
    expect(await source.read()).toEqual(before);
    expect((await readdir(out)).sort()).toEqual(['after', 'diff.patch', 'trace.jsonl', 'verdict.json']);
    expect((await readdir(join(out, 'after'))).sort()).toEqual(['FillerCell.st', 'RobotCell.st']);
    const after = [...before.filter((f) => !['FillerCell.st', 'RobotCell.st'].includes(f.path))];
    for (const p of ['FillerCell.st', 'RobotCell.st'])
      after.push({ path: p, text: await readFile(join(out, 'after', p), 'utf8') });
    expect(hashProgram(after)).toBe(v.evidence.sha256After);
    expect(JSON.parse(await readFile(join(out, 'verdict.json'), 'utf8'))).toEqual(v);
    expect(await readFile(join(out, 'diff.patch'), 'utf8')).toBe(v.evidence.diff);
  });

  it('is deterministic: same program, migration and seed give the same verdict and evidence hash', async () => {
    const dir = await copyPlant('multi-guard');
    const run = () =>
      runMigration({
        migration: guard,
        source: createDirectorySource(dir),
        policy: policyAt(join(dir, 'policy.yaml')),
        siteFacts: facts,
        transformer: createRecipeTransformer(),
        seed: 42,
      });
    const [a, b] = [await run(), await run()];
    expect(a.evidence.evidenceHash).toMatch(/^[0-9a-f]{64}$/);
    expect(b.evidence.evidenceHash).toBe(a.evidence.evidenceHash);
    expect({ ...b, evidence: { ...b.evidence, timings: {} } }).toEqual({
      ...a,
      evidence: { ...a.evidence, timings: {} },
    });
  });

  it('skips a project that already uses SAFETY_GUARD_MONITOR', async () => {
    const dir = await copyPlant('already-monitored');
    const v = await runMigration({
      migration: guard,
      source: createDirectorySource(dir),
      policy: policyAt(join(dir, 'policy.yaml')),
      siteFacts: facts,
      transformer: createRecipeTransformer(),
    });
    expect(v.outcome).toBe('skipped');
    expect(v.reason).toContain('skipIf matched: uses SAFETY_GUARD_MONITOR');
    expect(v.evidence.diff).toBe('');
    expect(v.evidence.sha256After).toBeNull();
  });

  it('skips a site whose firmware is too old, with the reason', async () => {
    const dir = await copyPlant('multi-guard');
    const v = await runMigration({
      migration: guard,
      source: createDirectorySource(dir),
      siteFacts: factsAt(join(FIXTURES, 'old-firmware.facts.yaml')),
      transformer: createRecipeTransformer(),
    });
    expect(v.outcome).toBe('skipped');
    expect(v.reason).toBe(
      'onlyIf not met: firmware >=3.0 — site firmware is 2.8 (SAFETY_GUARD_MONITOR needs the 3.x site library)',
    );
  });

  it('fails with category certified when the only match is inside a certified POU, and writes nothing', async () => {
    const dir = await copyPlant('certified-only');
    const source = createDirectorySource(dir);
    const before = await source.read();
    const out = join(work, 'job-certified');
    const v = await runMigration({
      migration: guard,
      source,
      policy: policyAt(join(dir, 'policy.yaml')),
      siteFacts: facts,
      transformer: createRecipeTransformer(),
      outDir: out,
    });
    expect(v.outcome).toBe('failed');
    expect(v.safetyFailure).toBe(true);
    expect(v.evidence.safety.verdict).toBe('fail');
    expect(v.evidence.safety.findings.filter((f) => f.severity === 'error').map((f) => f.category)).toContain(
      'certified',
    );
    expect(await source.read()).toEqual(before);
    expect((await readdir(out)).sort()).toEqual(['diff.patch', 'trace.jsonl', 'verdict.json']);
  });

  it('runs the Modbus-call → OPC UA-call migration on the press line example', async () => {
    const v = await runMigration({
      migration: exampleMigration('modbus-to-opcua'),
      source: createDirectorySource(join(REPO, 'examples/plants/press-line')),
      policy: policyAt(join(REPO, 'examples/policies/press-line.yaml')),
      siteFacts: factsAt(join(REPO, 'examples/sites/press-line-2.facts.yaml')),
      transformer: createRecipeTransformer(),
    });
    expect(v.outcome).toBe('passed');
    expect(v.evidence.diff).toContain('+    Read_Speed : UA_ReadNodes;');
    expect(v.evidence.diff).toContain('NodeId := MB_TO_UA_NODEID(1, 200)');
    expect(v.evidence.equivalence?.equivalent).toBe(true);
  });

  it('runs the guard migration on the press line example', async () => {
    const v = await runMigration({
      migration: guard,
      source: createDirectorySource(join(REPO, 'examples/plants/press-line')),
      policy: policyAt(join(REPO, 'examples/policies/press-line.yaml')),
      siteFacts: factsAt(join(REPO, 'examples/sites/press-line-2.facts.yaml')),
      transformer: createRecipeTransformer(),
    });
    expect(v.outcome).toBe('passed');
    expect(v.site).toBe('press-line-2');
    expect(v.evidence.diff).toContain('+    Front_Guard_Closed_Monitor : SAFETY_GUARD_MONITOR;');
  });

  it('reports a program that cannot be read as an error', async () => {
    const v = await runMigration({
      migration: guard,
      source: createDirectorySource(join(work, 'does-not-exist')),
      siteFacts: facts,
      transformer: createRecipeTransformer(),
    });
    expect(v.outcome).toBe('error');
    expect(v.reason).toContain('cannot read the program');
  });

  it('needs site facts for firmware conditions (error, not a silent skip)', async () => {
    const dir = await copyPlant('multi-guard');
    const v = await runMigration({
      migration: guard,
      source: createDirectorySource(dir),
      transformer: createRecipeTransformer(),
    });
    expect(v.outcome).toBe('error');
    expect(v.reason).toContain('needs site facts');
  });
});

describe('runMigration on TwinCAT XML', () => {
  it('migrates a .TcPOU in place: only the ST inside the CDATA changes, the XML around it is kept byte for byte', async () => {
    const dir = await copyPlant('twincat-guard');
    const out = join(work, 'job-twincat');
    const v = await runMigration({
      migration: guard,
      source: createDirectorySource(dir),
      policy: policyAt(join(dir, 'policy.yaml')),
      siteFacts: facts,
      transformer: createRecipeTransformer(),
      outDir: out,
    });
    expect(v.reason).toContain('1 application(s)');
    expect(v.outcome).toBe('passed');
    const before = await readFile(join(dir, 'PRG_Door.TcPOU'), 'utf8');
    const after = await readFile(join(out, 'after', 'PRG_Door.TcPOU'), 'utf8');
    expect(after.startsWith('\uFEFF<?xml version="1.0" encoding="utf-8"?>')).toBe(true);
    expect(after).toContain('    Door_Closed_Redundant : BOOL;\nEND_VAR\nVAR_OUTPUT');
    expect(after).toContain('<ST><![CDATA[Door_OK := FALSE;\nDoor_Closed_Monitor(\n');
    // outside the CDATA sections nothing moved
    const xmlOnly = (t: string) => t.replace(/<!\[CDATA\[[\s\S]*?\]\]>/g, '<![CDATA[]]>');
    expect(xmlOnly(after)).toBe(xmlOnly(before));
  });
});

describe('writeVerifiedChange', () => {
  it('writes a passed change back, and refuses a stale program or files that do not match', async () => {
    const dir = await copyPlant('multi-guard');
    const source = createDirectorySource(dir);
    const out = join(work, 'job-deploy');
    const v = await runMigration({
      migration: guard,
      source,
      siteFacts: facts,
      transformer: createRecipeTransformer(),
      outDir: out,
    });
    expect(v.outcome).toBe('passed');
    const changed = await Promise.all(
      (await readdir(join(out, 'after'))).map(async (p) => ({
        path: p,
        text: await readFile(join(out, 'after', p), 'utf8'),
      })),
    );
    await expect(writeVerifiedChange(source, v, changed.slice(0, 1))).rejects.toThrow(/sha256After differs/);
    await expect(writeVerifiedChange(source, { ...v, outcome: 'failed' }, changed)).rejects.toThrow(
      /only a passed change/,
    );
    expect(await writeVerifiedChange(source, v, changed)).toEqual({ sha256: v.evidence.sha256After });
    expect(hashProgram(await source.read())).toBe(v.evidence.sha256After);
    // a second write finds the program already changed
    await expect(writeVerifiedChange(source, v, changed)).rejects.toMatchObject({
      code: 'changed-since-read',
    });
  });
});
