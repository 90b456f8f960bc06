/**
 * The `plcfleet-agent` command tree, registered lazily: a command's module is
 * imported only when that command runs (or when all are needed, for help and
 * for a name nobody registers). Each module's static imports are what
 * registering its commands costs; see docs/cli-startup.md.
 */
import { Command } from 'commander';

type Register = (program: Command) => void;

/** Which module registers which commands; `cli-startup.test.ts` checks the names against the modules. */
export const COMMAND_GROUPS: readonly { commands: readonly string[]; load: () => Promise<Register> }[] = [
  {
    commands: ['compile', 'fmt', 'ast'],
    load: async () => (await import('./iec-commands')).registerIecCommands,
  },
  { commands: ['run'], load: async () => (await import('./agent-commands')).registerAgentCommands },
  {
    commands: ['simulate', 'test', 'equiv'],
    load: async () => (await import('./sim-commands')).registerSimCommands,
  },
  {
    commands: ['serve-plc', 'stage'],
    load: async () => (await import('./plant-io-commands')).registerPlantIoCommands,
  },
  {
    commands: ['safety', 'hash'],
    load: async () => (await import('./safety-commands')).registerSafetyCommands,
  },
  {
    commands: ['migrate', 'mcp'],
    load: async () => (await import('./migrate-commands')).registerMigrateCommands,
  },
  {
    commands: ['ladder-to-st'],
    load: async () => (await import('./ladder-commands')).registerLadderCommands,
  },
];

/** The first argument that is not an option: the command's name, if any. */
function commandName(args: readonly string[]): string | undefined {
  return args.find((a) => !a.startsWith('-'));
}

/**
 * Builds the program for `args` (argv without node and the script): the named
 * command's group only, or every group when no known command is named (help,
 * version, a typo that commander answers with a suggestion).
 */
export async function createProgram(args: readonly string[]): Promise<Command> {
  const program = new Command('plcfleet-agent')
    .description('plcfleet edge agent: read, transform, verify and deploy PLC programs at a plant')
    .version('0.1.0')
    .exitOverride()
    // One line per usage error, with commander's "(did you mean --json?)" on it.
    .configureOutput({ outputError: (str, write) => write(`${oneLine(str)}\n`) });
  const name = commandName(args);
  const group = COMMAND_GROUPS.find((g) => name !== undefined && g.commands.includes(name));
  const registers = await Promise.all((group ? [group] : COMMAND_GROUPS).map((g) => g.load()));
  for (const register of registers) register(program);
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
