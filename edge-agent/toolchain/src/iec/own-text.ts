/**
 * Strings a tree keeps, as strings of their own rather than views into a file's text
 * (decision 0151).
 *
 * In V8 a slice of 13 characters or more (`slice`, `substring`, a regular expression's
 * capture) is a view into the string it was cut from and keeps all of it alive. A tree that
 * holds such a slice — a long name, a comment, an attribute value — keeps its whole file text
 * alive as long as the tree lives, and every scavenge before that copies the text: the slices
 * in a parse of lcls-twincat-motion kept 1.6 MB of file texts in a 15.5 MB tree.
 */

/** Below this length V8 copies a slice anyway (`SlicedString::kMinLength`). */
const VIEW_MIN = 13;

/**
 * `s` as a string of its own. A concatenation is flattened into a new string by the next
 * `slice`, so the result is a view into a copy of its own characters (one character more),
 * never into the text `s` may have been cut from.
 */
export function ownString(s: string): string {
  return s.length < VIEW_MIN ? s : ` ${s}`.slice(1);
}

/**
 * From this length on a text is taken to lie in V8's large-object space (a string of more than
 * 128 kB; two-byte texts from 64k characters), which the scavenger never copies: a slice of it
 * costs only keeping it alive, and a copy of every comment of a large file (OSCAT's 605-kB
 * `oscat.st`) cost more than it saved.
 */
const LARGE_TEXT = 1 << 16;

/**
 * `text.slice(start, end)` as a string of its own ({@link ownString}), unless `text` is large
 * ({@link LARGE_TEXT}): then the slice itself.
 */
export function ownText(text: string, start: number, end: number): string {
  return end - start < VIEW_MIN || text.length >= LARGE_TEXT
    ? text.slice(start, end)
    : ` ${text.slice(start, end)}`.slice(1);
}
