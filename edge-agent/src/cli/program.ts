/**
 * The `plcfleet-agent` command tree, registered lazily: a command's module is
 * imported only when that command runs. Help, the version and a name nobody
 * registers are answered from {@link COMMAND_GROUPS}' summaries without
 * importing any command module. See docs/cli-startup.md.
 */
import { Command } from 'commander';

type Register = (program: Command) => void;

/**
 * `EXIT.OK` and `EXIT.USAGE` of `@plcfleet/protocols`, for help, the version and usage
 * errors without loading protocols (and zod) at start-up; `cli-startup.test.ts` checks
 * that they equal the table.
 */
export const COMMANDER_EXIT = { OK: 0, USAGE: 2 } as const;

/** What the top-level help shows of a command: its name, its arguments, its description. */
export interface CommandSummary {
  name: string;
  /** Arguments as commander prints them, e.g. `<path...>`. */
  args?: string;
  description: string;
}

/**
 * Which module registers which commands, with the summary the top-level help shows.
 * `cli-startup.test.ts` checks both against what the modules register: a command added,
 * renamed or re-described in its module is added or changed here too.
 */
export const COMMAND_GROUPS: readonly {
  commands: readonly CommandSummary[];
  load: () => Promise<Register>;
}[] = [
  {
    commands: [
      {
        name: 'compile',
        args: '<path...>',
        description:
          'parse and check Structured Text (.st, TwinCAT .TcPOU/.TcDUT/.TcGVL, PLCopen .xml, Siemens SCL) and Rockwell .L5X',
      },
      {
        name: 'fmt',
        args: '<file>',
        description:
          'print the canonical Structured Text of one file (Siemens SCL re-indented, as SCL; an L5X as its routines)',
      },
      { name: 'ast', args: '<file>', description: 'dump the syntax tree of one file as JSON' },
    ],
    load: async () => (await import('./iec-commands')).registerIecCommands,
  },
  {
    commands: [
      {
        name: 'run',
        description: 'run the edge agent daemon: serve the control plane’s jobs and deploy orders',
      },
    ],
    load: async () => (await import('./agent-commands')).registerAgentCommands,
  },
  {
    commands: [
      {
        name: 'simulate',
        args: '<path...>',
        description: 'run a program on the virtual PLC and print one JSON line per scan',
      },
      {
        name: 'test',
        args: '<path...>',
        description: 'run scenario files (YAML) against a program on the virtual PLC',
      },
      {
        name: 'equiv',
        description: 'compare the old and new program on the same seeded inputs, scan by scan',
      },
    ],
    load: async () => (await import('./sim-commands')).registerSimCommands,
  },
  {
    commands: [
      {
        name: 'serve-plc',
        description: 'run an ST program on the virtual PLC and serve it over Modbus TCP and OPC UA',
      },
      {
        name: 'stage',
        description: 'stage a Modbus TCP → OPC UA cutover: poll over Modbus, serve over OPC UA, compare',
      },
    ],
    load: async () => (await import('./plant-io-commands')).registerPlantIoCommands,
  },
  {
    commands: [
      {
        name: 'safety',
        description:
          'verify that a change is safe under the site safety policy (exit 0 pass, 1 fail, 2 bad input)',
      },
      {
        name: 'hash',
        args: '<path>',
        description: 'print the semantic hash of a POU (for certifiedPous[].sha256)',
      },
    ],
    load: async () => (await import('./safety-commands')).registerSafetyCommands,
  },
  {
    commands: [
      {
        name: 'migrate',
        description: 'run one migration on a program: preconditions, transform, verify, judge → verdict',
      },
      {
        name: 'mcp',
        description:
          "serve plcfleet's verifiers (compile, safety, simulate, equivalence, search, diff) over MCP on stdio",
      },
    ],
    load: async () => (await import('./migrate-commands')).registerMigrateCommands,
  },
  {
    commands: [
      {
        name: 'drift',
        description: 'compare the live program with the released one, semantically (exit 0 same, 1 drifted)',
      },
    ],
    load: async () => (await import('./drift-commands')).registerDriftCommands,
  },
  {
    commands: [
      {
        name: 'ladder-to-st',
        args: '<in>',
        description:
          'convert ladder routines of an L5X or PLCopen XML file to ST, each proven equivalent by simulation',
      },
    ],
    load: async () => (await import('./ladder-commands')).registerLadderCommands,
  },
  {
    commands: [
      {
        name: 'shadow',
        description:
          "run a candidate program on the running PLC's live inputs and compare its outputs (exit 0 same, 1 divergent, 2 usage or nothing compared, 5 PLC unreachable)",
      },
    ],
    load: async () => (await import('./shadow-commands')).registerShadowCommands,
  },
];

/** The group that registers `name`. */
function groupOf(name: string | undefined) {
  return name === undefined ? undefined : COMMAND_GROUPS.find((g) => g.commands.some((c) => c.name === name));
}

/** The first argument that is not an option: the command's name, if any. */
function commandName(args: readonly string[]): string | undefined {
  return args.find((a) => !a.startsWith('-'));
}

/**
 * Builds the program for `args` (argv without node and the script). A named command
 * (also `help <command>`) gets its group's module; anything else — help, the version,
 * a typo that commander answers with a suggestion — gets the summaries alone, unless
 * `loadAll` asks for every module (tests compare the two).
 */
export async function createProgram(
  args: readonly string[],
  options: { loadAll?: boolean } = {},
): Promise<Command> {
  const program = new Command('plcfleet-agent')
    .description('plcfleet edge agent: read, transform, verify and deploy PLC programs at a plant')
    .version('0.1.0')
    .exitOverride()
    // One line per usage error, with commander's "(did you mean --json?)" on it.
    .configureOutput({ outputError: (str, write) => write(`${oneLine(str)}\n`) });
  const name = commandName(args);
  const group = groupOf(name === 'help' ? commandName(args.slice(args.indexOf('help') + 1)) : name);
  if (group || options.loadAll) {
    const registers = await Promise.all((group ? [group] : COMMAND_GROUPS).map((g) => g.load()));
    for (const register of registers) register(program);
  } else {
    for (const c of COMMAND_GROUPS.flatMap((g) => g.commands)) {
      const summary = program.command(c.name).description(c.description);
      if (c.args) summary.arguments(c.args);
      // every command has options; the help line says "[options]" as for the real one
      summary.option('--help-placeholder').action(() => {
        throw new Error(`internal: command ${c.name} ran without its module`);
      });
    }
  }
  // A misspelled flag is named as unknown (with a suggestion) before commander reports a
  // required option as missing: `--migraton` is a typo, not a missing `--migration`.
  program.hook('preSubcommand', (parent, sub) => rejectUnknownOptions(sub, parent.args.slice(1)));
  return program;
}

function oneLine(message: string): string {
  const lines = message.trimEnd().split('\n');
  const hint = lines.find((l) => l.startsWith('(Did you mean'));
  return hint && hint !== lines[0] ? `${lines[0]} ${hint.replace('(Did', '(did')}` : (lines[0] ?? '');
}

/**
 * Reports the first `--flag` in `args` that `command` does not know, the way
 * commander does (with a suggestion), before commander checks required options:
 * otherwise `--migraton x` is answered "required option '--migration' not
 * specified" and the typo goes unnamed. Stops at `--`; skips option values.
 */
export function rejectUnknownOptions(command: Command, args: readonly string[]): void {
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === '--') return;
    if (!arg.startsWith('--')) continue;
    const flag = arg.includes('=') ? arg.slice(0, arg.indexOf('=')) : arg;
    if (flag === '--help') return;
    const option = command.options.find((o) => o.long === flag);
    if (!option) {
      const known = command.options.flatMap((o) => (o.long ? [o.long] : []));
      const near = closest(flag, known);
      command.error(`error: unknown option '${flag}'${near ? ` (did you mean ${near}?)` : ''}`, {
        code: 'commander.unknownOption',
      });
    }
    // A required value is the next argument whatever it looks like; an optional one unless it is a flag.
    if (arg.includes('=')) continue;
    if (option.required || (option.optional && !args[i + 1]?.startsWith('-'))) i++;
  }
}

/** The known flag nearest to `flag` by edit distance, if it is near enough to be a typo. */
function closest(flag: string, known: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const k of known) {
    const d = editDistance(flag.slice(2), k.slice(2));
    if (d < bestDistance) [best, bestDistance] = [k, d];
  }
  // Commander's rule of thumb: at most 40 % of the word changed.
  return best !== undefined && bestDistance <= Math.max(1, Math.floor(0.4 * (flag.length - 2)))
    ? best
    : undefined;
}

/** Optimal string alignment distance (Levenshtein plus adjacent transpositions). */
function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => [
    i,
    ...new Array<number>(b.length).fill(0),
  ]);
  for (let j = 1; j <= b.length; j++) d[0]![j] = j;
  for (let i = 1; i <= a.length; i++)
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        v = Math.min(v, d[i - 2]![j - 2]! + 1);
      d[i]![j] = v;
    }
  return d[a.length]![b.length]!;
}
