import { readFile, stat } from 'node:fs/promises';
import { dirname, isAbsolute, resolve } from 'node:path';
import {
  ApiVersion,
  Duration,
  parseWith,
  SiteFacts,
  SitePolicy,
  Slug,
  SUPPORTED_PROTOCOL_VERSIONS,
} from '@plcfleet/protocols';
import { keyIdOf } from '@plcfleet/protocols/signing';
import YAML from 'yaml';
import { z } from 'zod';
import { AgentError } from './agent-error';

/** A duration (`250ms`, `10s`, `5m`) or milliseconds, with a message that says so. */
const DurationField = z.union(Duration.options, {
  error: 'expected a duration like "250ms", "10s" or "5m", or a number of milliseconds',
});

const EnvName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'expected an environment variable name');

/** The transformer the agent runs jobs with. */
const TransformerOptions = z.discriminatedUnion(
  'kind',
  [
    z.strictObject({ kind: z.literal('recipe') }),
    z.strictObject({
      kind: z.literal('claude'),
      /** Model name, e.g. `claude-sonnet-5`. */
      model: z.string().min(1),
      /** Environment variable holding the API key. @default "ANTHROPIC_API_KEY" */
      apiKeyEnv: EnvName.default('ANTHROPIC_API_KEY'),
      /** Messages API base URL (a local test server, a proxy). */
      baseUrl: z.url().optional(),
    }),
  ],
  { error: 'expected "recipe" or "claude"' },
);

/**
 * `agent.yaml`: what an operator writes. Relative paths are relative to the
 * file. Secrets are best named by environment variable (`tokenEnv`,
 * `enrollmentTokenEnv`); a literal `token` is accepted for tests and demos.
 */
export const AgentOptions = z
  .strictObject({
    apiVersion: ApiVersion,
    kind: z.literal('AgentConfig'),
    /** This agent's id. @default the id the control plane assigns at enrollment */
    agentId: z.string().min(1).max(100).optional(),
    /** The site this agent serves; jobs and orders for any other site are refused. */
    site: Slug,
    controlPlane: z.strictObject({
      /** `ws(s)://host[:port]` or `http(s)://…`; the path `/v1/agents` is added when the URL has none. */
      url: z
        .string()
        .regex(/^(wss?|https?):\/\/[^\s]+$/, 'expected a ws://, wss://, http:// or https:// URL'),
      /** The agent's own bearer token (prefer `tokenEnv`). */
      token: z.string().min(1).optional(),
      /** Environment variable holding the agent's token. */
      tokenEnv: EnvName.optional(),
      /** A one-time enrollment token, exchanged at first start for the agent's own token. */
      enrollmentToken: z.string().min(1).optional(),
      /** Environment variable holding the enrollment token. */
      enrollmentTokenEnv: EnvName.optional(),
      /** Pinned control-plane signing keys (PEM). When given they win over the keys `welcome` sends. */
      signingKeys: z.array(z.string().min(1)).optional(),
      /** A PEM file with pinned signing keys (one or more public keys). */
      signingKeysFile: z.string().min(1).optional(),
    }),
    /** Site facts file (`kind: SiteFacts`) for preconditions, or the document inline. */
    siteFacts: z.union([z.string().min(1), SiteFacts]),
    /** Site safety policy file (`kind: SitePolicy`), or the document inline. */
    policy: z.union([z.string().min(1), SitePolicy]),
    /** Where the PLC program lives: a directory path, an `opc.tcp://` endpoint or a Git URL (`git+…#REF[:SUBDIR]`). */
    program: z.string().min(1),
    /**
     * Drift checks (issue #22): the live program (`program`) compared with the released one on a
     * schedule and after every deploy, reported to the control plane. None without this.
     */
    drift: z
      .strictObject({
        /** The released program: a Git URL (`git+…#REF[:SUBDIR]`) or a folder. */
        released: z.string().min(1),
        /** Between scheduled checks. @default "1h" */
        interval: DurationField.default(3_600_000),
        /** Live reads kept under `<dataDir>/drift` (content-addressed). @default 48 */
        keep: z.number().int().min(1).max(10_000).default(48),
      })
      .optional(),
    /**
     * Post-deploy watch (issue #21, docs/shadow.md): after a deploy the approved program runs in
     * shadow of the live PLC for the deploy order's `watchMs` (else `period`), and an unexplained
     * divergence, a comm loss or a fault rolls the deploy back. None without this.
     */
    watch: z
      .strictObject({
        /** Tag map of the live PLC (YAML or JSON file). */
        tags: z.string().min(1),
        /** The live PLC: `modbus://host:port`, or an `opc.tcp://` endpoint (with `plcOpcua`'s security). */
        plc: z
          .string()
          .regex(
            /^(modbus:\/\/[^\s:/]+:\d{1,5}|opc\.tcp:\/\/\S+)$/,
            'expected modbus://host:port or opc.tcp://…',
          ),
        /** Watch period when the order names none. @default "30m" */
        period: DurationField.default(1_800_000),
        /** The PLC's scan cycle. @default "10ms" */
        cycle: DurationField.default(10),
        /** Time between polls. @default the cycle */
        poll: DurationField.optional(),
        /**
         * How an OPC UA PLC is read for shadow runs and watches, as `plcfleet-agent shadow
         * --opcua-mode`: `subscription` (a comparison every PLC cycle) or `poll`. @default "subscription"
         */
        opcuaMode: z.enum(['subscription', 'poll']).default('subscription'),
        /**
         * How long a comm loss may last before the watch rolls the deploy back (ADR 0120): a
         * shorter one is reported and its samples are not judged. @default "2s"
         */
        commLossGrace: DurationField.optional(),
        /** PROGRAM or CONFIGURATION to run (default: the only one). */
        programName: z.string().min(1).optional(),
        /**
         * Site-side defer: a deploy waits while this BOOL tag of the map is TRUE (the line is
         * busy), checked again every `deferRecheck`; unreadable counts as busy (fail closed).
         */
        deferWhile: z.string().min(1).optional(),
        /** @default "30s" */
        deferRecheck: DurationField.default(30_000),
      })
      .optional(),
    /**
     * The connection to the PLC's OPC UA server when `program` is an `opc.tcp://` endpoint.
     * The agent reads and writes PLC programs over it, so it defaults to sign-and-encrypt and
     * takes `none` only with `insecure: true` (a simulator, a lab bench).
     */
    plcOpcua: z
      .strictObject({
        /** Message security (Basic256Sha256). @default "sign-and-encrypt" */
        security: z.enum(['none', 'sign', 'sign-and-encrypt']).default('sign-and-encrypt'),
        /** Accept `security: none`. @default false */
        insecure: z.boolean().default(false),
        /** User name, and the environment variable holding its password; anonymous when absent. */
        user: z.strictObject({ name: z.string().min(1), passwordEnv: EnvName }).optional(),
        /**
         * Trust a PLC certificate not yet in `<dataDir>/opcua-pki/trusted` (trust on first use).
         * When false, an unknown certificate lands in `opcua-pki/rejected` for an admin to move. @default false
         */
        trustUnknownServer: z.boolean().default(false),
      })
      // Parsed through the fields above, so their defaults are the only ones.
      .prefault({}),
    /**
     * Folder of vendor library interfaces, `<Name>@<version>.st` (as `migrate --libraries DIR`):
     * a library-update job checks the program against the new version's interface.
     */
    libraries: z.string().min(1).optional(),
    /**
     * Folder (or file) of behaviour models of library POUs, `.st` (as `compile --models DIR`):
     * the fleet's shadow runs and the post-deploy watch run library FBs with them. Without
     * it a library FB without a model is refused by the simulator (the run fails closed).
     */
    models: z.string().min(1).optional(),
    /**
     * The define set selecting `{IF defined(NAME)}` branches when the shadow runs and the
     * watch load the program (as `compile --define NAME,…`). `[]`: none is defined. Absent: a
     * program with `{IF}` branches is refused (the run fails closed, decision 0178): a PLC runs
     * one configuration, never every branch.
     */
    defines: z
      .array(
        z
          .string()
          .regex(
            /^[A-Za-z_][A-Za-z0-9_]*$/,
            'expected a define name (letters, digits, _; not starting with a digit)',
          ),
      )
      .max(1000)
      .optional(),
    /** @default { kind: recipe } */
    transformer: TransformerOptions.default({ kind: 'recipe' }),
    /** Folder for the outbox, job folders and kept programs. @default ".plcfleet-agent" */
    dataDir: z.string().min(1).default('.plcfleet-agent'),
    /** Heartbeat interval; the control plane's (from `welcome`) is used when it is shorter. @default "10s" */
    heartbeat: DurationField.default(10_000),
    reconnect: z
      .strictObject({
        /** First delay after a drop. @default "500ms" */
        initialDelay: DurationField.default(500),
        /** Longest delay between attempts. @default "60s" */
        maxDelay: DurationField.default(60_000),
      })
      .default({ initialDelay: 500, maxDelay: 60_000 }),
    /** How long an unacked verdict or deploy result waits before it is sent again on a live link. @default "30s" */
    resendAfter: DurationField.default(30_000),
    /** Jobs run at once. @default 1 */
    concurrency: z.number().int().min(1).max(16).default(1),
    /** On SIGTERM, how long the current job may run on before it is parked. @default "30s" */
    shutdownGrace: DurationField.default(30_000),
    /** pino log level. @default "info" */
    logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  })
  .superRefine((o, ctx) => {
    const cp = o.controlPlane;
    const has = [cp.token, cp.tokenEnv, cp.enrollmentToken, cp.enrollmentTokenEnv].some(
      (x) => x !== undefined,
    );
    if (!has)
      ctx.addIssue({
        code: 'custom',
        path: ['controlPlane'],
        message: 'needs one of token, tokenEnv, enrollmentToken or enrollmentTokenEnv',
      });
    if (cp.token !== undefined && cp.tokenEnv !== undefined)
      ctx.addIssue({
        code: 'custom',
        path: ['controlPlane', 'token'],
        message: 'give token or tokenEnv, not both',
      });
    if (o.program.startsWith('opc.tcp://') && o.plcOpcua.security === 'none' && !o.plcOpcua.insecure)
      ctx.addIssue({
        code: 'custom',
        path: ['plcOpcua', 'security'],
        message:
          'none sends PLC programs and credentials in the clear; use sign-and-encrypt, or set insecure: true for a simulator',
      });
    if (o.reconnect.maxDelay < o.reconnect.initialDelay)
      ctx.addIssue({
        code: 'custom',
        path: ['reconnect', 'maxDelay'],
        message: 'must not be shorter than initialDelay',
      });
  });
/** `agent.yaml` as written. */
export type AgentOptions = z.input<typeof AgentOptions>;

/** Where the program is read from and deployed to. */
export type ProgramLocation =
  | { kind: 'directory'; path: string }
  | { kind: 'git'; url: string }
  | {
      kind: 'opcua';
      endpoint: string;
      /** Session security and user (the password read from the environment). */
      security: 'none' | 'sign' | 'sign-and-encrypt';
      user?: { name: string; password: string };
      trustUnknownServer: boolean;
    };

/** The transformer, resolved (the key read from the environment). */
export type ResolvedTransformer =
  | { kind: 'recipe' }
  | { kind: 'claude'; model: string; apiKey: string; baseUrl?: string };

/** Everything the daemon needs, validated once at start-up. */
export interface AgentConfig {
  agentId?: string;
  site: string;
  controlPlane: {
    /** The gateway URL (`ws(s)://…/v1/agents`). */
    url: string;
    /** The HTTP base (`http(s)://host[:port]`) for enrollment. */
    httpBase: string;
    token?: string;
    enrollmentToken?: string;
    /** Pinned signing keys (PEM); empty when the agent trusts the keys `welcome` sends. */
    signingKeys: string[];
  };
  siteFacts: SiteFacts;
  policy: SitePolicy;
  program: ProgramLocation;
  /** Drift checks: the released program (a Git URL or an absolute folder), the interval and the reads kept. */
  drift?: { released: string; intervalMs: number; keep: number };
  /** Post-deploy watch: the tag map file (absolute), the live PLC, the default period and the timing. */
  watch?: {
    tags: string;
    plc:
      | { kind: 'modbus'; host: string; port: number }
      | ({ kind: 'opcua'; endpoint: string } & Omit<
          Extract<ProgramLocation, { kind: 'opcua' }>,
          'kind' | 'endpoint'
        >);
    periodMs: number;
    cycleMs: number;
    pollMs?: number;
    /** How an OPC UA PLC is read for runs and watches (the one-off `deferWhile` read is a read). */
    opcuaMode?: 'subscription' | 'poll';
    /** A comm loss shorter than this is reported, not rolled back (absent: the watch's default). */
    commLossGraceMs?: number;
    programName?: string;
    /** Deploys wait while this tag is TRUE, checked every `deferRecheckMs`. */
    deferWhile?: string;
    deferRecheckMs: number;
  };
  transformer: ResolvedTransformer;
  /** Library interfaces folder (absolute), for library-update jobs, shadow runs and the watch. */
  libraries?: string;
  /** Behaviour models of library POUs (absolute), for shadow runs and the watch. */
  models?: string;
  /** The define set shadow runs and the watch load the program with (absent: `{IF}` refused, decision 0178). */
  defines?: string[];
  /** Absolute. */
  dataDir: string;
  heartbeatMs: number;
  reconnect: { initialDelayMs: number; maxDelayMs: number };
  resendAfterMs: number;
  concurrency: number;
  shutdownGraceMs: number;
  logLevel: string;
  agentVersion: string;
  protocolVersions: number[];
}

/** The agent's own version, sent in `hello`. */
export const AGENT_VERSION = '0.1.0';

/** Splits a control-plane URL into the ws gateway URL and the HTTP base. */
export function controlPlaneUrls(url: string): { url: string; httpBase: string } {
  const u = new URL(url);
  const secure = u.protocol === 'wss:' || u.protocol === 'https:';
  const path = u.pathname === '/' || u.pathname === '' ? '/v1/agents' : u.pathname;
  const host = u.host;
  return {
    url: `${secure ? 'wss' : 'ws'}://${host}${path}${u.search}`,
    httpBase: `${secure ? 'https' : 'http'}://${host}`,
  };
}

/** Reads a file named by config field `field`, or says which field names a file it cannot read. */
async function readText(file: string, field: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (err) {
    throw new AgentError(
      'VALIDATION',
      `${field}: cannot read ${file} (${(err as NodeJS.ErrnoException).code ?? err})`,
    );
  }
}

/**
 * `path` when it is a folder or a file of `.st` text, else an error naming the field: a
 * library or model folder that is not there would fail every shadow run and watch later.
 */
async function existing(path: string, field: string): Promise<string> {
  try {
    await stat(path);
    return path;
  } catch (err) {
    throw new AgentError(
      'VALIDATION',
      `${field}: no such folder or file: ${path} (${(err as NodeJS.ErrnoException).code ?? err})`,
    );
  }
}

/** Parses YAML, or says which field names a file that is not YAML. */
function parseYaml(text: string, file: string, field: string): unknown {
  try {
    return YAML.parse(text);
  } catch (err) {
    throw new AgentError(
      'VALIDATION',
      `${field}: ${file} is not YAML (${(err as Error).message.split('\n')[0]})`,
    );
  }
}

async function readDocument<S extends z.ZodType>(
  schema: S,
  file: string,
  field: string,
): Promise<z.output<S>> {
  const data = parseYaml(await readText(file, field), file, field);
  const r = parseWith(schema, data, `${field} (${file})`);
  if (!r.ok) throw new AgentError('VALIDATION', r.error);
  return r.value;
}

/** Public keys (PEM blocks) in a text. */
function pemBlocks(text: string): string[] {
  return (
    text.match(/-----BEGIN PUBLIC KEY-----[\s\S]+?-----END PUBLIC KEY-----/g)?.map((k) => `${k}\n`) ?? []
  );
}

/**
 * Options in, resolved config out: validates `options` (the parsed YAML), reads
 * the secrets it names from `env`, and loads the site facts, policy and pinned
 * keys. Relative paths are resolved against `baseDir`. Throws an
 * {@link AgentError} with one readable line naming the bad field.
 *
 * @example
 * const config = await resolveAgentConfig(YAML.parse(text), { baseDir: '/etc/plcfleet', env: process.env });
 */
export async function resolveAgentConfig(
  options: unknown,
  ctx: { baseDir: string; env: Readonly<Record<string, string | undefined>>; where?: string },
): Promise<AgentConfig> {
  const r = parseWith(AgentOptions, options, ctx.where);
  if (!r.ok) throw new AgentError('VALIDATION', r.error);
  const o = r.value;
  const at = (p: string) => (isAbsolute(p) ? p : resolve(ctx.baseDir, p));
  const prefix = ctx.where ? `${ctx.where}: ` : '';
  const fromEnv = (name: string | undefined, field: string): string | undefined => {
    if (name === undefined) return undefined;
    const v = ctx.env[name];
    if (!v)
      throw new AgentError(
        'VALIDATION',
        `${prefix}controlPlane.${field}: environment variable ${name} is not set`,
      );
    return v;
  };
  const token = o.controlPlane.token ?? fromEnv(o.controlPlane.tokenEnv, 'tokenEnv');
  const enrollmentToken =
    o.controlPlane.enrollmentToken ?? fromEnv(o.controlPlane.enrollmentTokenEnv, 'enrollmentTokenEnv');

  const signingKeys = [...(o.controlPlane.signingKeys ?? [])];
  if (o.controlPlane.signingKeysFile !== undefined) {
    const file = at(o.controlPlane.signingKeysFile);
    const text = await readText(file, `${prefix}controlPlane.signingKeysFile`);
    const keys = pemBlocks(text);
    if (keys.length === 0)
      throw new AgentError('VALIDATION', `${prefix}controlPlane.signingKeysFile: no public key in ${file}`);
    signingKeys.push(...keys);
  }
  // A pinned key that does not load would make every bundle "unknown key"; say so now.
  signingKeys.forEach((k, i) => {
    try {
      keyIdOf(k);
    } catch {
      throw new AgentError('VALIDATION', `${prefix}controlPlane.signingKeys[${i}]: not a PEM public key`);
    }
  });

  let transformer: ResolvedTransformer = { kind: 'recipe' };
  if (o.transformer.kind === 'claude') {
    const apiKey = ctx.env[o.transformer.apiKeyEnv];
    if (!apiKey)
      throw new AgentError(
        'VALIDATION',
        `${prefix}transformer.apiKeyEnv: environment variable ${o.transformer.apiKeyEnv} is not set`,
      );
    transformer = {
      kind: 'claude',
      model: o.transformer.model,
      apiKey,
      ...(o.transformer.baseUrl ? { baseUrl: o.transformer.baseUrl } : {}),
    };
  }

  const siteFacts =
    typeof o.siteFacts === 'string'
      ? await readDocument(SiteFacts, at(o.siteFacts), `${prefix}siteFacts`)
      : o.siteFacts;
  const policy =
    typeof o.policy === 'string' ? await readDocument(SitePolicy, at(o.policy), `${prefix}policy`) : o.policy;
  if (siteFacts.site !== o.site)
    throw new AgentError(
      'VALIDATION',
      `${prefix}siteFacts: describes site "${siteFacts.site}", not "${o.site}"`,
    );
  if (policy.site !== o.site)
    throw new AgentError(
      'VALIDATION',
      `${prefix}policy: is the policy of site "${policy.site}", not "${o.site}"`,
    );

  let program: ProgramLocation = /^git\+/i.test(o.program)
    ? { kind: 'git', url: o.program }
    : { kind: 'directory', path: at(o.program) };
  if (o.program.startsWith('opc.tcp://')) {
    const user = o.plcOpcua.user;
    let password: string | undefined;
    if (user) {
      password = ctx.env[user.passwordEnv];
      if (!password)
        throw new AgentError(
          'VALIDATION',
          `${prefix}plcOpcua.user.passwordEnv: environment variable ${user.passwordEnv} is not set`,
        );
    }
    program = {
      kind: 'opcua',
      endpoint: o.program,
      security: o.plcOpcua.security,
      ...(user && password ? { user: { name: user.name, password } } : {}),
      trustUnknownServer: o.plcOpcua.trustUnknownServer,
    };
  }

  return {
    ...(o.agentId !== undefined ? { agentId: o.agentId } : {}),
    site: o.site,
    controlPlane: {
      ...controlPlaneUrls(o.controlPlane.url),
      ...(token !== undefined ? { token } : {}),
      ...(enrollmentToken !== undefined ? { enrollmentToken } : {}),
      signingKeys,
    },
    siteFacts,
    policy,
    program,
    ...(o.watch ? { watch: watchConfig(o.watch, at(o.watch.tags), program, o.plcOpcua.security) } : {}),
    ...(o.drift
      ? {
          drift: {
            released: /^git\+/i.test(o.drift.released) ? o.drift.released : at(o.drift.released),
            intervalMs: o.drift.interval,
            keep: o.drift.keep,
          },
        }
      : {}),
    transformer,
    ...(o.libraries ? { libraries: await existing(at(o.libraries), `${prefix}libraries`) } : {}),
    ...(o.models ? { models: await existing(at(o.models), `${prefix}models`) } : {}),
    ...(o.defines ? { defines: [...o.defines] } : {}),
    dataDir: at(o.dataDir),
    heartbeatMs: o.heartbeat,
    reconnect: { initialDelayMs: o.reconnect.initialDelay, maxDelayMs: o.reconnect.maxDelay },
    resendAfterMs: o.resendAfter,
    concurrency: o.concurrency,
    shutdownGraceMs: o.shutdownGrace,
    logLevel: o.logLevel,
    agentVersion: AGENT_VERSION,
    protocolVersions: [...SUPPORTED_PROTOCOL_VERSIONS],
  };
}

/** Reads and resolves an `agent.yaml` (paths in it relative to the file). */
export async function loadAgentConfig(
  file: string,
  env: Readonly<Record<string, string | undefined>>,
): Promise<AgentConfig> {
  const text = await readText(file, 'config');
  const data = parseYaml(text, file, 'config');
  return resolveAgentConfig(data, { baseDir: dirname(resolve(file)), env, where: file });
}

/** The resolved post-deploy watch; an OPC UA PLC takes the session settings of `plcOpcua` (resolved into `program` when that is OPC UA too). */
function watchConfig(
  w: NonNullable<z.output<typeof AgentOptions>['watch']>,
  tags: string,
  program: ProgramLocation,
  security: 'none' | 'sign' | 'sign-and-encrypt',
): NonNullable<AgentConfig['watch']> {
  const m = /^modbus:\/\/([^\s:/]+):(\d+)$/.exec(w.plc);
  const plc: NonNullable<AgentConfig['watch']>['plc'] = m
    ? { kind: 'modbus', host: m[1]!, port: Number(m[2]) }
    : program.kind === 'opcua'
      ? { ...program, endpoint: w.plc }
      : { kind: 'opcua', endpoint: w.plc, security, trustUnknownServer: false };
  return {
    tags,
    plc,
    periodMs: w.period,
    cycleMs: w.cycle,
    ...(w.poll !== undefined ? { pollMs: w.poll } : {}),
    opcuaMode: w.opcuaMode,
    ...(w.commLossGrace !== undefined ? { commLossGraceMs: w.commLossGrace } : {}),
    ...(w.programName ? { programName: w.programName } : {}),
    ...(w.deferWhile ? { deferWhile: w.deferWhile } : {}),
    deferRecheckMs: w.deferRecheck,
  };
}
