/**
 * Test fixture: a plant repository as a bare repository in a temporary folder,
 * filled through a scratch clone with the real `git`, optionally served by
 * `git daemon` on loopback. Never touches any other repository.
 */
import { execFile, spawn } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer as createHttpServer, type RequestListener } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';

const exec = promisify(execFile);

/** Identity of fixture commits (no global git config needed). */
const FIXTURE_GIT_ENV = {
  GIT_AUTHOR_NAME: 'Plant Engineer',
  GIT_AUTHOR_EMAIL: 'engineer@plant.test',
  GIT_COMMITTER_NAME: 'Plant Engineer',
  GIT_COMMITTER_EMAIL: 'engineer@plant.test',
  GIT_CONFIG_NOSYSTEM: '1',
};

/** A bare plant repository and a scratch clone to make commits with. */
export interface PlantRepo {
  /** The bare repository's folder. */
  bare: string;
  /** `git+file://` URL of the bare repository, without the fragment. */
  fileUrl: string;
  /** Commits the files (path → text, null deletes) on `branch` and pushes; returns the commit id. */
  commit(files: Record<string, string | null>, message: string, branch?: string): Promise<string>;
  /** Tags a commit on the remote. */
  tag(name: string, commit: string): Promise<void>;
  /** Runs git in the bare repository. */
  git(...args: string[]): Promise<string>;
  cleanup(): Promise<void>;
}

async function git(cwd: string, ...args: string[]): Promise<string> {
  const { stdout } = await exec('git', ['-C', cwd, ...args], {
    env: { ...process.env, ...FIXTURE_GIT_ENV },
  });
  return stdout.trim();
}

/** Creates an empty bare repository (default branch `main`) and a scratch clone. */
export async function createPlantRepo(): Promise<PlantRepo> {
  const root = await mkdtemp(join(tmpdir(), 'plcfleet-plant-repo-'));
  const bare = join(root, 'plant.git');
  const work = join(root, 'work');
  await exec('git', ['init', '--bare', '--quiet', '--initial-branch=main', bare]);
  await exec('git', ['init', '--quiet', '--initial-branch=main', work]);
  await git(work, 'remote', 'add', 'origin', bare);
  return {
    bare,
    fileUrl: `git+file://${bare}`,
    async commit(files, message, branch = 'main') {
      const heads = await git(bare, 'for-each-ref', '--format=%(refname:short)', 'refs/heads/');
      if (heads.split('\n').includes(branch)) {
        await git(work, 'fetch', '--quiet', 'origin', branch);
        await git(work, 'checkout', '--quiet', '-B', branch, `origin/${branch}`);
      } else await git(work, 'checkout', '--quiet', '-B', branch);
      for (const [path, text] of Object.entries(files)) {
        const full = join(work, path);
        if (text === null) await rm(full, { force: true });
        else {
          await mkdir(dirname(full), { recursive: true });
          await writeFile(full, text, 'utf8');
        }
      }
      await git(work, 'add', '--all');
      await git(work, 'commit', '--quiet', '--allow-empty', '-m', message);
      await git(work, 'push', '--quiet', 'origin', `${branch}:${branch}`);
      return git(work, 'rev-parse', 'HEAD');
    },
    async tag(name, commit) {
      await git(bare, 'tag', name, commit);
    },
    git: (...args) => git(bare, ...args),
    cleanup: () => rm(root, { recursive: true, force: true }),
  };
}

async function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const s = createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolvePort(port));
    });
  });
}

/** `git daemon` serving the folder holding `bare` on loopback, pushes allowed; `url` is `git+git://…/plant.git`. */
export async function serveGitDaemon(bare: string): Promise<{ url: string; close: () => Promise<void> }> {
  const port = await freePort();
  const base = dirname(bare);
  const child = spawn(
    'git',
    [
      'daemon',
      '--reuseaddr',
      '--export-all',
      '--enable=receive-pack',
      `--base-path=${base}`,
      '--listen=127.0.0.1',
      `--port=${port}`,
      base,
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  await new Promise<void>((ready, fail) => {
    const timer = setTimeout(() => fail(new Error('git daemon did not start in 10 s')), 10_000);
    const check = async () => {
      try {
        await exec('git', ['ls-remote', `git://127.0.0.1:${port}/plant.git`]);
        clearTimeout(timer);
        ready();
      } catch {
        if (child.exitCode === null) setTimeout(check, 50);
        else fail(new Error(`git daemon exited with ${child.exitCode}`));
      }
    };
    check();
  });
  return {
    url: `git+git://127.0.0.1:${port}/plant.git`,
    close: () =>
      new Promise<void>((done) => {
        if (child.exitCode !== null) return done();
        child.once('exit', () => done());
        child.kill('SIGTERM');
      }),
  };
}

/**
 * The smart HTTP protocol on loopback: `git http-backend` behind a node HTTP
 * server that asks for Basic authentication (`user`/`password`); `url` is
 * `git+http://127.0.0.1:PORT/plant.git` (no credentials in it), or
 * `git+https://…` with `tls` (a key and certificate in PEM).
 */
export async function serveGitHttp(
  bare: string,
  auth: { user: string; password: string },
  tls?: { key: string; cert: string },
): Promise<{ url: string; close: () => Promise<void> }> {
  const base = dirname(bare);
  const expected = `Basic ${Buffer.from(`${auth.user}:${auth.password}`).toString('base64')}`;
  const handle: RequestListener = (req, res) => {
    if (req.headers.authorization !== expected) {
      res.writeHead(401, { 'WWW-Authenticate': 'Basic realm="plant"' });
      res.end();
      return;
    }
    const url = new URL(req.url ?? '/', 'http://x');
    const cgi = spawn('git', ['http-backend'], {
      env: {
        ...process.env,
        GIT_PROJECT_ROOT: base,
        GIT_HTTP_EXPORT_ALL: '1',
        PATH_INFO: url.pathname,
        QUERY_STRING: url.search.slice(1),
        REQUEST_METHOD: req.method ?? 'GET',
        CONTENT_TYPE: req.headers['content-type'] ?? '',
        HTTP_CONTENT_ENCODING: req.headers['content-encoding'] ?? '',
        REMOTE_USER: auth.user,
        REMOTE_ADDR: '127.0.0.1',
      },
    });
    req.pipe(cgi.stdin);
    let head = Buffer.alloc(0);
    let headersDone = false;
    cgi.stdout.on('data', (chunk: Buffer) => {
      if (headersDone) return void res.write(chunk);
      head = Buffer.concat([head, chunk]);
      const end = head.indexOf('\r\n\r\n');
      if (end < 0) return;
      headersDone = true;
      let status = 200;
      for (const line of head.subarray(0, end).toString('utf8').split('\r\n')) {
        const colon = line.indexOf(':');
        const name = line.slice(0, colon).trim();
        const value = line.slice(colon + 1).trim();
        if (name.toLowerCase() === 'status') status = Number.parseInt(value, 10);
        else res.setHeader(name, value);
      }
      res.writeHead(status);
      res.write(head.subarray(end + 4));
    });
    cgi.on('close', () => res.end());
  };
  const server = tls ? createHttpsServer(tls, handle) : createHttpServer(handle);
  await new Promise<void>((ready) => server.listen(0, '127.0.0.1', ready));
  const { port } = server.address() as { port: number };
  return {
    url: `git+${tls ? 'https' : 'http'}://127.0.0.1:${port}/plant.git`,
    close: () => new Promise<void>((done) => server.close(() => done())),
  };
}

/**
 * A self-signed certificate for 127.0.0.1 made by `openssl` in `dir`: the key and
 * certificate in PEM, and the certificate's file (for `GIT_SSL_CAINFO`).
 */
export async function loopbackCertificate(
  dir: string,
): Promise<{ key: string; cert: string; certFile: string }> {
  const keyFile = join(dir, 'key.pem');
  const certFile = join(dir, 'cert.pem');
  await exec('openssl', [
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-days',
    '1',
    '-subj',
    '/CN=127.0.0.1',
    '-addext',
    'subjectAltName=IP:127.0.0.1',
    '-keyout',
    keyFile,
    '-out',
    certFile,
  ]);
  return { key: await readFile(keyFile, 'utf8'), cert: await readFile(certFile, 'utf8'), certFile };
}
