/**
 * `safety` and `hash`: the safety verifier on the command line (issue 6).
 * `safety --json` prints `{ verdict, findings, proofs, ms }`; exit 0 pass,
 * 1 fail, 2 bad usage or unreadable input.
 */
import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { claimText, EXIT, Migration, parseWith, SitePolicy, TagMap } from '@plcfleet/protocols';
import type { ScenarioFile } from '@plcfleet/toolchain/sim';
import type { Command } from 'commander';
import YAML from 'yaml';
import { BadInput } from '../edge-agent-error';

// Exit codes are the shared table's (`EXIT` of protocols): OK the change passed (hash:
// printed); FAILED the change was rejected, or the program does not parse or check (fail
// closed); USAGE bad usage or unreadable input (missing file, invalid policy, unknown POU).

/** The safety verifier, loaded when a command runs: registering the commands (and `--help`) does not load it. */
const loadSafety = () => import('@plcfleet/toolchain/safety');

/** Where output goes; tests pass their own. */
export interface SafetyIo {
  out(line: string): void;
  err(line: string): void;
}

const processIo: SafetyIo = {
  out: (l) => process.stdout.write(`${l}\n`),
  err: (l) => process.stderr.write(`${l}\n`),
};

async function readDocument<T>(schema: Parameters<typeof parseWith>[0], path: string): Promise<T> {
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
    data = YAML.parse(text);
  } catch (err) {
    throw new BadInput(`${path}: not YAML or JSON: ${(err as Error).message.split('\n')[0]}`);
  }
  const r = parseWith(schema, data, path);
  if (!r.ok) throw new BadInput(r.error);
  return r.value as T;
}

async function load(path: string) {
  const { loadSafetyProject } = await loadSafety();
  try {
    return await loadSafetyProject(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new BadInput(code ? `cannot read ${path}: ${code}` : (err as Error).message);
  }
}

/** The migration's scenarios: files relative to the migration file, or inline documents. */
async function migrationScenarios(migration: Migration, path: string): Promise<ScenarioFile[]> {
  const out: ScenarioFile[] = [];
  const { parseScenarioFile } = await import('@plcfleet/toolchain/sim');
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
export interface SafetyCommandOptions {
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
}

/** Runs `safety`; returns the exit code. */
export async function runSafety(opts: SafetyCommandOptions, io: SafetyIo = processIo): Promise<number> {
  try {
    for (const k of ['before', 'after', 'policy'] as const)
      if (!opts[k]) throw new BadInput(`--${k} is required`);
    let seed: number | undefined;
    if (opts.seed !== undefined) {
      seed = Number(opts.seed);
      if (!Number.isInteger(seed)) throw new BadInput('--seed must be an integer');
    }
    const policy = await readDocument<SitePolicy>(SitePolicy, opts.policy!);
    const migration = opts.migration ? await readDocument<Migration>(Migration, opts.migration) : undefined;
    const scenarios = migration && opts.migration ? await migrationScenarios(migration, opts.migration) : [];
    const ioBindings: string[] = [];
    for (const file of opts.tagMap ?? [])
      for (const t of (await readDocument<TagMap>(TagMap, file)).tags) ioBindings.push(t.name);
    const before = await load(opts.before!);
    const after = await load(opts.after!);
    const { verifySafety } = await loadSafety();
    const r = await verifySafety({
      before,
      after,
      policy,
      ...(migration ? { migration } : {}),
      ...(opts.program ? { program: opts.program } : {}),
      ...(seed !== undefined ? { seed } : {}),
      ...(scenarios.length > 0 ? { scenarios } : {}),
      ...(ioBindings.length > 0 ? { ioBindings } : {}),
      mode: opts.quick ? 'quick' : 'full',
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
          `proof ${p.kind} ${p.subject}: ${claimText(p)}${
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
    throw err;
  }
}

/** Runs `hash PATH --pou NAME`; returns the exit code. */
export async function runHash(
  path: string,
  pou: string | undefined,
  io: SafetyIo = processIo,
): Promise<number> {
  try {
    if (!pou) throw new BadInput('--pou is required');
    const project = await load(path);
    const errors = project.diagnostics.filter((d) => d.severity === 'error');
    if (errors.length > 0) {
      const d = errors[0]!;
      throw new BadInput(`${d.file}:${d.line}: ${d.code} ${d.message}`);
    }
    const hash = (await loadSafety()).semanticHash(project, pou);
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
  program
    .command('safety')
    .description(
      'verify that a change is safe under the site safety policy (exit 0 pass, 1 fail, 2 bad input)',
    )
    .requiredOption('--before <path>', 'the program as it is (directory or .st file)')
    .requiredOption('--after <path>', 'the program as the change leaves it')
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
