/**
 * @plcfleet/sdk — typed client of the plcfleet control plane: every HTTP API
 * (sites, agents, migrations, rollouts, jobs, verdicts, change requests,
 * deploys, audit) with responses validated by the schemas of
 * `@plcfleet/protocols`, one error class with the API's code, retries with
 * backoff on idempotent calls, and `watchRollout` over the event stream.
 * fetch-based: runs in Node 20+ and in browsers (no Node-only imports here).
 */
export type { AgentsApi } from './client/api/agents-api';
export type { AuditApi, AuditQuery } from './client/api/audit-api';
export type { AuthApi } from './client/api/auth-api';
export type { ChangeQuery, ChangesApi } from './client/api/changes-api';
export type { DeployQuery, DeploysApi } from './client/api/deploys-api';
export type { JobQuery, JobsApi, VerdictsApi } from './client/api/jobs-api';
export type { MigrationsApi } from './client/api/migrations-api';
export type { RequestOptions } from './client/api/request-options';
export type { RolloutCommand, RolloutsApi } from './client/api/rollouts-api';
export type { SitesApi } from './client/api/sites-api';
export type { EventStreamItem, EventStreamOptions } from './client/event-stream';
export { HttpClient, type HttpClientOptions } from './client/http';
export { type HealthApi, PlcfleetClient, type PlcfleetClientOptions } from './client/plcfleet-client';
export { parseSse, type SseEvent } from './client/sse';
export {
  FINAL_ROLLOUT_STATES,
  type RolloutWatchEvent,
  type WatchRolloutOptions,
} from './client/watch-rollout';
export { CLIENT_ERROR_CODES, PlcfleetError } from './errors';
