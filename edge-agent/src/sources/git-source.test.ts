import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createPlantRepo,
  loopbackCertificate,
  type PlantRepo,
  serveGitDaemon,
  serveGitHttp,
} from './git-fixture';
import { createGitSource } from './git-source';
import { parseGitUrl, redactUrl } from './git-url';
import { projectFolder } from './open-source';
import { hashProgram } from './program-source';
import { runSourceContract } from './source-contract';

const MAIN_V1 = 'PROGRAM Main\nVAR x : INT; END_VAR\nx := 1;\nEND_PROGRAM\r\n';
const MAIN_V2 = 'PROGRAM Main\nVAR x : INT; END_VAR\nx := 2;\nEND_PROGRAM\r\n';
const GVL = '\uFEFF<?xml version="1.0"?>\n<TcPlcObject/>\n';

runSourceContract('git', async () => {
  const repo = await createPlantRepo();
  await repo.commit({ 'plc/POUs/Main.st': MAIN_V1, 'plc/GVL.TcGVL': GVL, 'README.md': 'x' }, 'initial');
  return { source: createGitSource(`${repo.fileUrl}#main:plc`), cleanup: repo.cleanup };
});

describe('Git URLs', () => {
  it('splits remote, ref and subdir', () => {
    expect(parseGitUrl('git+ssh://git@host/plant.git#release/2026:lines/press/')).toMatchObject({
      remote: 'ssh://git@host/plant.git',
      ref: 'release/2026',
      subdir: 'lines/press',
    });
    expect(parseGitUrl('git+file:///srv/p.git#v1.0')).toMatchObject({ ref: 'v1.0', subdir: '' });
  });

  it('refuses a URL without a ref, a bad ref and a subdir that leaves the repository', () => {
    expect(() => parseGitUrl('git+file:///srv/p.git')).toThrow(/names the branch, tag or commit/);
    expect(() => parseGitUrl('git+file:///srv/p.git#a..b')).toThrow(/not a branch, tag or commit name/);
    expect(() => parseGitUrl('git+file:///srv/p.git#main:../x')).toThrow(/not a path inside/);
    expect(() => parseGitUrl('git+ftp://h/p.git#main')).toThrow(/not a Git source/);
  });

  it('hides credentials in every message', () => {
    expect(redactUrl('fatal: git+https://bob:s3cret@git.plant/p.git#main')).toBe(
      'fatal: git+https://***@git.plant/p.git#main',
    );
    expect(redactUrl('https://TOKEN123@host/p')).toBe('https://***@host/p');
    expect(redactUrl('ssh://git:pw@host/p and ssh://git@host/q')).toBe(
      'ssh://git@host/p and ssh://git@host/q',
    );
    let message = '';
    try {
      parseGitUrl('git+https://bob:s3cret@git.plant/p.git');
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toMatch(/names the branch/);
    expect(message).not.toContain('s3cret');
  });
});

describe('Git source', () => {
  let repo: PlantRepo;
  let c1: string;
  let c2: string;
  beforeAll(async () => {
    repo = await createPlantRepo();
    c1 = await repo.commit({ 'plc/Main.st': MAIN_V1, 'plc/GVL.TcGVL': GVL, 'docs/notes.txt': 'n' }, 'v1');
    await repo.tag('v1', c1);
    await repo.git('tag', '-a', '-m', 'annotated release', 'rel-1', c1);
    c2 = await repo.commit({ 'plc/Main.st': MAIN_V2 }, 'v2');
  });
  afterAll(async () => {
    await repo.cleanup();
  });

  const mainText = async (ref: string) => {
    const src = createGitSource(`${repo.fileUrl}#${ref}:plc`);
    try {
      const files = await src.read();
      expect(files.map((f) => f.path)).toEqual(['GVL.TcGVL', 'Main.st']);
      return files.find((f) => f.path === 'Main.st')!.text;
    } finally {
      await src.close();
    }
  };

  it('reads by branch, tag (light and annotated), full and short commit, byte for byte', async () => {
    expect(await mainText('main')).toBe(MAIN_V2);
    expect(await mainText('v1')).toBe(MAIN_V1);
    expect(await mainText('rel-1')).toBe(MAIN_V1);
    expect(await mainText(c1)).toBe(MAIN_V1);
    expect(await mainText(c2.slice(0, 10))).toBe(MAIN_V2);
    expect(await mainText('refs/tags/v1')).toBe(MAIN_V1);
  });

  it('reads through one long-lived cat-file pair per cache and sees every new push', async () => {
    const { mkdtemp, readFile, rm } = await import('node:fs/promises');
    const { tmpdir } = await import('node:os');
    const dir = await mkdtemp(`${tmpdir()}/plcfleet-git-trace-`);
    const trace = `${dir}/trace`;
    const other = await createPlantRepo();
    const big = `PROGRAM Big\n${'(* padding *)\n'.repeat(12_000)}END_PROGRAM\n`;
    await other.commit(
      { 'plc/a/b/c/Deep.st': 'PROGRAM Deep END_PROGRAM\n', 'plc/Big.st': big, 'plc/Main.st': MAIN_V1 },
      'r1',
    );
    const src = createGitSource(`${other.fileUrl}#main:plc`, { env: { ...process.env, GIT_TRACE: trace } });
    try {
      const first = await src.read();
      expect(first.map((f) => f.path)).toEqual(['Big.st', 'Main.st', 'a/b/c/Deep.st']);
      expect(first[0]!.text).toBe(big);
      await other.commit({ 'plc/Main.st': MAIN_V2, 'plc/a/b/c/Deep.st': null }, 'r2');
      const second = await src.read();
      expect(second.map((f) => f.path)).toEqual(['Big.st', 'Main.st']);
      expect(second[1]!.text).toBe(MAIN_V2);
      await src.read();
      const started = (await readFile(trace, 'utf8'))
        .split('\n')
        .filter((l) => /trace: built-in: git (cat-file|ls-tree|rev-parse)/.test(l))
        .map((l) => l.replace(/^.*built-in: git /, '').replace(/--git-dir \S+ /, ''));
      // Three reads, three fetches, but one reader of objects and one of headers.
      expect(started).toEqual(['cat-file --batch-check', 'cat-file --batch']);
    } finally {
      await src.close();
      await other.cleanup();
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('reads, hashes and pushes the plant files in scope beside the program (a tag change)', async () => {
    const plant = await createPlantRepo();
    await plant.commit(
      {
        'plc/Main.st': MAIN_V1,
        'plc/tags.yaml': 'tags: []\n',
        'plc/hmi/screen.json': '{"x":1}\n',
        'plc/hmi/logo.png': 'PNG\u0000\u0001',
        'plc/hmi/.draft.json': '{}\n',
        'other/tags.yaml': 'no\n',
      },
      'r1',
    );
    const src = createGitSource(`${plant.fileUrl}#main:plc`);
    const view = src.withPlantFiles(['tags.yaml', 'hmi/**']);
    try {
      const all = await view.read();
      expect(all.map((f) => f.path)).toEqual(['Main.st', 'hmi/screen.json', 'tags.yaml']);
      expect((await src.read()).map((f) => f.path)).toEqual(['Main.st']);
      expect((await view.readRef('main')).files).toEqual(all);
      // The verified hash covers the plant files: the program's alone does not match.
      await expect(
        view.pushChange({
          branch: 'tc-1',
          files: [],
          message: 'm',
          expectSha256Before: hashProgram(await src.read()),
        }),
      ).rejects.toMatchObject({ code: 'changed-since-read' });
      const pushed = await view.pushChange({
        branch: 'tc-1',
        files: [
          { path: 'Main.st', text: MAIN_V2 },
          { path: 'tags.yaml', text: 'tags: [renamed]\n' },
        ],
        message: 'rename a tag',
        expectSha256Before: hashProgram(all),
      });
      expect((await plant.git('diff', '--name-only', 'main', pushed.commit)).split('\n')).toEqual([
        'plc/Main.st',
        'plc/tags.yaml',
      ]);
      // One cache and one lock: the view reads what the source last read.
      expect(view.lastRead()).toEqual(src.lastRead());
    } finally {
      await view.close();
      await plant.cleanup();
    }
  });

  it('says which ref is missing and which remote cannot be reached', async () => {
    const missing = createGitSource(`${repo.fileUrl}#no-such-branch`);
    await expect(missing.read()).rejects.toMatchObject({
      code: 'not-found',
      message: expect.stringContaining('no branch, tag or commit "no-such-branch"'),
    });
    const gone = createGitSource(`git+file://${repo.bare}-gone#main`);
    await expect(gone.read()).rejects.toMatchObject({
      code: 'io',
      message: expect.stringContaining('cannot be reached'),
    });
    const empty = createGitSource(`${repo.fileUrl}#main:docs`);
    await expect(empty.read()).rejects.toMatchObject({ code: 'not-found' });
    await Promise.all([missing.close(), gone.close(), empty.close()]);
  });

  it('never shows a credential of the URL when the remote cannot be reached', async () => {
    const src = createGitSource('git+http://plant:s3cret-token@127.0.0.1:1/plant.git#main');
    let message = '';
    try {
      await src.read();
    } catch (err) {
      message = (err as Error).message;
      expect(err).toMatchObject({ code: 'io' });
    }
    expect(message).toMatch(/^git\+http:\/\/\*\*\*@127\.0\.0\.1:1\/plant\.git#main cannot be reached/);
    expect(message).not.toContain('s3cret-token');
    expect(src.location).not.toContain('s3cret-token');
    await src.close();
  });

  it('checks a Git project out into a folder for folder-reading tools', async () => {
    const { path, cleanup } = await projectFolder(`${repo.fileUrl}#v1:plc`);
    try {
      const { readFile } = await import('node:fs/promises');
      expect(await readFile(`${path}/Main.st`, 'utf8')).toBe(MAIN_V1);
    } finally {
      await cleanup();
    }
  });

  it('pushes a change and its evidence on a new branch, and nothing else', async () => {
    const src = createGitSource(`${repo.fileUrl}#v1:plc`);
    const before = await src.read();
    const pushed = await src.pushChange({
      branch: 'plcfleet/m-1',
      files: [{ path: 'Main.st', text: MAIN_V2.replace('2', '3') }],
      evidence: { jobId: 'job-7', json: '{"evidenceHash":"abc"}\n' },
      message: 'm-1@1: set x\n\nverdict: passed',
      expectSha256Before: hashProgram(before),
    });
    expect(pushed.ref).toBe('refs/heads/plcfleet/m-1');
    expect(await repo.git('rev-parse', 'plcfleet/m-1')).toBe(pushed.commit);
    expect(await repo.git('rev-parse', `${pushed.commit}^`)).toBe(c1);
    expect((await repo.git('diff', '--name-only', c1, pushed.commit)).split('\n')).toEqual([
      'plc/.plcfleet/evidence/job-7.json',
      'plc/Main.st',
    ]);
    expect(await repo.git('show', `${pushed.commit}:plc/.plcfleet/evidence/job-7.json`)).toBe(
      '{"evidenceHash":"abc"}',
    );
    expect(await repo.git('log', '-1', '--format=%s%n%b', pushed.commit)).toBe(
      'm-1@1: set x\nverdict: passed',
    );
    // The evidence folder is never read back as program.
    const onBranch = createGitSource(`${repo.fileUrl}#plcfleet/m-1:plc`);
    expect((await onBranch.read()).map((f) => f.path)).toEqual(['GVL.TcGVL', 'Main.st']);
    await Promise.all([src.close(), onBranch.close()]);
  });

  it('reports a refused push (non-fast-forward) and leaves the branch as it was', async () => {
    const taken = await repo.commit({ 'plc/Other.st': 'PROGRAM O END_PROGRAM' }, 'someone else', 'taken');
    const src = createGitSource(`${repo.fileUrl}#v1:plc`);
    await src.read();
    await expect(
      src.pushChange({ branch: 'taken', files: [{ path: 'Main.st', text: 'x' }], message: 'm' }),
    ).rejects.toMatchObject({
      code: 'refused',
      message: expect.stringMatching(/push to refs\/heads\/taken refused: non-fast-forward/),
    });
    expect(await repo.git('rev-parse', 'taken')).toBe(taken);
    await src.close();
  });

  it('refuses a push when the base is not the verified program', async () => {
    const src = createGitSource(`${repo.fileUrl}#main:plc`);
    await src.read();
    await expect(
      src.pushChange({ branch: 'x-1', files: [], message: 'm', expectSha256Before: 'f'.repeat(64) }),
    ).rejects.toMatchObject({ code: 'changed-since-read' });
    await src.close();
  });

  it('tags a deployed commit once', async () => {
    const src = createGitSource(`${repo.fileUrl}#main`);
    await src.tag(c2, 'plcfleet/press-1/dep-1');
    expect(await repo.git('rev-parse', 'plcfleet/press-1/dep-1')).toBe(c2);
    await expect(src.tag(c1, 'plcfleet/press-1/dep-1')).rejects.toMatchObject({ code: 'refused' });
    await src.close();
  });

  it('writes only to a branch', async () => {
    const src = createGitSource(`${repo.fileUrl}#v1:plc`);
    await expect(src.write([{ path: 'Main.st', text: 'x' }])).rejects.toMatchObject({ code: 'unsupported' });
    await src.close();
  });

  it('reads and pushes over smart HTTP with the credentials from the environment only', async () => {
    const http = await serveGitHttp(repo.bare, { user: 'plant', password: 'http-s3cret' });
    // A credential helper configured through the environment, as a site would (never in the URL).
    const env = {
      ...process.env,
      GIT_CONFIG_COUNT: '1',
      GIT_CONFIG_KEY_0: 'credential.helper',
      GIT_CONFIG_VALUE_0: '!f() { echo username=plant; echo password=http-s3cret; }; f',
    };
    const src = createGitSource(`${http.url}#v1:plc`, { env });
    const without = createGitSource(`${http.url}#v1:plc`);
    try {
      expect((await src.read()).find((f) => f.path === 'Main.st')!.text).toBe(MAIN_V1);
      const pushed = await src.pushChange({
        branch: 'over-http',
        files: [{ path: 'Main.st', text: MAIN_V2 }],
        message: 'via http',
      });
      expect(await repo.git('rev-parse', 'over-http')).toBe(pushed.commit);
      // Without the helper git may not ask: it fails at once, naming the remote, never a secret.
      const refused = await without.read().catch((err: Error) => err);
      expect(refused).toMatchObject({ code: 'io', message: expect.stringContaining('cannot be reached') });
      expect((refused as Error).message).not.toContain('http-s3cret');
    } finally {
      await Promise.all([src.close(), without.close()]);
      await http.close();
    }
  });

  it('reads and pushes over HTTPS, trusting only the certificate the environment names', async () => {
    const { mkdtemp, rm } = await import('node:fs/promises');
    const { tmpdir } = await import('node:os');
    const dir = await mkdtemp(`${tmpdir()}/plcfleet-git-tls-`);
    const tls = await loopbackCertificate(dir);
    const https = await serveGitHttp(repo.bare, { user: 'plant', password: 'tls-s3cret' }, tls);
    expect(https.url).toMatch(/^git\+https:\/\/127\.0\.0\.1:\d+\/plant\.git$/);
    const helper = {
      GIT_CONFIG_COUNT: '1',
      GIT_CONFIG_KEY_0: 'credential.helper',
      GIT_CONFIG_VALUE_0: '!f() { echo username=plant; echo password=tls-s3cret; }; f',
    };
    const src = createGitSource(`${https.url}#v1:plc`, {
      env: { ...process.env, ...helper, GIT_SSL_CAINFO: tls.certFile },
    });
    // Without the certificate among its trusted ones git refuses the server (never skips the check).
    const untrusted = createGitSource(`${https.url}#v1:plc`, { env: { ...process.env, ...helper } });
    try {
      expect((await src.read()).find((f) => f.path === 'Main.st')!.text).toBe(MAIN_V1);
      const pushed = await src.pushChange({
        branch: 'over-https',
        files: [{ path: 'Main.st', text: MAIN_V2 }],
        message: 'via https',
      });
      expect(await repo.git('rev-parse', 'over-https')).toBe(pushed.commit);
      const refused = await untrusted.read().catch((err: Error) => err);
      expect(refused).toMatchObject({
        code: 'io',
        message: expect.stringMatching(/cannot be reached: .*certificate/i),
      });
      expect((refused as Error).message).not.toContain('tls-s3cret');
    } finally {
      await Promise.all([src.close(), untrusted.close()]);
      await https.close();
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('reads and pushes over git+ssh with the ssh command the environment names', async () => {
    const { chmod, mkdtemp, readFile, rm, writeFile } = await import('node:fs/promises');
    const { tmpdir } = await import('node:os');
    const dir = await mkdtemp(`${tmpdir()}/plcfleet-git-ssh-`);
    // No SSH server here: a stand-in for ssh that logs the host and runs git's remote command locally.
    const fakeSsh = `${dir}/fake-ssh`;
    await writeFile(
      fakeSsh,
      [
        '#!/bin/sh',
        'while [ $# -gt 1 ]; do case "$1" in -p|-o|-i|-l) shift 2;; -*) shift;; *) break;; esac; done',
        'echo "$1" >> "$FAKE_SSH_LOG"; shift',
        'exec sh -c "$*"',
        '',
      ].join('\n'),
    );
    await chmod(fakeSsh, 0o755);
    const env = {
      ...process.env,
      GIT_SSH_COMMAND: fakeSsh,
      GIT_SSH_VARIANT: 'ssh',
      FAKE_SSH_LOG: `${dir}/log`,
    };
    const src = createGitSource(`git+ssh://git@plant.test${repo.bare}#v1:plc`, { env });
    try {
      expect((await src.read()).find((f) => f.path === 'Main.st')!.text).toBe(MAIN_V1);
      const pushed = await src.pushChange({
        branch: 'over-ssh',
        files: [{ path: 'Main.st', text: MAIN_V2 }],
        message: 'via ssh',
      });
      expect(await repo.git('rev-parse', 'over-ssh')).toBe(pushed.commit);
      const hosts = (await readFile(`${dir}/log`, 'utf8')).trim().split('\n');
      expect(new Set(hosts)).toEqual(new Set(['git@plant.test']));
    } finally {
      await src.close();
      await rm(dir, { recursive: true, force: true });
    }
    // The real ssh, never asking (BatchMode): a host that refuses is unreachable at once.
    const refused = createGitSource('git+ssh://git@127.0.0.1:1/plant.git#main');
    await expect(refused.read()).rejects.toMatchObject({
      code: 'io',
      message: expect.stringMatching(/^git\+ssh:\/\/git@127\.0\.0\.1:1\/plant\.git#main cannot be reached/),
    });
    await refused.close();
  });

  it('reads and pushes over git daemon on loopback', async () => {
    const daemon = await serveGitDaemon(repo.bare);
    const src = createGitSource(`${daemon.url}#v1:plc`);
    try {
      expect((await src.read()).find((f) => f.path === 'Main.st')!.text).toBe(MAIN_V1);
      const pushed = await src.pushChange({
        branch: 'over-daemon',
        files: [{ path: 'Main.st', text: MAIN_V2 }],
        message: 'via daemon',
      });
      expect(await repo.git('rev-parse', 'over-daemon')).toBe(pushed.commit);
      await expect(
        src.pushChange({ branch: 'taken', files: [{ path: 'Main.st', text: 'y' }], message: 'm' }),
      ).rejects.toMatchObject({ code: 'refused' });
    } finally {
      await src.close();
      await daemon.close();
    }
  });
});
