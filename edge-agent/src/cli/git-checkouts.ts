/**
 * Git URLs where a command takes a project path (`compile`, `safety --before/--after`):
 * each `git+…://repo#REF[:SUBDIR]` becomes a temporary checkout of its program files.
 * Commands import this module only when a Git URL is given.
 */
import { BadInput, EdgeAgentError } from '../edge-agent-error';

/** The paths with Git URLs replaced by folders, and how to remove those folders. */
export interface Checkouts {
  paths: string[];
  cleanup: () => Promise<void>;
}

/** A Git remote that could not be reached (the caller exits `EXIT.UNREACHABLE`). */
export function isUnreachable(err: unknown): err is EdgeAgentError {
  return err instanceof EdgeAgentError && err.code === 'io';
}

/** Whether any path is a Git URL. */
export function hasGitUrl(paths: readonly string[]): boolean {
  return paths.some((p) => /^git\+/i.test(p));
}

/**
 * Checks out every Git URL among `paths` (`projectFolder`). A bad URL or a missing ref
 * is {@link BadInput}; an unreachable remote is the source's `io` error
 * ({@link isUnreachable}). Nothing is left behind when one fails.
 */
export async function gitCheckouts(paths: readonly string[]): Promise<Checkouts> {
  const cleanups: Array<() => Promise<void>> = [];
  const cleanup = async () => {
    for (const c of cleanups) await c();
  };
  const { isGitUrl, projectFolder } = await import('../sources');
  const out: string[] = [];
  for (const p of paths) {
    if (!isGitUrl(p)) {
      out.push(p);
      continue;
    }
    try {
      const folder = await projectFolder(p);
      cleanups.push(folder.cleanup);
      out.push(folder.path);
    } catch (err) {
      await cleanup();
      if (isUnreachable(err)) throw err;
      throw new BadInput((err as Error).message, { cause: err });
    }
  }
  return { paths: out, cleanup };
}
