/**
 * Git source URLs: `git+file:///srv/plant.git#REF[:SUBDIR]`, `git+https://…`,
 * `git+http://…`, `git+ssh://…`, `git+git://…` (a `git daemon`). REF is a
 * branch, a tag or a commit; SUBDIR the project's folder inside the repository.
 * Credentials in a URL are never shown: {@link redactUrl} hides them in every
 * message and in git's own output.
 */
import { SourceError, safeRelativePath } from './program-source';

/** A parsed Git source URL. */
export interface GitUrl {
  /** What git fetches from and pushes to: the URL without `git+` and without the fragment. */
  remote: string;
  /** Branch, tag or commit (hex, 4–40 digits). */
  ref: string;
  /** Folder of the project inside the repository (POSIX, no leading or trailing slash); '' for the root. */
  subdir: string;
  /** The URL with any credentials hidden, for people and logs. */
  display: string;
}

const GIT_URL = /^git\+(file|https?|ssh|git):\/\//i;

/** True when `location` is a Git source URL (`git+file://`, `git+https://`, `git+ssh://`, …). */
export function isGitUrl(location: string): boolean {
  return GIT_URL.test(location);
}

/**
 * Hides the user information of every URL in `text` (`https://user:token@host` →
 * `https://***@host`), so that no message or log line carries a credential.
 */
export function redactUrl(text: string): string {
  return text.replace(/([a-z][a-z0-9+.-]*:\/\/)[^/@\s]+@/gi, (_m, scheme: string) =>
    /^(git\+)?ssh:/i.test(scheme) ? _m.replace(/:[^:@/]*@$/, '@') : `${scheme}***@`,
  );
}

/**
 * True when `name` can name a branch or tag (the rules of `git check-ref-format`,
 * simplified: no spaces, control characters, `~^:?*[\\`, `..`, `@{`, no leading `-`
 * or `/`, no trailing `/`, `.` or `.lock`).
 */
export function isValidRefName(name: string): boolean {
  return (
    name.length > 0 &&
    name.length <= 255 &&
    !/[\x00-\x20\x7f~^:?*[\\]|\.\.|@\{|^[-/]|\/$|\.$|\.lock$|\/\/|\/\./.test(name)
  );
}

/**
 * Parses a Git source URL; a malformed one is a `bad-path` {@link SourceError}
 * naming what is wrong.
 *
 * @example
 * parseGitUrl('git+ssh://git@host/plant.git#release/2026:lines/press')
 * // { remote: 'ssh://git@host/plant.git', ref: 'release/2026', subdir: 'lines/press', … }
 */
export function parseGitUrl(location: string): GitUrl {
  const display = redactUrl(location);
  if (!isGitUrl(location))
    throw new SourceError(
      'bad-path',
      `${display}: not a Git source; write git+file://, git+https://, git+ssh:// or git+git:// …#REF[:SUBDIR]`,
    );
  const hash = location.indexOf('#');
  if (hash < 0)
    throw new SourceError(
      'bad-path',
      `${display}: a Git source names the branch, tag or commit to read: …#REF[:SUBDIR]`,
    );
  const remote = location.slice('git+'.length, hash);
  const fragment = location.slice(hash + 1);
  // A ref name may not contain ':' (git check-ref-format), so the first ':' starts SUBDIR.
  const colon = fragment.indexOf(':');
  const ref = colon < 0 ? fragment : fragment.slice(0, colon);
  const rawSubdir = colon < 0 ? '' : fragment.slice(colon + 1).replace(/\/+$/, '');
  if (!isValidRefName(ref))
    throw new SourceError('bad-path', `${display}: "${ref}" is not a branch, tag or commit name`);
  if (remote.length <= remote.indexOf('://') + 3)
    throw new SourceError('bad-path', `${display}: the repository address is missing`);
  const subdir = rawSubdir === '' || rawSubdir === '.' ? '' : safeRelativePath(rawSubdir);
  return { remote, ref, subdir, display };
}
