/**
 * @plcfleet/protocols — the pure definitions every plcfleet part shares: zod
 * schemas for documents (migrations, site policies and facts, tag maps, rollout
 * plans), verdicts and evidence, the wire protocol between control plane and
 * agent, the error-code table and parse helpers. No I/O; depends on zod only.
 * Signing and hashing live in the `@plcfleet/protocols/signing` entry (node:crypto).
 */

// HTTP API of the control plane: request and response schemas (the SDK validates responses with them).
export {
  ActionAllowance,
  ChangeRequestAllowedActions,
  GateDecisionView,
  PhaseFiguresView,
  PhaseProgressView,
  RolloutAllowedActions,
} from './api/allowed-actions';
export { AuditEntryView, AuditHead, AuditList, AuditVerification, ControlPlaneEvent } from './api/audit';
export {
  CreateTokenRequest,
  CreateTokenResponse,
  RevokeTokenResponse,
  TokenList,
  TokenView,
  UserView,
  WhoAmIResponse,
} from './api/auth';
export { ApiErrorBody, ApiRole, ApiTime, HealthResponse } from './api/common';
export {
  AgentList,
  AgentView,
  CreateEnrollmentRequest,
  DeleteSiteResponse,
  EnrollmentResponse,
  EnrollRequest,
  EnrollResponse,
  PutSiteRequest,
  PutSiteResponse,
  RevokeAgentResponse,
  SiteList,
  SiteView,
} from './api/fleet';
export {
  ApplyMigrationRequest,
  ApplyMigrationResponse,
  MigrationList,
  MigrationView,
} from './api/migrations';
export {
  ApprovalView,
  ApproveRequest,
  ApproveResponse,
  ChangeRequestDetail,
  ChangeRequestList,
  ChangeRequestView,
  DeployList,
  DeployView,
  RejectRequest,
  RejectResponse,
  RollbackList,
  RollbackRequest,
  RollbackResponse,
  RollbackView,
  ShadowReportList,
  ShadowReportView,
  StageReportList,
  StageReportView,
} from './api/reviews';
export {
  CreateRolloutRequest,
  DecisionView,
  JobDetail,
  JobList,
  JobState,
  JobView,
  PhaseState,
  RolloutCommandRequest,
  RolloutDetail,
  RolloutList,
  RolloutState,
  RolloutView,
  VerdictList,
  VerdictView,
} from './api/rollouts';
export { canonicalJson } from './canonical-json';
export {
  ApiVersion,
  Duration,
  PlcName,
  Sha256,
  Slug,
  Timestamp,
  VersionRange,
  VersionString,
} from './common';
export { AnyDocument, DOCUMENT_SCHEMAS, type DocumentKind } from './documents';
export {
  DRIFT_LIMITS,
  DriftComparison,
  DriftPou,
  DriftReport,
  DriftStatus,
  DriftTrigger,
  LiveRead,
  SiteDriftDetail,
  SiteDriftList,
  SiteDriftView,
} from './drift';
export { type DecodeResult, decodeFrame, encodeFrame } from './envelope';
export { ERROR_CODE_LIST, ERROR_CODES, type ErrorCode } from './error-codes';
export { EXIT, type ExitCode } from './exit-codes';
export {
  CodePattern,
  Condition,
  CutoverSpec,
  EquivalenceCriteria,
  LibraryUpdate,
  Migration,
  type MigrationInput,
  MigrationType,
  RecipeDeclaration,
  RecipeRule,
  ScenarioRef,
  SuccessCriteria,
  TagChange,
} from './migration';
export { formatIssue, formatPath, formatZodError, type ParseResult, parseWith } from './parse';
export { PlantBinding, PlantWire } from './plant-binding';
export {
  Gates,
  Phase,
  PhaseOutcomeCounts,
  PhaseOutcomeView,
  PhaseStatus,
  PhaseWait,
  RolloutPlan,
  RolloutProgress,
  SiteSelector,
} from './rollout-plan';
export { MaintenanceWindow, Site, type SiteInput, SiteLibrary, TimeZone, WindowInterval } from './site';
export { CertifiedPou, SiteFacts, SitePolicy } from './site-policy';
export { ModbusTable, REGISTER_COUNT, Tag, TagMap, TagType } from './tag-map';
export {
  CLAIM_LABELS,
  Counterexample,
  claimText,
  Diagnostic,
  diagnosticView,
  EquivalenceResult,
  Evidence,
  JudgeResult,
  ProofClaim,
  proofClaim,
  SafetyCategory,
  SafetyFinding,
  SafetyProof,
  ScenarioResult,
  Verdict,
  VerdictOutcome,
} from './verdict';
export { API_VERSION, PROTOCOL_VERSION, SUPPORTED_PROTOCOL_VERSIONS } from './version';
export { compareVersions, satisfiesRange } from './version-range';
export {
  CAPABILITIES,
  CancelMessage,
  CutoverStage,
  DeployOrder,
  DeployOrderMessage,
  DeployResultAckMessage,
  DeployResultMessage,
  DriftReportMessage,
  Envelope,
  ErrorMessage,
  HeartbeatMessage,
  HelloMessage,
  JobAcceptMessage,
  JobBundle,
  JobOfferMessage,
  JobProgressMessage,
  MAX_FRAME_BYTES,
  MESSAGE_TYPES,
  type MessageOf,
  type MessageType,
  RejectMessage,
  RollbackOrder,
  RollbackOrderMessage,
  ShadowRequirement,
  ShadowRun,
  StageFigures,
  StageReportMessage,
  signed,
  VerdictAckMessage,
  VerdictMessage,
  WatchRollbackCause,
  WelcomeMessage,
  WIRE_LIMITS,
} from './wire';
