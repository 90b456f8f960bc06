/**
 * `safety` and `hash`: the safety verifier on the command line (issue 6).
 * `safety --json` prints `{ verdict, findings, proofs, ms }`; exit 0 pass,
 * 1 fail, 2 bad usage or unreadable input.
 */
import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import type { Migration, parseWith, SitePolicy, TagMap } from '@plcfleet/protocols';
import type { ScenarioFile } from '@plcfleet/toolchain/sim';
import type { Command } from 'commander';
import { loadPlantModel, type ProjectOptions, projectFiles, projectFlags } from './sim-commands';

/**
 * The safety verifier, protocols' schemas and exit codes, yaml and the error class,
 * loaded when a command runs: registering the commands (and their `--help`) loads none
 * of them (protocols pulls zod).
 *
 * Exit codes are the shared table's (`EXIT` of protocols): OK the change passed (hash:
 * printed); FAILED the change was rejected, or the program does not parse or check (fail
 * closed); USAGE bad usage or unreadable input (missing file, invalid policy, unknown POU).
 */
async function loadSafety() {
  const [
    protocols,
    safety,
    { parseScenarioFile, SimError, SIM_ERROR_CODES },
    { default: YAML },
    { BadInput },
  ] = await Promise.all([
    import('@plcfleet/protocols'),
    import('@plcfleet/toolchain/safety'),
    import('@plcfleet/toolchain/sim'),
    import('yaml'),
    import('../edge-agent-error'),
  ]);
  return { ...protocols, ...safety, parseScenarioFile, SimError, SIM_ERROR_CODES, YAML, BadInput };
}
type Lib = Awaited<ReturnType<typeof loadSafety>>;

/** Where output goes; tests pass their own. */
export interface SafetyIo {
  out(line: string): void;
  err(line: string): void;
}

const processIo: SafetyIo = {
  out: (l) => process.stdout.write(`${l}\n`),
  err: (l) => process.stderr.write(`${l}\n`),
};

async function readDocument<T>(lib: Lib, schema: Parameters<typeof parseWith>[0], path: string): Promise<T> {
  const { BadInput } = lib;
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new BadInput(
      `cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
    );
  }
  let data: unknown;
  try {
    data = lib.YAML.parse(text);
  } catch (err) {
    throw new BadInput(`${path}: not YAML or JSON: ${(err as Error).message.split('\n')[0]}`);
  }
  const r = lib.parseWith(schema, data, path);
  if (!r.ok) throw new BadInput(r.error);
  return r.value as T;
}

/** What `--libraries`, `--models` and `--define` give the loader; a directory that does not exist is BadInput. */
async function loadOptions(lib: Lib, opts: ProjectOptions) {
  const { libraries, behaviourModels, defines } = await projectFiles(opts, (m) => new lib.BadInput(m));
  return {
    ...(libraries ? { libraries } : {}),
    ...(behaviourModels ? { behaviourModels } : {}),
    ...(defines ? { defines } : {}),
  };
}
type LoadOptions = Awaited<ReturnType<typeof loadOptions>>;

async function load(lib: Lib, path: string, options: LoadOptions = {}) {
  const { BadInput } = lib;
  try {
    return await lib.loadSafetyProject(path, options);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new BadInput(code ? `cannot read ${path}: ${code}` : (err as Error).message);
  }
}

/** The migration's scenarios: files relative to the migration file, or inline documents. */
async function migrationScenarios(lib: Lib, migration: Migration, path: string): Promise<ScenarioFile[]> {
  const { BadInput, YAML, parseScenarioFile } = lib;
  const out: ScenarioFile[] = [];
  for (const [i, ref] of migration.successCriteria.scenarios.entries()) {
    const where = typeof ref.file === 'string' ? resolve(dirname(path), ref.file) : `${path}#scenarios[${i}]`;
    let text: string;
    if (typeof ref.file === 'string') {
      try {
        text = await readFile(where, 'utf8');
      } catch (err) {
        throw new BadInput(
          `cannot read scenario ${where}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
        );
      }
    } else text = YAML.stringify(ref);
    try {
      out.push(parseScenarioFile(text, where));
    } catch (err) {
      throw new BadInput((err as Error).message);
    }
  }
  return out;
}

/** Options of {@link runSafety}, as the command line gives them. */
export interface SafetyCommandOptions extends ProjectOptions {
  before?: string;
  after?: string;
  policy?: string;
  migration?: string;
  program?: string;
  seed?: string;
  json?: boolean;
  quick?: boolean;
  /** Tag maps of the site: their entries count as I/O that drives a variable. */
  tagMap?: string[];
  /** Plant model (ST) and its PlantBinding: the proofs run in closed loop (both or neither). */
  plant?: string;
  binding?: string;
}

/** `--plant/--binding` read as `simulate` reads them; a bad flag or file is BadInput (exit 2). */
async function plantModel(lib: Lib, opts: SafetyCommandOptions) {
  try {
    return await loadPlantModel(opts);
  } catch (err) {
    throw new lib.BadInput(`${(err as Error).message}`);
  }
}

/** Runs `safety`; returns the exit code. */
export async function runSafety(opts: SafetyCommandOptions, io: SafetyIo = processIo): Promise<number> {
  const lib = await loadSafety();
  const { BadInput, EXIT } = lib;
  try {
    for (const k of ['before', 'after', 'policy'] as const)
      if (!opts[k]) throw new BadInput(`--${k} is required`);
    let seed: number | undefined;
    if (opts.seed !== undefined) {
      seed = Number(opts.seed);
      if (!Number.isInteger(seed)) throw new BadInput('--seed must be an integer');
    }
    const policy = await readDocument<SitePolicy>(lib, lib.SitePolicy, opts.policy!);
    const migration = opts.migration
      ? await readDocument<Migration>(lib, lib.Migration, opts.migration)
      : undefined;
    const scenarios =
      migration && opts.migration ? await migrationScenarios(lib, migration, opts.migration) : [];
    const ioBindings: string[] = [];
    for (const file of opts.tagMap ?? [])
      for (const t of (await readDocument<TagMap>(lib, lib.TagMap, file)).tags) ioBindings.push(t.name);
    const plant = await plantModel(lib, opts);
    const loadWith = await loadOptions(lib, opts);
    const given = [opts.before!, opts.after!];
    const git = await import('./git-checkouts');
    const checkouts = git.hasGitUrl(given)
      ? await git.gitCheckouts(given)
      : { paths: given, cleanup: async () => {} };
    let before: Awaited<ReturnType<typeof load>>;
    let after: Awaited<ReturnType<typeof load>>;
    try {
      before = await load(lib, checkouts.paths[0]!, loadWith);
      after = await load(lib, checkouts.paths[1]!, loadWith);
    } finally {
      await checkouts.cleanup();
    }
    const r = await lib
      .verifySafety({
        before,
        after,
        policy,
        ...(migration ? { migration } : {}),
        ...(opts.program ? { program: opts.program } : {}),
        ...(seed !== undefined ? { seed } : {}),
        ...(scenarios.length > 0 ? { scenarios } : {}),
        ...(ioBindings.length > 0 ? { ioBindings } : {}),
        ...(plant ? { plant } : {}),
        mode: opts.quick ? 'quick' : 'full',
      })
      .catch((err: unknown) => {
        // a binding whose wire ends the programs do not have: bad input, not a failed change
        if (plant && err instanceof lib.SimError && err.code === lib.SIM_ERROR_CODES.BAD_INPUT)
          throw new BadInput(err.message);
        throw err;
      });
    if (opts.json) io.out(JSON.stringify(r));
    else {
      const errors = r.findings.filter((f) => f.severity === 'error').length;
      io.out(
        `safety: ${r.verdict.toUpperCase()} (${errors} error(s), ${r.findings.length - errors} other finding(s), ${r.ms} ms)`,
      );
      for (const f of r.findings) io.out(`${f.severity} ${f.rule} ${f.file || '-'}:${f.line} ${f.message}`);
      for (const p of r.proofs)
        io.out(
          `proof ${p.kind} ${p.subject}: ${lib.claimText(p)}${
            p.counterexample
              ? `; counterexample at scan ${p.counterexample.scan}: ${p.counterexample.variable}`
              : ''
          }`,
        );
    }
    return r.verdict === 'pass' ? EXIT.OK : EXIT.FAILED;
  } catch (err) {
    if (err instanceof BadInput) {
      io.err(`safety: ${err.message}`);
      return EXIT.USAGE;
    }
    if ((await import('./git-checkouts')).isUnreachable(err)) {
      io.err(`safety: ${err.message}`);
      return EXIT.UNREACHABLE;
    }
    throw err;
  }
}

/** Runs `hash PATH --pou NAME`; returns the exit code. */
export async function runHash(
  path: string,
  pou: string | undefined,
  io: SafetyIo = processIo,
): Promise<number> {
  const lib = await loadSafety();
  const { BadInput, EXIT } = lib;
  try {
    if (!pou) throw new BadInput('--pou is required');
    const project = await load(lib, path);
    const errors = project.diagnostics.filter((d) => d.severity === 'error');
    if (errors.length > 0) {
      const d = errors[0]!;
      throw new BadInput(`${d.file}:${d.line}: ${d.code} ${d.message}`);
    }
    const hash = lib.semanticHash(project, pou);
    if (!hash) throw new BadInput(`no POU named ${pou} in ${path}`);
    io.out(hash);
    return EXIT.OK;
  } catch (err) {
    if (err instanceof BadInput) {
      io.err(`hash: ${err.message}`);
      return EXIT.USAGE;
    }
    throw err;
  }
}

/** Registers `safety` and `hash`. */
export function registerSafetyCommands(program: Command): void {
  projectFlags(program.command('safety'))
    .description(
      'verify that a change is safe under the site safety policy (exit 0 pass, 1 fail, 2 bad input)',
    )
    .requiredOption(
      '--before <path>',
      'the program as it is (directory, .st file, or git+…://repo#REF[:SUBDIR])',
    )
    .requiredOption('--after <path>', 'the program as the change leaves it (same forms as --before)')
    .requiredOption('--policy <file>', 'site safety policy (YAML)')
    .option('--migration <file>', 'the migration (YAML); without it the change is judged non-safety')
    .option('--program <name>', 'PROGRAM to simulate (default: every PROGRAM computing a signal)')
    .option('--seed <n>', 'seed of the simulation inputs')
    .option('--quick', 'static rules only (no simulation proofs)')
    .option(
      '--tag-map <file>',
      "the site's tag map (YAML); its entries count as I/O that drives a variable (repeatable)",
      (v: string, prev: string[] = []) => [...prev, v],
    )
    .option('--plant <path>', 'plant model (ST): the proofs run in closed loop with it; needs --binding')
    .option('--binding <file>', 'PlantBinding file (YAML or JSON) wiring the plant to the program')
    .option('--json', 'print the result as JSON')
    .action(async (opts: SafetyCommandOptions) => {
      process.exitCode = await runSafety(opts);
    });
  program
    .command('hash')
    .description('print the semantic hash of a POU (for certifiedPous[].sha256)')
    .argument('<path>', 'directory or .st file')
    .requiredOption('--pou <name>', 'POU name (case-insensitive)')
    .action(async (path: string, opts: { pou?: string }) => {
      process.exitCode = await runHash(path, opts.pou);
    });
}
