/**
 * `plcfleet-agent migrate` (run one migration on one program, verdict and job
 * folder) and `plcfleet-agent mcp` (the verifiers as an MCP server over stdio).
 */
import { readFile, stat } from 'node:fs/promises';
import { EXIT, Migration, parseWith, SiteFacts, SitePolicy, type Verdict } from '@plcfleet/protocols';
import type { Command } from 'commander';
import { parse as parseYaml } from 'yaml';
import type { z } from 'zod';
import { BadInput } from '../edge-agent-error';
import type { LlmJudgeOptions } from '../judge';
import type { loadScenarioRefs } from '../migrate';
import type { GitProgramSource, ProgramFile, ProgramSource } from '../sources';
import type { Transformer } from '../transform';
import { routeNodeOpcuaLogsToStderr } from './node-opcua-logs';

/** Exit codes of `migrate`, from the tools' one table ({@link EXIT}). */
export const MIGRATE_EXIT = {
  PASSED: EXIT.OK,
  FAILED: EXIT.FAILED,
  BAD_INPUT: EXIT.USAGE,
  ERROR: EXIT.ERROR,
  SKIPPED: EXIT.SKIPPED,
} as const;

/** Where a command writes (injected by tests). */
export interface MigrateIo {
  out(line: string): void;
  err(line: string): void;
}

/** Arguments of `migrate`. */
export interface MigrateArgs {
  migration: string;
  project: string;
  policy?: string;
  siteFacts?: string;
  /** Library interfaces `<Name>@<version>.st` (a `library-update` needs them; a program using a library compiles with them). */
  libraries?: string;
  /** The build's define set: the `{IF}` branches the verifiers simulate (decision 0178). */
  define?: string[];
  transformer?: string;
  out?: string;
  json?: boolean;
  /** For a passed verdict on a Git project: push the change and its evidence on this new branch. */
  pushBranch?: string;
}

async function readDoc<S extends z.ZodType>(schema: S, path: string): Promise<z.output<S>> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new BadInput(
      `${path}: cannot read: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
    );
  }
  let data: unknown;
  try {
    data = parseYaml(text);
  } catch (err) {
    throw new BadInput(`${path}: not valid YAML or JSON: ${(err as Error).message.split('\n')[0]}`);
  }
  const r = parseWith(schema, data, path);
  if (!r.ok) throw new BadInput(r.error);
  return r.value;
}

function needsFacts(m: Migration): boolean {
  return [...m.preconditions.onlyIf, ...m.preconditions.skipIf].some(
    (c) => 'firmware' in c || 'siteTag' in c || 'certifiedSafetyPlc' in c || 'library' in c,
  );
}

const OUTCOME_EXIT: Record<Verdict['outcome'], number> = {
  passed: MIGRATE_EXIT.PASSED,
  failed: MIGRATE_EXIT.FAILED,
  skipped: MIGRATE_EXIT.SKIPPED,
  error: MIGRATE_EXIT.ERROR,
};

/**
 * Runs `migrate`; returns the exit code (0 passed, 1 failed, 6 skipped, 2 bad
 * input, 7 error: {@link MIGRATE_EXIT}; with `--push-branch`, 1 when the push of a
 * passed change failed — the verdict stands and the reason is printed). `env` supplies `ANTHROPIC_API_KEY` / `ANTHROPIC_BASE_URL` /
 * `PLCFLEET_CLAUDE_MODEL`.
 */
export async function runMigrate(
  args: MigrateArgs,
  io: MigrateIo,
  env: Record<string, string | undefined>,
  signal?: AbortSignal,
): Promise<number> {
  // The executor, its transformers (the Anthropic SDK) and judges load only for this command.
  const [{ loadScenarioRefs, plantFileGlobs, runMigration, usesTransformer }, sources, transform] =
    await Promise.all([import('../migrate'), import('../sources'), import('../transform')]);
  const { createClaudeTransformer, createRecipeTransformer, resolveClaudeOptions } = transform;
  let migration: Migration;
  let policy: SitePolicy | null = null;
  let facts: SiteFacts | null = null;
  let transformer: Transformer;
  // The program as read and the whole program a passed verdict was reached on (every kind,
  // with a transformer or without): what --push-branch commits.
  let program: PassedProgram | undefined;
  let source: ProgramSource;
  let llmJudge: LlmJudgeOptions | null = null;
  let scenarios: Awaited<ReturnType<typeof loadScenarioRefs>>;
  try {
    migration = await readDoc(Migration, args.migration);
    if (args.policy) policy = await readDoc(SitePolicy, args.policy);
    // Fail closed: without the site's policy nothing is protected, so the safety
    // verifier would pass a safety-related change with no findings and no proofs.
    else if (migration.safetyClass === 'safety-related')
      throw new BadInput(
        `${args.migration}: the migration is safety-related and its safety check needs the site's policy; give --policy FILE`,
      );
    if (args.siteFacts) facts = await readDoc(SiteFacts, args.siteFacts);
    if (!facts && needsFacts(migration))
      throw new BadInput(
        `${args.migration}: its preconditions test site facts (firmware, tags, libraries); give --site-facts FILE`,
      );
    const isDir = (dir: string) =>
      stat(dir).then(
        (s) => s.isDirectory(),
        () => false,
      );
    if (args.libraries !== undefined && !(await isDir(args.libraries)))
      throw new BadInput(`--libraries: no such directory: ${args.libraries}`);
    const claude = resolveClaudeOptions({}, env);
    if (claude)
      llmJudge = {
        apiKey: claude.apiKey,
        ...(claude.baseURL ? { baseURL: claude.baseURL } : {}),
        ...(claude.model ? { model: claude.model } : {}),
      };
    const choice = args.transformer ?? (migration.recipe || !claude ? 'recipe' : 'claude');
    if (choice === 'recipe') {
      // A tag change makes its change without a transformer: no recipe needed.
      if (!migration.recipe && usesTransformer(migration.type))
        throw new BadInput(`${args.migration}: the migration has no recipe; use --transformer claude`);
      transformer = createRecipeTransformer();
    } else if (choice === 'claude') {
      if (!claude) throw new BadInput('--transformer claude needs ANTHROPIC_API_KEY in the environment');
      transformer = createClaudeTransformer(claude);
    } else throw new BadInput(`--transformer must be recipe or claude, not "${choice}"`);
    try {
      scenarios = await loadScenarioRefs(migration, args.migration);
    } catch (err) {
      throw new BadInput(`${args.migration}: scenarios: ${(err as Error).message}`);
    }
    if (args.pushBranch !== undefined && !sources.isGitUrl(args.project))
      throw new BadInput('--push-branch needs a Git project: --project git+…://repo#REF[:SUBDIR]');
    if (sources.isOpcuaEndpoint(args.project)) await routeNodeOpcuaLogsToStderr();
    try {
      source = sources.openProgramSource(args.project, { git: { env } });
    } catch (err) {
      throw new BadInput(`--project: ${(err as Error).message}`);
    }
  } catch (err) {
    if (err instanceof BadInput) {
      io.err(`plcfleet-agent migrate: ${err.message}`);
      return MIGRATE_EXIT.BAD_INPUT;
    }
    throw err;
  }
  const verdict = await runMigration({
    migration,
    source,
    policy,
    siteFacts: facts,
    transformer,
    scenarios,
    ...(args.libraries ? { libraries: args.libraries } : {}),
    ...(args.define ? { defines: args.define.filter((d) => d !== '') } : {}),
    llmJudge,
    onPassedProgram: (after, before) => {
      program = { before, after: [...after] };
    },
    ...(args.out ? { outDir: args.out } : {}),
    ...(signal ? { signal } : {}),
    ...(args.json
      ? {}
      : {
          onProgress: (e) => io.err(`[${e.phase}${e.turn !== undefined ? ` ${e.turn}` : ''}] ${e.message}`),
        }),
  });
  if (verdict.outcome === 'error' && /^cannot read the program/.test(verdict.reason)) {
    await source.close();
    if (args.json) io.out(JSON.stringify(verdict));
    else io.err(`plcfleet-agent migrate: ${verdict.reason}`);
    return MIGRATE_EXIT.BAD_INPUT;
  }
  // Only a passed verdict pushes; a failed push leaves the verdict standing and says why.
  // A kind that edits plant files (tag-change) read and verified them with the program:
  // the push compares and commits through the same view.
  const plantFiles = plantFileGlobs(migration);
  const gitSource = source as GitProgramSource;
  const push =
    args.pushBranch !== undefined && verdict.outcome === 'passed'
      ? await pushVerdict(
          plantFiles ? gitSource.withPlantFiles(plantFiles) : gitSource,
          migration,
          verdict,
          program,
          args.pushBranch,
        )
      : undefined;
  await source.close();
  if (args.json) io.out(JSON.stringify(push ? { ...verdict, push } : verdict));
  else {
    const e = verdict.evidence;
    io.out(`${verdict.outcome.toUpperCase()}: ${verdict.reason}`);
    if (e.diff) {
      const lines = e.diff.split('\n');
      const added = lines.filter((l) => l.startsWith('+') && !l.startsWith('+++')).length;
      const removed = lines.filter((l) => l.startsWith('-') && !l.startsWith('---')).length;
      io.out(
        `change: +${added} -${removed} lines; sha256 ${e.sha256Before?.slice(0, 12)}… → ${e.sha256After?.slice(0, 12)}…`,
      );
    }
    io.out(
      `safety: ${e.safety.verdict}; judges: ${e.judges.map((j) => `${j.judge} ${j.verdict}`).join(', ') || 'not run'}`,
    );
    if (args.out) io.out(`job folder: ${args.out}`);
    if (push?.commit) io.out(`pushed ${push.branch}: ${push.commit}`);
  }
  if (push?.error) {
    io.err(`plcfleet-agent migrate: the verdict stands, but pushing ${push.branch} failed: ${push.error}`);
    return MIGRATE_EXIT.FAILED;
  }
  return OUTCOME_EXIT[verdict.outcome];
}

/** What `--push-branch` did: the commit, or why there is none. */
/** The program as read and as the passed change leaves it. */
interface PassedProgram {
  before: readonly ProgramFile[];
  after: ProgramFile[];
}

interface PushOutcome {
  branch: string;
  commit?: string;
  error?: string;
}

async function pushVerdict(
  source: GitProgramSource,
  migration: Migration,
  verdict: Verdict,
  program: PassedProgram | undefined,
  branch: string,
): Promise<PushOutcome> {
  if (!program) return { branch, error: 'the passed verdict kept no program to push' };
  const { pushVerdict: push } = await import('../sources');
  // From the commit the verdict was reached on (the source's last read), whatever REF points at now.
  const r = await push(source, { migration, verdict, ...program, branch, base: source.lastRead()?.commit });
  return r.commit ? { branch, commit: r.commit } : { branch, error: r.error ?? 'not pushed' };
}

/** `--define`, as `migrate` and `mcp` take it: the names of every occurrence, comma-split. */
const DEFINE_OPTION = [
  '--define <names>',
  "the build's define set: the {IF defined(...)} branches simulations and proofs run (comma-separated; repeatable; '' for none)",
  (v: string, prev: string[] = []) => [...prev, ...v.split(',').map((d) => d.trim())],
] as const;

/** Registers `migrate` and `mcp`. */
export function registerMigrateCommands(program: Command): void {
  program
    .command('migrate')
    .description('run one migration on a program: preconditions, transform, verify, judge → verdict')
    .requiredOption('--migration <file>', 'migration definition (YAML or JSON)')
    .requiredOption(
      '--project <path>',
      'project directory or file, git+file|https|ssh://repo#REF[:SUBDIR], or opc.tcp://host:port of a PLC',
    )
    .option('--policy <file>', 'site safety policy (YAML)')
    .option('--site-facts <file>', 'site facts for preconditions (YAML)')
    .option('--libraries <dir>', 'library interfaces <Name>@<version>.st (versions from --site-facts)')
    .option(...DEFINE_OPTION)
    .option(
      '--transformer <name>',
      'recipe | claude (default: recipe when the migration has one or no model is configured)',
    )
    .option('--out <dir>', 'job folder: verdict.json, diff.patch, trace.jsonl, changed files')
    .option('--json', 'print the verdict as JSON; no progress')
    .option(
      '--push-branch <name>',
      'Git project, passed verdict: commit the change and its evidence on this new branch and push it',
    )
    .action(async (opts: MigrateArgs) => {
      const ac = new AbortController();
      const stop = () => ac.abort();
      process.once('SIGINT', stop);
      try {
        process.exitCode = await runMigrate(
          opts,
          { out: (l) => process.stdout.write(`${l}\n`), err: (l) => process.stderr.write(`${l}\n`) },
          process.env,
          ac.signal,
        );
      } finally {
        process.off('SIGINT', stop);
      }
    });

  program
    .command('mcp')
    .description(
      "serve plcfleet's verifiers (compile, safety, simulate, equivalence, search, diff) over MCP on stdio",
    )
    .requiredOption('--project <path>', 'project directory')
    .option('--policy <file>', 'site safety policy (YAML)')
    .option('--allow-edit', 'offer the edit tool (writes to the project)')
    .option(...DEFINE_OPTION)
    .action(async (opts: { project: string; policy?: string; allowEdit?: boolean; define?: string[] }) => {
      const say = (line: string) => process.stderr.write(`plcfleet-agent mcp: ${line}\n`);
      let policy: SitePolicy | null = null;
      try {
        if (opts.policy) policy = await readDoc(SitePolicy, opts.policy);
      } catch (err) {
        say((err as Error).message);
        process.exitCode = EXIT.USAGE;
        return;
      }
      const { serveMcpOverStdio } = await import('../mcp');
      const { SourceError } = await import('../sources');
      const ac = new AbortController();
      const stop = () => ac.abort();
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
      try {
        await serveMcpOverStdio(
          {
            project: opts.project,
            policy,
            allowEdit: opts.allowEdit === true,
            ...(opts.define ? { defines: opts.define.filter((d) => d !== '') } : {}),
          },
          ac.signal,
        );
        process.exitCode = EXIT.OK;
      } catch (err) {
        // An unreadable project is bad input, answered in one line (it was a stack trace).
        if (!(err instanceof SourceError)) throw err;
        say(`--project: ${err.message}`);
        process.exitCode = EXIT.USAGE;
      } finally {
        process.off('SIGINT', stop);
        process.off('SIGTERM', stop);
      }
    });
}
