import type { Phase } from '@plcfleet/protocols';
import { appendAudit } from '../audit/audit.repository';
import { type Context, type PendingEvents, publishAll } from '../context';
import { supersedeDeploys } from '../deploys/deploy.service';
import { driftedSites } from '../drift/site-drift.repository';
import { fail } from '../errors';
import {
  expiredJobs,
  insertJobs,
  type JobState,
  listJobs,
  moveJobs,
  phaseFigures,
  releaseQueued,
  setJobState,
  sitesInRollout,
} from '../jobs/job.repository';
import { decideChangeRequest } from '../reviews/change-request.repository';
import { inMaintenanceWindow } from '../sites/maintenance-window';
import { listSites } from '../sites/site.repository';
import { type Db, transaction } from '../store/database';
import { nowIso } from '../util';
import { describeFigures, type PhaseFigures, startsAllowed } from './gates';
import { judgePhase } from './phase-judgement';
import { deployWaits, describeOutcomes, phaseOutcomes, waitsForDeploys } from './phase-outcomes';
import {
  claimDriver,
  getRollout,
  insertDecision,
  lockRollout,
  type RolloutRecord,
  releaseDrivers,
  updateRollout,
} from './rollout.repository';
import { shadowFailedJobs, shadowHeldSites } from './shadow-gate';
import { selectPhaseSites } from './site-selector';

/** Commands people and automation give a rollout. */
export const ROLLOUT_COMMANDS = ['start', 'pause', 'resume', 'promote', 'abort', 'retry', 'close'] as const;
export type RolloutCommand = (typeof ROLLOUT_COMMANDS)[number];

/** The rollout states each command is accepted in. */
const COMMAND_STATES: Record<RolloutCommand, readonly RolloutRecord['state'][]> = {
  start: ['pending'],
  pause: ['running'],
  resume: ['paused'],
  promote: ['running', 'paused'],
  abort: ['pending', 'running', 'paused', 'halted'],
  retry: ['running', 'paused', 'halted'],
  // A person ends a rollout whose sites will not all run the change; a halted one is aborted instead.
  close: ['running', 'paused'],
};

/**
 * Why `command` is refused for a rollout in `state` (`CONFLICT`), or null when the state
 * accepts it. The engine's commands and the allowed actions a page is told both ask this.
 */
export function commandRefusal(command: RolloutCommand, state: RolloutRecord['state']): string | null {
  if (COMMAND_STATES[command].includes(state)) return null;
  return (
    `cannot ${command} a rollout that is ${state}` +
    (state === 'halted' && (command === 'resume' || command === 'promote')
      ? ' (a halted rollout goes on only through retry of the failed sites, or is aborted)'
      : '')
  );
}

/** Why a phase may not be promoted by a person (`SAFETY_REJECTED`), or null: nothing overrides safety. */
export function promoteRefusal(phase: Phase, figures: PhaseFigures): string | null {
  return figures.safety > phase.gates.maxSafetyFailures
    ? 'the phase has safety failures over its limit; nothing overrides that'
    : null;
}

/**
 * Why resuming a paused rollout would not carry it on (`CONFLICT`), or null: a
 * finished phase short of its `minSample` is inconclusive and pauses again on
 * the next tick, and only promote carries it on. The engine's resume and the
 * allowed actions a page is told both ask this.
 */
export function resumeRefusal(
  rolloutId: string,
  phaseIndex: number,
  phase: Phase,
  figures: PhaseFigures,
): string | null {
  const f = figures;
  if (f.total === 0 || f.done < f.total || f.done >= phase.gates.minSample) return null;
  return `phase ${phaseIndex + 1} (${phase.name}) is finished with ${f.done} result(s) and its gate needs ${phase.gates.minSample}: resuming would pause it again at once; to go on, promote it: plcfleet rollouts promote ${rolloutId}`;
}

const ENGINE = 'engine';

/**
 * The rollout engine. Every state lives in the store: a tick reads a rollout,
 * decides, and writes the decision in one transaction with its audit entry, so
 * a restarted server (or another replica) carries on where this one stopped.
 * A replica drives a rollout only while it holds the rollout's driver lease
 * (`rollouts.driver_id/driver_until`); commands and verdicts may arrive at any
 * replica and lock the rollout row, so they serialize with the driver.
 */
export class RolloutEngine {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private wanted = false;
  private stopped = false;
  private nudgeTimer: NodeJS.Timeout | null = null;

  constructor(private readonly ctx: Context) {}

  /** Starts the periodic tick. */
  start(): void {
    this.stopped = false;
    const loop = () => {
      if (this.stopped) return;
      this.timer = setTimeout(() => {
        void this.tick().finally(loop);
      }, this.ctx.config.engineTickMs);
    };
    loop();
  }

  /** Asks for a tick soon (after a verdict or a command). */
  nudge(): void {
    if (this.stopped || this.nudgeTimer) return;
    // Coalesce bursts (a verdict storm) into one tick every few milliseconds.
    this.nudgeTimer = setTimeout(
      () => {
        this.nudgeTimer = null;
        void this.tick();
      },
      Math.min(50, this.ctx.config.engineTickMs),
    );
  }

  /** Stops ticking, waits for a tick in progress, and gives up this replica's driver leases. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    if (this.nudgeTimer) clearTimeout(this.nudgeTimer);
    this.nudgeTimer = null;
    this.timer = null;
    await this.running?.catch(() => {});
    await releaseDrivers(this.ctx.db, this.ctx.config.replicaId).catch(() => {});
  }

  /** One pass over the rollouts this replica may drive. */
  tick(): Promise<void> {
    if (this.running) {
      this.wanted = true;
      return this.running;
    }
    this.wanted = false;
    this.running = this.tickOnce()
      .catch((err) => this.ctx.log.error({ err }, 'rollout engine tick failed'))
      .finally(() => {
        this.running = null;
        if (this.wanted && !this.stopped) setImmediate(() => void this.tick());
      });
    return this.running;
  }

  private async tickOnce(): Promise<void> {
    const { db, config } = this.ctx;
    const rows = await db
      .selectFrom('rollouts')
      .select('id')
      .where((eb) =>
        eb.or([
          eb('state', 'in', ['running', 'paused', 'halted']),
          eb.and([
            eb('state', '=', 'aborted'),
            eb.exists(
              eb
                .selectFrom('jobs')
                .select('jobs.id')
                .whereRef('jobs.rollout_id', '=', 'rollouts.id')
                .where('jobs.state', 'in', ['offered', 'running']),
            ),
          ]),
        ]),
      )
      .execute();
    for (const { id } of rows) {
      if (this.stopped) return;
      if (!(await claimDriver(db, id, config.replicaId, config.driverLeaseMs))) continue;
      await this.step(id);
    }
  }

  /** Evaluates one rollout now, in its own transaction. */
  async step(rolloutId: string): Promise<void> {
    const events: PendingEvents = [];
    await transaction(this.ctx.db, (trx) => this.stepIn(trx, rolloutId, events));
    publishAll(this.ctx, events);
  }

  /**
   * Evaluates one rollout inside `trx`: expires lapsed leases, judges the
   * current phase's gates, applies the decision and releases queued jobs into
   * free slots. Used by the tick and, for failures, inside the verdict's own
   * transaction, so a safety failure halts the rollout in the same commit.
   */
  async stepIn(trx: Db, rolloutId: string, events: PendingEvents): Promise<void> {
    const r = await lockRollout(trx, rolloutId);
    if (!r || r.state === 'pending' || r.state === 'completed') return;
    await this.expireLeases(trx, r, events);
    if (r.state !== 'running') return;
    const phase = r.plan.phases[r.phaseIndex];
    if (!phase) return;
    const {
      figures,
      decision,
      stageWait,
      shadow: shadowGate,
    } = await judgePhase(trx, r, r.phaseIndex, Date.now(), {
      outcomes: false,
    });
    const summary = describeFigures(r.phaseIndex, phase.name, figures);
    const record = async (decisionName: string, text: string) => {
      const d = await insertDecision(trx, {
        rolloutId: r.id,
        phaseIndex: r.phaseIndex,
        decision: decisionName,
        summary: text,
        figures: { ...figures },
      });
      await appendAudit(trx, {
        actor: ENGINE,
        action: `rollout.${decisionName}`,
        subjectType: 'rollout',
        subjectId: r.id,
        details: { summary: text, figures: { ...figures } },
      });
      events.push({
        type: 'rollout.decision',
        rolloutId: r.id,
        data: { decision: decisionName, summary: d.summary },
      });
    };
    switch (decision.kind) {
      case 'halt': {
        const text = `${summary} → halted: ${decision.why}`;
        await updateRollout(trx, r.id, { state: 'halted', stateReason: text });
        await moveJobs(trx, r.id, ['ready'], 'queued');
        await record('halted', text);
        events.push({ type: 'rollout.updated', rolloutId: r.id, data: { state: 'halted' } });
        return;
      }
      case 'pause': {
        const text = `${summary} → paused: ${decision.why}`;
        await updateRollout(trx, r.id, { state: 'paused', stateReason: text });
        await moveJobs(trx, r.id, ['ready'], 'queued');
        await record('paused', text);
        events.push({ type: 'rollout.updated', rolloutId: r.id, data: { state: 'paused' } });
        return;
      }
      case 'soak':
        if (r.phaseState !== 'soaking') {
          await updateRollout(trx, r.id, { phaseState: 'soaking' });
          await record('soaking', `${summary} → soaking until ${new Date(decision.until).toISOString()}`);
        }
        return;
      case 'await-approval':
        if (r.phaseState !== 'awaiting-approval') {
          await updateRollout(trx, r.id, { phaseState: 'awaiting-approval' });
          await record('awaiting-approval', `${summary} → gates passed, waiting for a person to promote`);
        }
        return;
      case 'promote': {
        const shadow = stageWait ?? shadowGate.wait;
        if (shadow) {
          // Sites whose shadow work waits for an agent that runs shadow runs (ADR 0050): say whom.
          const held = stageWait ? [] : await shadowHeldSites(trx, r.id, r.phaseIndex, phase);
          const text = `${summary} → waiting for ${shadow}${held.length ? `; held: ${held.join('; ')}` : ''}`;
          if (r.stateReason !== text) {
            await updateRollout(trx, r.id, { stateReason: text });
            await record(stageWait ? 'awaiting-stage-reports' : 'awaiting-shadow', text);
          }
          return;
        }
        const waits = await this.deploysOutstanding(trx, r);
        if (waits) {
          // The gates passed but the change does not run everywhere yet: say what the phase waits for, once per change.
          const text = `${summary} → waiting for deploys: ${waits}`;
          if (r.stateReason !== text) {
            await updateRollout(trx, r.id, { phaseState: 'done', stateReason: text });
            await record('awaiting-deploy', text);
          }
          return;
        }
        await this.advance(trx, r, `${summary} → promoted`, ENGINE, events, { ...figures });
        return;
      }
      case 'continue':
        await this.release(trx, r, phase, figures, events);
        return;
    }
  }

  /**
   * What keeps the current phase from promoting (or the rollout from completing) on the
   * deploy side, as one line, or null: a phase with `requireDeployed` waits for its own
   * sites; the last phase of a rollout `until: watched` for every site of every phase.
   */
  private async deploysOutstanding(trx: Db, r: RolloutRecord): Promise<string | null> {
    const phase = r.plan.phases[r.phaseIndex]!;
    const last = r.phaseIndex === r.plan.phases.length - 1;
    if (!waitsForDeploys(phase, last, r.plan.until)) return null;
    const phases = last && r.plan.until !== 'verified' ? r.plan.phases.map((_, i) => i) : [r.phaseIndex];
    const parts: string[] = [];
    for (const i of phases) {
      const o = await phaseOutcomes(trx, r.id, i, r.plan.phases[i]!);
      if (o.settled) continue;
      parts.push(`phase ${i + 1} ${describeOutcomes(o.counts)} (${deployWaits(o).join(', ')})`);
    }
    return parts.length ? parts.join('; ') : null;
  }

  /** Expires lapsed leases and timed-out jobs: re-queued while attempts remain, else failed. */
  private async expireLeases(trx: Db, r: RolloutRecord, events: PendingEvents): Promise<void> {
    const expired = await expiredJobs(trx, r.id, r.plan.jobTimeout);
    const maxAttempts = r.plan.retries + 1;
    for (const job of expired) {
      const timedOut = job.startedAt !== null && Date.parse(job.startedAt) + r.plan.jobTimeout <= Date.now();
      const why = timedOut
        ? `job timeout of ${r.plan.jobTimeout} ms`
        : `lease of agent ${job.agentId} expired`;
      let to: JobState;
      let reason: string;
      if (r.state === 'aborted') {
        to = 'cancelled';
        reason = `${why}; rollout aborted`;
      } else if (job.attempt < maxAttempts) {
        to = 'queued';
        reason = `${why}; attempt ${job.attempt + 1} of ${maxAttempts} follows`;
      } else {
        to = 'failed';
        reason = `${why} after ${job.attempt} attempt(s)`;
      }
      const changed = await setJobState(trx, job.id, ['offered', 'running'], {
        state: to,
        reason,
        ...(to === 'queued' ? { attempt: job.attempt + 1, clearAgent: true } : {}),
      });
      if (!changed) continue;
      await appendAudit(trx, {
        actor: ENGINE,
        action: to === 'queued' ? 'job.requeued' : `job.${to}`,
        subjectType: 'job',
        subjectId: job.id,
        details: { rolloutId: r.id, site: job.site, attempt: job.attempt, reason },
      });
      events.push({
        type: 'job.updated',
        rolloutId: r.id,
        jobId: job.id,
        site: job.site,
        data: { state: to, reason },
      });
      if (job.agentId)
        events.push({
          type: 'job.cancel',
          jobId: job.id,
          site: job.site,
          data: { agentId: job.agentId, reason },
        });
    }
  }

  /** Moves queued jobs into free slots of the phase (inside maintenance windows when the phase asks). */
  private async release(
    trx: Db,
    r: RolloutRecord,
    phase: Phase,
    figures: PhaseFigures,
    events: PendingEvents,
  ): Promise<void> {
    const ready = await trx
      .selectFrom('jobs')
      .select((eb) => eb.fn.countAll().as('n'))
      .where('rollout_id', '=', r.id)
      .where('state', '=', 'ready')
      .executeTakeFirstOrThrow();
    let slots = phase.concurrency - figures.inFlight - Number(ready.n);
    if (phase.startRate) {
      // Started in the last minute: offered since then, or released and waiting to be offered.
      const since = new Date(Date.now() - 60_000).toISOString();
      const started = await trx
        .selectFrom('jobs')
        .select((eb) => eb.fn.countAll().as('n'))
        .where('rollout_id', '=', r.id)
        .where('phase_index', '=', r.phaseIndex)
        .where((eb) => eb.or([eb('state', '=', 'ready'), eb('offered_at', '>=', since)]))
        .executeTakeFirstOrThrow();
      slots = Math.min(slots, startsAllowed(phase, figures.passed, Number(started.n)));
    }
    if (slots <= 0) return;
    let allowed: ((site: string) => boolean) | undefined;
    if (phase.respectMaintenanceWindows) {
      const sites = new Map((await listSites(trx)).sites.map((s) => [s.name, s]));
      allowed = (name) => {
        const s = sites.get(name);
        return !!s && inMaintenanceWindow(s.maintenanceWindows, s.timeZone);
      };
    }
    const released = await releaseQueued(trx, r.id, r.phaseIndex, slots, allowed);
    if (r.phaseState !== 'dispatching') await updateRollout(trx, r.id, { phaseState: 'dispatching' });
    if (released > 0) events.push({ type: 'work.available', rolloutId: r.id, data: { released } });
  }

  /** Promotes to the next phase, or completes the rollout after the last. */
  private async advance(
    trx: Db,
    r: RolloutRecord,
    text: string,
    actor: string,
    events: PendingEvents,
    figures: Record<string, unknown> = {},
  ): Promise<void> {
    const next = r.phaseIndex + 1;
    const last = next >= r.plan.phases.length;
    const summary = last ? text.replace(/promoted$/, 'completed') : text;
    await insertDecision(trx, {
      rolloutId: r.id,
      phaseIndex: r.phaseIndex,
      decision: last ? 'completed' : 'promoted',
      summary,
      figures,
    });
    await appendAudit(trx, {
      actor,
      action: last ? 'rollout.completed' : 'rollout.promoted',
      subjectType: 'rollout',
      subjectId: r.id,
      details: { summary, fromPhase: r.phaseIndex },
    });
    if (last) {
      await updateRollout(trx, r.id, { state: 'completed', phaseState: 'done', stateReason: summary });
      events.push({ type: 'rollout.updated', rolloutId: r.id, data: { state: 'completed' } });
    } else {
      await this.startPhase(trx, r, next, events);
      events.push({ type: 'rollout.updated', rolloutId: r.id, data: { state: 'running', phaseIndex: next } });
    }
    events.push({
      type: 'rollout.decision',
      rolloutId: r.id,
      data: { decision: last ? 'completed' : 'promoted', summary },
    });
  }

  /** Selects the sites of a phase from those not yet in the rollout and queues their jobs. */
  private async startPhase(trx: Db, r: RolloutRecord, index: number, events: PendingEvents): Promise<void> {
    const phase = r.plan.phases[index]!;
    const taken = await sitesInRollout(trx, r.id);
    const remaining = (await listSites(trx)).sites.filter((s) => !taken.has(s.name));
    // A drifted site is skipped with reason `drift` unless the plan allows drift (ADR 0027).
    const drifted = await driftedSites(
      trx,
      remaining.map((s) => s.name),
    );
    const { sites, skipped } = selectPhaseSites(
      phase.select,
      remaining.map((s) => ({ ...s, drifted: drifted.has(s.name) })),
      { allowDrift: r.plan.allowDrift },
    );
    await insertJobs(trx, r.id, index, sites, 1, skipped);
    await updateRollout(trx, r.id, {
      state: 'running',
      phaseIndex: index,
      phaseState: 'dispatching',
      phaseStartedAt: nowIso(),
    });
    const text = `phase ${index + 1} (${phase.name}): ${sites.length} site(s) selected${skipped.length ? `, ${skipped.length} skipped (drift)` : ''}`;
    await insertDecision(trx, {
      rolloutId: r.id,
      phaseIndex: index,
      decision: 'phase-started',
      summary: text,
      figures: { sites: sites.length, ...(skipped.length ? { skippedDrift: skipped.length } : {}) },
    });
    await appendAudit(trx, {
      actor: ENGINE,
      action: 'rollout.phase-started',
      subjectType: 'rollout',
      subjectId: r.id,
      details: { phase: index, name: phase.name, sites, ...(skipped.length ? { skipped } : {}) },
    });
    events.push({
      type: 'rollout.decision',
      rolloutId: r.id,
      data: { decision: 'phase-started', summary: text },
    });
  }

  /**
   * Applies a command of a person. Throws `CONFLICT` when the rollout's state
   * does not allow it and `NOT_FOUND` when there is no such rollout.
   */
  async command(
    rolloutId: string,
    command: RolloutCommand,
    actor: string,
    reason = '',
    options: { phase?: number } = {},
  ): Promise<RolloutRecord> {
    const events: PendingEvents = [];
    await transaction(this.ctx.db, async (trx) => {
      const r = await lockRollout(trx, rolloutId);
      if (!r) fail('NOT_FOUND', `no rollout ${rolloutId}`);
      if (command === 'resume' && r.state === 'running' && r.phaseState === 'awaiting-approval')
        fail(
          'CONFLICT',
          `rollout ${r.id} is running; phase ${r.phaseIndex + 1} waits for a person to promote it: plcfleet rollouts promote ${r.id}`,
          { state: r.state },
        );
      const refusal = commandRefusal(command, r.state);
      if (refusal) fail('CONFLICT', refusal, { state: r.state });
      const audit = (action: string, details: Record<string, unknown> = {}) =>
        appendAudit(trx, {
          actor,
          action,
          subjectType: 'rollout',
          subjectId: r.id,
          details: { reason, ...details },
        });
      const decide = (decision: string, summary: string) =>
        insertDecision(trx, {
          rolloutId: r.id,
          phaseIndex: r.phaseIndex,
          decision,
          summary,
          figures: { by: actor },
        });
      switch (command) {
        case 'start':
          await updateRollout(trx, r.id, { startedBy: actor });
          await audit('rollout.started');
          await decide('started', `started by ${actor}`);
          await this.startPhase(trx, r, 0, events);
          break;
        case 'pause':
          await updateRollout(trx, r.id, { state: 'paused', stateReason: `paused by ${actor}: ${reason}` });
          await moveJobs(trx, r.id, ['ready'], 'queued');
          await audit('rollout.paused');
          await decide('paused', `paused by ${actor}: ${reason}`);
          break;
        case 'resume': {
          // A finished phase short of its sample pauses again on the next tick: say what goes on from there.
          const phase = r.plan.phases[r.phaseIndex];
          const held = phase
            ? resumeRefusal(r.id, r.phaseIndex, phase, await phaseFigures(trx, r.id, r.phaseIndex))
            : null;
          if (held) fail('CONFLICT', held, { state: r.state });
          await updateRollout(trx, r.id, { state: 'running', stateReason: '' });
          await audit('rollout.resumed');
          await decide('resumed', `resumed by ${actor}`);
          break;
        }
        case 'promote': {
          const figures = await phaseFigures(trx, r.id, r.phaseIndex);
          const phase = r.plan.phases[r.phaseIndex]!;
          const unsafe = promoteRefusal(phase, figures);
          if (unsafe) fail('SAFETY_REJECTED', unsafe);
          if (r.phaseIndex === r.plan.phases.length - 1) {
            const waits = await this.deploysOutstanding(trx, r);
            if (waits)
              fail(
                'CONFLICT',
                `phase ${r.phaseIndex + 1} (${phase.name}) is the last: the rollout completes when every site is deployed and watched; waiting for ${waits}. To end it now: plcfleet rollouts close ${r.id} --reason TEXT`,
                { state: r.state },
              );
          }
          const text = `${describeFigures(r.phaseIndex, phase.name, figures)} → promoted by ${actor}`;
          await this.advance(trx, { ...r, state: 'running' }, text, actor, events, { ...figures });
          break;
        }
        case 'abort': {
          const cancelled = await moveJobs(
            trx,
            r.id,
            ['queued', 'ready', 'offered'],
            'cancelled',
            `rollout aborted: ${reason}`,
          );
          await updateRollout(trx, r.id, { state: 'aborted', stateReason: `aborted by ${actor}: ${reason}` });
          await audit('rollout.aborted', { cancelledJobs: cancelled.length });
          await decide(
            'aborted',
            `aborted by ${actor}: ${reason}; ${cancelled.length} job(s) not started were cancelled`,
          );
          for (const jobId of cancelled)
            events.push({ type: 'job.cancel', jobId, data: { reason: 'rollout aborted' } });
          break;
        }
        case 'close': {
          const cancelled = await moveJobs(
            trx,
            r.id,
            ['queued', 'ready', 'offered'],
            'cancelled',
            `rollout closed: ${reason}`,
          );
          const lines: string[] = [];
          for (const [i, p] of r.plan.phases.entries())
            if (i <= r.phaseIndex)
              lines.push(`phase ${i + 1} ${describeOutcomes((await phaseOutcomes(trx, r.id, i, p)).counts)}`);
          const text = `closed by ${actor}: ${reason}; ${lines.join('; ')}`;
          await updateRollout(trx, r.id, { state: 'completed', phaseState: 'done', stateReason: text });
          await audit('rollout.closed', { cancelledJobs: cancelled.length });
          await decide('closed', text);
          for (const jobId of cancelled)
            events.push({ type: 'job.cancel', jobId, data: { reason: 'rollout closed' } });
          break;
        }
        case 'retry': {
          // `phase` (0-based here) retries the failed sites of that phase only (hawkBit's per-group retry).
          const only = options.phase;
          if (only !== undefined && (only < 0 || only > r.phaseIndex))
            fail(
              'VALIDATION',
              `phase ${only + 1} has not started: phases 1..${r.phaseIndex + 1} have sites to retry`,
            );
          const failed = await listJobs(trx, { rolloutId: r.id, states: ['failed', 'error'] });
          const again = failed.filter((j) =>
            only === undefined ? j.phaseIndex <= r.phaseIndex : j.phaseIndex === only,
          );
          for (const j of again) {
            await setJobState(trx, j.id, ['failed', 'error'], { state: 'retried' });
            await insertJobs(trx, r.id, j.phaseIndex, [j.site]);
          }
          // A candidate whose shadow run failed the phase's gate runs again too (its open change is withdrawn).
          const phases =
            only === undefined ? r.plan.phases.map((_, i) => i).filter((i) => i <= r.phaseIndex) : [only];
          const shadowed = await shadowFailedJobs(trx, r.id, r.plan, phases);
          for (const j of shadowed) {
            await setJobState(trx, j.jobId, ['passed'], { state: 'retried' });
            if (j.openChange) {
              const why = `withdrawn by ${actor}'s retry: the candidate's shadow run did not pass`;
              await decideChangeRequest(trx, j.openChange, 'rejected', why);
              await appendAudit(trx, {
                actor,
                action: 'change-request.withdrawn',
                subjectType: 'change-request',
                subjectId: j.openChange,
                details: { reason: why, site: j.site },
              });
            }
            await insertJobs(trx, r.id, j.phaseIndex, [j.site]);
          }
          const sites = [...again, ...shadowed].map((j) => j.site);
          // An order of an earlier job of these sites still on its way is void now (ADR 0105):
          // cancelled, and a delivered one called back, so the agent never runs two.
          const superseded = await supersedeDeploys(this.ctx, trx, actor, r.id, sites, events);
          await updateRollout(trx, r.id, { state: 'running', stateReason: '' });
          await audit('rollout.retried', {
            sites,
            ...(only !== undefined ? { phase: only } : {}),
            ...(superseded.length ? { supersededDeploys: superseded.map((d) => d.deployId) } : {}),
          });
          await decide(
            'retried',
            `retry of ${sites.length} failed site(s)${shadowed.length ? ` (${shadowed.length} by their shadow run)` : ''}${only !== undefined ? ` of phase ${only + 1}` : ''} by ${actor}${superseded.length ? `; superseded deploy order(s): ${superseded.map((d) => `${d.deployId} (${d.site})`).join(', ')}` : ''}`,
          );
          break;
        }
      }
      events.push({ type: 'rollout.updated', rolloutId: r.id, data: { command } });
    });
    publishAll(this.ctx, events);
    this.nudge();
    return (await getRollout(this.ctx.db, rolloutId))!;
  }
}
