/**
 * The executor runner pushes the change of every passed job to the site's Git
 * repository, deterministic kinds included: a tag-change calls no transformer,
 * so the program as read comes from the executor itself. Real git, a bare
 * repository in a temporary folder.
 */
import { execFile } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { type JobBundle, Migration, SiteFacts, SitePolicy } from '@plcfleet/protocols';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { createGitSource, hashProgram } from '../sources';
import { REPO } from '../testing/migration-fixtures';
import { createExecutorRunner } from './executor-runner';

const exec = promisify(execFile);
const PRESS_HMI = join(REPO, 'examples/plants/press-hmi');
const GIT_ENV = {
  ...process.env,
  GIT_AUTHOR_NAME: 'Plant Engineer',
  GIT_AUTHOR_EMAIL: 'engineer@plant.test',
  GIT_COMMITTER_NAME: 'Plant Engineer',
  GIT_COMMITTER_EMAIL: 'engineer@plant.test',
  GIT_CONFIG_NOSYSTEM: '1',
};
const git = async (dir: string, ...args: string[]) =>
  (await exec('git', ['-C', dir, ...args], { env: GIT_ENV })).stdout.trim();

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const SITE = 'press-hmi';
const PROGRAM = ['FB_PressFaceplate.st', 'GVL_IO.st', 'Main.st'];

const rename = Migration.parse({
  apiVersion: 'plcfleet/v1',
  kind: 'Migration',
  id: 'rename-enable',
  title: 'Rename the press enable',
  type: 'tag-change',
  safetyClass: 'non-safety',
  goal: 'Press_Enable follows the naming standard; behaviour unchanged.',
  tagChanges: [{ from: 'Press_Enable', to: 'PressEnable' }],
  scope: { files: ['**/*.st'], maxChangedLines: 40 },
});

/** A bare plant repository holding `files` of the example plant under plc/, and a Git source on it. */
async function plantRepo(files: readonly string[]) {
  const root = await mkdtemp(join(tmpdir(), 'plcfleet-runner-'));
  cleanups.push(() => rm(root, { recursive: true, force: true }));
  const [bare, work] = [join(root, 'plant.git'), join(root, 'work')];
  await exec('git', ['init', '--bare', '--quiet', '--initial-branch=main', bare]);
  await exec('git', ['init', '--quiet', '--initial-branch=main', work]);
  for (const f of files) {
    await mkdir(dirname(join(work, 'plc', f)), { recursive: true });
    await copyFile(join(PRESS_HMI, f), join(work, 'plc', f));
  }
  await git(work, 'add', '.');
  await git(work, 'commit', '--quiet', '-m', 'release 1');
  await git(work, 'push', '--quiet', bare, 'main');
  const source = createGitSource(`git+file://${bare}#main:plc`);
  cleanups.push(() => source.close());
  return {
    source,
    outDir: join(root, 'job'),
    base: await git(bare, 'rev-parse', 'main'),
    git: (...a: string[]) => git(bare, ...a),
  };
}

async function runJob(
  source: ReturnType<typeof createGitSource>,
  outDir: string,
  migration: Migration,
  extra: Partial<JobBundle> = {},
) {
  const runner = createExecutorRunner({
    site: SITE,
    source,
    policy: SitePolicy.parse({ apiVersion: 'plcfleet/v1', kind: 'SitePolicy', site: SITE }),
    siteFacts: SiteFacts.parse(parseYaml(await readFile(join(PRESS_HMI, 'site.facts.yaml'), 'utf8'))),
    libraries: join(PRESS_HMI, '.libraries'),
    transformer: { kind: 'recipe' },
  });
  const bundle: JobBundle = {
    jobId: 'job-1',
    rolloutId: 'ro-1',
    site: SITE,
    attempt: 1,
    migration,
    issuedAt: new Date().toISOString(),
    ...extra,
  };
  return runner.run(bundle, {
    outDir,
    signal: new AbortController().signal,
    onProgress: () => {},
    logger: pino({ level: 'silent' }),
  });
}

const example = async (name: string) =>
  Migration.parse(parseYaml(await readFile(join(REPO, `examples/migrations/${name}.yaml`), 'utf8')));

describe('executor runner on a Git site source', () => {
  it('pushes a passed tag-change (no transformer) on plcfleet/<site>/<jobId> and names the commit', async () => {
    const repo = await plantRepo(PROGRAM);
    const { verdict, program } = await runJob(repo.source, repo.outDir, rename);
    expect(verdict.outcome, verdict.reason).toBe('passed');
    expect(verdict.evidence.transformer).toBe('none');
    expect(hashProgram(program!)).toBe(verdict.evidence.sha256After);

    const branch = `plcfleet/${SITE}/job-1`;
    expect(verdict.change).toMatchObject({ branch });
    expect(verdict.change?.error).toBeUndefined();
    const commit = verdict.change!.commit!;
    expect(await repo.git('rev-parse', `refs/heads/${branch}`)).toBe(commit);
    expect(await repo.git('rev-parse', `${commit}^`)).toBe(repo.base);
    // Exactly the renamed files and the evidence changed; the pushed program is the verified one.
    const changed = (await repo.git('diff', '--name-only', repo.base, commit)).split('\n').sort();
    expect(changed).toEqual(['plc/.plcfleet/evidence/job-1.json', 'plc/GVL_IO.st', 'plc/Main.st']);
    const pushed = await Promise.all(PROGRAM.map((f) => repo.git('show', `${commit}:plc/${f}`)));
    expect(pushed).toEqual(program!.filter((f) => PROGRAM.includes(f.path)).map((f) => f.text.trim()));
    const evidence = JSON.parse(await repo.git('show', `${commit}:plc/.plcfleet/evidence/job-1.json`));
    expect(evidence.evidence.sha256After).toBe(verdict.evidence.sha256After);
  });

  it('renames in the tag map and HMI files kept in the repository and pushes them with the program', async () => {
    const repo = await plantRepo([...PROGRAM, 'tags.yaml', 'hmi/press-screen.json', 'hmi/alarms.csv']);
    const { verdict } = await runJob(repo.source, repo.outDir, await example('rename-tags'));
    expect(verdict.outcome, verdict.reason).toBe('passed');
    const commit = verdict.change!.commit!;
    expect(verdict.change?.error).toBeUndefined();
    const changed = (await repo.git('diff', '--name-only', repo.base, commit)).split('\n').sort();
    expect(changed).toEqual([
      'plc/.plcfleet/evidence/job-1.json',
      'plc/FB_PressFaceplate.st',
      'plc/GVL_IO.st',
      'plc/Main.st',
      'plc/hmi/alarms.csv',
      'plc/hmi/press-screen.json',
      'plc/tags.yaml',
    ]);
    expect(await repo.git('show', `${commit}:plc/tags.yaml`)).toContain('name: HydPressureOk');
    expect(await repo.git('show', `${commit}:plc/hmi/press-screen.json`)).toContain('Main.Press1.IsRunning');
  });

  it("tests onlyIf against the registry's libraries the offer carries, over the local facts file", async () => {
    const repo = await plantRepo(PROGRAM);
    const update = await example('library-update');
    // The local facts file still says PressLib 1.2.0; the registry recorded 2.0.0 after a deploy.
    const after = await runJob(repo.source, repo.outDir, update, {
      libraries: [{ name: 'PressLib', version: '2.0.0' }],
    });
    expect(after.verdict.outcome).toBe('skipped');
    expect(after.verdict.reason).toBe('the site has PressLib 2.0.0, outside >=1.2 <2');
    const local = await runJob(repo.source, `${repo.outDir}-2`, update);
    expect(local.verdict.outcome, local.verdict.reason).toBe('passed');
  });
});
