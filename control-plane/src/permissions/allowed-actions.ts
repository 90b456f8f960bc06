import type {
  ActionAllowance,
  ChangeRequestAllowedActions,
  GateDecisionView,
  PhaseProgressView,
  RolloutAllowedActions,
} from '@plcfleet/protocols';
import type { Principal } from '../auth/roles';
import { ControlPlaneError, fail } from '../errors';
import type { RouteSpec } from '../http/route';
import { getJob } from '../jobs/job.repository';
import { getChangeRequest } from '../reviews/change-request.repository';
import {
  assertMayDecide,
  assertMayReject,
  involvementIn,
  shadowApprovalRefusal,
} from '../reviews/review.service';
import type { PhaseDecision } from '../rollouts/gates';
import { judgePhase } from '../rollouts/phase-judgement';
import { getRollout } from '../rollouts/rollout.repository';
import {
  commandRefusal,
  promoteRefusal,
  ROLLOUT_COMMANDS,
  type RolloutCommand,
  resumeRefusal,
} from '../rollouts/rollout-engine';
import type { Db } from '../store/database';

/*
 * What the signed-in user may do, answered by the checks the actions' routes run
 * themselves: the route's roles (read from the route table, not copied), then the
 * rule the route's service applies (four-eyes, reject, command states, safety
 * before promote). A page draws its controls from this and never restates a rule.
 */

const ALLOWED: ActionAllowance = { allowed: true, offered: true, reason: '' };

/** A refusal with the code and message the action's route would answer. */
function refused(code: string, reason: string, offered = true): ActionAllowance {
  return { allowed: false, offered, code, reason };
}

/** Runs a rule that throws on refusal; its `ControlPlaneError` becomes the answer. */
function ask(rule: () => void): ActionAllowance {
  try {
    rule();
    return ALLOWED;
  } catch (err) {
    if (err instanceof ControlPlaneError) return refused(err.code, err.message);
    throw err;
  }
}

/** The role check of the route `method path` in `routes`, as `mountRoutes` applies it. */
function roleAllowance(
  routes: readonly RouteSpec[],
  method: RouteSpec['method'],
  path: string,
  who: Principal,
): ActionAllowance {
  const route = routes.find((r) => r.method === method && r.path === path);
  if (!route) throw new Error(`allowed actions: no route ${method} ${path}`);
  if (route.roles === 'public' || route.roles.includes(who.role)) return ALLOWED;
  return refused(
    'FORBIDDEN',
    `${method.toUpperCase()} ${path} needs role ${route.roles.join(' or ')}; you are ${who.role}`,
    false,
  );
}

/** The first refusal, or allowed. */
function both(first: ActionAllowance, then: () => ActionAllowance): ActionAllowance {
  return first.allowed ? then() : first;
}

/**
 * What `who` may do with change request `id`: approve (the approve route's roles, then
 * `assertMayDecide` with the same involvement the approve route passes) and reject
 * (the reject route's roles, then `assertMayReject`). `reviewRoutes` is the reviews router.
 */
export async function changeRequestActions(
  db: Db,
  who: Principal,
  id: string,
  reviewRoutes: readonly RouteSpec[],
): Promise<ChangeRequestAllowedActions> {
  const cr = (await getChangeRequest(db, id)) ?? fail('NOT_FOUND', `no change request ${id}`);
  const involved = await involvementIn(db, cr);
  // A `before-approval` shadow gate: the approve route refuses until the candidate's run passed.
  const job = await getJob(db, cr.jobId);
  const phase = job ? (await getRollout(db, cr.rolloutId))?.plan.phases[job.phaseIndex] : undefined;
  const notYet = await shadowApprovalRefusal(db, cr, phase);
  return {
    changeRequestId: cr.id,
    actions: {
      approve: both(roleAllowance(reviewRoutes, 'post', '/v1/change-requests/:id/approve', who), () =>
        both(
          ask(() => assertMayDecide(cr, who, involved)),
          () => (notYet ? refused('CONFLICT', notYet) : ALLOWED),
        ),
      ),
      reject: both(roleAllowance(reviewRoutes, 'post', '/v1/change-requests/:id/reject', who), () =>
        ask(() => assertMayReject(cr, who)),
      ),
    },
  };
}

/** A gate decision as the API shows it. */
function decisionView(d: PhaseDecision): GateDecisionView {
  if (d.kind === 'halt' || d.kind === 'pause') return { kind: d.kind, why: d.why };
  if (d.kind === 'soak') return { kind: d.kind, until: new Date(d.until).toISOString() };
  return { kind: d.kind };
}

/**
 * What `who` may do with rollout `id` (each command: the command route's roles, then
 * `commandRefusal`, and for promote `promoteRefusal`; those in `needsReason`, the
 * route's list, say so; rollback: its route's roles),
 * and each phase's figures as the engine counts them (`phaseFigures`), the current
 * phase with what `evaluateGates` says of them now. `rolloutRoutes` is the rollouts router.
 */
export async function rolloutActions(
  db: Db,
  who: Principal,
  id: string,
  rolloutRoutes: readonly RouteSpec[],
  needsReason: readonly RolloutCommand[],
  now = Date.now(),
): Promise<RolloutAllowedActions> {
  const r = (await getRollout(db, id)) ?? fail('NOT_FOUND', `no rollout ${id}`);
  const phases: PhaseProgressView[] = [];
  for (const [index, phase] of r.plan.phases.entries()) {
    const { figures, decision } = await judgePhase(db, r, index, now);
    const { lastFinishedAt: _, ...counted } = figures;
    const view: PhaseProgressView = { index, name: phase.name, figures: counted };
    if (index === r.phaseIndex) view.decision = decisionView(decision);
    phases.push(view);
  }
  const current = phases[r.phaseIndex];
  const phase = r.plan.phases[r.phaseIndex];
  const command = (name: RolloutCommand): ActionAllowance => {
    const answer = both(roleAllowance(rolloutRoutes, 'post', `/v1/rollouts/:id/${name}`, who), () => {
      const refusal = commandRefusal(name, r.state);
      if (refusal) return refused('CONFLICT', refusal);
      const unsafe = name === 'promote' && phase && current ? promoteRefusal(phase, current.figures) : null;
      if (unsafe) return refused('SAFETY_REJECTED', unsafe);
      // The engine's resume refuses a finished phase short of its sample (it would pause again at once).
      const held =
        name === 'resume' && phase && current
          ? resumeRefusal(r.id, r.phaseIndex, phase, current.figures)
          : null;
      return held ? refused('CONFLICT', held) : ALLOWED;
    });
    return needsReason.includes(name) ? { ...answer, needsReason: true } : answer;
  };
  const commands = Object.fromEntries(ROLLOUT_COMMANDS.map((c) => [c, command(c)])) as Record<
    RolloutCommand,
    ActionAllowance
  >;
  return {
    rolloutId: r.id,
    actions: {
      ...commands,
      rollback: roleAllowance(rolloutRoutes, 'post', '/v1/rollouts/:id/rollback', who),
    },
    phases,
  };
}
