/**
 * `ladder-to-st`: the ladder → Structured Text migration of one Rockwell L5X
 * or PLCopen XML file. Each selected ladder routine becomes Logix ST, is proven equivalent
 * to its ladder by differential simulation, and only proven routines are
 * written to `--out`. The JSON form is a contract (issue 18). The toolchain
 * is imported inside the action, so registering the command costs nothing.
 */
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Command } from 'commander';

/** Exit codes (the shared table's meanings: 0 done, 1 the answer is no, 2 usage). */
export const LADDER_EXIT = {
  /** Every selected routine converted and proven equivalent. */
  OK: 0,
  /** Some routine refused (instruction named) or not equivalent (tag named); it stays ladder. */
  FAILED: 1,
  /** Bad usage, or the input is unreadable or neither an L5X nor PLCopen XML. */
  USAGE: 2,
} as const;

/** Where output goes; tests pass their own. */
export interface LadderIo {
  out(line: string): void;
  err(line: string): void;
}

const processIo: LadderIo = {
  out: (l) => process.stdout.write(`${l}\n`),
  err: (l) => process.stderr.write(`${l}\n`),
};

/** Options of `ladder-to-st`. */
export interface LadderToStCommandOptions {
  out?: string;
  routine?: string[];
  seed?: string;
  runs?: string;
  json?: boolean;
}

function collect(v: string, prev: string[]): string[] {
  return [...prev, v];
}

/** Runs `ladder-to-st IN --out OUT`; returns the exit code. */
export async function ladderToStCommand(
  input: string,
  opts: LadderToStCommandOptions,
  io: LadderIo = processIo,
): Promise<number> {
  if (!opts.out) {
    io.err('error: --out <file> is required');
    return LADDER_EXIT.USAGE;
  }
  const runs = opts.runs === undefined ? 100 : Number(opts.runs);
  if (!Number.isInteger(runs) || runs < 1) {
    io.err('error: --runs must be a positive integer');
    return LADDER_EXIT.USAGE;
  }
  const seed = opts.seed === undefined ? 1 : /^-?\d+$/.test(opts.seed) ? Number(opts.seed) : opts.seed;
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(readFileSync(input));
  } catch (e) {
    // said as compile says it, not as an errno
    const code = (e as NodeJS.ErrnoException).code;
    io.err(
      code === 'ENOENT'
        ? `error: no such file: ${input}`
        : code === 'EISDIR'
          ? `error: ${input} is a directory; name the L5X or PLCopen XML file`
          : `error: cannot read ${input}: ${code ?? (e as Error).message}`,
    );
    return LADDER_EXIT.USAGE;
  }
  const { isPlcopenLadderInput, L5xError, Unsupported, ladderToSt, plcopenLadderToSt, readL5x } =
    await import('@plcfleet/toolchain/l5x');
  const head = Buffer.from(bytes.subarray(0, 4096)).toString('utf8');
  const options = { ...(opts.routine?.length ? { routines: opts.routine } : {}), seed, runs };
  let result: { routines: ReturnType<typeof ladderToSt>['routines']; output: Uint8Array };
  try {
    result = isPlcopenLadderInput(head)
      ? plcopenLadderToSt(bytes, input, options)
      : ladderToSt(readL5x(bytes), options);
  } catch (e) {
    if (e instanceof L5xError || e instanceof Unsupported) {
      // the file named once, with the place when known (`file:line:column:`, as compile says it)
      const at = e instanceof L5xError && e.at ? `:${e.at.line}:${e.at.column}` : '';
      io.err(`error: ${input}${at}: ${e.message}`);
      return LADDER_EXIT.USAGE;
    }
    throw e;
  }
  // Written whole or not at all: a temporary file beside OUT, then a rename.
  const tmp = join(dirname(opts.out), `.${process.pid}.ladder-to-st.tmp`);
  try {
    writeFileSync(tmp, result.output);
    renameSync(tmp, opts.out);
  } catch (e) {
    io.err(`error: cannot write ${opts.out}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    return LADDER_EXIT.USAGE;
  }
  const ok = result.routines.every((r) => r.converted && r.equivalent);
  if (opts.json) {
    io.out(
      JSON.stringify({
        routines: result.routines.map((r) => ({
          name: r.name,
          converted: r.converted,
          equivalent: r.equivalent,
          runs: r.runs,
          scans: r.scans,
          counterexample: r.counterexample,
          reason: r.reason,
        })),
      }),
    );
  } else {
    for (const r of result.routines) {
      io.out(
        !r.equivalent
          ? `${r.name}: stays ladder: ${r.reason}`
          : r.runs === 0
            ? // nothing to drive and nothing to compare (an empty rung): no proof ran, none was needed
              `${r.name}: ST, equivalent without a run (no behaviour to compare)`
            : `${r.name}: ST, proven equivalent (${r.runs} runs x ${r.scans} scans)`,
      );
    }
    const proven = result.routines.filter((r) => r.equivalent).length;
    io.out(
      `${proven} of ${result.routines.length} ladder routine(s) converted and proven; wrote ${opts.out}`,
    );
  }
  return ok ? LADDER_EXIT.OK : LADDER_EXIT.FAILED;
}

/** Registers `ladder-to-st`. */
export function registerLadderCommands(program: Command): void {
  program
    .command('ladder-to-st')
    .description(
      'convert ladder routines of an L5X or PLCopen XML file to ST, each proven equivalent by simulation',
    )
    .argument('<in>', 'Rockwell L5X or PLCopen XML file')
    .requiredOption('--out <file>', 'the file to write (proven routines as ST, the rest unchanged)')
    .option(
      '--routine <program/routine>',
      'routine to convert: PROGRAM/ROUTINE in an L5X, the POU name in PLCopen (repeatable; default: every ladder routine)',
      collect,
      [],
    )
    .option('--seed <n>', 'random seed of the differential runs', '1')
    .option('--runs <n>', 'random runs per routine', '100')
    .option('--json', 'print the results as one JSON object')
    .action(async (input: string, opts: LadderToStCommandOptions) => {
      process.exitCode = await ladderToStCommand(input, opts);
    });
}
