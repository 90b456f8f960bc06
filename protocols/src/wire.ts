import { z } from 'zod';
import { Sha256, Timestamp } from './common';
import { ERROR_CODE_LIST } from './error-codes';
import { Migration } from './migration';
import { WindowInterval } from './site';
import { Verdict } from './verdict';
import { PROTOCOL_VERSION } from './version';

/** Largest frame either side accepts (bytes). Evidence with a large diff fits well within it. */
export const MAX_FRAME_BYTES = 4 * 1024 * 1024;

/** A payload with its detached ed25519 signature; verify the raw payload before parsing it. */
export const signed = <T extends z.ZodType>(payload: T) =>
  z.strictObject({ payload, signature: z.string().min(1), keyId: z.string().min(1) });

/** What a job offer carries, signed by the control plane. */
export const JobBundle = z.object({
  jobId: z.string().min(1),
  rolloutId: z.string().min(1),
  site: z.string().min(1),
  attempt: z.number().int().min(1),
  migration: Migration,
  issuedAt: Timestamp,
});
export type JobBundle = z.infer<typeof JobBundle>;

/** An approved change, signed by the control plane: bound to site, job and the approved program's hash. */
export const DeployOrder = z.object({
  deployId: z.string().min(1),
  jobId: z.string().min(1),
  rolloutId: z.string().min(1),
  site: z.string().min(1),
  migrationId: z.string().min(1),
  revision: z.number().int().min(1),
  sha256Before: Sha256,
  sha256After: Sha256,
  /** The maintenance window the order is valid in. */
  window: WindowInterval,
  approvedBy: z.array(z.string()).min(1),
  issuedAt: Timestamp,
});
export type DeployOrder = z.infer<typeof DeployOrder>;

/** A rollback, signed by the control plane. */
export const RollbackOrder = z.object({
  rollbackId: z.string().min(1),
  site: z.string().min(1),
  deployId: z.string().optional(),
  rolloutId: z.string().optional(),
  reason: z.string().min(1),
  issuedAt: Timestamp,
});
export type RollbackOrder = z.infer<typeof RollbackOrder>;

/** Cutover stages. */
export const CutoverStage = z.enum(['shadow', 'parallel', 'cutover', 'rolled-back']);

/** Figures of a cutover stage. */
export const StageFigures = z.object({
  tags: z.number().int(),
  polls: z.number().int(),
  divergences: z.number().int(),
  commErrors: z.number().int(),
  latencyMs: z.object({ p50: z.number(), p99: z.number() }),
  worst: z
    .array(z.object({ tag: z.string(), modbus: z.unknown(), opcua: z.unknown(), at: Timestamp }))
    .default([]),
});

const base = { v: z.literal(PROTOCOL_VERSION), id: z.string().min(1).max(100), ts: Timestamp.optional() };
const msg = <T extends string, S extends z.ZodRawShape>(type: T, shape: S) =>
  z.strictObject({ ...base, type: z.literal(type), ...shape });

/** agent → control plane: first message after connecting. */
export const HelloMessage = msg('hello', {
  agentId: z.string().min(1),
  site: z.string().min(1),
  versions: z.object({ agent: z.string(), protocols: z.array(z.number().int()).min(1) }),
  capabilities: z.array(z.string()).default([]),
});
/** control plane → agent: accepted, with the negotiated version and the keys to trust. */
export const WelcomeMessage = msg('welcome', {
  protocolVersion: z.number().int(),
  heartbeatMs: z.number().int().min(100),
  signingKeys: z.array(z.string()).min(1),
  serverTime: Timestamp,
});
/** control plane → agent: refused (closes the connection). */
export const RejectMessage = msg('reject', { code: z.enum(ERROR_CODE_LIST), reason: z.string() });
/** both ways: liveness; the agent also renews its job lease with it. */
export const HeartbeatMessage = msg('heartbeat', { jobId: z.string().optional() });
/** control plane → agent: a job offer. */
export const JobOfferMessage = msg('job.offer', {
  bundle: signed(JobBundle),
  leaseMs: z.number().int().min(1),
});
/** agent → control plane: the agent takes the job. */
export const JobAcceptMessage = msg('job.accept', { jobId: z.string().min(1) });
/** agent → control plane: progress for people. */
export const JobProgressMessage = msg('job.progress', {
  jobId: z.string().min(1),
  phase: z.string(),
  message: z.string().max(2000),
  turn: z.number().int().optional(),
});
/** agent → control plane: the verdict (resent until acked; idempotent by job id). */
export const VerdictMessage = msg('verdict', { verdict: Verdict });
/** control plane → agent: the verdict is committed. */
export const VerdictAckMessage = msg('verdict.ack', { jobId: z.string().min(1), replyTo: z.string() });
/** control plane → agent: deploy an approved change. */
export const DeployOrderMessage = msg('deploy.order', { order: signed(DeployOrder) });
/** agent → control plane: what became of a deploy or rollback (resent until acked; idempotent by `deployId`). */
export const DeployResultMessage = msg('deploy.result', {
  /** The deploy's `deployId`, or for a rollback order its `rollbackId`. */
  deployId: z.string().min(1),
  site: z.string().min(1),
  outcome: z.enum(['deployed', 'refused', 'failed', 'rolled-back']),
  reason: z.string().default(''),
  sha256Running: Sha256.nullable().default(null),
});
/** control plane → agent: the deploy or rollback result is committed (`replyTo` is the result's message id). */
export const DeployResultAckMessage = msg('deploy.result.ack', {
  deployId: z.string().min(1),
  replyTo: z.string(),
});
/** control plane → agent: restore the previous program. */
export const RollbackOrderMessage = msg('rollback.order', { order: signed(RollbackOrder) });
/** agent → control plane: cutover stage and its figures. */
export const StageReportMessage = msg('stage.report', {
  site: z.string().min(1),
  migrationId: z.string().optional(),
  stage: CutoverStage,
  figures: StageFigures,
  reason: z.string().default(''),
});
/** control plane → agent: stop a job. */
export const CancelMessage = msg('cancel', { jobId: z.string().min(1), reason: z.string() });
/** both ways: something was wrong with a message. */
export const ErrorMessage = msg('error', {
  code: z.enum(ERROR_CODE_LIST),
  message: z.string(),
  replyTo: z.string().optional(),
});

/** Every wire message, discriminated by `type`. */
export const Envelope = z.discriminatedUnion('type', [
  HelloMessage,
  WelcomeMessage,
  RejectMessage,
  HeartbeatMessage,
  JobOfferMessage,
  JobAcceptMessage,
  JobProgressMessage,
  VerdictMessage,
  VerdictAckMessage,
  DeployOrderMessage,
  DeployResultMessage,
  DeployResultAckMessage,
  RollbackOrderMessage,
  StageReportMessage,
  CancelMessage,
  ErrorMessage,
]);
export type Envelope = z.infer<typeof Envelope>;
export type MessageType = Envelope['type'];
/** The message of one type. */
export type MessageOf<T extends MessageType> = Extract<Envelope, { type: T }>;

/** Message types in the protocol. */
export const MESSAGE_TYPES = Envelope.options.map((o) => o.shape.type.value) as MessageType[];
