import type { Phase, PhaseOutcomeCounts, PhaseWait } from '@plcfleet/protocols';
import type { Db } from '../store/database';

/** The cause a watch report gives for the rollback it made (ADR 0179), when it gives one. */
function rollbackCause(s: SiteOutcome): string | undefined {
  if (s.watchReport === null) return undefined;
  try {
    const cause = (JSON.parse(s.watchReport) as { rollback?: unknown }).rollback;
    return typeof cause === 'string' ? cause : undefined;
  } catch {
    return undefined;
  }
}

/** What became of one site's change in a phase: its job, change request and latest deploy. */
interface SiteOutcome {
  site: string;
  jobState: string;
  changeRequest: string | null;
  deploy: string | null;
  /** When the deploy last changed state (for `deployed`: when it was deployed). */
  deployAt: string | null;
  /** Why the agent put the deploy off (the line is busy), when it did. */
  deferred: string | null;
  /** The state of the agent's post-deploy watch of the deploy, when it reports one. */
  watchState: string | null;
  /** The watch's whole report (JSON), when there is one. */
  watchReport: string | null;
}

/** Whether a watch report says it compared no sample at all. */
function comparedNothing(s: SiteOutcome): boolean {
  if (s.watchReport === null) return false;
  try {
    return (JSON.parse(s.watchReport) as { compared?: unknown }).compared === 0;
  } catch {
    return true; // unreadable evidence does not count as a passed watch
  }
}

/** The deploy outcomes of a phase and what of them is still outstanding. */
export interface PhaseOutcomes {
  counts: PhaseOutcomeCounts;
  /** Passed sites whose change request waits for a person. */
  awaitingApproval: number;
  /** Approved changes not yet deployed (the agent waits for its window, or is offline). */
  awaitingDeploy: number;
  /** Of those, deploys the agent put off because the line is busy. */
  deferred: number;
  /** Deployed changes inside their watch period. */
  watching: number;
  /** Sites that will not run the change without a person: failed, rejected, rolled back, deploy failed. */
  stuck: number;
  /** Every site is deployed and watched, or skipped. */
  settled: boolean;
}

/** Reads the sites of phase `phaseIndex` with their change request and latest deploy. */
async function siteOutcomes(db: Db, rolloutId: string, phaseIndex: number): Promise<SiteOutcome[]> {
  const rows = await db
    .selectFrom('jobs')
    .leftJoin('change_requests', 'change_requests.job_id', 'jobs.id')
    .leftJoin('deploys', 'deploys.job_id', 'jobs.id')
    .leftJoin('deploy_deferrals', 'deploy_deferrals.deploy_id', 'deploys.id')
    .leftJoin('shadow_reports as watch', (j) =>
      j.onRef('watch.deploy_id', '=', 'deploys.id').on('watch.kind', '=', 'watch'),
    )
    .select([
      'jobs.site as site',
      'jobs.state as jobState',
      'change_requests.state as changeRequest',
      'deploys.state as deploy',
      'deploys.updated_at as deployAt',
      'deploys.created_at as deployCreated',
      'deploy_deferrals.reason as deferred',
      'watch.state as watchState',
      'watch.report as watchReport',
      'watch.received_at as watchAt',
    ])
    .where('jobs.rollout_id', '=', rolloutId)
    .where('jobs.phase_index', '=', phaseIndex)
    .where('jobs.state', 'not in', ['retried', 'cancelled'])
    .execute();
  // A job has at most one change request; a cancelled deploy may be followed by another: keep the
  // latest deploy, and of its watch reports (a watch resumed under another id) the latest received.
  const bySite = new Map<string, SiteOutcome & { deployCreated: string | null; watchAt: string | null }>();
  for (const r of rows) {
    const seen = bySite.get(r.site);
    const [created, seenCreated] = [r.deployCreated ?? '', seen?.deployCreated ?? ''];
    if (
      !seen ||
      created > seenCreated ||
      (created === seenCreated && (r.watchAt ?? '') > (seen.watchAt ?? ''))
    )
      bySite.set(r.site, r);
  }
  return [...bySite.values()];
}

/**
 * Counts what became of a phase's changes (ADR 0028): verified, approved, deployed,
 * watched (deployed at least `phase.watch` ago and still deployed), rolled back.
 */
export async function phaseOutcomes(
  db: Db,
  rolloutId: string,
  phaseIndex: number,
  phase: Phase,
  now = Date.now(),
): Promise<PhaseOutcomes> {
  const sites = await siteOutcomes(db, rolloutId, phaseIndex);
  const counts: PhaseOutcomeCounts = {
    sites: sites.length,
    verified: 0,
    approved: 0,
    deployed: 0,
    watched: 0,
    rolledBack: 0,
    rolledBackInconclusive: 0,
    deployFailed: 0,
    skipped: 0,
    deferred: 0,
  };
  let awaitingApproval = 0;
  let awaitingDeploy = 0;
  let watching = 0;
  let stuck = 0;
  for (const s of sites) {
    if (s.jobState === 'skipped') counts.skipped++;
    if (s.jobState === 'passed') counts.verified++;
    if (s.changeRequest === 'approved') counts.approved++;
    if (s.deploy === 'deployed') {
      counts.deployed++;
      // The agent's own watch decides when it reports one (ADR 0104): watched once it passed;
      // running — or paused by an agent restart, to resume — is watching however long it takes;
      // ended otherwise with the deploy still in place, it never counts as watched.
      // A watch that compared nothing proved nothing (an agent before ADR 0125 says `passed`).
      if (
        s.watchState === 'failed' ||
        s.watchState === 'diverged' ||
        (s.watchState === 'passed' && comparedNothing(s))
      ) {
        stuck++;
        continue;
      }
      const timeUp = s.deployAt !== null && Date.parse(s.deployAt) + (phase.watch ?? 0) <= now;
      if (s.watchState === 'running' || !timeUp) watching++;
      else counts.watched++;
    } else if (s.deploy === 'rolled-back') {
      counts.rolledBack++;
      if (rollbackCause(s) === 'inconclusive') counts.rolledBackInconclusive++;
    } else if (s.deploy === 'refused' || s.deploy === 'failed') counts.deployFailed++;
    if (s.jobState === 'skipped' || s.deploy === 'deployed') continue;
    if (s.jobState === 'failed' || s.jobState === 'error' || s.changeRequest === 'rejected') stuck++;
    else if (s.deploy === 'rolled-back' || s.deploy === 'refused' || s.deploy === 'failed') stuck++;
    else if (s.changeRequest === 'open') awaitingApproval++;
    else if (s.changeRequest === 'approved') {
      awaitingDeploy++;
      if (s.deferred !== null && (s.deploy === 'ordered' || s.deploy === 'delivered')) counts.deferred++;
    }
  }
  const settled = counts.watched + counts.skipped === counts.sites;
  return { counts, awaitingApproval, awaitingDeploy, deferred: counts.deferred, watching, stuck, settled };
}

/** What the deploy side of a phase waits for, in the order a site goes through it. */
export function deployWaits(o: PhaseOutcomes): PhaseWait[] {
  const waits: PhaseWait[] = [];
  if (o.awaitingApproval > 0) waits.push('approval');
  if (o.awaitingDeploy > o.deferred) waits.push('deploy');
  if (o.deferred > 0) waits.push('line-busy');
  if (o.watching > 0) waits.push('watch');
  if (o.stuck > 0) waits.push('retry-or-close');
  return waits;
}

/** `3 site(s): 2 verified, 1 approved, 1 deployed, 0 watched, 0 rolled back`. */
export function describeOutcomes(c: PhaseOutcomeCounts): string {
  return (
    `${c.sites} site(s): ${c.verified} verified, ${c.approved} approved, ${c.deployed} deployed, ` +
    `${c.watched} watched, ${c.rolledBack} rolled back` +
    (c.rolledBackInconclusive ? ` (${c.rolledBackInconclusive} inconclusive)` : '') +
    (c.deployFailed ? `, ${c.deployFailed} deploy failed` : '') +
    (c.deferred ? `, ${c.deferred} deferred (line busy)` : '') +
    (c.skipped ? `, ${c.skipped} skipped` : '')
  );
}

/** Whether a phase's promotion waits for its deploys: `requireDeployed`, or the last phase of a rollout `until: watched`. */
export function waitsForDeploys(
  phase: Phase,
  last: boolean,
  until: 'watched' | 'verified' | undefined,
): boolean {
  return phase.gates.requireDeployed || (last && until !== 'verified');
}
