/**
 * The edge agent daemon: configuration (`agent.yaml`), the daemon that serves
 * the control plane's jobs and orders (`startAgent`), the job-runner seam to
 * the migration executor, and deploys/rollbacks inside maintenance windows.
 */

export {
  AGENT_VERSION,
  type AgentConfig,
  AgentOptions,
  controlPlaneUrls,
  loadAgentConfig,
  type ProgramLocation,
  type ResolvedTransformer,
  resolveAgentConfig,
} from './agent-config';
export {
  type AgentDeps,
  type AgentHandle,
  type AgentStatus,
  type StageReportInput,
  startAgent,
} from './agent-daemon';
export { AgentError } from './agent-error';
export type { AgentEvents } from './agent-events';
export { createAgentLogger, REDACTED_PATHS } from './agent-logger';
export { Deployer, type DeployerOptions, type DeployResult, windowProblem } from './deployer';
export { AgentCredentials, type EnrollFn, enrollOverHttp, resolveCredentials } from './enroll';
export type { JobProgress, JobRunContext, JobRunner, JobRunResult } from './job-runner';
