import type { z } from 'zod';

/** Result of {@link parseWith}: the value, or one readable line saying what is wrong and where. */
export type ParseResult<T> = { ok: true; value: T } | { ok: false; error: string; issues: string[] };

function describeInput(input: unknown): string {
  if (input === undefined) return 'nothing';
  if (input === null) return 'null';
  if (typeof input === 'string') return JSON.stringify(input.length > 40 ? `${input.slice(0, 40)}…` : input);
  if (Array.isArray(input)) return 'an array';
  if (typeof input === 'object') return 'an object';
  return String(input);
}

/** Formats a path like `phases[1].gates.maxFailurePercent`. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else out += out ? `.${String(key)}` : String(key);
  }
  return out || '(root)';
}

/**
 * Turns one zod issue into `path: what is wrong`, e.g.
 * `scope.maxChangedLines: expected number, got "ten"`.
 */
export function formatIssue(issue: z.core.$ZodIssue): string {
  const where = formatPath(issue.path);
  const input = (issue as { input?: unknown }).input;
  switch (issue.code) {
    case 'invalid_type':
      return `${where}: expected ${issue.expected}, got ${describeInput(input)}`;
    case 'unrecognized_keys':
      return `${where}: unknown field${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `"${k}"`).join(', ')}`;
    case 'invalid_value':
      return `${where}: expected one of ${issue.values.map((v) => JSON.stringify(v)).join(' | ')}, got ${describeInput(input)}`;
    default:
      return `${where}: ${issue.message}`;
  }
}

/**
 * Formats a zod error as one line (the first issue, and how many more there are).
 * An unknown field comes first: a misspelled key (`gaol:`) also makes the real one
 * missing, and "goal: expected string, got nothing" alone hides the typo.
 */
export function formatZodError(error: z.ZodError): string {
  const unknownFirst = [...error.issues].sort(
    (a, b) => Number(b.code === 'unrecognized_keys') - Number(a.code === 'unrecognized_keys'),
  );
  const [first, ...rest] = unknownFirst;
  if (!first) return 'invalid input';
  const line = formatIssue(first);
  return rest.length ? `${line} (and ${rest.length} more)` : line;
}

/**
 * Validates `data` against `schema`. On failure, `error` is one readable line
 * prefixed with `where` (a file name or message type) when given.
 *
 * @example
 * const r = parseWith(Migration, YAML.parse(text), 'guard.yaml');
 * if (!r.ok) throw new Error(r.error); // guard.yaml: scope.maxChangedLines: expected number, got "ten"
 */
export function parseWith<S extends z.ZodType>(
  schema: S,
  data: unknown,
  where?: string,
): ParseResult<z.output<S>> {
  const result = schema.safeParse(data, { reportInput: true });
  if (result.success) return { ok: true, value: result.data };
  const issues = result.error.issues.map(formatIssue);
  const line = formatZodError(result.error);
  return { ok: false, error: where ? `${where}: ${line}` : line, issues };
}
