import { execFile } from 'node:child_process';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { EXIT, Migration } from '@plcfleet/protocols';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { FIXTURES, REPO } from '../testing/migration-fixtures';
import { MIGRATE_EXIT, type MigrateArgs, runMigrate } from './migrate-commands';

let work: string;
beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'plcfleet-cli-migrate-'));
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

function io() {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, io: { out: (l: string) => out.push(l), err: (l: string) => err.push(l) } };
}

const guard = join(REPO, 'examples/migrations/safety-guard-monitor.yaml');
const facts = join(FIXTURES, 'site.facts.yaml');
const plant = (name: string) => join(FIXTURES, name);
const run = (args: MigrateArgs, env: Record<string, string> = {}) => {
  const o = io();
  return runMigrate(args, o.io, env).then((code) => ({ code, ...o }));
};

describe('plcfleet-agent migrate', () => {
  it('exits 0 on a passed verdict, prints the verdict with --json and writes the job folder', async () => {
    const out = join(work, 'job');
    const r = await run({
      migration: guard,
      project: plant('multi-guard'),
      policy: join(plant('multi-guard'), 'policy.yaml'),
      siteFacts: facts,
      out,
      json: true,
    });
    expect(r.code).toBe(MIGRATE_EXIT.PASSED);
    expect(r.err).toEqual([]);
    const verdict = JSON.parse(r.out.join('\n'));
    expect(verdict.outcome).toBe('passed');
    expect(JSON.parse(await readFile(join(out, 'verdict.json'), 'utf8'))).toEqual(verdict);
  });

  it('guards a Siemens SCL plant (safety-guard-monitor-siemens.yaml): passed, written back in SCL', async () => {
    const project = join(REPO, 'examples/plants/siemens-press');
    const out = join(work, 'job-siemens');
    const r = await run({
      migration: join(REPO, 'examples/migrations/safety-guard-monitor-siemens.yaml'),
      project,
      policy: join(project, 'policy.yaml'),
      siteFacts: join(REPO, 'examples/sites/press-line-2.facts.yaml'),
      out,
      json: true,
    });
    const verdict = JSON.parse(r.out.join('\n'));
    expect(verdict.outcome, verdict.reason).toBe('passed');
    expect(r.code).toBe(MIGRATE_EXIT.PASSED);
    // OB1 reads its inputs from a data block: the migration's scenarios drive the equivalence
    expect(verdict.evidence.equivalence).toMatchObject({ equivalent: true, claim: 'not-refuted' });
    expect(verdict.evidence.equivalence.runs).toBeGreaterThan(200);
    const after = await readFile(join(out, 'after', 'PressCell.scl'), 'utf8');
    expect(after).toContain('#Door_Closed_Monitor(');
    expect(after).toContain('Guard_Sensor_2 := "IO".Door_Closed_Redundant');
    expect(after).toContain('REGION Guard monitoring');
  });

  it('exits 4 when skipped and shows progress on stderr without --json', async () => {
    const r = await run({
      migration: guard,
      project: plant('already-monitored'),
      policy: join(plant('already-monitored'), 'policy.yaml'),
      siteFacts: facts,
    });
    expect(r.code).toBe(MIGRATE_EXIT.SKIPPED);
    expect(r.out[0]).toMatch(/^SKIPPED: skipIf matched/);
    expect(r.err.some((l) => l.startsWith('[preconditions]'))).toBe(true);
  });

  it('exits 1 when the change fails (certified POU)', async () => {
    const r = await run({
      migration: guard,
      project: plant('certified-only'),
      policy: join(plant('certified-only'), 'policy.yaml'),
      siteFacts: facts,
      json: true,
    });
    expect(r.code).toBe(MIGRATE_EXIT.FAILED);
    expect(JSON.parse(r.out[0]!).safetyFailure).toBe(true);
  });

  it('exits 2 on bad input, with one readable line', async () => {
    const bad = join(work, 'bad.yaml');
    await writeFile(bad, 'apiVersion: plcfleet/v1\nkind: Migration\nid: x\n');
    const pol = join(plant('multi-guard'), 'policy.yaml');
    const cases: MigrateArgs[] = [
      { migration: join(work, 'missing.yaml'), project: plant('multi-guard') },
      { migration: bad, project: plant('multi-guard') },
      { migration: guard, project: plant('multi-guard'), policy: pol }, // needs --site-facts
      {
        migration: guard,
        project: plant('multi-guard'),
        policy: pol,
        siteFacts: facts,
        transformer: 'claude',
      }, // no key
      { migration: guard, project: plant('multi-guard'), policy: pol, siteFacts: facts, transformer: 'gpt' },
      { migration: guard, project: join(work, 'no-such-project'), policy: pol, siteFacts: facts },
    ];
    for (const args of cases) {
      const r = await run(args);
      expect(r.code, JSON.stringify(args)).toBe(MIGRATE_EXIT.BAD_INPUT);
      expect(r.err.at(-1)).toMatch(/^plcfleet-agent migrate: /);
    }
  });

  it('refuses a safety-related migration without --policy instead of printing "safety: pass" (issue 17 point 8)', async () => {
    // Before: exit 0 and "safety: pass" with no findings and no proofs, because nothing was protected.
    const r = await run({ migration: guard, project: plant('multi-guard'), siteFacts: facts });
    expect(r.code).toBe(MIGRATE_EXIT.BAD_INPUT);
    expect(r.out).toEqual([]);
    expect(r.err).toEqual([
      `plcfleet-agent migrate: ${guard}: the migration is safety-related and its safety check needs the site's policy; give --policy FILE`,
    ]);
  });

  it('names a misspelled key as unknown instead of the required key it hides (issue 17 point 10)', async () => {
    // Before: "goal: expected string, got nothing (and 1 more)" — the typo went unnamed.
    const typo = join(work, 'typo.yaml');
    await writeFile(typo, (await readFile(guard, 'utf8')).replace(/^goal:/m, 'gaol:'));
    const r = await run({ migration: typo, project: plant('multi-guard'), siteFacts: facts });
    expect(r.code).toBe(MIGRATE_EXIT.BAD_INPUT);
    expect(r.err).toEqual([`plcfleet-agent migrate: ${typo}: (root): unknown field "gaol" (and 1 more)`]);
  });

  it("uses the exit codes of the tools' one table", () => {
    expect(MIGRATE_EXIT).toEqual({
      PASSED: EXIT.OK,
      FAILED: EXIT.FAILED,
      BAD_INPUT: EXIT.USAGE,
      ERROR: EXIT.ERROR,
      SKIPPED: EXIT.SKIPPED,
    });
  });

  it('exits 7 (EXIT.ERROR) on an error verdict (model service down)', async () => {
    const copy = join(work, 'copy');
    await cp(plant('multi-guard'), copy, { recursive: true });
    const r = await run(
      {
        migration: guard,
        project: copy,
        policy: join(copy, 'policy.yaml'),
        siteFacts: facts,
        transformer: 'claude',
        json: true,
      },
      { ANTHROPIC_API_KEY: 'k', ANTHROPIC_BASE_URL: 'http://127.0.0.1:9' },
    );
    expect(r.code).toBe(MIGRATE_EXIT.ERROR);
    expect(JSON.parse(r.out[0]!).outcome).toBe('error');
  });
});

describe('plcfleet-agent migrate on the press-hmi example plant (--libraries)', () => {
  const pressHmi = join(REPO, 'examples/plants/press-hmi');
  const example = (id: string) => join(REPO, 'examples/migrations', `${id}.yaml`);
  const press = async (id: string, extra: Partial<MigrateArgs> = {}) => {
    const project = join(work, `press-${id}-${Math.random().toString(36).slice(2, 8)}`);
    await cp(pressHmi, project, { recursive: true });
    return {
      project,
      r: await run({
        migration: example(id),
        project,
        siteFacts: join(project, 'site.facts.yaml'),
        libraries: join(project, '.libraries'),
        json: true,
        ...extra,
      }),
    };
  };

  it('renames tags across program, tag map and HMI (rename-tags.yaml): passed, nothing written', async () => {
    const { project, r } = await press('rename-tags');
    expect(r.err).toEqual([]);
    const verdict = JSON.parse(r.out[0]!);
    expect(verdict.outcome, verdict.reason).toBe('passed');
    expect(r.code).toBe(MIGRATE_EXIT.PASSED);
    expect(verdict.evidence.transformer).toBe('none');
    expect(verdict.evidence.diff).toMatch(/^\+\+\+ b\/tags\.yaml$/m);
    expect(verdict.evidence.diff).toMatch(/^\+\+\+ b\/hmi\/press-screen\.json$/m);
    expect(await readFile(join(project, 'tags.yaml'), 'utf8')).toMatch(/name: Hyd_Pressure_OK/);
  });

  it('updates PressLib 1.2 → 2.0.0 (library-update.yaml): passed', async () => {
    const { r } = await press('library-update');
    const verdict = JSON.parse(r.out[0]!);
    expect(verdict.outcome, verdict.reason).toBe('passed');
    expect(r.code).toBe(MIGRATE_EXIT.PASSED);
    expect(verdict.evidence.diff).toMatch(/FB_ValveCtrl/);
  });

  it('exits 2 for a library precondition without site facts, and for a libraries folder that is not there', async () => {
    const noFacts = await press('library-update', { siteFacts: undefined });
    expect(noFacts.r.code).toBe(MIGRATE_EXIT.BAD_INPUT);
    expect(noFacts.r.err).toEqual([
      `plcfleet-agent migrate: ${example('library-update')}: its preconditions test site facts (firmware, tags, libraries); give --site-facts FILE`,
    ]);
    const noDir = await press('library-update', { libraries: join(work, 'no-such-libraries') });
    expect(noDir.r.code).toBe(MIGRATE_EXIT.BAD_INPUT);
    expect(noDir.r.err[0]).toMatch(
      /^plcfleet-agent migrate: --libraries: no such directory: .*no-such-libraries$/,
    );
  });

  it('skips a site whose PressLib is already 2.0.0 (exit 6)', async () => {
    const facts = join(work, `press-facts-${Math.random().toString(36).slice(2, 8)}.yaml`);
    const text = await readFile(join(pressHmi, 'site.facts.yaml'), 'utf8');
    await writeFile(facts, text.replace('version: 1.2.0', 'version: 2.0.0'));
    const { r } = await press('library-update', { siteFacts: facts });
    expect(r.code).toBe(MIGRATE_EXIT.SKIPPED);
    expect(JSON.parse(r.out[0]!).outcome).toBe('skipped');
  });
});

describe('plcfleet-agent migrate --push-branch (a Git project)', () => {
  let bare: string;
  let url: string;
  const sh = promisify(execFile);
  const env = {
    ...process.env,
    GIT_AUTHOR_NAME: 'p',
    GIT_AUTHOR_EMAIL: 'p@p',
    GIT_COMMITTER_NAME: 'p',
    GIT_COMMITTER_EMAIL: 'p@p',
  };
  const inBare = async (...args: string[]) => (await sh('git', ['-C', bare, ...args], { env })).stdout.trim();
  beforeAll(async () => {
    // A plant repository: two plants under their folders and a file no migration touches.
    bare = join(work, 'plant.git');
    const clone = join(work, 'plant-clone');
    await sh('git', ['init', '--quiet', '--bare', bare]);
    await cp(plant('multi-guard'), join(clone, 'lines/guard'), { recursive: true });
    await cp(plant('certified-only'), join(clone, 'lines/certified'), { recursive: true });
    await writeFile(join(clone, 'README.md'), 'plant\n');
    for (const args of [
      ['init', '--quiet'],
      ['add', '--all'],
      ['commit', '--quiet', '-m', 'plant'],
      ['push', '--quiet', bare, 'HEAD:refs/heads/main'],
    ])
      await sh('git', ['-C', clone, ...args], { env });
    url = `git+file://${bare}`;
  });

  const guardRun = (pushBranch: string, sub = 'guard') =>
    run({
      migration: guard,
      project: `${url}#main:lines/${sub}`,
      policy: join(plant(sub === 'guard' ? 'multi-guard' : 'certified-only'), 'policy.yaml'),
      siteFacts: facts,
      json: true,
      pushBranch,
    });

  it('pushes a passed change with its evidence on a new branch, and nothing else', async () => {
    const r = await guardRun('plcfleet/guard-1');
    expect(r.err).toEqual([]);
    expect(r.code).toBe(MIGRATE_EXIT.PASSED);
    const out = JSON.parse(r.out[0]!);
    expect(out.outcome).toBe('passed');
    expect(out.push).toEqual({ branch: 'plcfleet/guard-1', commit: expect.stringMatching(/^[0-9a-f]{40}$/) });
    expect(await inBare('rev-parse', 'plcfleet/guard-1')).toBe(out.push.commit);
    const changed = (await inBare('diff', '--name-only', 'main', out.push.commit)).split('\n');
    expect(changed).toContain(`lines/guard/.plcfleet/evidence/${out.jobId}.json`);
    expect(changed.every((p) => p.startsWith('lines/guard/'))).toBe(true);
    const changedSt = changed.filter((p) => p.endsWith('.st')).map((p) => p.slice('lines/guard/'.length));
    expect(changedSt.length).toBeGreaterThan(0);
    expect(out.evidence.diff).toContain(`+++ b/${changedSt[0]}`);
    const message = await inBare('log', '-1', '--format=%B', out.push.commit);
    const m = Migration.parse(parseYaml(await readFile(guard, 'utf8')));
    expect(message.split('\n')[0]).toBe(`${m.id}@${m.revision}: ${m.title}`);
    expect(message).toContain('Verdict: passed');
    expect(message).toContain(`sha256 ${out.evidence.evidenceHash}`);
    const kept = JSON.parse(
      await inBare('show', `${out.push.commit}:lines/guard/.plcfleet/evidence/${out.jobId}.json`),
    );
    expect(kept.evidence.evidenceHash).toBe(out.evidence.evidenceHash);
  });

  it('pushes nothing for a failed verdict', async () => {
    const r = await guardRun('plcfleet/never', 'certified');
    expect(r.code).toBe(MIGRATE_EXIT.FAILED);
    expect(JSON.parse(r.out[0]!).push).toBeUndefined();
    await expect(inBare('rev-parse', '--verify', '--quiet', 'refs/heads/plcfleet/never')).rejects.toThrow();
  });

  it('reports a refused push (non-fast-forward); the passed verdict stands', async () => {
    // Someone else's branch of the same name, with a commit the change does not descend from.
    const other = await inBare('commit-tree', 'main^{tree}', '-p', 'main', '-m', 'someone else');
    await inBare('update-ref', 'refs/heads/taken', other);
    const r = await guardRun('taken');
    expect(r.code).toBe(MIGRATE_EXIT.FAILED);
    const out = JSON.parse(r.out[0]!);
    expect(out.outcome).toBe('passed');
    expect(out.push.error).toMatch(/refused: non-fast-forward/);
    expect(r.err[0]).toMatch(/the verdict stands, but pushing taken failed: .*non-fast-forward/);
    expect(await inBare('rev-parse', 'taken')).toBe(other);
  });

  it('never fast-forwards an existing branch (main stays the release)', async () => {
    const main = await inBare('rev-parse', 'main');
    const r = await guardRun('main');
    expect(r.code).toBe(MIGRATE_EXIT.FAILED);
    expect(JSON.parse(r.out[0]!).push.error).toMatch(
      /the branch already exists; a change goes on a new branch/,
    );
    expect(await inBare('rev-parse', 'main')).toBe(main);
  });

  describe('a tag-change (no transformer): rename-tags.yaml on the press-hmi plant', () => {
    const pressHmi = join(REPO, 'examples/plants/press-hmi');
    const renameTags = join(REPO, 'examples/migrations/rename-tags.yaml');
    let pressUrl: string;
    let pressBare: string;
    const inPress = async (...args: string[]) =>
      (await sh('git', ['-C', pressBare, ...args], { env })).stdout.trim();
    beforeAll(async () => {
      pressBare = join(work, 'press.git');
      const clone = join(work, 'press-clone');
      await sh('git', ['init', '--quiet', '--bare', pressBare]);
      await cp(pressHmi, join(clone, 'lines/press'), { recursive: true });
      for (const args of [
        ['init', '--quiet'],
        ['add', '--all'],
        ['commit', '--quiet', '-m', 'press'],
        ['push', '--quiet', pressBare, 'HEAD:refs/heads/main'],
      ])
        await sh('git', ['-C', clone, ...args], { env });
      pressUrl = `git+file://${pressBare}#main:lines/press`;
    });
    const renameRun = (migration: string, pushBranch: string) =>
      run({
        migration,
        project: pressUrl,
        siteFacts: join(pressHmi, 'site.facts.yaml'),
        libraries: join(pressHmi, '.libraries'),
        json: true,
        pushBranch,
      });

    it('pushes the renamed program, tag map and HMI file with the evidence', async () => {
      const r = await renameRun(renameTags, 'plcfleet/rename-1');
      expect(r.err).toEqual([]);
      const out = JSON.parse(r.out[0]!);
      expect(out.outcome, out.reason).toBe('passed');
      expect(r.code).toBe(MIGRATE_EXIT.PASSED);
      expect(out.evidence.transformer).toBe('none');
      expect(out.push).toEqual({
        branch: 'plcfleet/rename-1',
        commit: expect.stringMatching(/^[0-9a-f]{40}$/),
      });
      const changed = (await inPress('diff', '--name-only', 'main', out.push.commit)).split('\n').sort();
      expect(changed).toEqual(
        expect.arrayContaining([
          'lines/press/tags.yaml',
          'lines/press/hmi/press-screen.json',
          `lines/press/.plcfleet/evidence/${out.jobId}.json`,
        ]),
      );
      const program = changed.filter((p) => p.endsWith('.st'));
      expect(program.length).toBeGreaterThan(0);
      expect(changed.every((p) => p.startsWith('lines/press/'))).toBe(true);
      const pushedTags = await inPress('show', `${out.push.commit}:lines/press/tags.yaml`);
      expect(pushedTags).toMatch(/name: HydPressureOk/);
      expect(pushedTags).not.toMatch(/name: Hyd_Pressure_OK/);
      for (const st of program) {
        const text = await inPress('show', `${out.push.commit}:${st}`);
        expect(text).not.toMatch(/\bPress_Enable\b/);
      }
    });

    it('pushes nothing when the tag-change fails', async () => {
      const broken = join(work, 'rename-missing.yaml');
      await writeFile(
        broken,
        (await readFile(renameTags, 'utf8')).replace('from: Press_Enable', 'from: No_Such_Tag'),
      );
      const r = await renameRun(broken, 'plcfleet/rename-never');
      const out = JSON.parse(r.out[0]!);
      expect(out.outcome).toBe('failed');
      expect(r.code).toBe(MIGRATE_EXIT.FAILED);
      expect(out.push).toBeUndefined();
      await expect(
        inPress('rev-parse', '--verify', '--quiet', 'refs/heads/plcfleet/rename-never'),
      ).rejects.toThrow();
    });
  });

  it('refuses --push-branch without a Git project', async () => {
    const r = await run({
      migration: guard,
      project: plant('multi-guard'),
      policy: join(plant('multi-guard'), 'policy.yaml'),
      siteFacts: facts,
      pushBranch: 'x',
    });
    expect(r.code).toBe(MIGRATE_EXIT.BAD_INPUT);
    expect(r.err[0]).toMatch(/--push-branch needs a Git project/);
  });
});
