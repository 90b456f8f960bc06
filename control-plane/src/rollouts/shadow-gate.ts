import { CAPABILITIES, type Phase, type ShadowReportView, type ShadowRequirement } from '@plcfleet/protocols';
import { listAgents } from '../agents/agent.repository';
import { divergenceCount, listShadowReports } from '../agents/shadow-report.repository';
import type { Db } from '../store/database';

/** The wire's longest shadow or watch (7 days). */
const MAX_WIRE_MS = 7 * 86_400_000;

/**
 * What a phase's shadow gate asks of an agent at `when` (the job bundle before approval,
 * the deploy order after it), or undefined when the phase has no gate or runs it at the
 * other moment.
 */
export function shadowRequirement(
  phase: Phase | undefined,
  when: 'before-approval' | 'after-approval',
): ShadowRequirement | undefined {
  const g = phase?.shadow;
  if (!g || g.when !== when) return undefined;
  return { minDurationMs: Math.min(g.minDuration, MAX_WIRE_MS), maxDivergences: g.maxDivergences };
}

/**
 * How one site's candidate shadow run stands against its phase's gate. `inconclusive`: it
 * would pass but for disagreements it could not confirm (ADR 0159): the gate holds.
 */
type RunStanding =
  | { kind: 'missing' }
  | { kind: 'running'; seconds: number }
  | { kind: 'passed' }
  | { kind: 'inconclusive'; why: string; disagreed: number }
  | { kind: 'failed'; why: string };

/**
 * The seconds of a run that are evidence (ADR 0159): its time in the share of samples it
 * judged. A report without `unjudged` (an agent before it) counts its seconds, as before.
 */
export function judgedSeconds(
  r: Pick<ShadowReportView, 'seconds' | 'samples' | 'compared' | 'unjudged'>,
): number {
  if (!r.unjudged) return r.seconds;
  return r.samples > 0 ? (r.seconds * r.compared) / r.samples : 0;
}

/** `judged 5.2 s (400 of 9000 samples) in 60 s`: how a run's time stands as evidence. */
function judgedTime(r: ShadowReportView): string {
  const judged = Math.round(judgedSeconds(r) * 10) / 10;
  return `judged ${judged} s (${r.compared} of ${r.samples} sample(s)) in ${r.seconds} s`;
}

/** `Alarm diverged in 3 sample(s) from 2026-…Z (live true, shadow false)`. */
function describeDivergence(d: ShadowReportView['divergences'][number]): string {
  return `${d.tag} diverged in ${d.count} sample(s) from ${d.first} (live ${JSON.stringify(d.live)}, shadow ${JSON.stringify(d.shadow)})`;
}

/**
 * How long a running run may stay silent before it counts as failed: the agent reports
 * about ten times over a run, at least once a minute; three reports missed and 30 s more
 * mean it stopped (a crash, a power cut) and the run will not end by itself.
 */
export function silenceLimitMs(durationMs: number): number {
  return 3 * Math.min(60_000, Math.max(1000, Math.floor(durationMs / 10))) + 30_000;
}

/**
 * Judges a site's latest candidate shadow report against the gate (the control plane's own
 * reading of its figures). Fails closed: a divergence over the limit, a run that failed, went
 * silent, compared nothing or judged less than `minDuration` (ADR 0159: judged time, not wall
 * time). Holds (`inconclusive`) a run whose unconfirmed disagreements (`unjudged.disagreed`)
 * could take it over the limit: never a pass, and not proof of a divergence either — an agent
 * ends such a run `failed` (so nothing deploys on it), its figures show what it was.
 */
export function judgeShadowRun(
  g: NonNullable<Phase['shadow']>,
  report: ShadowReportView | undefined,
  now = Date.now(),
): RunStanding {
  if (!report) return { kind: 'missing' };
  if (report.state === 'running') {
    const silent = now - Date.parse(report.receivedAt);
    if (silent > silenceLimitMs(report.durationMs))
      return {
        kind: 'failed',
        why: `no report from the agent for ${Math.round(silent / 1000)} s while its run was at ${report.seconds} s (the agent stopped?)`,
      };
    const n = divergenceCount(report);
    if (n <= g.maxDivergences) return { kind: 'running', seconds: report.seconds };
  }
  const n = divergenceCount(report);
  if (n > g.maxDivergences || report.state === 'diverged') {
    const first = report.divergences[0];
    return {
      kind: 'failed',
      why: `${first ? describeDivergence(first) : `${n} divergence(s)`}${report.divergences.length > 1 ? ` and ${report.divergences.length - 1} more tag(s)` : ''}, at most ${g.maxDivergences} allowed`,
    };
  }
  // Disagreements it could not confirm may be divergences: within the limit only if all were.
  const disagreed = report.unjudged?.disagreed ?? 0;
  const unsure = n + disagreed > g.maxDivergences;
  // An agent ends such a run `failed` (ADR 0159); one that failed for anything its figures
  // show (a comm loss, a fault) fails here too.
  const onlyUnsure = unsure && report.commLoss === null && report.fault === null;
  if (report.state === 'failed' && !onlyUnsure)
    return { kind: 'failed', why: report.reason || 'the shadow run failed' };
  // A run that compared nothing proved nothing (an agent before ADR 0125 still says `passed`).
  if (report.compared === 0)
    return { kind: 'failed', why: `nothing compared: 0 of ${report.samples} sample(s) judged` };
  if (report.seconds * 1000 + 1 < g.minDuration)
    return {
      kind: 'failed',
      why: `ran ${report.seconds} s of the ${g.minDuration / 1000} s required`,
    };
  // A loaded host's unjudged minutes are not clean shadow time (ADR 0159).
  if (judgedSeconds(report) * 1000 + 1 < g.minDuration)
    return { kind: 'failed', why: `${judgedTime(report)}, ${g.minDuration / 1000} s required` };
  if (unsure)
    return {
      kind: 'inconclusive',
      disagreed,
      why: `inconclusive: ${disagreed} disagreement(s) not confirmed (${judgedTime(report)}; at most ${g.maxDivergences} divergence(s) allowed)`,
    };
  return { kind: 'passed' };
}

/** The sites of a phase that passed verification, with their change request and latest candidate run. */
async function candidateRuns(db: Db, rolloutId: string, index: number) {
  const jobs = await db
    .selectFrom('jobs')
    .leftJoin('change_requests', 'change_requests.job_id', 'jobs.id')
    .select([
      'jobs.id as jobId',
      'jobs.site as site',
      'change_requests.id as changeId',
      'change_requests.state as changeState',
    ])
    .where('jobs.rollout_id', '=', rolloutId)
    .where('jobs.phase_index', '=', index)
    .where('jobs.state', '=', 'passed')
    .execute();
  const latest = new Map<string, ShadowReportView>();
  if (jobs.length)
    for (const r of await listShadowReports(db, { jobIds: jobs.map((j) => j.jobId) }))
      if (r.kind === 'candidate' && !latest.has(r.jobId)) latest.set(r.jobId, r);
  return jobs.map((j) => ({ ...j, run: latest.get(j.jobId) }));
}

/** What a phase's shadow gate says: what it waits for, why it fails, and one line for people. */
export interface ShadowGate {
  /** `shadow: 1 of 2 site(s) passed, …` while it waits, else null. */
  wait: string | null;
  /** Why it failed (halts the rollout), naming the site and the tag, else null. */
  fail: string | null;
  /** The gate's state for people (progress view), or null without a gate. */
  line: string | null;
  /** Sites whose shadow runs after approval and that wait for it. */
  awaitingApproval: number;
}

const NO_GATE: ShadowGate = { wait: null, fail: null, line: null, awaitingApproval: 0 };

/**
 * The shadow gate of phase `index` (issue #21 point 2): every site that passed
 * verification needs a candidate shadow run (its latest report) that judged `minDuration`
 * with at most `maxDivergences` diverging samples. Holds while runs are missing or
 * running, and on a run that is inconclusive (its unconfirmed disagreements could take it
 * over the limit, ADR 0159: the line names the site and `retry`); fails at the first run
 * that diverged beyond the limit, could not run, or judged too little of its time (a run cut
 * short proves nothing: fail closed). With `when: after-approval` a site's run starts
 * with its deploy order, so unapproved sites wait for approval first.
 */
export async function judgeShadowGate(
  db: Db,
  rolloutId: string,
  index: number,
  phase: Phase,
  now = Date.now(),
): Promise<ShadowGate> {
  const g = phase.shadow;
  if (!g) return NO_GATE;
  const jobs = await candidateRuns(db, rolloutId, index);
  if (jobs.length === 0) return NO_GATE;
  let passed = 0;
  let missing = 0;
  let awaitingApproval = 0;
  const running: number[] = [];
  const failed: string[] = [];
  const unsure: string[] = [];
  for (const j of jobs) {
    const s = judgeShadowRun(g, j.run, now);
    if (s.kind === 'passed') passed++;
    else if (s.kind === 'running') running.push(s.seconds);
    else if (s.kind === 'inconclusive')
      unsure.push(`${j.site} (${s.disagreed} disagreement(s) not confirmed)`);
    else if (s.kind === 'failed') failed.push(`${j.site}: ${s.why}`);
    else if (g.when === 'after-approval' && j.changeState !== 'approved') awaitingApproval++;
    else missing++;
  }
  const need = `${g.minDuration / 1000} s`;
  const line =
    `shadow: ${passed} of ${jobs.length} site(s) passed` +
    (running.length ? `, ${running.length} running (${Math.min(...running)} of ${need})` : '') +
    (missing ? `, ${missing} not reported` : '') +
    (awaitingApproval ? `, ${awaitingApproval} wait for approval first` : '') +
    (failed.length ? `, ${failed.length} failed` : '') +
    (unsure.length
      ? `, ${unsure.length} inconclusive: ${unsure.join(', ')}; \`plcfleet rollouts retry ${rolloutId}\` runs them again`
      : '') +
    `; at most ${g.maxDivergences} divergence(s)`;
  return {
    wait: passed < jobs.length ? line : null,
    fail: failed.length ? `shadow at ${failed.join('; ')}` : null,
    line,
    awaitingApproval,
  };
}

/**
 * Jobs of `phases` whose candidate's latest shadow run failed the phase's gate (diverged,
 * or could not run) or was inconclusive (ADR 0159): `retry` runs them again — a new job, a
 * new verdict, a new run — as it does for failed verdicts. With the job's change request
 * when it is still open.
 */
export async function shadowFailedJobs(
  db: Db,
  rolloutId: string,
  plan: { phases: readonly Phase[] },
  phases: readonly number[],
): Promise<{ jobId: string; site: string; phaseIndex: number; openChange: string | null }[]> {
  const out: { jobId: string; site: string; phaseIndex: number; openChange: string | null }[] = [];
  for (const index of phases) {
    const g = plan.phases[index]?.shadow;
    if (!g) continue;
    for (const j of await candidateRuns(db, rolloutId, index))
      if (['failed', 'inconclusive'].includes(judgeShadowRun(g, j.run).kind))
        out.push({
          jobId: j.jobId,
          site: j.site,
          phaseIndex: index,
          openChange: j.changeState === 'open' ? j.changeId : null,
        });
  }
  return out;
}

/**
 * Sites of phase `index` whose shadow-gated work is held because no agent of the site runs
 * shadow runs (ADR 0050): its job waits to be offered (`before-approval`) or its deploy order
 * to be delivered (`after-approval`) while the agents that said hello do not name the
 * capability `shadow` — an older agent would ignore the requirement and deploy unshadowed.
 * One line per site, naming its agents and what they lack.
 */
export async function shadowHeldSites(
  db: Db,
  rolloutId: string,
  index: number,
  phase: Phase,
): Promise<string[]> {
  const g = phase.shadow;
  if (!g) return [];
  const waiting =
    g.when === 'before-approval'
      ? await db
          .selectFrom('jobs')
          .select('jobs.site as site')
          .where('jobs.rollout_id', '=', rolloutId)
          .where('jobs.phase_index', '=', index)
          .where('jobs.state', '=', 'ready')
          .execute()
      : await db
          .selectFrom('deploys')
          .innerJoin('jobs', 'jobs.id', 'deploys.job_id')
          .select('jobs.site as site')
          .where('jobs.rollout_id', '=', rolloutId)
          .where('jobs.phase_index', '=', index)
          .where('deploys.state', '=', 'ordered')
          .execute();
  const held: string[] = [];
  for (const site of [...new Set(waiting.map((w) => w.site))].sort()) {
    const agents = (await listAgents(db, site)).filter((a) => !a.revoked && a.agentVersion !== null);
    if (agents.length === 0 || agents.some((a) => a.capabilities.includes(CAPABILITIES.shadowRuns))) continue;
    const who = agents.map((a) => `agent ${a.id} (${a.agentVersion})`).join(', ');
    held.push(
      `${site}: ${who} does not declare capability ${CAPABILITIES.shadowRuns}; its ${g.when === 'before-approval' ? 'job' : 'deploy order'} is held until an agent that runs shadow runs connects (upgrade it)`,
    );
  }
  return held;
}
