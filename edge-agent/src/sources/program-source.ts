/**
 * A program source: where a plant's PLC program is read from and, on an
 * approved deploy, written back. Implementations: a directory on disk, a
 * live PLC over OPC UA (FileType objects) and a Git repository.
 */
import { canonicalJson } from '@plcfleet/protocols';
import { sha256Hex } from '@plcfleet/protocols/signing';
import { EdgeAgentError, SOURCE_ERROR_CODES } from '../edge-agent-error';

/** One source file of a PLC project: a POSIX path relative to the project root and its full text. */
export interface ProgramFile {
  path: string;
  text: string;
}

/**
 * Extensions a source reads (case-insensitive): plain ST, TwinCAT 3 XML, PLCopen XML, Siemens SCL
 * sources and Rockwell L5X exports (`.L5X`, converted by the ladder-to-st kind).
 */
export const PROGRAM_FILE_EXTENSIONS = [
  '.st',
  '.tcpou',
  '.tcdut',
  '.tcgvl',
  '.tcio',
  '.xml',
  '.scl',
  '.db',
  '.udt',
  '.l5x',
] as const;

/** Options of {@link ProgramSource.write}. */
export interface WriteOptions {
  /**
   * When set, the source re-reads the program first and refuses to write
   * (nothing written) unless its {@link hashProgram} equals this value — so a
   * deploy never overwrites a program that changed since it was verified.
   */
  expectSha256Before?: string;
  /** The commit message, for a source that keeps history (Git). @default one naming the files */
  message?: string;
}

/**
 * Where the program lives. `read()` never changes the PLC or the disk;
 * `write(files)` replaces exactly the given files (all or none) and leaves every
 * other file untouched.
 */
export interface ProgramSource {
  /** `directory`, `opcua` or `git`. */
  readonly kind: 'directory' | 'opcua' | 'git';
  /** A path, an `opc.tcp://` URL or a Git URL (credentials hidden), for people and logs. */
  readonly location: string;
  /** All program files, sorted by path. */
  read(): Promise<ProgramFile[]>;
  /** Writes the given files (paths relative to the project root) as one change. */
  write(files: readonly ProgramFile[], options?: WriteOptions): Promise<void>;
  /** Releases connections; a no-op for directories. */
  close(): Promise<void>;
}

/** Sorts files by path (code-point order), the canonical order of a program. */
export function sortFiles(files: readonly ProgramFile[]): ProgramFile[] {
  return [...files].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/**
 * The hash of a program: SHA-256 (lower-case hex) of the canonical JSON of
 * `[{ path, sha256 }]` over its files sorted by path, where `sha256` is the hash
 * of the file's UTF-8 text. A deploy compares it with the verdict's `sha256After`.
 *
 * @example
 * hashProgram(await source.read()) === verdict.evidence.sha256After
 */
export function hashProgram(files: readonly ProgramFile[]): string {
  return sha256Hex(canonicalJson(sortFiles(files).map((f) => ({ path: f.path, sha256: sha256Hex(f.text) }))));
}

/** Folders never read: version control, dependencies, build output, plcfleet's own folders (evidence, jobs). */
export const SKIPPED_DIRS: ReadonlySet<string> = new Set([
  '.git',
  'node_modules',
  '.plcfleet',
  '_Boot',
  '_CompileInfo',
]);

/** True when a relative path lies in a folder no source reads: a hidden one or one of {@link SKIPPED_DIRS}. */
export function isSkippedPath(path: string): boolean {
  const dirs = path.split('/').slice(0, -1);
  return dirs.some((d) => d.startsWith('.') || SKIPPED_DIRS.has(d));
}

/** True when `path` has one of the {@link PROGRAM_FILE_EXTENSIONS}. */
export function isProgramFile(path: string): boolean {
  const lower = path.toLowerCase();
  return PROGRAM_FILE_EXTENSIONS.some((ext) => lower.endsWith(ext));
}

/** Checks that a relative path stays inside the project (no `..`, no absolute path, no backslash); returns it normalised. */
export function safeRelativePath(path: string): string {
  const p = path.replace(/^\.\//, '');
  if (
    !p ||
    p.startsWith('/') ||
    p.includes('\\') ||
    /^[A-Za-z]:/.test(p) ||
    p.split('/').some((s) => s === '..' || s === '' || s === '.')
  )
    throw new SourceError('bad-path', `"${path}" is not a path inside the project`);
  return p;
}

/** Why a source failed (the sources' part of the edge agent's one code table). */
export { SOURCE_ERROR_CODES };
export type SourceErrorCode = keyof typeof SOURCE_ERROR_CODES;

/** The edge agent's error as program sources throw it: a code from {@link SOURCE_ERROR_CODES}. */
export class SourceError extends EdgeAgentError<SourceErrorCode> {
  override readonly name = 'SourceError';
  constructor(code: SourceErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, {}, options);
  }
}
