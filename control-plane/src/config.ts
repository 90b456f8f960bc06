import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { formatZodError } from '@plcfleet/protocols';
import { z } from 'zod';
import { ControlPlaneError } from './errors';

/** Options of {@link startControlPlane}; every field is optional. */
export interface ControlPlaneOptions {
  /** TCP port; 0 picks a free one. @default 8480 (or PORT) */
  port?: number;
  /** Interface to listen on. @default '127.0.0.1' */
  host?: string;
  /** Data folder for the SQLite database. @default './.plcfleet' */
  dataDir?: string;
  /**
   * Database: a `postgres://` URL, or a SQLite file path.
   * @default DATABASE_URL, else `<dataDir>/plcfleet.db`
   */
  db?: string;
  /** PostgreSQL schema to keep the tables in (created when missing). @default 'public' */
  pgSchema?: string;
  /** Admin token created on first start with an empty store. @default PLCFLEET_BOOTSTRAP_TOKEN, else random */
  bootstrapToken?: string;
  /**
   * Passphrase that encrypts the signing key in the store (every replica needs the same one).
   * Without it the key is stored in the clear and the server warns at start.
   * @default PLCFLEET_KEY_PASSPHRASE, else the first line of the file PLCFLEET_KEY_PASSPHRASE_FILE names
   * (a systemd credential, a container secret)
   */
  keyPassphrase?: string;
  /** Interval the agents are asked to heartbeat at (ms); silent for 3× this → disconnected. @default 15000 */
  heartbeatMs?: number;
  /** How often the rollout engine evaluates the rollouts it drives (ms). @default 1000 */
  engineTickMs?: number;
  /** Lease of a replica on a rollout it drives (ms); another replica takes over after it lapses. @default 10000 */
  driverLeaseMs?: number;
  /** Fallback poll for ready jobs and pending orders (ms); notifications make it faster. @default 1000 */
  dispatchIntervalMs?: number;
  /** Failed authentications per remote address per minute before `RATE_LIMITED`. @default 20 */
  authFailuresPerMinute?: number;
  /** Garbage frames in a row before an agent is disconnected. @default 5 */
  maxBadFrames?: number;
  /** Messages from one agent being processed at once before `BACKPRESSURE`. @default 32 */
  maxInflightPerAgent?: number;
  /**
   * Largest HTTP request body (bytes), counted as it arrives: a larger body (chunked
   * or not) is answered 413 without being buffered. @default 4 MiB
   */
  maxBodyBytes?: number;
  /** Largest YAML request body (bytes); YAML costs far more to parse than JSON. @default 1 MiB */
  maxYamlBytes?: number;
  /** Deepest nesting of a request body (JSON arrays/objects, YAML collections), checked before parsing. @default 64 */
  maxBodyDepth?: number;
  /** Most YAML aliases (`*name`) in one request body. @default 100 */
  maxYamlAliases?: number;
  /**
   * Events kept for event streams that reconnect with `Last-Event-ID`; a reader further
   * behind gets `event: reset` and reads a fresh snapshot. @default 5000
   */
  eventReplayBuffer?: number;
  /**
   * Most bytes (events as JSON) the replay log keeps, whatever their count: the
   * oldest leave first, so events from agents cannot hold memory without bound. @default 16 MiB
   */
  eventReplayBytes?: number;
  /**
   * How long a rollback order stays valid (its signed `notAfter`): one not carried
   * out by then is `expired` and no longer delivered, so an agent that comes back
   * after days does not restore an old program nobody asked for any more. @default 1 h
   */
  rollbackOrderTtlMs?: number;
  /** Stage reports kept per site (older ones are deleted as new ones come). @default 1000 */
  stageReportsPerSite?: number;
  /**
   * Events waiting to be sent on one event stream before it is reset (`event: reset`,
   * reason `overflow`): a slow reader cannot make the server hold events without bound. @default 10000
   */
  eventStreamMaxQueue?: number;
  /** Log level (pino). @default 'info' (or PLCFLEET_LOG_LEVEL) */
  logLevel?: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  /** Name of this replica in leases and logs. @default host name + random suffix */
  replicaId?: string;
  /** Environment to read defaults from. @default process.env */
  env?: Record<string, string | undefined>;
}

const Resolved = z.object({
  port: z.number().int().min(0).max(65535),
  host: z.string().min(1),
  dataDir: z.string().min(1),
  db: z.discriminatedUnion('kind', [
    z.object({ kind: z.literal('sqlite'), path: z.string().min(1) }),
    z.object({
      kind: z.literal('postgres'),
      url: z.string().min(1),
      schema: z.string().regex(/^[a-z_][a-z0-9_]*$/),
    }),
  ]),
  bootstrapToken: z.string().min(16, 'bootstrap token: use at least 16 characters').optional(),
  keyPassphrase: z.string().optional(),
  heartbeatMs: z.number().int().min(100),
  engineTickMs: z.number().int().min(10),
  driverLeaseMs: z.number().int().min(100),
  dispatchIntervalMs: z.number().int().min(10),
  authFailuresPerMinute: z.number().int().min(1),
  maxBadFrames: z.number().int().min(1),
  maxInflightPerAgent: z.number().int().min(1),
  maxBodyBytes: z.number().int().min(1024),
  maxYamlBytes: z.number().int().min(1024),
  maxBodyDepth: z.number().int().min(8).max(1000),
  maxYamlAliases: z.number().int().min(0),
  eventReplayBuffer: z.number().int().min(1),
  eventReplayBytes: z.number().int().min(1024),
  stageReportsPerSite: z.number().int().min(1),
  rollbackOrderTtlMs: z.number().int().min(1000),
  eventStreamMaxQueue: z.number().int().min(1),
  logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']),
  replicaId: z.string().min(1),
});
/** The configuration after defaults and environment are applied. */
export type ControlPlaneConfig = z.infer<typeof Resolved>;

/** Turns options and environment into the resolved configuration, or throws one readable `VALIDATION` error. */
export function resolveConfig(options: ControlPlaneOptions = {}): ControlPlaneConfig {
  // The only place in the control plane that reads the environment.
  const env = options.env ?? process.env;
  const dataDir = resolve(options.dataDir ?? env.PLCFLEET_DATA ?? '.plcfleet');
  const dbSpec = options.db ?? env.DATABASE_URL ?? join(dataDir, 'plcfleet.db');
  const isPg = /^postgres(ql)?:\/\//.test(dbSpec);
  const raw = {
    port: options.port ?? (env.PORT !== undefined ? Number(env.PORT) : 8480),
    host: options.host ?? env.PLCFLEET_HOST ?? '127.0.0.1',
    dataDir,
    db: isPg
      ? { kind: 'postgres', url: dbSpec, schema: options.pgSchema ?? env.PLCFLEET_PG_SCHEMA ?? 'public' }
      : { kind: 'sqlite', path: resolve(dbSpec) },
    bootstrapToken: options.bootstrapToken ?? env.PLCFLEET_BOOTSTRAP_TOKEN ?? undefined,
    keyPassphrase: options.keyPassphrase ?? env.PLCFLEET_KEY_PASSPHRASE ?? passphraseFile(env),
    heartbeatMs: options.heartbeatMs ?? 15_000,
    engineTickMs: options.engineTickMs ?? 1000,
    driverLeaseMs: options.driverLeaseMs ?? 10_000,
    dispatchIntervalMs: options.dispatchIntervalMs ?? 1000,
    authFailuresPerMinute: options.authFailuresPerMinute ?? 20,
    maxBadFrames: options.maxBadFrames ?? 5,
    maxInflightPerAgent: options.maxInflightPerAgent ?? 32,
    maxBodyBytes: options.maxBodyBytes ?? 4 * 1024 * 1024,
    maxYamlBytes: options.maxYamlBytes ?? 1024 * 1024,
    maxBodyDepth: options.maxBodyDepth ?? 64,
    maxYamlAliases: options.maxYamlAliases ?? 100,
    eventReplayBuffer: options.eventReplayBuffer ?? 5000,
    eventReplayBytes: options.eventReplayBytes ?? 16 * 1024 * 1024,
    stageReportsPerSite: options.stageReportsPerSite ?? 1000,
    rollbackOrderTtlMs: options.rollbackOrderTtlMs ?? 3_600_000,
    eventStreamMaxQueue: options.eventStreamMaxQueue ?? 10_000,
    logLevel: options.logLevel ?? env.PLCFLEET_LOG_LEVEL ?? 'info',
    replicaId: options.replicaId ?? `replica-${process.pid}-${Math.random().toString(36).slice(2, 8)}`,
  };
  // Checked here, not by the schema: a schema error would quote the value.
  if (raw.keyPassphrase !== undefined && raw.keyPassphrase.length < 12)
    throw new ControlPlaneError(
      'VALIDATION',
      'control plane options: signing key passphrase: use at least 12 characters',
    );
  const parsed = Resolved.safeParse(raw, { reportInput: true });
  if (!parsed.success)
    throw new ControlPlaneError('VALIDATION', `control plane options: ${formatZodError(parsed.error)}`);
  return parsed.data;
}

/** The passphrase from the file `PLCFLEET_KEY_PASSPHRASE_FILE` names (its first line), if it names one. */
function passphraseFile(env: Record<string, string | undefined>): string | undefined {
  const file = env.PLCFLEET_KEY_PASSPHRASE_FILE;
  if (!file) return undefined;
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ControlPlaneError(
      'VALIDATION',
      `control plane options: PLCFLEET_KEY_PASSPHRASE_FILE: cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
    );
  }
  return text.split(/\r?\n/)[0] ?? '';
}
