import { dirname, join } from 'node:path';
import type { DeployOrder, MessageOf, RollbackOrder, WindowInterval } from '@plcfleet/protocols';
import type { Logger } from 'pino';
import { withPlantFiles } from '../migrate';
import {
  changeBranchName,
  deployTagName,
  type GitProgramSource,
  hashProgram,
  isGitSource,
  type ProgramFile,
  type ProgramSource,
} from '../sources';
import { readJson, writeJsonAtomic } from './state-files';

/** A `deploy.result` without its envelope fields. */
export type DeployResult = Omit<MessageOf<'deploy.result'>, 'v' | 'id' | 'ts'>;

/** A program kept in the data folder. */
interface KeptProgram {
  sha256: string;
  files: ProgramFile[];
  /** Plant file globs it was read with (a tag change's tag maps and HMI files); read and written through them. */
  plantFiles?: string[];
}

/** In a job's folder: the plant file globs its change was verified with. */
const PLANT_SCOPE_FILE = 'plant-files.json';

/**
 * Records in a job's folder the plant file globs (`plantFileGlobs`) its change was
 * verified with; the kept program takes them, so its deploy reads and writes the
 * same files the hashes cover.
 */
export async function keepPlantScope(jobDir: string, globs: readonly string[]): Promise<void> {
  await writeJsonAtomic(join(jobDir, PLANT_SCOPE_FILE), { globs: [...globs] });
}

const globsIn = (v: unknown): string[] | undefined =>
  Array.isArray(v) && v.every((g) => typeof g === 'string') ? v : undefined;

/** What the agent remembers of a deploy, for a later rollback. */
interface DeployRecord {
  deployId: string;
  jobId: string;
  sha256Before: string;
  sha256After: string;
  outcome: DeployResult['outcome'];
  at: string;
}

/**
 * Why `now` is outside `window`, or `null` when inside it. Both bounds are
 * inclusive.
 */
export function windowProblem(window: WindowInterval, now: Date): string | null {
  const from = Date.parse(window.notBefore);
  const to = Date.parse(window.notAfter);
  const t = now.getTime();
  if (!(from <= to)) return `the window ${window.notBefore} … ${window.notAfter} is empty`;
  if (t < from) return `the maintenance window opens at ${window.notBefore} (now ${now.toISOString()})`;
  if (t > to) return `the maintenance window closed at ${window.notAfter} (now ${now.toISOString()})`;
  return null;
}

/** Builds (and logs, on `log`, which names the deploy or rollback) the results of one deploy or rollback. */
function reporter(
  log: Logger,
  what: string,
  success: DeployResult['outcome'],
  deployId: string,
  site: string,
) {
  return (
    outcome: DeployResult['outcome'],
    reason: string,
    sha256Running: string | null = null,
  ): DeployResult => {
    log[outcome === success ? 'info' : 'warn']({ outcome, reason, sha256Running }, what);
    return { type: 'deploy.result', deployId, site, outcome, reason, sha256Running };
  };
}

/** Files of `next` whose text differs from (or is missing in) `current`. */
function changedFiles(current: readonly ProgramFile[], next: readonly ProgramFile[]): ProgramFile[] {
  const byPath = new Map(current.map((f) => [f.path, f.text]));
  return next.filter((f) => byPath.get(f.path) !== f.text);
}

/** Settings of {@link Deployer}. */
export interface DeployerOptions {
  dataDir: string;
  site: string;
  source: ProgramSource;
  logger: Logger;
  /** @default () => new Date() */
  now?: () => Date;
  /**
   * The site's Git repository (issue #22): after a deploy, the commit of the job's change
   * branch is tagged `plcfleet/<site>/<deployId>` when its program is the deployed one.
   * @default `source` when it is a Git source
   */
  release?: GitProgramSource;
}

/**
 * Applies verified deploy and rollback orders to the program source. A deploy
 * writes only the approved program the agent itself verified (its hash must
 * be the order's `sha256After`), only over the program it verified against
 * (`sha256Before`), only inside the order's window (checked against the clock
 * right before writing); the previous program is kept in the data folder;
 * the program is read back after writing and rolled back when its hash is
 * not the approved one.
 */
export class Deployer {
  private readonly now: () => Date;

  constructor(private readonly options: DeployerOptions) {
    this.now = options.now ?? (() => new Date());
  }

  private programFile(jobId: string): string {
    return join(this.options.dataDir, 'jobs', encodeURIComponent(jobId), 'approved-program.json');
  }
  private backupFile(deployId: string): string {
    return join(this.options.dataDir, 'deploys', encodeURIComponent(deployId), 'previous-program.json');
  }
  private recordFile(deployId: string): string {
    return join(this.options.dataDir, 'deploys', encodeURIComponent(deployId), 'deploy.json');
  }
  private get lastFile(): string {
    return join(this.options.dataDir, 'deploys', 'last.json');
  }

  /** Keeps the program a passed job produced, for a later deploy order. */
  async keepApprovedProgram(jobId: string, files: readonly ProgramFile[]): Promise<string> {
    const sha256 = hashProgram(files);
    const file = this.programFile(jobId);
    const scope = (await readJson(join(dirname(file), PLANT_SCOPE_FILE))) as { globs?: unknown } | undefined;
    const plantFiles = globsIn(scope?.globs);
    await writeJsonAtomic(file, {
      sha256,
      files: [...files],
      ...(plantFiles ? { plantFiles } : {}),
    } satisfies KeptProgram);
    return sha256;
  }

  /** The program a passed job produced (what its deploy order approved), or undefined. */
  async approvedProgram(jobId: string): Promise<ProgramFile[] | undefined> {
    return (await this.kept(this.programFile(jobId)))?.files;
  }

  private async kept(file: string): Promise<KeptProgram | undefined> {
    const data = (await readJson(file)) as KeptProgram | undefined;
    if (!data || !Array.isArray(data.files)) return undefined;
    // The stored hash is not trusted: recompute it from the files.
    const plantFiles = globsIn(data.plantFiles);
    return { files: data.files, sha256: hashProgram(data.files), ...(plantFiles ? { plantFiles } : {}) };
  }

  /** The source a kept program is read and written through: with its plant files, when it has them. */
  private async sourceOf(kept: KeptProgram): Promise<ProgramSource> {
    return kept.plantFiles ? withPlantFiles(this.options.source, kept.plantFiles) : this.options.source;
  }

  /** Applies a verified deploy order; never throws (a failure is a `failed` result). */
  async deploy(order: DeployOrder): Promise<DeployResult> {
    const log = this.options.logger.child({ deployId: order.deployId, jobId: order.jobId });
    const result = reporter(log, 'deploy result', 'deployed', order.deployId, order.site);
    if (order.site !== this.options.site)
      return result(
        'refused',
        `the order is for site "${order.site}", this agent serves "${this.options.site}"`,
      );
    const early = windowProblem(order.window, this.now());
    if (early) return result('refused', early);

    const approved = await this.kept(this.programFile(order.jobId));
    if (!approved) return result('refused', `no program verified by this agent for job ${order.jobId}`);
    if (approved.sha256 !== order.sha256After)
      return result(
        'refused',
        `the kept program of job ${order.jobId} has sha256 ${approved.sha256}, the order approves ${order.sha256After}`,
      );

    let current: ProgramFile[];
    const source = await this.sourceOf(approved);
    try {
      current = await source.read();
    } catch (err) {
      return result('failed', `cannot read the program before deploying: ${(err as Error).message}`);
    }
    const running = hashProgram(current);
    if (running === order.sha256After) {
      await this.record(order, 'deployed');
      return result(
        'deployed',
        `the approved program was already running${await this.tagDeployed(order, log)}`,
        running,
      );
    }
    if (running !== order.sha256Before)
      return result(
        'refused',
        `the running program (sha256 ${running}) is not the one the change was verified against (${order.sha256Before})`,
        running,
      );

    // Keep the previous program before touching anything.
    await writeJsonAtomic(this.backupFile(order.deployId), {
      sha256: running,
      files: current,
      ...(approved.plantFiles ? { plantFiles: approved.plantFiles } : {}),
    } satisfies KeptProgram);

    // The window is checked against the clock once more, right before writing.
    const late = windowProblem(order.window, this.now());
    if (late) return result('refused', late, running);

    try {
      await source.write(changedFiles(current, approved.files), { expectSha256Before: running });
    } catch (err) {
      const reason = `writing the program failed: ${(err as Error).message}`;
      return this.restore(order, current, running, reason, log, source);
    }
    let after: string;
    try {
      after = hashProgram(await source.read());
    } catch (err) {
      return this.restore(
        order,
        current,
        running,
        `cannot read the program back: ${(err as Error).message}`,
        log,
        source,
      );
    }
    if (after !== order.sha256After)
      return this.restore(
        order,
        current,
        running,
        `post-deploy check: the PLC holds sha256 ${after}, not the approved ${order.sha256After}`,
        log,
        source,
      );
    await this.record(order, 'deployed');
    return result('deployed', `written and read back${await this.tagDeployed(order, log)}`, after);
  }

  /**
   * Tags the commit of the job's change branch `plcfleet/<site>/<deployId>` in the site's Git
   * repository, when there is one and the branch holds the deployed program (someone may have
   * pushed to it since). Returns what to add to the result's reason; a tag that cannot be made
   * leaves the deploy standing.
   */
  private async tagDeployed(order: DeployOrder, log: Logger): Promise<string> {
    const { source, release = isGitSource(source) ? source : undefined } = this.options;
    if (!release) return '';
    const name = deployTagName(order.site, order.deployId);
    try {
      const branch = changeBranchName(order.site, order.jobId);
      const { commit, files } = await release.readRef(`refs/heads/${branch}`);
      const sha = hashProgram(files);
      if (sha !== order.sha256After)
        throw new Error(`${branch} holds sha256 ${sha}, not the deployed ${order.sha256After}`);
      await release.tag(commit, name);
      log.info({ tag: name, commit }, 'deployed commit tagged');
      return `; tagged ${name} at ${commit.slice(0, 12)}`;
    } catch (err) {
      log.warn({ tag: name, err: (err as Error).message }, 'deployed commit not tagged');
      return `; not tagged ${name}: ${(err as Error).message}`;
    }
  }

  /**
   * Writes `previous` back (only the files that differ from what is running)
   * and reads the program back; returns the hash the PLC now holds.
   */
  private async writeBack(previous: readonly ProgramFile[], source: ProgramSource): Promise<string> {
    const now = await source.read().catch(() => [] as ProgramFile[]);
    await source.write(changedFiles(now, previous));
    return hashProgram(await source.read());
  }

  /** Automatic rollback after a failed deploy: back to `previous`, and say what happened. */
  private async restore(
    order: DeployOrder,
    previous: ProgramFile[],
    previousSha: string,
    why: string,
    log: Logger,
    source: ProgramSource,
  ): Promise<DeployResult> {
    log.error({ reason: why }, 'deploy failed; rolling back');
    const result = reporter(log, 'deploy result', 'rolled-back', order.deployId, order.site);
    try {
      const back = await this.writeBack(previous, source);
      const ok = back === previousSha;
      await this.record(order, ok ? 'rolled-back' : 'failed');
      return ok
        ? result('rolled-back', `${why}; rolled back`, back)
        : result('failed', `${why}; rollback read back sha256 ${back}, not ${previousSha}`, back);
    } catch (err) {
      await this.record(order, 'failed');
      return result('failed', `${why}; rollback failed: ${(err as Error).message}`);
    }
  }

  private async record(order: DeployOrder, outcome: DeployResult['outcome']): Promise<void> {
    const rec: DeployRecord = {
      deployId: order.deployId,
      jobId: order.jobId,
      sha256Before: order.sha256Before,
      sha256After: order.sha256After,
      outcome,
      at: this.now().toISOString(),
    };
    await writeJsonAtomic(this.recordFile(order.deployId), rec);
    if (outcome === 'deployed') await writeJsonAtomic(this.lastFile, { deployId: order.deployId });
  }

  /**
   * Applies a verified rollback order: restores the program kept before the
   * named deploy (the last deploy when the order names none), reads it back
   * and checks its hash. Never throws.
   */
  async rollback(order: RollbackOrder): Promise<DeployResult> {
    const last = (await readJson(this.lastFile)) as { deployId?: string } | undefined;
    const deployId = order.deployId ?? last?.deployId;
    const log = this.options.logger.child({
      rollbackId: order.rollbackId,
      ...(deployId ? { deployId } : {}),
    });
    // The result names the rollback (the control plane settles the rollback and, through it, the deploy).
    const result = reporter(log, 'rollback result', 'rolled-back', order.rollbackId, order.site);
    if (order.site !== this.options.site)
      return result(
        'refused',
        `the order is for site "${order.site}", this agent serves "${this.options.site}"`,
      );
    if (!deployId) return result('refused', 'no deploy to roll back: this agent has deployed nothing');
    const previous = await this.kept(this.backupFile(deployId));
    if (!previous) return result('refused', `no program kept from before deploy ${deployId}`);
    const source = await this.sourceOf(previous);
    try {
      if (hashProgram(await source.read()) === previous.sha256)
        return result(
          'rolled-back',
          `${order.reason} (the previous program was already running)`,
          previous.sha256,
        );
      const back = await this.writeBack(previous.files, source);
      if (back !== previous.sha256)
        return result('failed', `rollback read back sha256 ${back}, not ${previous.sha256}`, back);
      const rec = (await readJson(this.recordFile(deployId))) as DeployRecord | undefined;
      if (rec) await writeJsonAtomic(this.recordFile(deployId), { ...rec, outcome: 'rolled-back' });
      return result('rolled-back', order.reason, back);
    } catch (err) {
      return result('failed', `rollback failed: ${(err as Error).message}`);
    }
  }
}
