/**
 * The fleet demo as a library: a control plane on SQLite, three virtual
 * press-line plants (each a virtual PLC serving its program over OPC UA and its
 * tags over Modbus TCP and OPC UA), three edge agents, the guard migration
 * rolled out in two phases, a safety engineer approving, deploys into the
 * virtual PLCs. `fleet-demo.ts` is the `npm start` front; `test/fleet-demo.test.ts`
 * runs the same flow as a test.
 */
import { cpSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type ControlPlaneHandle, startControlPlane } from '@plcfleet/control-plane';
import {
  type AgentHandle,
  type PlcServer,
  readProgramFiles,
  resolveAgentConfig,
  startAgent,
  startPlcServer,
  VirtualPlcRuntime,
} from '@plcfleet/edge-agent';
import { CLAIM_LABELS, parseWith, proofClaim, TagMap } from '@plcfleet/protocols';
import { FINAL_ROLLOUT_STATES, PlcfleetClient } from '@plcfleet/sdk';
import YAML from 'yaml';

const examples = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** The three plants: the same press line as written at three sites, each its own. */
interface PlantSpec {
  site: string;
  city: string;
  tags: string[];
  /** Edits that make this site's program its own. */
  variant: (dir: string) => void;
  /** POU names certified at this site (besides SafetyCore and TwoHandControl). */
  certified: string[];
}

const edit = (file: string, from: string, to: string) => {
  const text = readFileSync(file, 'utf8');
  if (!text.includes(from)) throw new Error(`demo variant: "${from.slice(0, 40)}…" not found in ${file}`);
  writeFileSync(file, text.replace(from, to));
};

const PLANTS: PlantSpec[] = [
  {
    site: 'press-line-1',
    city: 'Lyon',
    tags: ['press', 'europe', 'pilot'],
    variant: () => {},
    certified: [],
  },
  {
    site: 'press-line-2',
    city: 'Porto',
    tags: ['press', 'europe'],
    // A third guard on the side door.
    variant: (dir) => {
      const f = join(dir, 'PressControl.st');
      edit(
        f,
        '    Light_Curtain_Clear : BOOL;\n',
        '    Light_Curtain_Clear : BOOL;\n    Side_Guard_Closed : BOOL;\n',
      );
      edit(f, '    Rear_Guard_OK : BOOL;\n', '    Rear_Guard_OK : BOOL;\n    Side_Guard_OK : BOOL;\n');
      edit(
        f,
        'Safety_OK := E_Stop_OK AND Front_Guard_OK AND Rear_Guard_OK AND Light_Curtain_Clear;',
        'Side_Guard_OK := FALSE;\nIF Side_Guard_Closed = TRUE THEN\n    Side_Guard_OK := TRUE;\nEND_IF;\n\nSafety_OK := E_Stop_OK AND Front_Guard_OK AND Rear_Guard_OK AND Side_Guard_OK AND Light_Curtain_Clear;',
      );
    },
    certified: [],
  },
  {
    site: 'press-line-3',
    city: 'Brno',
    tags: ['press', 'europe', 'certified-guards'],
    // Guard monitoring lives in a certified block here: the migration must not touch it.
    variant: (dir) => {
      const f = join(dir, 'PressControl.st');
      const guards =
        'Front_Guard_OK := FALSE;\nIF Front_Guard_Closed = TRUE THEN\n    Front_Guard_OK := TRUE;\nEND_IF;\n\nRear_Guard_OK := FALSE;\nIF Rear_Guard_Closed = TRUE THEN\n    Rear_Guard_OK := TRUE;\nEND_IF;\n';
      edit(
        f,
        guards,
        'Guards(Front := Front_Guard_Closed, Rear := Rear_Guard_Closed);\nFront_Guard_OK := Guards.Front_OK;\nRear_Guard_OK := Guards.Rear_OK;\n',
      );
      edit(f, '    Core : SafetyCore;\n', '    Core : SafetyCore;\n    Guards : GuardLogic;\n');
      writeFileSync(
        join(dir, 'GuardLogic.st'),
        `(* Certified guard evaluation (report 2023-044). *)
FUNCTION_BLOCK GuardLogic
VAR_INPUT
    Front : BOOL;
    Rear : BOOL;
END_VAR
VAR_OUTPUT
    Front_OK : BOOL;
    Rear_OK : BOOL;
END_VAR
Front_OK := FALSE;
IF Front = TRUE THEN
    Front_OK := TRUE;
END_IF;
Rear_OK := FALSE;
IF Rear = TRUE THEN
    Rear_OK := TRUE;
END_IF;
END_FUNCTION_BLOCK
`,
      );
    },
    certified: ['GuardLogic'],
  },
];

interface Running {
  spec: PlantSpec;
  plc: PlcServer;
  agent: AgentHandle;
}

/** Job states a job does not leave: the demos follow a rollout until none is in any other. */
/** Bold for a terminal that shows it: not when stderr is a file or a pipe, nor with NO_COLOR set. */
export function bold(text: string): string {
  return process.stderr.isTTY && !process.env.NO_COLOR ? `\x1b[1m${text}\x1b[0m` : text;
}

export const JOB_DONE: ReadonlySet<string> = new Set([
  'passed',
  'failed',
  'skipped',
  'error',
  'cancelled',
  'retried',
]);

/** Options of {@link runFleetDemo}. */
export interface FleetDemoOptions {
  /** @default 'recipe' */
  transformer?: 'recipe' | 'claude';
  /** Progress lines for a person. @default nothing */
  say?: (line: string) => void;
  /** Called with the rollout id once it started (the CLI attaches `plcfleet rollouts watch`). */
  onRollout?: (info: { rolloutId: string; url: string; token: string }) => void | Promise<void>;
  /** Folder for everything the demo writes. @default a new temporary folder */
  workDir?: string;
  /** How long to wait for the rollout to end and its deploys to land. @default 120000 */
  timeoutMs?: number;
}

/** One row of the demo's summary. */
export interface FleetDemoRow {
  site: string;
  verdict: string;
  safety: string;
  proofs: string;
  deploy: string;
}

/** What {@link runFleetDemo} leaves running and found. */
export interface FleetDemoResult {
  rows: FleetDemoRow[];
  rolloutId: string;
  rolloutState: string;
  rolloutReason: string;
  /** Where each site's evidence lies (job folders with verdict.json, diff.patch, trace.jsonl). */
  evidence: Record<string, string>;
  workDir: string;
  url: string;
  adminToken: string;
  /** True when the demo ended as designed (see `expected` below). */
  asExpected: boolean;
  /** Stops agents, PLCs and the control plane. */
  stop(): Promise<void>;
}

/**
 * Runs the fleet demo in this process and returns its summary with everything
 * still running (call `stop()`).
 */
export async function runFleetDemo(options: FleetDemoOptions = {}): Promise<FleetDemoResult> {
  const say = options.say ?? (() => {});
  const step = (line: string) => say(bold(`▸ ${line}`));
  const transformer = options.transformer ?? 'recipe';
  const work = options.workDir ?? mkdtempSync(join(tmpdir(), 'plcfleet-demo-'));
  let cp: ControlPlaneHandle | undefined;
  const running: Running[] = [];
  const cleanup = async () => {
    for (const r of running) {
      await r.agent.stop().catch(() => {});
      await r.plc.close().catch(() => {});
    }
    await cp?.close().catch(() => {});
  };

  try {
    step(`control plane on SQLite in ${work}`);
    cp = await startControlPlane({ port: 0, dataDir: join(work, 'control-plane'), logLevel: 'silent' });
    const adminToken = cp.bootstrapToken!;
    const admin = new PlcfleetClient({ server: cp.url, token: adminToken });
    const safety = await cp.createApiToken({ name: 'sam.safety', role: 'safety-engineer' });
    const engineer = new PlcfleetClient({ server: cp.url, token: safety.token });
    say(`  ${cp.url}`);

    const tagMapDoc = parseWith(
      TagMap,
      YAML.parse(readFileSync(join(examples, 'tagmaps/press-line.yaml'), 'utf8')),
    );
    if (!tagMapDoc.ok) throw new Error(tagMapDoc.error);

    for (const spec of PLANTS) {
      step(`plant ${spec.site} (${spec.city}): virtual PLC, site, agent`);
      const dir = join(work, 'plants', spec.site);
      const programDir = join(dir, 'program');
      mkdirSync(dir, { recursive: true });
      cpSync(join(examples, 'plants/press-line'), programDir, { recursive: true });
      spec.variant(programDir);

      const runtime = new VirtualPlcRuntime(readProgramFiles([programDir]), {
        program: 'PressLine',
        cycleMs: 10,
      });
      const plc = await startPlcServer({
        runtime,
        tags: tagMapDoc.value,
        cycleMs: 10,
        modbus: { port: 0, host: '127.0.0.1' },
        opcua: { port: 0, dataDir: join(dir, 'opcua'), security: 'none', allowAnonymous: true },
      });
      say(`  PLC: Modbus TCP 127.0.0.1:${plc.modbus?.port}, OPC UA ${plc.opcua?.endpointUrl}`);

      await admin.sites.put(spec.site, {
        tags: spec.tags,
        firmware: '3.4.1',
        timeZone: 'UTC',
        // An always-open window: the demo deploys at once.
        maintenanceWindows: [{ start: '00:00', durationMinutes: 1440 }],
      });
      const policy = {
        apiVersion: 'plcfleet/v1',
        kind: 'SitePolicy',
        site: spec.site,
        emergencyStops: ['E_Stop_OK'],
        safetySignals: [
          'PressControl.Safety_OK',
          'PressControl.Front_Guard_OK',
          'PressControl.Rear_Guard_OK',
        ],
        permissives: ['PressControl.Safety_OK', 'PressControl.Press_Enable'],
        certifiedPous: ['SafetyCore', 'TwoHandControl', ...spec.certified].map((name) => ({ name })),
        protectedTiming: true,
      };
      writeFileSync(join(dir, 'policy.yaml'), YAML.stringify(policy));
      writeFileSync(
        join(dir, 'site-facts.yaml'),
        YAML.stringify({
          apiVersion: 'plcfleet/v1',
          kind: 'SiteFacts',
          site: spec.site,
          firmware: '3.4.1',
          tags: spec.tags,
        }),
      );
      const enrollment = await cp.createEnrollmentToken({ site: spec.site });
      const config = await resolveAgentConfig(
        {
          apiVersion: 'plcfleet/v1',
          kind: 'AgentConfig',
          site: spec.site,
          controlPlane: { url: cp.url, enrollmentToken: enrollment.token, signingKeys: [cp.publicKeyPem] },
          siteFacts: join(dir, 'site-facts.yaml'),
          policy: join(dir, 'policy.yaml'),
          program: plc.opcua!.endpointUrl,
          // The virtual PLCs of the demo are simulators on loopback; a plant's agent keeps the default sign-and-encrypt.
          plcOpcua: { security: 'none', insecure: true },
          transformer:
            transformer === 'claude' ? { kind: 'claude', model: 'claude-sonnet-5' } : { kind: 'recipe' },
          dataDir: join(dir, 'agent'),
          heartbeat: '2s',
          logLevel: 'silent',
        },
        { baseDir: dir, env: {} },
      );
      const agent = await startAgent(config);
      running.push({ spec, plc, agent });
    }

    step('apply the guard migration');
    const migrationYaml = readFileSync(join(examples, 'migrations/safety-guard-monitor.yaml'), 'utf8');
    const applied = await admin.migrations.apply(migrationYaml);
    const m = applied.migration!;
    say(`  ${m.id} r${m.revision}: ${m.title}`);

    step('roll it out: press-line-1 first, then the rest');
    const { rollout } = await admin.rollouts.create({
      migrationId: 'safety-guard-monitor',
      name: 'guard monitoring, pilot then fleet',
      start: true,
      plan: {
        apiVersion: 'plcfleet/v1',
        kind: 'RolloutPlan',
        phases: [
          { name: 'pilot', select: { sites: ['press-line-1'] }, concurrency: 1, gates: { minSample: 1 } },
          { name: 'fleet', select: { rest: true }, concurrency: 5, gates: { minSample: 2 } },
        ],
        jobTimeout: '2m',
        retries: 1,
        lease: '20s',
      },
    });
    say(`  rollout ${rollout.id}`);

    await options.onRollout?.({ rolloutId: rollout.id, url: cp.url, token: adminToken });

    // The safety engineer reviews every change that passed, as it arrives. A halt stops new
    // work, but jobs already running finish and are recorded, and approved changes deploy:
    // follow the rollout (a snapshot after each burst of its events; `until: []`, as it goes
    // on past its final state) until it is final, no job is in flight, nothing is open and
    // every approved change has landed.
    const approved = new Set<string>();
    const timeout = AbortSignal.timeout(options.timeoutMs ?? 120_000);
    for await (const e of admin.watchRollout(rollout.id, { signal: timeout, until: [] })) {
      if (e.type !== 'snapshot') continue;
      const open = await engineer.changes.list({ state: 'open', rollout: rollout.id });
      for (const change of open) {
        if (approved.has(change.id)) continue;
        await engineer.changes.approve(
          change.id,
          'demo: reviewed diff, permissive tightened, equivalence proven',
        );
        approved.add(change.id);
      }
      const over =
        FINAL_ROLLOUT_STATES.includes(e.detail.rollout.state) &&
        Object.entries(e.detail.jobs).every(([state, n]) => n === 0 || JOB_DONE.has(state)) &&
        open.length === 0;
      if (!over) continue;
      const deploys = await admin.deploys.list({ rollout: rollout.id });
      const settled = deploys.filter((d) => !['ordered', 'delivered'].includes(d.state));
      if (deploys.length >= approved.size && settled.length === deploys.length) break;
    }
    const detail = await admin.rollouts.get(rollout.id);
    const verdicts = await admin.verdicts.list({ rollout: rollout.id });
    const deploys = await admin.deploys.list({ rollout: rollout.id });
    const rows = PLANTS.map((p) => {
      const v = verdicts.find((x) => x.site === p.site);
      const d = deploys.find((x) => x.site === p.site);
      const ev = v?.verdict.evidence;
      const errors = ev?.safety.findings.filter((f) => f.severity === 'error') ?? [];
      const perm = ev?.safety.proofs.find((pr) => pr.kind === 'permissive');
      return {
        site: p.site,
        verdict: v?.outcome ?? '—',
        safety: ev
          ? errors.length
            ? `${errors.length} (${[...new Set(errors.map((f) => f.category))].join(', ')})`
            : 'none'
          : '—',
        proofs: perm
          ? `permissive ${CLAIM_LABELS[proofClaim(perm)]}`
          : ev?.equivalence
            ? `equivalent ${ev.equivalence.equivalent}`
            : '—',
        deploy: d?.state ?? (v?.outcome === 'passed' ? 'not deployed' : '—'),
      };
    });
    const evidence = Object.fromEntries(
      running.map((r) => [r.spec.site, join(work, 'plants', r.spec.site, 'agent')]),
    );
    // What the demo shows: the pilot and the second site pass and deploy; the site whose
    // guards sit in a certified POU is refused by the safety verifier, which halts the rollout.
    const asExpected =
      rows[0]?.verdict === 'passed' &&
      rows[0]?.deploy === 'deployed' &&
      rows[1]?.verdict === 'passed' &&
      rows[1]?.deploy === 'deployed' &&
      rows[2]?.verdict === 'failed' &&
      rows[2]?.safety.includes('certified') === true &&
      detail.rollout.state === 'halted';
    return {
      rows,
      rolloutId: rollout.id,
      rolloutState: detail.rollout.state,
      rolloutReason: detail.rollout.stateReason,
      evidence,
      workDir: work,
      url: cp.url,
      adminToken,
      asExpected,
      stop: cleanup,
    };
  } catch (err) {
    await cleanup();
    throw err;
  }
}
