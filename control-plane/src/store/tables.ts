/**
 * Table types of the store. Timestamps are ISO-8601 UTC strings and JSON
 * columns are text in both SQLite and PostgreSQL, so one set of repository
 * functions serves both (see docs/control-plane.md, "Store").
 */
import type {
  ApiRole,
  ChangeRequestView,
  DeployView,
  JobView,
  Migration,
  RollbackView,
  RolloutView,
  ShadowRun,
  StageReportView,
  VerdictOutcome,
} from '@plcfleet/protocols';

/*
 * Columns that hold one of a fixed set of values are typed with that set (from the
 * protocols' schemas), so a row reads as the API's type without a cast and kysely
 * refuses a write of any other value.
 */

export interface SettingsTable {
  key: string;
  value: string;
}
export interface UsersTable {
  id: string;
  name: string;
  role: ApiRole;
  created_at: string;
  created_by: string | null;
}
export interface ApiTokensTable {
  id: string;
  user_id: string;
  token_hash: string;
  name: string;
  created_at: string;
  revoked_at: string | null;
}
export interface SitesTable {
  name: string;
  tags: string;
  firmware: string | null;
  /** JSON `SiteLibrary[]`; null when the site lists none. */
  libraries: string | null;
  time_zone: string;
  maintenance_windows: string;
  policy: string | null;
  created_at: string;
  updated_at: string;
}
export interface AgentsTable {
  id: string;
  site: string;
  token_hash: string;
  created_at: string;
  created_by: string;
  last_seen_at: string | null;
  agent_version: string | null;
  protocol_version: number | null;
  capabilities: string;
  revoked_at: string | null;
}
export interface EnrollmentsTable {
  id: string;
  site: string;
  token_hash: string;
  created_by: string;
  created_at: string;
  expires_at: string;
  used_at: string | null;
  agent_id: string | null;
}
export interface MigrationsTable {
  id: string;
  revision: number;
  title: string;
  type: Migration['type'];
  safety_class: Migration['safetyClass'];
  document: string;
  sha256: string;
  created_at: string;
  created_by: string;
}
export interface RolloutsTable {
  id: string;
  name: string;
  migration_id: string;
  revision: number;
  plan: string;
  state: RolloutView['state'];
  state_reason: string;
  phase_index: number;
  phase_state: RolloutView['phaseState'];
  phase_started_at: string | null;
  created_by: string;
  started_by: string | null;
  created_at: string;
  updated_at: string;
  driver_id: string | null;
  driver_until: string | null;
}
export interface JobsTable {
  id: string;
  rollout_id: string;
  site: string;
  phase_index: number;
  state: JobView['state'];
  attempt: number;
  agent_id: string | null;
  offered_at: string | null;
  started_at: string | null;
  lease_expires_at: string | null;
  finished_at: string | null;
  reason: string;
  safety_failure: number;
  created_at: string;
  updated_at: string;
}
export interface VerdictsTable {
  job_id: string;
  rollout_id: string;
  site: string;
  agent_id: string;
  outcome: VerdictOutcome;
  safety_failure: number;
  reason: string;
  evidence_hash: string | null;
  verdict: string;
  received_at: string;
}
export interface DecisionsTable {
  id: string;
  rollout_id: string;
  phase_index: number;
  decision: string;
  summary: string;
  figures: string;
  at: string;
}
export interface ChangeRequestsTable {
  id: string;
  job_id: string;
  rollout_id: string;
  site: string;
  migration_id: string;
  revision: number;
  safety_class: ChangeRequestView['safetyClass'];
  state: ChangeRequestView['state'];
  requested_by: string;
  sha256_before: string | null;
  sha256_after: string | null;
  diff: string;
  evidence_hash: string | null;
  reason: string;
  created_at: string;
  decided_at: string | null;
}
export interface ApprovalsTable {
  id: string;
  change_request_id: string;
  user_id: string;
  user_name: string;
  role: string;
  decision: string;
  comment: string;
  at: string;
}
export interface DeploysTable {
  id: string;
  change_request_id: string;
  job_id: string;
  rollout_id: string;
  site: string;
  state: DeployView['state'];
  order: string;
  not_before: string;
  not_after: string;
  delivered_at: string | null;
  reason: string;
  sha256_running: string | null;
  created_at: string;
  updated_at: string;
}
export interface RollbacksTable {
  id: string;
  site: string;
  deploy_id: string | null;
  rollout_id: string | null;
  state: RollbackView['state'];
  order: string;
  reason: string;
  created_by: string;
  delivered_at: string | null;
  created_at: string;
  updated_at: string;
}
export interface StageReportsTable {
  id: string;
  site: string;
  agent_id: string;
  migration_id: string | null;
  stage: StageReportView['stage'];
  figures: string;
  reason: string;
  at: string;
}
/** The latest report of a shadow run (issue #21); `id` is its `shadowId`. */
interface ShadowReportsTable {
  id: string;
  kind: ShadowRun['kind'];
  site: string;
  agent_id: string;
  rollout_id: string;
  job_id: string;
  deploy_id: string | null;
  state: ShadowRun['state'];
  /** Diverging samples, summed over the tags. */
  divergences: number;
  /** The whole `ShadowRun`, JSON. */
  report: string;
  received_at: string;
}
/** A deploy an agent put off because the line was busy (`deploy.deferred`), latest reason. */
interface DeployDeferralsTable {
  deploy_id: string;
  site: string;
  agent_id: string;
  reason: string;
  /** How many times the agent said so. */
  times: number;
  first_at: string;
  last_at: string;
}
/** The latest drift report of a site (issue #22). */
export interface SiteDriftTable {
  site: string;
  agent_id: string;
  status: 'same' | 'drifted';
  checked_at: string;
  live_sha256: string;
  /** POUs that differ. */
  pous: number;
  /** The whole `DriftReport`, JSON. */
  report: string;
}
/** The live hashes a site reported, newest kept. */
export interface SiteDriftHistoryTable {
  id: string;
  site: string;
  status: 'same' | 'drifted';
  live_sha256: string;
  trigger: 'schedule' | 'deploy' | 'manual';
  checked_at: string;
}
export interface AuditLogTable {
  seq: number;
  at: string;
  actor: string;
  action: string;
  subject_type: string;
  subject_id: string;
  details: string;
  prev_hash: string;
  hash: string;
}

/** Every table of the store. */
export interface Tables {
  settings: SettingsTable;
  users: UsersTable;
  api_tokens: ApiTokensTable;
  sites: SitesTable;
  agents: AgentsTable;
  enrollments: EnrollmentsTable;
  migrations: MigrationsTable;
  rollouts: RolloutsTable;
  jobs: JobsTable;
  verdicts: VerdictsTable;
  rollout_decisions: DecisionsTable;
  change_requests: ChangeRequestsTable;
  approvals: ApprovalsTable;
  deploys: DeploysTable;
  rollbacks: RollbacksTable;
  stage_reports: StageReportsTable;
  shadow_reports: ShadowReportsTable;
  deploy_deferrals: DeployDeferralsTable;
  site_drift: SiteDriftTable;
  site_drift_history: SiteDriftHistoryTable;
  audit_log: AuditLogTable;
}
