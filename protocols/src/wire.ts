import { z } from 'zod';
import { Sha256, Timestamp } from './common';
import { DriftReport } from './drift';
import { ERROR_CODE_LIST } from './error-codes';
import { Migration } from './migration';
import { WindowInterval } from './site';
import { SiteLibrary } from './site-policy';
import { Verdict } from './verdict';
import { PROTOCOL_VERSION } from './version';

/** Largest frame either side accepts (bytes). Evidence with a large diff fits well within it. */
export const MAX_FRAME_BYTES = 4 * 1024 * 1024;

/**
 * Caps of the strings and lists in wire messages. A frame is at most
 * {@link MAX_FRAME_BYTES}, but what a message leaves behind (a stored stage
 * report, an event kept for replay) must be small: an id is not a megabyte.
 */
export const WIRE_LIMITS = {
  /** Ids and names: job, rollout, site, migration, deploy, agent, key, message. */
  id: 200,
  /** One-line texts: reasons, progress messages, error messages. */
  text: 2000,
  /** Short labels: phases, capabilities, versions, tags. */
  label: 200,
  /** Items of a short list (capabilities, protocol versions, signing keys, worst divergences). */
  items: 64,
  /** One value shown in a stage report's worst divergences, as JSON. */
  valueJson: 1000,
} as const;

const WireId = z.string().min(1).max(WIRE_LIMITS.id);
const WireText = z.string().max(WIRE_LIMITS.text);
const WireLabel = z.string().max(WIRE_LIMITS.label);
const WireValue = z
  .unknown()
  .refine(
    (v) => (JSON.stringify(v) ?? '').length <= WIRE_LIMITS.valueJson,
    `a value of at most ${WIRE_LIMITS.valueJson} characters as JSON`,
  );

/** A payload with its detached ed25519 signature; verify the raw payload before parsing it. */
export const signed = <T extends z.ZodType>(payload: T) =>
  z.strictObject({ payload, signature: z.string().min(1).max(WIRE_LIMITS.text), keyId: WireId });

/**
 * Shadow time a rollout phase requires of a candidate (its plan's `shadow`): the agent runs
 * the candidate on its virtual PLC against the site's live PLC for `minDurationMs` and
 * reports it (`shadow.report`). More than `maxDivergences` diverging samples fail it.
 */
export const ShadowRequirement = z.object({
  minDurationMs: z
    .number()
    .int()
    .min(0)
    .max(7 * 86_400_000),
  maxDivergences: z.number().int().min(0),
});
export type ShadowRequirement = z.infer<typeof ShadowRequirement>;

/** What a job offer carries, signed by the control plane. */
export const JobBundle = z.object({
  jobId: WireId,
  rolloutId: WireId,
  site: WireId,
  attempt: z.number().int().min(1),
  migration: Migration,
  issuedAt: Timestamp,
  /**
   * The phase's shadow gate when it runs before approval: after a passed verdict the agent
   * runs the candidate in shadow of the live PLC and reports it. Absent: no shadow.
   */
  shadow: ShadowRequirement.optional(),
  /** The site's libraries as the fleet registry records them (updated after each library-update deploy); absent: use the agent's site facts. */
  libraries: z.array(SiteLibrary).max(500).optional(),
});
export type JobBundle = z.infer<typeof JobBundle>;

/** An approved change, signed by the control plane: bound to site, job and the approved program's hash. */
export const DeployOrder = z.object({
  deployId: WireId,
  jobId: WireId,
  rolloutId: WireId,
  site: WireId,
  migrationId: WireId,
  revision: z.number().int().min(1),
  sha256Before: Sha256,
  sha256After: Sha256,
  /** The maintenance window the order is valid in. */
  window: WindowInterval,
  approvedBy: z.array(WireLabel).min(1).max(WIRE_LIMITS.items),
  issuedAt: Timestamp,
  /**
   * Post-deploy watch, ms (the rollout phase's `watch`): the agent shadows the live PLC for
   * this long and rolls back by itself on an unexplained divergence, a comm loss or a fault.
   * Absent: the agent's configured watch, if any.
   */
  watchMs: z
    .number()
    .int()
    .min(0)
    .max(7 * 86_400_000)
    .optional(),
  /**
   * The phase's shadow gate when it runs after approval: the agent first runs the approved
   * program in shadow of the live PLC for this long, reports it, and deploys only when it
   * did not diverge more than allowed (else the result is `refused`, naming the tag).
   */
  shadow: ShadowRequirement.optional(),
});
export type DeployOrder = z.infer<typeof DeployOrder>;

/** A rollback, signed by the control plane. */
export const RollbackOrder = z.object({
  rollbackId: WireId,
  site: WireId,
  deployId: WireId.optional(),
  rolloutId: WireId.optional(),
  reason: WireText.min(1),
  issuedAt: Timestamp,
  /**
   * After this the order is void: the control plane no longer delivers it, and an
   * agent that knows the field refuses it. Absent from orders of older control planes.
   */
  notAfter: Timestamp.optional(),
});
export type RollbackOrder = z.infer<typeof RollbackOrder>;

/** `taken` of `total` (inputs varied, outputs toggled, branches taken …). */
const CoverageCount = z.object({ total: z.number().int().min(0), hit: z.number().int().min(0) });

/** One output on which a shadow run and the live PLC disagreed. */
const ShadowDivergence = z.object({
  tag: WireLabel,
  /** When the first diverging sample was read. */
  first: Timestamp,
  /** Diverging samples. */
  count: z.number().int().min(0),
  live: WireValue,
  shadow: WireValue,
});

/**
 * Why a post-deploy watch rolled its deploy back (ADR 0179): `divergence` — the live PLC did not
 * do what the approved program does (confirmed); `inconclusive` — the watch could not show that
 * it does (compared nothing, judged too little of its period, or disagreements it could not
 * confirm); `comm-loss` — the PLC did not answer (unreachable, or a loss longer than the grace);
 * `fault` — the approved program faulted in shadow; `cannot-watch` — the watch could not start
 * (no approved program kept, a program that does not compile, a tag map that does not load).
 */
export const WatchRollbackCause = z.enum([
  'divergence',
  'inconclusive',
  'comm-loss',
  'fault',
  'cannot-watch',
]);
export type WatchRollbackCause = z.infer<typeof WatchRollbackCause>;

/**
 * A shadow run of an agent (`shadow.report`): a candidate before its deploy (`candidate`,
 * for a phase's shadow gate) or the approved program watching a deploy (`watch`). Sent
 * when it starts (`running`), every so often while it runs, and when it ends: `passed`
 * (ran its time within `maxDivergences`), `diverged` (more), `failed` (could not run or
 * was cut short: PLC unreachable, comm loss, fault, program not runnable — `reason` says).
 */
export const ShadowRun = z.object({
  /** Names the run; later reports of the same run replace earlier ones. */
  shadowId: WireId,
  kind: z.enum(['candidate', 'watch']),
  site: WireId,
  jobId: WireId,
  rolloutId: WireId,
  deployId: WireId.optional(),
  state: z.enum(['running', 'passed', 'diverged', 'failed']),
  startedAt: Timestamp,
  /** How long it is to run, ms. */
  durationMs: z.number().int().min(0),
  /** How long it ran, s. */
  seconds: z.number().min(0),
  samples: z.number().int().min(0),
  compared: z.number().int().min(0),
  /** Diverging samples allowed (a candidate's gate); absent for a watch (none). */
  maxDivergences: z.number().int().min(0).optional(),
  divergences: z.array(ShadowDivergence).max(WIRE_LIMITS.items).default([]),
  commLoss: z
    .object({ count: z.number().int(), first: Timestamp, last: Timestamp, error: WireText })
    .nullable()
    .default(null),
  fault: WireText.nullable().default(null),
  reason: WireText.default(''),
  /**
   * How much of the candidate the live inputs exercised (of how many): inputs that varied,
   * BOOL outputs that toggled, timers that completed, branches and CASE arms taken (null
   * when not measured). Absent from running reports and from agents that do not measure it.
   */
  coverage: z
    .object({
      inputs: CoverageCount,
      boolOutputs: CoverageCount,
      timers: CoverageCount,
      branches: CoverageCount.nullable(),
      caseArms: CoverageCount.nullable(),
    })
    .nullable()
    .default(null),
  /** Times the run resumed after an agent restart (its state set again from the live values each time; ADR 0103). Absent: never resumed, or an older agent. */
  resumed: z.number().int().min(0).optional(),
  /**
   * How the live PLC was read: `subscription` (OPC UA, a comparison every PLC cycle) or `poll`
   * (a comparison every poll; Modbus always). Absent from running reports and older agents.
   */
  mode: z.enum(['poll', 'subscription']).optional(),
  /** Comparisons per second of the last segment: with `mode`, what "every cycle" came to. */
  comparisonsPerSecond: z.number().min(0).optional(),
  /**
   * Samples the run could not judge (none is in `compared`, so `compared / samples` is the share
   * of the run that is evidence), and `disagreed`: those of them whose live outputs differed from
   * the candidate's — divergences the run could not confirm (ADR 0148, 0159: a gate reads them as
   * possibly diverging, never as clean). Absent from older agents.
   */
  unjudged: z.object({ samples: z.number().int().min(0), disagreed: z.number().int().min(0) }).optional(),
  /**
   * A watch that rolled its deploy back: why ({@link WatchRollbackCause}, ADR 0179) — so an
   * `inconclusive` rollback (the watch could not show the program behaves) is told from a
   * `divergence` (it showed it does not) without reading `reason`. Absent: no rollback, a
   * candidate run, or an agent older than the field (its `reason` still says why).
   */
  rollback: WatchRollbackCause.optional(),
});
export type ShadowRun = z.infer<typeof ShadowRun>;

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
    .array(z.object({ tag: WireLabel, modbus: WireValue, opcua: WireValue, at: Timestamp }))
    .max(WIRE_LIMITS.items)
    .default([]),
});

const base = { v: z.literal(PROTOCOL_VERSION), id: z.string().min(1).max(100), ts: Timestamp.optional() };
const msg = <T extends string, S extends z.ZodRawShape>(type: T, shape: S) =>
  z.strictObject({ ...base, type: z.literal(type), ...shape });

/** agent → control plane: first message after connecting. */
export const HelloMessage = msg('hello', {
  agentId: WireId,
  site: WireId,
  versions: z.object({
    agent: WireLabel,
    protocols: z.array(z.number().int()).min(1).max(WIRE_LIMITS.items),
  }),
  capabilities: z.array(WireLabel).max(WIRE_LIMITS.items).default([]),
});
/**
 * Capabilities named in `hello` (by the agent) and `welcome` (by the control
 * plane). Within one protocol version they say which optional behaviour a peer
 * has, so a newer and an older side work together during a rolling upgrade:
 * each side uses a behaviour only when the other named it.
 */
export const CAPABILITIES = {
  /** control plane: acks `deploy.result` with `deploy.result.ack` (older control planes never do, so a newer agent must not wait for it). */
  deployResultAck: 'deploy-result-ack',
  /** control plane: stores `drift.report` (an older one answers it with an error, so an agent sends it only to one naming this). */
  driftReport: 'drift-report',
  /** control plane: stores `shadow.report` (acking it) and `deploy.deferred` (an older one answers them with an error, so an agent sends them only to one naming this). */
  shadowReport: 'shadow-report',
  /**
   * agent: runs shadow runs — the `shadow` of a job bundle (before approval) and of a deploy
   * order (after approval). An older agent ignores them and would deploy unshadowed, so the
   * control plane sends such a bundle or order only to an agent naming this.
   */
  shadowRuns: 'shadow',
  /** agent: accepts `welcome.versions` and `welcome.capabilities` (older agents refuse unknown welcome fields, so they are sent only to agents naming this). */
  welcomeVersions: 'welcome-versions',
} as const;

/** control plane → agent: accepted, with the negotiated version and the keys to trust. */
export const WelcomeMessage = msg('welcome', {
  protocolVersion: z.number().int(),
  heartbeatMs: z.number().int().min(100),
  signingKeys: z
    .array(z.string().max(WIRE_LIMITS.text * 4))
    .min(1)
    .max(WIRE_LIMITS.items),
  serverTime: Timestamp,
  /**
   * What the control plane runs. Sent only to agents naming `welcome-versions`;
   * absent from control planes older than this field.
   */
  versions: z
    .object({
      controlPlane: WireLabel,
      protocols: z.array(z.number().int()).min(1).max(WIRE_LIMITS.items),
    })
    .optional(),
  /** The control plane's capabilities ({@link CAPABILITIES}); absent means an older control plane that has none of them. */
  capabilities: z.array(WireLabel).max(WIRE_LIMITS.items).optional(),
});
/** control plane → agent: refused (closes the connection). */
export const RejectMessage = msg('reject', { code: z.enum(ERROR_CODE_LIST), reason: WireText });
/** both ways: liveness; the agent also renews its job lease with it. */
export const HeartbeatMessage = msg('heartbeat', { jobId: WireId.optional() });
/** control plane → agent: a job offer. */
export const JobOfferMessage = msg('job.offer', {
  bundle: signed(JobBundle),
  leaseMs: z.number().int().min(1),
});
/** agent → control plane: the agent takes the job. */
export const JobAcceptMessage = msg('job.accept', { jobId: WireId });
/** agent → control plane: progress for people. */
export const JobProgressMessage = msg('job.progress', {
  jobId: WireId,
  phase: WireLabel,
  message: WireText,
  turn: z.number().int().optional(),
});
/** agent → control plane: the verdict (resent until acked; idempotent by job id). */
export const VerdictMessage = msg('verdict', { verdict: Verdict });
/** control plane → agent: the verdict is committed. */
export const VerdictAckMessage = msg('verdict.ack', { jobId: WireId, replyTo: z.string().max(100) });
/** control plane → agent: deploy an approved change. */
export const DeployOrderMessage = msg('deploy.order', { order: signed(DeployOrder) });
/** agent → control plane: what became of a deploy or rollback (resent until acked; idempotent by `deployId`). */
export const DeployResultMessage = msg('deploy.result', {
  /** The deploy's `deployId`, or for a rollback order its `rollbackId`. */
  deployId: WireId,
  site: WireId,
  outcome: z.enum(['deployed', 'refused', 'failed', 'rolled-back']),
  reason: WireText.default(''),
  sha256Running: Sha256.nullable().default(null),
});
/** control plane → agent: the deploy or rollback result is committed (`replyTo` is the result's message id). */
export const DeployResultAckMessage = msg('deploy.result.ack', {
  deployId: WireId,
  replyTo: z.string().max(100),
});
/** control plane → agent: restore the previous program. */
export const RollbackOrderMessage = msg('rollback.order', { order: signed(RollbackOrder) });
/** agent → control plane: cutover stage and its figures. */
export const StageReportMessage = msg('stage.report', {
  site: WireId,
  migrationId: WireId.optional(),
  stage: CutoverStage,
  figures: StageFigures,
  reason: WireText.default(''),
});
/** agent → control plane: a drift check of the live program against the released one (scheduled or after a deploy). */
export const DriftReportMessage = msg('drift.report', { report: DriftReport });
/** agent → control plane: a shadow run (resent until acked when it ended; idempotent by `shadowId` and state). */
const ShadowReportMessage = msg('shadow.report', { report: ShadowRun });
/** control plane → agent: the shadow report is stored (`replyTo` is the report's message id). */
const ShadowReportAckMessage = msg('shadow.report.ack', {
  shadowId: WireId,
  replyTo: z.string().max(100),
});
/** agent → control plane: a deploy waits because the line says it is busy (`watch.deferWhile`); sent at every look. */
const DeployDeferredMessage = msg('deploy.deferred', {
  deployId: WireId,
  site: WireId,
  reason: WireText,
  /** When the agent looks again, ms. */
  recheckMs: z.number().int().min(0),
});
/** control plane → agent: stop a job. */
export const CancelMessage = msg('cancel', { jobId: WireId, reason: WireText });
/** both ways: something was wrong with a message. */
export const ErrorMessage = msg('error', {
  code: z.enum(ERROR_CODE_LIST),
  message: WireText,
  replyTo: z.string().max(100).optional(),
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
  DriftReportMessage,
  ShadowReportMessage,
  ShadowReportAckMessage,
  DeployDeferredMessage,
  CancelMessage,
  ErrorMessage,
]);
export type Envelope = z.infer<typeof Envelope>;
export type MessageType = Envelope['type'];
/** The message of one type. */
export type MessageOf<T extends MessageType> = Extract<Envelope, { type: T }>;

/** Message types in the protocol. */
export const MESSAGE_TYPES = Envelope.options.map((o) => o.shape.type.value) as MessageType[];
