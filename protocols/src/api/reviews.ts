import { z } from 'zod';
import { Verdict } from '../verdict';
import { DeployOrder, RollbackOrder, ShadowRun, signed } from '../wire';
import { ApiTime } from './common';

/** A change waiting for (or past) review. */
export const ChangeRequestView = z.object({
  id: z.string(),
  jobId: z.string(),
  rolloutId: z.string(),
  site: z.string(),
  migrationId: z.string(),
  revision: z.number().int(),
  safetyClass: z.enum(['non-safety', 'safety-related']),
  state: z.enum(['open', 'approved', 'rejected']),
  /** The user who started the rollout. */
  requestedBy: z.string(),
  sha256Before: z.string().nullable(),
  sha256After: z.string().nullable(),
  diff: z.string(),
  evidenceHash: z.string().nullable(),
  /** The approval comment or the rejection reason. */
  reason: z.string(),
  createdAt: ApiTime,
  decidedAt: ApiTime.nullable(),
  /** The change branch and commit in the site's Git repository, from the job's verdict (absent when it names none). */
  change: Verdict.shape.change,
});
export type ChangeRequestView = z.infer<typeof ChangeRequestView>;

/** A person's decision on a change request. */
export const ApprovalView = z.object({
  id: z.string(),
  changeRequestId: z.string(),
  userId: z.string(),
  userName: z.string(),
  role: z.string(),
  decision: z.enum(['approve', 'reject']),
  comment: z.string(),
  at: ApiTime,
});
export type ApprovalView = z.infer<typeof ApprovalView>;

/** `GET /v1/change-requests`. */
export const ChangeRequestList = z.object({ changeRequests: z.array(ChangeRequestView) });

/** A shadow run an agent reported (`shadow.report`), as stored: its latest report. */
export const ShadowReportView = ShadowRun.extend({
  agentId: z.string(),
  /** When the latest report of the run arrived. */
  receivedAt: ApiTime,
});
export type ShadowReportView = z.infer<typeof ShadowReportView>;

/** `GET /v1/rollouts/:id/shadow-reports`. */
export const ShadowReportList = z.object({ shadowReports: z.array(ShadowReportView) });

/** `GET /v1/change-requests/:id`. */
export const ChangeRequestDetail = z.object({
  changeRequest: ChangeRequestView,
  approvals: z.array(ApprovalView),
  /** The shadow runs of the change's candidate and of its deploy's watch: evidence beside the verdict. */
  shadowReports: z.array(ShadowReportView).default([]),
});

/** `POST /v1/change-requests/:id/approve`. */
export const ApproveRequest = z.strictObject({ comment: z.string().max(2000).default('') });
/** `POST /v1/change-requests/:id/reject`. */
export const RejectRequest = z.strictObject({ reason: z.string().min(1).max(2000) });

/** A deploy: its signed order and what the agent reported. */
export const DeployView = z.object({
  id: z.string(),
  changeRequestId: z.string(),
  jobId: z.string(),
  rolloutId: z.string(),
  site: z.string(),
  state: z.enum(['ordered', 'delivered', 'deployed', 'refused', 'failed', 'rolled-back', 'cancelled']),
  order: signed(DeployOrder),
  notBefore: ApiTime,
  notAfter: ApiTime,
  deliveredAt: ApiTime.nullable(),
  reason: z.string(),
  sha256Running: z.string().nullable(),
  createdAt: ApiTime,
  updatedAt: ApiTime,
});
export type DeployView = z.infer<typeof DeployView>;

/** `POST /v1/change-requests/:id/approve` response. */
export const ApproveResponse = z.object({
  changeRequest: ChangeRequestView,
  approval: ApprovalView,
  deploy: DeployView,
});
/** `POST /v1/change-requests/:id/reject` response. */
export const RejectResponse = z.object({ changeRequest: ChangeRequestView, approval: ApprovalView });

/** `GET /v1/deploys`. */
export const DeployList = z.object({ deploys: z.array(DeployView) });

/** A rollback order and its state. */
export const RollbackView = z.object({
  id: z.string(),
  site: z.string(),
  deployId: z.string().nullable(),
  rolloutId: z.string().nullable(),
  /** `expired`: not carried out before its order's `notAfter`, and no longer delivered. */
  state: z.enum(['ordered', 'delivered', 'rolled-back', 'failed', 'refused', 'expired']),
  order: signed(RollbackOrder),
  reason: z.string(),
  createdBy: z.string(),
  deliveredAt: ApiTime.nullable(),
  createdAt: ApiTime,
  updatedAt: ApiTime,
});
export type RollbackView = z.infer<typeof RollbackView>;

/** `POST /v1/sites/:name/rollback` and `POST /v1/rollouts/:id/rollback`. */
export const RollbackRequest = z.strictObject({
  reason: z.string().min(1).max(2000),
  /** One deploy of the site; its latest when absent (site rollback only). */
  deployId: z.string().optional(),
});
/** Rollbacks ordered; deploys not yet delivered are cancelled instead. */
export const RollbackResponse = z.object({
  rollbacks: z.array(RollbackView),
  cancelledDeploys: z.array(z.string()),
});

/** `GET /v1/rollbacks`. */
export const RollbackList = z.object({ rollbacks: z.array(RollbackView) });

/** A cutover stage report of an agent. */
export const StageReportView = z.object({
  id: z.string(),
  site: z.string(),
  agentId: z.string(),
  migrationId: z.string().nullable(),
  stage: z.enum(['shadow', 'parallel', 'cutover', 'rolled-back']),
  figures: z.record(z.string(), z.unknown()),
  reason: z.string(),
  at: ApiTime,
});
export type StageReportView = z.infer<typeof StageReportView>;

/** `GET /v1/stage-reports?site=&migration=`. */
export const StageReportList = z.object({ stageReports: z.array(StageReportView) });
