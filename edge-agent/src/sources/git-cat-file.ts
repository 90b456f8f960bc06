/**
 * A long-lived `git cat-file --batch` (or `--batch-check`) process of one
 * repository: object names in, headers (and contents) out, so reading a commit's
 * tree and files costs no process per step. The process sees refs and objects
 * written after it started (git re-reads a ref on every lookup and rescans its
 * packs on a miss), is started on first use, holds the event loop only while a
 * query is answered, and is started again after it ended.
 */
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import type { Socket } from 'node:net';
import { SourceError } from './program-source';

/** One object: its id, type and size, and its bytes when the process reads contents. */
export interface CatFileObject {
  oid: string;
  type: string;
  size: number;
  content: Buffer;
}

interface Pending {
  name: string;
  resolve: (o: CatFileObject | undefined) => void;
  reject: (e: Error) => void;
}

const EMPTY = Buffer.alloc(0);

/** One `git cat-file --batch[-check]` process, queried in order. */
export class CatFileProcess {
  private child: ChildProcessWithoutNullStreams | undefined;
  private readonly pending: Pending[] = [];
  /** Output not yet consumed, in arrival order. */
  private chunks: Buffer[] = [];
  private buffered = 0;
  /** The header of the object whose contents are still arriving. */
  private header: { oid: string; type: string; size: number } | undefined;
  private stderr = '';

  constructor(
    private readonly gitDir: string,
    private readonly mode: 'batch' | 'batch-check',
    private readonly env: NodeJS.ProcessEnv,
    /** The repository as people see it, for messages. */
    private readonly display: string,
  ) {}

  /**
   * The objects `names` name (ids, refs, `rev^{commit}` …), in order;
   * `undefined` for a name that is missing or ambiguous.
   */
  query(names: readonly string[]): Promise<Array<CatFileObject | undefined>> {
    if (names.length === 0) return Promise.resolve([]);
    const bad = names.find((n) => n === '' || /[\n\r\0]/.test(n));
    if (bad !== undefined)
      return Promise.reject(new SourceError('bad-path', `${this.display}: "${bad}" cannot name an object`));
    const child = this.process();
    const answers = names.map(
      (name) =>
        new Promise<CatFileObject | undefined>((resolve, reject) =>
          this.pending.push({ name, resolve, reject }),
        ),
    );
    this.hold(true);
    child.stdin.write(`${names.join('\n')}\n`);
    return Promise.all(answers);
  }

  /** Ends the process (it exits when its input closes). */
  close(): void {
    const child = this.child;
    if (!child) return;
    this.child = undefined;
    child.stdin.end();
    this.fail(new SourceError('io', `${this.display}: the repository was closed`));
  }

  private process(): ChildProcessWithoutNullStreams {
    if (this.child) return this.child;
    const child = spawn('git', ['--git-dir', this.gitDir, 'cat-file', `--${this.mode}`], {
      env: this.env,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    this.child = child;
    this.chunks = [];
    this.buffered = 0;
    this.header = undefined;
    this.stderr = '';
    child.stdout.on('data', (d: Buffer) => {
      if (this.child !== child) return; // output of a process already replaced
      this.chunks.push(d);
      this.buffered += d.length;
      this.drain();
    });
    child.stderr.on('data', (d: Buffer) => {
      if (this.stderr.length < 4096) this.stderr += d.toString('utf8');
    });
    child.stdin.on('error', () => undefined);
    const ended = (why: string) => {
      if (this.child !== child) return;
      this.child = undefined;
      this.fail(
        new SourceError(
          'io',
          `${this.display}: git cat-file ${why}${this.stderr ? `: ${this.stderr.trim()}` : ''}`,
        ),
      );
    };
    child.on('error', (e) => ended(`cannot run (is git installed?): ${e.message}`));
    child.on('close', (code) => ended(`ended (exit ${code})`));
    return child;
  }

  /** Keeps the event loop alive while answers are due, and lets it end when idle. */
  private hold(busy: boolean): void {
    const c = this.child;
    if (!c) return;
    // With stdio 'pipe' the streams are sockets, which can stop holding the loop.
    const streams = [c.stdin, c.stdout, c.stderr] as unknown as Socket[];
    for (const s of [c, ...streams]) {
      if (busy) s.ref();
      else s.unref();
    }
  }

  private fail(err: Error): void {
    for (const p of this.pending.splice(0)) p.reject(err);
  }

  /** The first `n` buffered bytes, consumed. */
  private take(n: number): Buffer {
    const all = this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks, this.buffered);
    const out = all.subarray(0, n);
    const rest = all.subarray(n);
    this.chunks = rest.length ? [rest] : [];
    this.buffered = rest.length;
    return out;
  }

  /** Answers every query whose output is complete. */
  private drain(): void {
    for (;;) {
      const p = this.pending[0];
      if (!p) return;
      if (!this.header) {
        const first = this.chunks[0] ?? EMPTY;
        let nl = first.indexOf(0x0a);
        if (nl < 0 && this.chunks.length > 1) {
          this.chunks = [Buffer.concat(this.chunks, this.buffered)];
          nl = this.chunks[0]!.indexOf(0x0a);
        }
        if (nl < 0) return;
        const line = this.take(nl + 1)
          .subarray(0, nl)
          .toString('utf8');
        const m = /^([0-9a-f]{40,64}) (\S+) (\d+)$/.exec(line);
        if (!m) {
          // "<name> missing" or "<name> ambiguous"
          this.pending.shift();
          p.resolve(undefined);
          this.idle();
          continue;
        }
        this.header = { oid: m[1]!, type: m[2]!, size: Number(m[3]) };
        if (this.mode === 'batch-check') {
          this.pending.shift();
          p.resolve({ ...this.header, content: EMPTY });
          this.header = undefined;
          this.idle();
          continue;
        }
      }
      // Contents, then a newline.
      if (this.buffered < this.header.size + 1) return;
      const content = Buffer.from(this.take(this.header.size + 1).subarray(0, this.header.size));
      this.pending.shift();
      p.resolve({ ...this.header, content });
      this.header = undefined;
      this.idle();
    }
  }

  private idle(): void {
    if (this.pending.length === 0) this.hold(false);
  }
}
