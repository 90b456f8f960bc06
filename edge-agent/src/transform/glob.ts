/**
 * The globs of a migration's scope: file globs (`**` any folders, `*` within one
 * path segment, `?` one character) and POU-name globs (case-insensitive, like ST names).
 */

/** Compiles a glob to a regular expression. */
export function globToRegExp(glob: string, options: { caseInsensitive?: boolean } = {}): RegExp {
  let re = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if (c === '*') {
      if (glob[i + 1] === '*') {
        // `**/` matches zero or more folders; a trailing `**` matches everything.
        if (glob[i + 2] === '/') {
          re += '(?:.*/)?';
          i += 2;
        } else {
          re += '.*';
          i += 1;
        }
      } else re += '[^/]*';
    } else if (c === '?') re += '[^/]';
    else re += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`, options.caseInsensitive ? 'i' : '');
}

/** True when `path` matches any of `globs`. */
export function matchesAnyGlob(path: string, globs: readonly string[], caseInsensitive = false): boolean {
  return globs.some((g) => globToRegExp(g, { caseInsensitive }).test(path));
}
