import { EdgeAgentError } from '../edge-agent-error';
import { type ProgramFile, safeRelativePath, sortFiles } from '../sources';
import { matchesAnyGlob } from './glob';
import { unifiedDiff } from './unified-diff';

/** Why a workspace edit was refused (shown to the model or the MCP client as the tool's answer; code `EDIT_REFUSED`). */
export class EditRefused extends EdgeAgentError<'EDIT_REFUSED'> {
  override readonly name = 'EditRefused';
  constructor(message: string, options?: { cause?: unknown }) {
    super('EDIT_REFUSED', message, {}, options);
  }
}

/**
 * A program being edited in memory: the original files, the current state, and
 * the edit operations the Claude tools and the MCP server share. Nothing here
 * touches the disk or the PLC.
 */
export class Workspace {
  private readonly original: ReadonlyMap<string, string>;
  private readonly current: Map<string, string>;

  /**
   * @param files the program as read
   * @param fileScope globs of files that may be edited (`migration.scope.files`); others are refused
   */
  constructor(
    files: readonly ProgramFile[],
    private readonly fileScope: readonly string[] = ['**'],
  ) {
    this.original = new Map(files.map((f) => [f.path, f.text]));
    this.current = new Map(this.original);
  }

  /** Paths in order. */
  paths(): string[] {
    return [...this.current.keys()].sort();
  }

  /** The text of a file, or `undefined`. */
  get(path: string): string | undefined {
    return this.current.get(path);
  }

  /** The current program, sorted by path. */
  files(): ProgramFile[] {
    return sortFiles([...this.current].map(([path, text]) => ({ path, text })));
  }

  /** The program as read. */
  originalFiles(): ProgramFile[] {
    return sortFiles([...this.original].map(([path, text]) => ({ path, text })));
  }

  /** True when something differs from the original. */
  changed(): boolean {
    if (this.current.size !== this.original.size) return true;
    for (const [p, t] of this.current) if (this.original.get(p) !== t) return true;
    return false;
  }

  /** Unified diff from the original to the current state. */
  diff(): string {
    return unifiedDiff(this.originalFiles(), this.files());
  }

  /** Returns to the original program. */
  reset(): void {
    this.current.clear();
    for (const [p, t] of this.original) this.current.set(p, t);
  }

  private checkScope(path: string): string {
    let p: string;
    try {
      p = safeRelativePath(path);
    } catch (err) {
      throw new EditRefused((err as Error).message);
    }
    if (!matchesAnyGlob(p, this.fileScope))
      throw new EditRefused(`${p} is outside the migration's file scope (${this.fileScope.join(', ')})`);
    return p;
  }

  /** Replaces the one occurrence of `oldText` in `path` with `newText`; refuses when it occurs zero or several times. */
  replace(path: string, oldText: string, newText: string): void {
    const p = this.checkScope(path);
    const text = this.current.get(p);
    if (text === undefined) throw new EditRefused(`no file ${p}`);
    if (oldText === '') throw new EditRefused('old_text is empty; give the exact text to replace');
    const at = text.indexOf(oldText);
    if (at < 0)
      throw new EditRefused(`old_text does not occur in ${p}; read the file and copy the text exactly`);
    if (text.indexOf(oldText, at + 1) >= 0)
      throw new EditRefused(`old_text occurs more than once in ${p}; include more surrounding lines`);
    this.current.set(p, text.slice(0, at) + newText + text.slice(at + oldText.length));
  }

  /** Writes a whole file (creates it when new). */
  write(path: string, content: string): void {
    const p = this.checkScope(path);
    this.current.set(p, content);
  }
}
