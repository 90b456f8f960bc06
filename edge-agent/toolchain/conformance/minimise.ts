/**
 * Shrinks a diverging generated case to a small program that still diverges
 * from the reference on the same output (delta debugging over statements:
 * the generator indents one statement per line, compound statements to their
 * END_). Needs MATIEC_HOME; for triage, never run in CI.
 *
 *   MATIEC_HOME=/tmp/matiec node --import tsx --conditions=source \
 *     edge-agent/toolchain/conformance/minimise.ts --seed 1 --index 315
 */
import { parseArgs } from 'node:util';
import type { ConformanceCase } from './conformance-case';
import { runUnderMatiec } from './matiec-harness';
import { generateCases } from './program-generator';
import { firstDifference, runOnSim } from './sim-runner';

/** The output that differs first, or undefined when the case agrees or does not run. */
async function divergingOutput(c: ConformanceCase): Promise<string | undefined> {
  const ours = runOnSim(c);
  if (!ours.ok) return undefined;
  const ref = await runUnderMatiec(c);
  if (!ref.ok) return undefined;
  return firstDifference(c.outputs, ref.trace, ours.trace)?.diffs[0]?.name;
}

const indent = (l: string) => l.length - l.trimStart().length;
const OPENERS = /^(IF|CASE|FOR|WHILE|REPEAT)\b/;

/** Line ranges [from, to) of the statements in the bodies (lines after the last END_VAR of each POU). */
function statements(lines: string[]): [number, number][] {
  const out: [number, number][] = [];
  let inBody = false;
  for (let i = 0; i < lines.length; i++) {
    const t = (lines[i] as string).trim();
    if (t === 'END_VAR') {
      inBody = !/^(VAR|END_VAR)/.test((lines[i + 1] ?? '').trim());
      continue;
    }
    if (/^END_(PROGRAM|FUNCTION_BLOCK|FUNCTION)\b/.test(t)) {
      inBody = false;
      continue;
    }
    if (!inBody || t === '' || /^(ELSIF|ELSE|END_|UNTIL)/.test(t) || /^[\d, .]+:$/.test(t)) continue;
    if (OPENERS.test(t)) {
      const d = indent(lines[i] as string);
      let j = i + 1;
      while (
        j < lines.length &&
        !(indent(lines[j] as string) === d && /^(END_|UNTIL)/.test((lines[j] as string).trim()))
      )
        j++;
      if ((lines[j] ?? '').trim().startsWith('UNTIL')) j++;
      out.push([i, j + 1]);
    } else out.push([i, i + 1]);
  }
  return out;
}

/**
 * Removes statements, bottom-up, while the same output still diverges; passes repeat until a
 * whole pass removes nothing.
 */
export async function minimise(
  c: ConformanceCase,
  log: (s: string) => void = () => {},
): Promise<ConformanceCase> {
  const target = await divergingOutput(c);
  if (!target) throw new Error(`${c.id} does not diverge`);
  let cur = c;
  // coarse first: runs of outermost statements, halving the run length (ddmin), so a long
  // body shrinks in a few dozen reference runs instead of one run per line
  for (let size = 64; size >= 2; size = Math.floor(size / 2)) {
    for (let removed = true; removed; ) {
      removed = false;
      const lines = cur.source.split('\n');
      const outer = statements(lines).filter(([from]) => indent(lines[from] as string) <= 2);
      for (let i = outer.length - size; i >= 0; i -= size) {
        const from = (outer[i] as [number, number])[0];
        const to = (outer[i + size - 1] as [number, number])[1];
        const next = { ...cur, source: [...lines.slice(0, from), ...lines.slice(to)].join('\n') };
        if ((await divergingOutput(next)) === target) {
          cur = next;
          removed = true;
          log(
            `removed ${size} statements, lines ${from + 1}-${to} (${cur.source.split('\n').length} lines left)`,
          );
          break;
        }
      }
    }
  }
  for (let removedInPass = true; removedInPass; ) {
    removedInPass = false;
    let below = Number.POSITIVE_INFINITY;
    for (let progress = true; progress; ) {
      progress = false;
      const lines = cur.source.split('\n');
      const candidates = statements(lines)
        .filter(([from]) => from < below)
        .sort((a, b) => b[0] - a[0]);
      for (const [from, to] of candidates) {
        below = from;
        const next = { ...cur, source: [...lines.slice(0, from), ...lines.slice(to)].join('\n') };
        if ((await divergingOutput(next)) === target) {
          cur = next;
          progress = removedInPass = true;
          log(`removed lines ${from + 1}-${to} (${cur.source.split('\n').length} lines left)`);
          break;
        }
      }
    }
  }
  return cur;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values } = parseArgs({ options: { seed: { type: 'string' }, index: { type: 'string' } } });
  const idx = Number(values.index);
  const c = generateCases(Number(values.seed), idx + 1)[idx] as ConformanceCase;
  const m = await minimise(c, (s) => process.stderr.write(`${s}\n`));
  console.log(m.source);
  console.log(`(* inputs: ${JSON.stringify(m.timeline)} *)`);
}
