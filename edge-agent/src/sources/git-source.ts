/**
 * A plant's Git repository as a program source and as the sink of verified
 * changes. `read()` fetches the remote and returns the program files of REF
 * (under SUBDIR); `write()` commits the given files on the branch REF and
 * pushes it (fast-forward only); {@link GitProgramSource.pushChange} puts a
 * verified change and its evidence on a new branch; {@link GitProgramSource.tag}
 * marks a deployed commit. The real `git` binary does the work (see
 * `git-repository.ts`), against a bare cache that needs no work tree.
 */
import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { matchesAnyGlob } from '../transform';
import { type GitIdentity, GitRepository, type RefKind, type TreeChange } from './git-repository';
import { type GitUrl, isValidRefName, parseGitUrl } from './git-url';
import {
  hashProgram,
  isProgramFile,
  isSkippedPath,
  type ProgramFile,
  type ProgramSource,
  SourceError,
  safeRelativePath,
  sortFiles,
  type WriteOptions,
} from './program-source';

/** Options of {@link createGitSource}. */
export interface GitSourceOptions {
  /**
   * The bare cache repository of this remote (kept between runs, fetched
   * incrementally). @default a temporary folder, removed by `close()`
   */
  cacheDir?: string;
  /** Environment of git (credential helpers, `GIT_SSH_COMMAND`, `SSH_AUTH_SOCK`). @default process.env */
  env?: Record<string, string | undefined>;
  /** Author and committer when the environment sets no `GIT_AUTHOR_*`. @default plcfleet-agent <plcfleet-agent@localhost> */
  identity?: GitIdentity;
  /** Largest file read, in bytes. @default 8 MiB */
  maxFileBytes?: number;
  /** Most files read. @default 5000 */
  maxFiles?: number;
  /**
   * Plant files read, hashed and written with the program: text files (paths
   * relative to SUBDIR) matching these globs — a migration's `scope.files` for a
   * tag change (tag maps, HMI exports). Binary files and dot files are left out.
   * @default none (program files only)
   */
  plantFiles?: readonly string[];
}

/** A verified change to put on a new branch. */
export interface GitChange {
  /** The new branch; refused when it exists on the remote with other commits. */
  branch: string;
  /** Changed and added files (paths relative to the project). */
  files: readonly ProgramFile[];
  /** Files the change deletes (paths relative to the project). */
  removed?: readonly string[];
  /** The evidence, committed as `.plcfleet/evidence/<jobId>.json` in the project folder. */
  evidence?: { jobId: string; json: string };
  /** Commit message: subject line, blank line, body. */
  message: string;
  /** The commit the change was verified against. @default the commit the last `read()` saw */
  base?: string;
  /** When set, the program at `base` must have this {@link hashProgram} (the verdict's `sha256Before`). */
  expectSha256Before?: string;
}

/** A pushed commit. */
interface PushedCommit {
  commit: string;
  /** The full ref pushed (`refs/heads/…` or `refs/tags/…`). */
  ref: string;
}

/** A program source on a Git repository, with the change sink. */
export interface GitProgramSource extends ProgramSource {
  readonly kind: 'git';
  /** The parsed URL (remote, ref, subdir, display). */
  readonly url: GitUrl;
  /** The commit and ref kind the last `read()` saw, if any. */
  lastRead(): { commit: string; kind: RefKind } | undefined;
  /** Commits the change (and its evidence) on a new branch from `base` and pushes it. */
  pushChange(change: GitChange): Promise<PushedCommit>;
  /** Fetches, then the commit `ref` (a branch, tag or commit id) names on the remote and the program at it. */
  readRef(ref: string): Promise<{ commit: string; files: ProgramFile[] }>;
  /** Tags `commit` on the remote as `name` (lightweight; an existing tag is refused). */
  tag(commit: string, name: string): Promise<PushedCommit>;
  /**
   * The same repository (one cache, one lock, the same `lastRead`) read, hashed
   * and written with the plant files matching `globs` (see
   * {@link GitSourceOptions.plantFiles}); closing it closes this source.
   */
  withPlantFiles(globs: readonly string[]): GitProgramSource;
}

/** True when `source` is a Git source (with the change sink and tags). */
export function isGitSource(source: ProgramSource): source is GitProgramSource {
  return source.kind === 'git';
}

/** The folder of a remote's cache under `root`: one per remote URL (credentials included, never shown). */
export function gitCacheDir(root: string, remote: string): string {
  return join(root, createHash('sha256').update(remote).digest('hex').slice(0, 16));
}

/**
 * A program source on a Git repository: `git+file:///srv/plant.git#main:plc`.
 * Credentials come from the environment or an SSH agent and are never shown.
 *
 * @example
 * const src = createGitSource('git+https://git.plant/press.git#v1.4', { cacheDir: '.plcfleet-agent/git' });
 * const files = await src.read(); // the program at tag v1.4
 */
export function createGitSource(location: string, options: GitSourceOptions = {}): GitProgramSource {
  const url = parseGitUrl(location);
  const maxFileBytes = options.maxFileBytes ?? 8 * 1024 * 1024;
  const maxFiles = options.maxFiles ?? 5000;
  let repo: GitRepository | undefined;
  let tempDir: string | undefined;
  let last: { commit: string; kind: RefKind } | undefined;
  const prefix = url.subdir ? `${url.subdir}/` : '';

  async function repository(): Promise<GitRepository> {
    if (repo) return repo;
    let dir = options.cacheDir ? resolve(options.cacheDir) : undefined;
    if (!dir) {
      tempDir = await mkdtemp(join(tmpdir(), 'plcfleet-git-'));
      dir = join(tempDir, 'cache.git');
    }
    repo = new GitRepository(dir, url.remote, url.display, options.env ?? process.env, options.identity);
    return repo;
  }

  /** The program at `commit` (fetched already), with the plant files matching `plant`. */
  async function readAt(
    r: GitRepository,
    commit: string,
    plant: readonly string[] | undefined,
  ): Promise<ProgramFile[]> {
    const isPlantFile = (rel: string) =>
      plant !== undefined && !rel.split('/').some((seg) => seg.startsWith('.')) && matchesAnyGlob(rel, plant);
    const all = (await r.list(commit, url.subdir))
      .map((e) => ({ ...e, rel: e.path.slice(prefix.length) }))
      .filter((e) => !isSkippedPath(e.rel));
    const entries = all.filter((e) => isProgramFile(e.rel) || isPlantFile(e.rel));
    if (!entries.some((e) => isProgramFile(e.rel)))
      throw new SourceError(
        'not-found',
        `${url.display}: no program files (.st, .TcPOU, .TcDUT, .TcGVL, .xml) at ${url.ref}${url.subdir ? ` in ${url.subdir}` : ''}`,
      );
    if (entries.length > maxFiles)
      throw new SourceError('io', `${url.display}: more than ${maxFiles} program files; is SUBDIR right?`);
    const big = entries.find((e) => e.size > maxFileBytes);
    if (big)
      throw new SourceError('io', `${big.rel}: ${big.size} bytes is over the ${maxFileBytes}-byte limit`);
    const texts = await r.readBlobs(entries.map((e) => e.oid));
    const files = entries.map((e, i) => ({ path: e.rel, text: texts[i]! }));
    // A plant file with a NUL byte (an image, an archive) is not a text file to edit.
    return sortFiles(files.filter((f) => isProgramFile(f.path) || !f.text.includes('\u0000')));
  }

  async function fetchAndResolve(r: GitRepository, ref = url.ref) {
    await r.fetch();
    return r.resolve(ref);
  }

  function toTree(files: readonly ProgramFile[], removed: readonly string[] = []): TreeChange[] {
    return [
      ...files.map((f) => ({ path: prefix + safeRelativePath(f.path), text: f.text })),
      ...removed.map((p) => ({ path: prefix + safeRelativePath(p), text: null })),
    ];
  }

  /** The source reading the plant files matching `plant` beside the program. */
  const view = (plant: readonly string[] | undefined): GitProgramSource => ({
    kind: 'git',
    location: url.display,
    url,
    lastRead: () => last,
    async read(): Promise<ProgramFile[]> {
      const r = await repository();
      return r.serial(async () => {
        const at = await fetchAndResolve(r);
        const files = await readAt(r, at.commit, plant);
        last = at;
        return files;
      });
    },
    async write(files: readonly ProgramFile[], opts: WriteOptions = {}): Promise<void> {
      const r = await repository();
      await r.serial(async () => {
        const at = await fetchAndResolve(r);
        if (at.kind !== 'branch')
          throw new SourceError(
            'unsupported',
            `${url.display}: "${url.ref}" is a ${at.kind}, not a branch; a write needs a branch to advance`,
          );
        if (opts.expectSha256Before !== undefined) {
          const now = hashProgram(await readAt(r, at.commit, plant));
          if (now !== opts.expectSha256Before)
            throw new SourceError(
              'changed-since-read',
              `${url.display}#${url.ref} changed since it was read (now ${at.commit.slice(0, 12)})`,
            );
        }
        const commit = await r.commit(
          at.commit,
          toTree(files),
          opts.message ?? `plcfleet: write ${files.map((f) => f.path).join(', ')}`,
        );
        await r.push(commit, `refs/heads/${url.ref.replace(/^refs\/heads\//, '')}`);
        last = { commit, kind: 'branch' };
      });
    },
    async pushChange(change: GitChange): Promise<PushedCommit> {
      if (!isValidRefName(change.branch))
        throw new SourceError('bad-path', `"${change.branch}" is not a valid branch name`);
      if (change.evidence && !/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(change.evidence.jobId))
        throw new SourceError('bad-path', `job id "${change.evidence.jobId}" cannot name an evidence file`);
      const r = await repository();
      return r.serial(async () => {
        const resolved = await fetchAndResolve(r);
        const base = change.base ?? last?.commit ?? resolved.commit;
        if (change.expectSha256Before !== undefined) {
          const was = hashProgram(await readAt(r, base, plant));
          if (was !== change.expectSha256Before)
            throw new SourceError(
              'changed-since-read',
              `${url.display}: the program at ${base.slice(0, 12)} is not the one the change was verified against`,
            );
        }
        const tree = toTree(change.files, change.removed);
        if (change.evidence)
          tree.push({
            path: `${prefix}.plcfleet/evidence/${change.evidence.jobId}.json`,
            text: change.evidence.json,
          });
        const commit = await r.commit(base, tree, change.message);
        const ref = `refs/heads/${change.branch}`;
        // A change goes on a new branch. An existing one that the push would merely
        // fast-forward (a release branch, the base itself) is refused here; one with
        // other commits is refused by the remote (non-fast-forward).
        const existing = await r.remoteBranch(change.branch);
        if (existing && (await r.isAncestor(existing, commit)))
          throw new SourceError(
            'refused',
            `${url.display}: push to ${ref} refused: the branch already exists; a change goes on a new branch`,
          );
        await r.push(commit, ref, existing === undefined);
        return { commit, ref };
      });
    },
    async readRef(ref: string): Promise<{ commit: string; files: ProgramFile[] }> {
      if (!isValidRefName(ref)) throw new SourceError('bad-path', `"${ref}" is not a valid ref name`);
      const r = await repository();
      return r.serial(async () => {
        const at = await fetchAndResolve(r, ref);
        return { commit: at.commit, files: await readAt(r, at.commit, plant) };
      });
    },
    async tag(commit: string, name: string): Promise<PushedCommit> {
      if (!isValidRefName(name)) throw new SourceError('bad-path', `"${name}" is not a valid tag name`);
      const r = await repository();
      const ref = `refs/tags/${name}`;
      await r.serial(async () => {
        // The commit must be one of the remote's: fetch, then check it is known.
        await r.fetch();
        await r.resolve(commit);
        await r.push(commit, ref);
      });
      return { commit, ref };
    },
    withPlantFiles: (globs: readonly string[]) => view(globs),
    async close(): Promise<void> {
      if (repo) await repo.serial(async () => repo?.close());
      if (tempDir) await rm(tempDir, { recursive: true, force: true });
      tempDir = undefined;
      repo = undefined;
    },
  });

  return view(options.plantFiles);
}
