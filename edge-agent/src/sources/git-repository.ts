/**
 * A local bare repository that caches one remote, driven through the real
 * `git` binary without a work tree: fetch, resolve a ref, list and read the
 * blobs of a commit, build a commit from changed files (a private index file),
 * push a branch or a tag. Blobs are read and written as bytes (no filters, no
 * line-ending conversion), so a file comes back exactly as it was committed.
 *
 * Credentials come from the environment (credential helpers, `GIT_ASKPASS`,
 * `GIT_SSH_COMMAND`, an SSH agent via `SSH_AUTH_SOCK`); git never prompts
 * (`GIT_TERMINAL_PROMPT=0`) and every message has URLs redacted.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { access, mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type CatFileObject, CatFileProcess } from './git-cat-file';
import { redactUrl } from './git-url';
import { SourceError } from './program-source';

/** The result of one git command. */
interface GitRun {
  code: number;
  stdout: Buffer;
  stderr: string;
}

/** One file of a commit's tree. */
export interface TreeEntry {
  /** Path from the repository root. */
  path: string;
  mode: string;
  oid: string;
  size: number;
}

/** A file to put into a commit (`text: null` removes it). */
export interface TreeChange {
  path: string;
  text: string | null;
}

/** Who commits: from `GIT_AUTHOR_*`/`GIT_COMMITTER_*` when the environment sets them, else this. */
export interface GitIdentity {
  name: string;
  email: string;
}

const DEFAULT_IDENTITY: GitIdentity = { name: 'plcfleet-agent', email: 'plcfleet-agent@localhost' };

/** Namespace of the remote's branches and tags inside the cache. */
const HEADS = 'refs/plcfleet-remote/heads/';
const TAGS = 'refs/plcfleet-remote/tags/';

/** How a ref was found: a branch (which a write may advance), a tag, or a commit id. */
export type RefKind = 'branch' | 'tag' | 'commit';

/**
 * The cache of one remote. Operations are serialised (one git command sequence
 * at a time), so concurrent reads and pushes do not race on the cache's refs.
 */
export class GitRepository {
  private queue: Promise<unknown> = Promise.resolve();
  private initialised = false;
  /** Long-lived readers of objects (contents) and of their headers (ids, types, sizes). */
  private objects: CatFileProcess | undefined;
  private headers: CatFileProcess | undefined;

  constructor(
    /** The bare cache repository's folder. */
    readonly gitDir: string,
    /** What git fetches from and pushes to. */
    readonly remote: string,
    /** The remote as people see it (credentials hidden). */
    readonly display: string,
    private readonly env: Record<string, string | undefined> = process.env,
    private readonly identity: GitIdentity = DEFAULT_IDENTITY,
  ) {}

  /** Runs `fn` after every earlier operation finished. */
  serial<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.queue.then(fn, fn);
    this.queue = next.catch(() => undefined);
    return next;
  }

  private gitEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
    return {
      ...this.env,
      GIT_TERMINAL_PROMPT: '0',
      // ssh checks the host key as configured but never asks (a daemon has no terminal).
      GIT_SSH_COMMAND: this.env.GIT_SSH_COMMAND ?? 'ssh -o BatchMode=yes',
      ...extra,
    } as NodeJS.ProcessEnv;
  }

  /** Reads objects through the long-lived `cat-file` processes (started on first use). */
  private cat(
    mode: 'batch' | 'batch-check',
    names: readonly string[],
  ): Promise<Array<CatFileObject | undefined>> {
    if (mode === 'batch')
      this.objects ??= new CatFileProcess(this.gitDir, 'batch', this.gitEnv(), this.display);
    else this.headers ??= new CatFileProcess(this.gitDir, 'batch-check', this.gitEnv(), this.display);
    return (mode === 'batch' ? this.objects! : this.headers!).query(names);
  }

  /** Ends the long-lived git processes (a later read starts them again). */
  close(): void {
    this.objects?.close();
    this.headers?.close();
    this.objects = undefined;
    this.headers = undefined;
  }

  private run(args: readonly string[], opts: { input?: string; env?: Record<string, string> } = {}) {
    return new Promise<GitRun>((resolvePromise, reject) => {
      const child = spawn('git', ['--git-dir', this.gitDir, ...args], {
        env: this.gitEnv(opts.env),
        stdio: ['pipe', 'pipe', 'pipe'],
      });
      const out: Buffer[] = [];
      let err = '';
      child.stdout.on('data', (d: Buffer) => out.push(d));
      child.stderr.on('data', (d: Buffer) => {
        if (err.length < 16_384) err += d.toString('utf8');
      });
      child.on('error', (e) =>
        reject(
          new SourceError('io', `cannot run git (is it installed?): ${(e as Error).message}`, { cause: e }),
        ),
      );
      child.on('close', (code) =>
        resolvePromise({ code: code ?? 1, stdout: Buffer.concat(out), stderr: err }),
      );
      child.stdin.on('error', () => undefined);
      child.stdin.end(opts.input ?? '');
    });
  }

  /** Runs git and returns stdout; a non-zero exit is an `io` error naming the step and git's reason. */
  private async ok(
    what: string,
    args: readonly string[],
    opts: { input?: string; env?: Record<string, string> } = {},
  ) {
    const r = await this.run(args, opts);
    if (r.code !== 0) throw new SourceError('io', `${this.display}: ${what} failed: ${gitReason(r.stderr)}`);
    return r.stdout;
  }

  private async init(): Promise<void> {
    if (this.initialised) return;
    await mkdir(this.gitDir, { recursive: true });
    try {
      await access(join(this.gitDir, 'HEAD'));
    } catch {
      const r = await new Promise<number>((res) => {
        const c = spawn('git', ['init', '--bare', '--quiet', this.gitDir], { stdio: 'ignore' });
        c.on('error', () => res(127));
        c.on('close', (code) => res(code ?? 1));
      });
      if (r !== 0)
        throw new SourceError('io', `cannot create the Git cache ${this.gitDir} (is git installed?)`);
    }
    this.initialised = true;
  }

  /**
   * Fetches every branch and tag of the remote. An unreachable remote (no
   * answer, refused, no such repository, no access) is an `io` error.
   */
  async fetch(): Promise<void> {
    await this.init();
    const r = await this.run([
      'fetch',
      '--quiet',
      '--no-tags',
      '--prune',
      '--force',
      this.remote,
      `+refs/heads/*:${HEADS}*`,
      `+refs/tags/*:${TAGS}*`,
    ]);
    if (r.code !== 0)
      throw new SourceError('io', `${this.display} cannot be reached: ${gitReason(r.stderr)}`);
  }

  /** The commit `ref` names (branch first, then tag, then a commit id), or a `not-found` error. */
  async resolve(ref: string): Promise<{ commit: string; kind: RefKind }> {
    const name = ref.replace(/^refs\/(heads|tags)\//, '');
    const tries: Array<[string, RefKind]> = [];
    if (!ref.startsWith('refs/tags/')) tries.push([`${HEADS}${name}`, 'branch']);
    if (!ref.startsWith('refs/heads/')) tries.push([`${TAGS}${name}`, 'tag']);
    if (/^[0-9a-f]{4,40}$/i.test(ref)) tries.push([ref, 'commit']);
    // Every candidate in one query of the long-lived `cat-file --batch-check`.
    await this.init();
    const found = await this.cat(
      'batch-check',
      tries.map(([candidate]) => `${candidate}^{commit}`),
    );
    for (const [i, [, kind]] of tries.entries()) {
      const o = found[i];
      if (o?.type === 'commit') return { commit: o.oid, kind };
    }
    throw new SourceError('not-found', `${this.display}: no branch, tag or commit "${ref}"`);
  }

  /**
   * The blobs of `commit` under `subdir` (every file when ''), with their modes:
   * the trees walked level by level through the long-lived `cat-file --batch`,
   * the sizes in one `--batch-check` query.
   */
  async list(commit: string, subdir: string): Promise<TreeEntry[]> {
    await this.init();
    const [root] = await this.cat('batch', [`${commit}^{tree}`]);
    if (root?.type !== 'tree')
      throw new SourceError('io', `${this.display}: listing the tree failed: no commit ${commit}`);
    // Down to SUBDIR; a folder that is not there lists nothing.
    let tree: CatFileObject | undefined = root;
    for (const name of subdir ? subdir.split('/') : []) {
      const sub: TreeItem | undefined = parseTree(tree).find((e) => e.name === name && e.mode === '40000');
      [tree] = sub ? await this.cat('batch', [sub.oid]) : [undefined];
      if (tree?.type !== 'tree') return [];
    }
    const blobs: Array<{ path: string; mode: string; oid: string }> = [];
    let level: Array<{ prefix: string; tree: CatFileObject }> = [
      { prefix: subdir ? `${subdir}/` : '', tree },
    ];
    while (level.length > 0) {
      const subtrees: Array<{ prefix: string; oid: string }> = [];
      for (const { prefix, tree: t } of level)
        for (const e of parseTree(t)) {
          if (e.mode === '40000') subtrees.push({ prefix: `${prefix}${e.name}/`, oid: e.oid });
          // Only regular files (100644, 100755, old 100664): a symlink (120000) or a submodule (160000) is not program text.
          else if (e.mode.startsWith('100'))
            blobs.push({ path: `${prefix}${e.name}`, mode: e.mode, oid: e.oid });
        }
      const read = await this.cat(
        'batch',
        subtrees.map((t) => t.oid),
      );
      level = subtrees.map((t, i) => {
        const o = read[i];
        if (o?.type !== 'tree') throw new SourceError('io', `${this.display}: tree ${t.oid} is missing`);
        return { prefix: t.prefix, tree: o };
      });
    }
    const sizes = await this.cat(
      'batch-check',
      blobs.map((b) => b.oid),
    );
    return blobs
      .map((b, i) => ({ ...b, size: sizes[i]?.size ?? 0 }))
      .sort((x, y) => (x.path < y.path ? -1 : x.path > y.path ? 1 : 0));
  }

  /** The texts (UTF-8) of the given blobs, in order, read through the long-lived `cat-file --batch`. */
  async readBlobs(oids: readonly string[]): Promise<string[]> {
    const read = await this.cat('batch', oids);
    return read.map((o, i) => {
      if (o?.type !== 'blob') throw new SourceError('io', `${this.display}: object ${oids[i]} is not a file`);
      return o.content.toString('utf8');
    });
  }

  /**
   * Makes a commit on `parent` whose tree is the parent's with `changes`
   * applied (nothing else touched), and returns its id. The cache's refs are
   * not moved; the commit is pushed by {@link push}.
   */
  async commit(parent: string, changes: readonly TreeChange[], message: string): Promise<string> {
    const scratch = join(this.gitDir, `plcfleet-${randomBytes(6).toString('hex')}`);
    await mkdir(scratch, { recursive: true });
    try {
      const index = join(scratch, 'index');
      const env = { GIT_INDEX_FILE: index };
      await this.ok('reading the tree', ['read-tree', parent], { env });
      const modes = new Map(
        (await this.list(parent, '')).map((e) => [e.path, e.mode === '100755' ? '100755' : '100644']),
      );
      const written = changes.filter((c) => c.text !== null);
      const paths: string[] = [];
      for (const [i, c] of written.entries()) {
        const p = join(scratch, `f${i}`);
        await writeFile(p, c.text!, 'utf8');
        paths.push(p);
      }
      const oids = written.length
        ? (
            await this.ok('storing files', ['hash-object', '-w', '--no-filters', '--stdin-paths'], {
              input: `${paths.join('\n')}\n`,
            })
          )
            .toString('utf8')
            .trim()
            .split('\n')
        : [];
      const lines = changes.map((c) => {
        if (c.text === null) return `0 ${'0'.repeat(40)}\t${c.path}`;
        return `${modes.get(c.path) ?? '100644'} ${oids[written.indexOf(c)]}\t${c.path}`;
      });
      await this.ok('staging the change', ['update-index', '--add', '--remove', '--index-info'], {
        env,
        input: `${lines.join('\n')}\n`,
      });
      const tree = (await this.ok('writing the tree', ['write-tree'], { env })).toString('utf8').trim();
      const who = this.identityEnv();
      const commit = await this.ok('committing', ['commit-tree', tree, '-p', parent, '-F', '-'], {
        env: who,
        input: message.endsWith('\n') ? message : `${message}\n`,
      });
      return commit.toString('utf8').trim();
    } finally {
      await rm(scratch, { recursive: true, force: true });
    }
  }

  /** Author and committer: the environment's when it sets them, else the configured identity. */
  private identityEnv(): Record<string, string> {
    const e = this.env;
    return {
      GIT_AUTHOR_NAME: e.GIT_AUTHOR_NAME ?? this.identity.name,
      GIT_AUTHOR_EMAIL: e.GIT_AUTHOR_EMAIL ?? this.identity.email,
      GIT_COMMITTER_NAME: e.GIT_COMMITTER_NAME ?? e.GIT_AUTHOR_NAME ?? this.identity.name,
      GIT_COMMITTER_EMAIL: e.GIT_COMMITTER_EMAIL ?? e.GIT_AUTHOR_EMAIL ?? this.identity.email,
    };
  }

  /** The commit a branch of the remote pointed at when last fetched, if it exists. */
  async remoteBranch(branch: string): Promise<string | undefined> {
    const r = await this.run(['rev-parse', '--verify', '--quiet', `${HEADS}${branch}^{commit}`]);
    return r.code === 0 ? r.stdout.toString('utf8').trim() : undefined;
  }

  /** True when `ancestor` is `commit` or one of its ancestors. */
  async isAncestor(ancestor: string, commit: string): Promise<boolean> {
    return (await this.run(['merge-base', '--is-ancestor', ancestor, commit])).code === 0;
  }

  /**
   * Pushes `commit` to `ref` on the remote (never forced; `mustBeNew`: refused
   * if the ref appeared on the remote meanwhile). A refusal (non-fast-forward,
   * an existing tag, a hook or permission) is a `refused` error with git's reason.
   */
  async push(commit: string, ref: string, mustBeNew = false): Promise<void> {
    // An empty lease means "only if the ref does not exist"; it never forces anything.
    const lease = mustBeNew ? [`--force-with-lease=${ref}:`] : [];
    const r = await this.run(['push', '--porcelain', '--quiet', ...lease, this.remote, `${commit}:${ref}`]);
    if (r.code === 0) return;
    const out = r.stdout.toString('utf8');
    const rejected = /^!\t[^\t]*\t\[(?:remote )?rejected\] ?\(?([^)\n]*)\)?/m.exec(out);
    if (rejected)
      throw new SourceError(
        'refused',
        `${this.display}: push to ${ref} refused: ${rejected[1]!.trim() || 'rejected'}${hint(rejected[1] ?? '')}`,
      );
    throw new SourceError('io', `${this.display}: push to ${ref} failed: ${gitReason(r.stderr || out)}`);
  }
}

/** One entry of a tree object. */
interface TreeItem {
  mode: string;
  name: string;
  oid: string;
}

/** The entries of a tree object: `<mode> <name>\0<id>` each, the id binary (as long as the tree's own). */
function parseTree(tree: CatFileObject): TreeItem[] {
  const { content } = tree;
  const idBytes = tree.oid.length / 2;
  const out: TreeItem[] = [];
  let at = 0;
  while (at < content.length) {
    const space = content.indexOf(0x20, at);
    const nul = content.indexOf(0, space);
    if (space < 0 || nul < 0) break;
    out.push({
      mode: content.subarray(at, space).toString('latin1'),
      name: content.subarray(space + 1, nul).toString('utf8'),
      oid: content.subarray(nul + 1, nul + 1 + idBytes).toString('hex'),
    });
    at = nul + 1 + idBytes;
  }
  return out;
}

function hint(reason: string): string {
  if (/non-fast-forward|fetch first/.test(reason))
    return ' (the branch already exists with other commits; choose another name or delete it)';
  if (/already exists|stale info/.test(reason)) return ' (the name is taken)';
  return '';
}

/** git's message reduced to its meaningful lines, URLs redacted. */
function gitReason(stderr: string): string {
  const lines = redactUrl(stderr)
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !/^hint:/.test(l));
  const fatal = lines.filter((l) => /^(fatal|error):/.test(l));
  return (fatal.length ? fatal : lines).join('; ').replace(/^(fatal|error): /, '') || 'no reason given';
}
