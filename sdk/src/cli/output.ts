/** Where a command writes: stdout for results, stderr for progress and errors. */
export interface CliStreams {
  stdout: { write(s: string): unknown; isTTY?: boolean };
  stderr: { write(s: string): unknown; isTTY?: boolean };
}

const ANSI = { red: 31, green: 32, yellow: 33, blue: 34, cyan: 36, grey: 90, bold: 1 } as const;
/** A colour the CLI uses. */
export type Colour = keyof typeof ANSI;

/** Writes results for people (tables, colour) or for scripts (`--json`). */
export class Output {
  constructor(
    readonly streams: CliStreams,
    /** `--json`: results as JSON on stdout. */
    readonly json: boolean,
    /** ANSI colours on stdout. */
    readonly color: boolean,
  ) {}

  /** A line on stdout. */
  line(s = ''): void {
    this.streams.stdout.write(`${s}\n`);
  }

  /** A note for people on stderr (never mixed into `--json` output). */
  note(s: string): void {
    this.streams.stderr.write(`${s}\n`);
  }

  /** Prints `value` as JSON (with `--json`) or calls `human` to print it for people. */
  result(value: unknown, human: () => void): void {
    if (this.json) this.line(JSON.stringify(value, null, 2));
    else human();
  }

  /** Colours `s` when colours are on. */
  paint(colour: Colour, s: string): string {
    return this.color ? `\x1b[${ANSI[colour]}m${s}\x1b[0m` : s;
  }

  /** Prints rows as an aligned table with a header; `(none)` when empty. */
  table<T>(
    rows: readonly T[],
    columns: readonly (readonly [header: string, cell: (row: T) => string])[],
  ): void {
    for (const l of formatTable(rows, columns)) this.line(l);
  }
}

/** Formats rows as aligned columns (header first). */
export function formatTable<T>(
  rows: readonly T[],
  columns: readonly (readonly [header: string, cell: (row: T) => string])[],
): string[] {
  if (rows.length === 0) return ['(none)'];
  const cells = [
    columns.map(([h]) => h.toUpperCase()),
    ...rows.map((r) => columns.map(([, f]) => oneLine(f(r)))),
  ];
  const widths = columns.map((_, i) => Math.max(...cells.map((c) => c[i]!.length)));
  return cells.map((c) =>
    c
      .map((v, i) => (i === c.length - 1 ? v : v.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd(),
  );
}

function oneLine(s: string): string {
  return s.replace(/\s*\n\s*/g, ' ');
}

/** Colours a unified diff: additions green, removals red, hunk headers cyan. */
export function colourDiff(diff: string, out: Pick<Output, 'paint'>): string {
  return diff
    .split('\n')
    .map((l) => {
      if (l.startsWith('+++') || l.startsWith('---')) return out.paint('bold', l);
      if (l.startsWith('+')) return out.paint('green', l);
      if (l.startsWith('-')) return out.paint('red', l);
      if (l.startsWith('@@')) return out.paint('cyan', l);
      return l;
    })
    .join('\n');
}

/** `2026-11-26T11:52:09.123Z` → `2026-11-26 11:52:09Z` for tables. */
export function shortTime(iso: string | null | undefined): string {
  if (!iso) return '-';
  return iso.replace('T', ' ').replace(/\.\d+Z$/, 'Z');
}

/** Milliseconds as people write durations: `0s`, `250ms`, `10m`, `1h30m`. */
export function formatDuration(ms: number): string {
  if (ms === 0) return '0s';
  if (ms < 1000) return `${ms}ms`;
  const parts: string[] = [];
  let s = Math.floor(ms / 1000);
  for (const [unit, size] of [
    ['d', 86_400],
    ['h', 3600],
    ['m', 60],
    ['s', 1],
  ] as const) {
    if (s >= size) {
      parts.push(`${Math.floor(s / size)}${unit}`);
      s %= size;
    }
  }
  return parts.join('');
}
