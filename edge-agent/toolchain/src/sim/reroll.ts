/**
 * Loop rerolling of a long POU body (issue 23). A plant's main program is a long list of calls
 * to instances of the same function block, each with its own instance and constants:
 *
 *   Motor1(Enable := Enable, Setpoint := Sp + 1.0); IF Motor1.Alarm THEN ... END_IF;
 *   Motor2(Enable := Enable, Setpoint := Sp + 2.0); IF Motor2.Alarm THEN ... END_IF; ...
 *
 * Emitted as straight-line JavaScript, thousands of such call sites are megabytes of machine
 * code run once per scan: they no longer fit the processor's caches and the scan is bound by
 * fetching code (2,400 instances ran 5× slower per instance than 480). Here a run of statements
 * whose generated code is the same but for the program's members they name and the numbers in
 * them becomes one loop over a table of those members' keys and numbers. The loop runs exactly
 * the code each statement had, in the same order, with the same values — only where the
 * differing key or number comes from changes (a table instead of the code).
 *
 * Works on generated code, not on the AST, so it needs no knowledge of what a statement means:
 * a statement is only rerolled when its code has no string literal (digits in text are not
 * numbers), no `break`/`continue`/`return` (they would act on the new loop), and declares
 * every temporary it uses (`$t7` is then local to one iteration).
 */

/** A member of the body's instance (`s.f12`, or `s[1234]` past 1,000 members) or a number. */
const HOLE = /(?<![\w$.])s(?:\.(f\d+)|\[(\d+)\])|(?<![\w$.])(\d+(?:\.\d+)?(?:e[+-]?\d+)?)(?![\w$.])/g;
const TEMP = /\$t\d+/g;
/** Longest repeated group of statements looked for, and the fewest repetitions worth a loop. */
const MAX_PERIOD = 4;
const MIN_REPEATS = 4;

interface Shape {
  /** The code with every hole replaced by a marker of its kind (\u0001 member, \u0002 number). */
  skeleton: string;
  /** The code between the holes (skeleton split at the markers). */
  parts: string[];
  /** Hole values in order: a member key (`f12` or `1234`) or a number's text. */
  values: string[];
  /** Whether each hole is a member of the instance (else a number). */
  members: boolean[];
}

/** The shape of one statement's code, or undefined when it may not be rerolled. */
function shapeOf(code: string): Shape | undefined {
  if (/["'`]/.test(code) || /\b(?:break|continue|return)\b/.test(code)) return undefined;
  const temps = new Set(code.match(TEMP) ?? []);
  for (const t of temps) if (!code.includes(`const ${t}=`) && !code.includes(`let ${t}=`)) return undefined;
  const parts: string[] = [];
  const values: string[] = [];
  const kinds: string[] = [];
  let last = 0;
  for (const m of code.matchAll(HOLE)) {
    parts.push(code.slice(last, m.index));
    const member = m[1] ?? m[2];
    values.push(member ?? (m[3] as string));
    kinds.push(member !== undefined ? '\u0001' : '\u0002');
    last = m.index + m[0].length;
  }
  parts.push(code.slice(last));
  const members = kinds.map((k) => k === '\u0001');
  let skeleton = parts[0] as string;
  for (let i = 0; i < kinds.length; i++) skeleton += (kinds[i] as string) + (parts[i + 1] as string);
  // temporaries are renamed per statement so statements that differ only in them match
  let n = 0;
  const names = new Map<string, string>();
  skeleton = skeleton.replace(TEMP, (t) => {
    let r = names.get(t);
    if (r === undefined) names.set(t, (r = `$t_${n++}`));
    return r;
  });
  return { skeleton, parts, values, members };
}

/**
 * Rerolls `codes` (one entry per statement of a body whose instance is `s`) into pieces of
 * code: a statement's own, or a loop standing for several. `table` receives
 * the declaration of each table the loops read (module level: built once per compile) and
 * `name` makes their names unique.
 */
export function reroll(codes: string[], name: string, table: (decl: string) => void): string[] {
  const shapes = codes.map(shapeOf);
  const out: string[] = [];
  let loops = 0;
  let p = 0;
  while (p < codes.length) {
    let best: { period: number; repeats: number } | undefined;
    for (let period = 1; period <= MAX_PERIOD; period++) {
      const repeats = repeatsAt(shapes, p, period);
      if (repeats >= MIN_REPEATS && (!best || repeats * period > best.repeats * best.period))
        best = { period, repeats };
    }
    if (!best) {
      out.push(codes[p] as string);
      p++;
      continue;
    }
    const end = p + best.period * best.repeats;
    const loop = loopCode(shapes, p, best.period, best.repeats, `${name}$R${loops}`, table);
    if (loop !== undefined) {
      loops++;
      out.push(loop);
    } else out.push(...codes.slice(p, end));
    p = end;
  }
  return out;
}

/** How many times the `period` statements at `p` repeat with the same skeletons. */
function repeatsAt(shapes: (Shape | undefined)[], p: number, period: number): number {
  for (let j = 0; j < period; j++) if (!shapes[p + j]) return 0;
  let r = 1;
  for (;;) {
    const at = p + r * period;
    if (at + period > shapes.length) return r;
    for (let j = 0; j < period; j++) if (shapes[at + j]?.skeleton !== shapes[p + j]?.skeleton) return r;
    r++;
  }
}

function loopCode(
  shapes: (Shape | undefined)[],
  p: number,
  period: number,
  repeats: number,
  name: string,
  table: (decl: string) => void,
): string | undefined {
  const group = (r: number, j: number) => shapes[p + r * period + j] as Shape;
  // the holes that differ between repetitions are read from the table, the others stay as written
  const columns: { j: number; h: number }[] = [];
  for (let j = 0; j < period; j++) {
    const first = group(0, j).values;
    for (let h = 0; h < first.length; h++)
      for (let r = 1; r < repeats; r++)
        if (group(r, j).values[h] !== first[h]) {
          // a named member read by a key from a table is a megamorphic lookup: slower than
          // the straight code; integer keys (elements) are not
          if (/^f/.test(first[h] as string)) return undefined;
          columns.push({ j, h });
          break;
        }
  }
  const width = columns.length;
  const rows: string[] = [];
  for (let r = 0; r < repeats; r++)
    for (const { j, h } of columns) {
      const v = group(r, j).values[h] as string;
      rows.push(/^f\d+$/.test(v) ? `"${v}"` : v);
    }
  table(`const ${name}=[${rows.join(',')}];`);
  let body = '';
  for (let j = 0; j < period; j++) {
    const sh = group(0, j);
    let code = sh.parts[0] as string;
    for (let h = 0; h < sh.values.length; h++) {
      const col = columns.findIndex((c) => c.j === j && c.h === h);
      const v = sh.values[h] as string;
      const isMember = sh.members[h] === true;
      const read = col < 0 ? undefined : `${name}[$o+${col}]`;
      code +=
        (isMember ? (read ? `s[${read}]` : /^f/.test(v) ? `s.${v}` : `s[${v}]`) : read ? `(${read})` : v) +
        (sh.parts[h + 1] as string);
    }
    body += code;
  }
  return `for(let $i=0,$o=0;$i<${repeats};$i++,$o+=${width}){${body}}`;
}
