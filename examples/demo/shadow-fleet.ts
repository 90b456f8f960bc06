/**
 * The shadow demo (`npm start -- --scenario shadow`, issue #21 point 6): three tank plants,
 * each a virtual PLC served over Modbus TCP (and OPC UA) whose tank is a plant model (an ST
 * program scanned beside it, wired by a PlantBinding), an agent per site that shadows its
 * PLC, and a rollout whose phases require shadow time before approval and watch each deploy.
 *
 * - tank-1 (Lyon): the line is busy when the change is approved, so the deploy is deferred
 *   (the rollout says "deferred (line busy)"), then deploys and passes its watch.
 * - tank-2 (Porto): its PLC runs an online edit (high level 70) that never reached the
 *   project the agent reads (60): verification against the project passes, the candidate's
 *   shadow against the live PLC diverges on `Pump`, and the shadow gate halts the rollout
 *   before anything is deployed there.
 * - tank-3 (Brno): the change passes its shadow, is approved and deployed, but this PLC's
 *   firmware starts variables an online change adds at 0, not at their initial values (a
 *   fault the demo injects): with both limits 0 the pump never runs; the post-deploy watch
 *   sees `Pump` diverge from the approved program and rolls back by itself.
 */
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type ControlPlaneHandle, startControlPlane } from '@plcfleet/control-plane';
import {
  type AgentHandle,
  type PlcRuntime,
  type PlcServer,
  resolveAgentConfig,
  startAgent,
  startPlcServer,
  VirtualPlcRuntime,
} from '@plcfleet/edge-agent';
import { PlantBinding, parseWith, type ShadowReportView, TagMap } from '@plcfleet/protocols';
import { FINAL_ROLLOUT_STATES, PlcfleetClient } from '@plcfleet/sdk';
import YAML from 'yaml';
import { bold, type FleetDemoOptions, JOB_DONE } from './fleet';

const here = join(dirname(fileURLToPath(import.meta.url)), 'tank');

/** A file of a PLC program as the virtual PLC takes it. */
type PlcFile = Parameters<VirtualPlcRuntime['replaceProgram']>[0][number];

/** A YAML document checked against its schema; throws naming the file. */
function checked<T>(file: string, r: { ok: true; value: T } | { ok: false; error: string }): T {
  if (!r.ok) throw new Error(`${file}: ${r.error}`);
  return r.value;
}
const yamlOf = (file: string): unknown => YAML.parse(readFileSync(file, 'utf8'));

function programFiles(dir: string): PlcFile[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.st'))
    .sort()
    .map((name) => ({ name, text: readFileSync(join(dir, name), 'utf8') }));
}

/**
 * A PLC whose firmware starts the variables an online change adds at 0 (FALSE) instead of
 * their declared initial values — the fault the demo injects at tank-3. The change is
 * accepted and its files read back as written; only what runs differs.
 */
class FaultyFirmware implements PlcRuntime {
  constructor(private readonly inner: VirtualPlcRuntime) {}
  scan(): void {
    this.inner.scan();
  }
  read(name: string) {
    return this.inner.read(name);
  }
  write(name: string, value: Parameters<VirtualPlcRuntime['write']>[1]): void {
    this.inner.write(name, value);
  }
  variables() {
    return this.inner.variables();
  }
  programFiles() {
    return this.inner.programFiles();
  }
  replaceProgram(files: PlcFile[]) {
    const before = new Set(this.inner.variables().map((v) => v.name.toLowerCase()));
    const r = this.inner.replaceProgram(files);
    if (r.ok)
      for (const v of this.inner.variables())
        if (!before.has(v.name.toLowerCase()) && /^(BOOL|U?[SDL]?INT|REAL|LREAL)$/.test(v.type))
          this.inner.write(v.name, v.type === 'BOOL' ? false : 0);
    return r;
  }
}

/**
 * The tank of a site: the plant model scanned every 10 ms beside the served PLC, its
 * sensors written into the PLC's inputs and the PLC's outputs into its actuators, each
 * wire `delay` cycles late (the binding file's semantics, as `ClosedLoop` runs them).
 */
function runPlant(plc: PlcServer, binding: PlantBinding): () => void {
  const plant = new VirtualPlcRuntime(programFiles(join(here, 'plant')), { program: 'Tank', cycleMs: 10 });
  const lines = [
    ...binding.sensors.map((w) => ({
      w,
      read: (n: string) => plant.read(n),
      write: (n: string, v: never) => plc.loop.write(n, v),
    })),
    ...binding.actuators.map((w) => ({
      w,
      read: (n: string) => plc.loop.read(n),
      write: (n: string, v: never) => plant.write(n, v),
    })),
  ].map((l) => ({ ...l, queue: [] as unknown[] }));
  const timer = setInterval(() => {
    for (const l of lines) {
      l.queue.push(l.read(l.w.from));
      if (l.queue.length > (l.w.delay ?? binding.delay)) l.write(l.w.to, l.queue.shift() as never);
    }
    plant.scan();
  }, 10);
  return () => clearInterval(timer);
}

interface TankSite {
  site: string;
  city: string;
  /** The program the PLC runs, when not the project's (an online edit). */
  live?: (text: string) => string;
  /** The agent reads and deploys the program through the PLC's OPC UA server (else the project folder). */
  opcua: boolean;
  firmwareFault?: boolean;
  /** The line is busy (Batch_Running) when the first deploy comes. */
  busyAtFirstDeploy?: boolean;
}

const SITES: TankSite[] = [
  { site: 'tank-1', city: 'Lyon', opcua: true, busyAtFirstDeploy: true },
  {
    site: 'tank-2',
    city: 'Porto',
    opcua: false,
    live: (t) => t.replace('ELSIF Level > 60 THEN', 'ELSIF Level > 70 THEN'),
  },
  { site: 'tank-3', city: 'Brno', opcua: true, firmwareFault: true },
];

/** One row of the shadow demo's summary. */
export interface ShadowDemoRow {
  site: string;
  verdict: string;
  shadow: string;
  deploy: string;
  watch: string;
}

/** What {@link runShadowFleetDemo} found, with everything still running (call `stop()`). */
export interface ShadowDemoResult {
  rows: ShadowDemoRow[];
  rolloutId: string;
  rolloutState: string;
  rolloutReason: string;
  /** Each phase's one line from the progress view (counts, what it waits for, the shadow gate). */
  phases: string[];
  /** Deploys the rollout's view showed as "deferred (line busy)". */
  sawDeferred: boolean;
  url: string;
  adminToken: string;
  workDir: string;
  asExpected: boolean;
  stop(): Promise<void>;
}

const shadowText = (r: ShadowReportView | undefined) =>
  r ? `${r.state}${r.divergences[0] ? ` (${r.divergences[0].tag})` : ''}` : '—';

/** Options of {@link runShadowFleetDemo}. */
export interface ShadowDemoOptions extends FleetDemoOptions {
  /**
   * When the phases' shadow runs: before approval (the operator approves a change once its
   * run passed), or after it (the operator approves at once; the agent shadows the approved
   * program first and refuses the deploy when it diverges). @default 'before-approval'
   */
  shadowWhen?: 'before-approval' | 'after-approval';
}

/** Runs the shadow demo in this process. */
export async function runShadowFleetDemo(options: ShadowDemoOptions = {}): Promise<ShadowDemoResult> {
  const when = options.shadowWhen ?? 'before-approval';
  const say = options.say ?? (() => {});
  const step = (line: string) => say(bold(`▸ ${line}`));
  const work = options.workDir ?? mkdtempSync(join(tmpdir(), 'plcfleet-shadow-demo-'));
  let cp: ControlPlaneHandle | undefined;
  const stops: (() => Promise<void> | void)[] = [];
  const cleanup = async () => {
    for (const s of stops.splice(0).reverse()) await Promise.resolve(s()).catch(() => {});
    await cp?.close().catch(() => {});
  };
  try {
    step(`control plane on SQLite in ${work}`);
    cp = await startControlPlane({ port: 0, dataDir: join(work, 'control-plane'), logLevel: 'silent' });
    const adminToken = cp.bootstrapToken!;
    const admin = new PlcfleetClient({ server: cp.url, token: adminToken });
    const op = await cp.createApiToken({ name: 'olga.operator', role: 'operator' });
    const operator = new PlcfleetClient({ server: cp.url, token: op.token });
    const tagsFile = join(here, 'tags.yaml');
    const tags = checked(tagsFile, parseWith(TagMap, yamlOf(tagsFile)));
    const bindingFile = join(here, 'plant/binding.yaml');
    const binding = checked(bindingFile, parseWith(PlantBinding, yamlOf(bindingFile)));
    const agents = new Map<string, AgentHandle>();

    for (const spec of SITES) {
      step(`tank ${spec.site} (${spec.city}): PLC with its tank model, site, agent`);
      const dir = join(work, 'plants', spec.site);
      const project = join(dir, 'program');
      mkdirSync(dir, { recursive: true });
      cpSync(join(here, 'program'), project, { recursive: true });
      const files = programFiles(project).map((f) =>
        f.name === 'Main.st' && spec.live ? { ...f, text: spec.live(f.text) } : f,
      );
      const inner = new VirtualPlcRuntime(files, { program: 'Main', cycleMs: 10 });
      const plc = await startPlcServer({
        runtime: spec.firmwareFault ? new FaultyFirmware(inner) : inner,
        tags,
        cycleMs: 10,
        modbus: { port: 0, host: '127.0.0.1' },
        opcua: spec.opcua
          ? { port: 0, dataDir: join(dir, 'opcua'), security: 'none', allowAnonymous: true }
          : false,
      });
      stops.push(() => plc.close());
      stops.push(runPlant(plc, binding));
      if (spec.busyAtFirstDeploy) plc.loop.write('Batch_Running', true);
      say(
        `  PLC: Modbus TCP 127.0.0.1:${plc.modbus?.port}${plc.opcua ? `, OPC UA ${plc.opcua.endpointUrl}` : ''}` +
          (spec.live ? '; runs an online edit (high level 70) its project does not have (60)' : '') +
          (spec.firmwareFault
            ? '; firmware 2.1 starts variables an online change adds at 0 (the fault this demo injects)'
            : ''),
      );

      await admin.sites.put(spec.site, {
        tags: ['tank'],
        firmware: '3.4.1',
        timeZone: 'UTC',
        maintenanceWindows: [{ start: '00:00', durationMinutes: 1440 }],
      });
      writeFileSync(
        join(dir, 'policy.yaml'),
        YAML.stringify({ apiVersion: 'plcfleet/v1', kind: 'SitePolicy', site: spec.site }),
      );
      writeFileSync(
        join(dir, 'site-facts.yaml'),
        YAML.stringify({ apiVersion: 'plcfleet/v1', kind: 'SiteFacts', site: spec.site, firmware: '3.4.1' }),
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
          program: spec.opcua ? plc.opcua!.endpointUrl : project,
          plcOpcua: { security: 'none', insecure: true },
          transformer: { kind: 'recipe' },
          // Shadow and watch read the live PLC over Modbus; a deploy waits while the line is busy.
          watch: {
            tags: tagsFile,
            plc: `modbus://127.0.0.1:${plc.modbus!.port}`,
            cycle: '10ms',
            poll: '20ms',
            deferWhile: 'Batch_Running',
            deferRecheck: '500ms',
          },
          dataDir: join(dir, 'agent'),
          heartbeat: '2s',
          logLevel: 'silent',
        },
        { baseDir: dir, env: {} },
      );
      const agent = await startAgent(config);
      stops.push(() => agent.stop({ graceMs: 0 }));
      agents.set(spec.site, agent);
      if (spec.busyAtFirstDeploy)
        // The batch ends 1.5 s after the agent first put the deploy off.
        agent.events.once('deploy.deferred', () => {
          const t = setTimeout(() => plc.loop.write('Batch_Running', false), 1500);
          stops.push(() => clearTimeout(t));
        });
    }

    step('apply the migration: the fill limits 40 and 60 become Fill_Low and Fill_High');
    await admin.migrations.apply(readFileSync(join(here, 'tank-fill-limits.yaml'), 'utf8'));

    step(`roll it out: 2 s in shadow ${when.replace('-', ' ')}, deploys watched for 3 s`);
    const shadow = { minDuration: '2s', maxDivergences: 0, when };
    const { rollout } = await admin.rollouts.create({
      migrationId: 'tank-fill-limits',
      name: 'named fill limits, shadowed',
      start: true,
      plan: {
        apiVersion: 'plcfleet/v1',
        kind: 'RolloutPlan',
        phases: [
          {
            name: 'canary',
            select: { sites: ['tank-1'] },
            concurrency: 1,
            shadow,
            watch: '3s',
            gates: { minSample: 1, requireDeployed: true },
          },
          { name: 'fleet', select: { rest: true }, shadow, watch: '3s', gates: { minSample: 2 } },
        ],
        jobTimeout: '2m',
        retries: 0,
        lease: '20s',
      },
    });
    say(`  rollout ${rollout.id}`);
    await options.onRollout?.({ rolloutId: rollout.id, url: cp.url, token: adminToken });

    // The operator approves each change once its shadow run passed (the control plane refuses
    // earlier); the demo follows the rollout until tank-1 is watched, tank-2's candidate
    // diverged and tank-3's deploy was rolled back by its watch.
    const approved = new Set<string>();
    let sawDeferred = false;
    const timeout = AbortSignal.timeout(options.timeoutMs ?? 120_000);
    for await (const e of admin.watchRollout(rollout.id, { signal: timeout, until: [] })) {
      if (e.type !== 'snapshot') continue;
      const progress = await admin.rollouts.progress(rollout.id);
      if (progress.phases.some((p) => p.counts.deferred > 0)) sawDeferred = true;
      const reports = await admin.rollouts.shadowReports(rollout.id);
      for (const cr of await operator.changes.list({ state: 'open', rollout: rollout.id })) {
        const run = reports.find((r) => r.jobId === cr.jobId && r.kind === 'candidate');
        if (approved.has(cr.id)) continue;
        if (when === 'after-approval')
          await operator.changes.approve(cr.id, 'demo: reviewed; its site shadows it before deploying');
        else if (run?.state === 'passed')
          await operator.changes.approve(cr.id, `demo: shadow passed (${run.compared} samples compared)`);
        else continue;
        approved.add(cr.id);
      }
      // Over once the rollout is final, no job is in flight, every deploy is settled and
      // every shadow run has ended (a watch outlives its deploy's result by a moment).
      const deploys = await admin.deploys.list({ rollout: rollout.id });
      const open = await operator.changes.list({ state: 'open', rollout: rollout.id });
      const waiting = open.some((cr) => {
        const run = reports.find((r) => r.jobId === cr.jobId && r.kind === 'candidate');
        return !run || run.state === 'running' || run.state === 'passed';
      });
      if (
        FINAL_ROLLOUT_STATES.includes(e.detail.rollout.state) &&
        Object.entries(e.detail.jobs).every(([s, n]) => n === 0 || JOB_DONE.has(s)) &&
        !waiting &&
        deploys.every((d) => !['ordered', 'delivered'].includes(d.state)) &&
        reports.every((r) => r.state !== 'running') &&
        // A deployed change is done once its watch passed; one whose watch failed, once rolled back.
        deploys.every(
          (d) =>
            d.state !== 'deployed' ||
            reports.some((r) => r.kind === 'watch' && r.deployId === d.id && r.state === 'passed'),
        )
      )
        break;
    }

    const detail = await admin.rollouts.get(rollout.id);
    const progress = await admin.rollouts.progress(rollout.id);
    const verdicts = await admin.verdicts.list({ rollout: rollout.id });
    const deploys = await admin.deploys.list({ rollout: rollout.id });
    const reports = await admin.rollouts.shadowReports(rollout.id);
    const rows = SITES.map(({ site }) => {
      const d = deploys.find((x) => x.site === site);
      const watch = reports.find((r) => r.site === site && r.kind === 'watch');
      const v = verdicts.find((x) => x.site === site);
      if (v && v.outcome !== 'passed') say(`  ${site}: ${v.outcome}: ${v.reason}`);
      if (d?.state === 'rolled-back') say(`  ${site} rolled back: ${d.reason}`);
      return {
        site,
        verdict: verdicts.find((v) => v.site === site)?.outcome ?? '—',
        shadow: shadowText(reports.find((r) => r.site === site && r.kind === 'candidate')),
        deploy: d?.state ?? 'not deployed',
        watch: watch ? shadowText(watch) : '—',
      };
    });
    const [t1, t2, t3] = rows;
    const asExpected =
      t1?.shadow === 'passed' &&
      t1.deploy === 'deployed' &&
      sawDeferred &&
      t2?.verdict === 'passed' &&
      t2.shadow === 'diverged (Pump)' &&
      // After approval the agent refuses the deploy its shadow run failed; before, there is none.
      t2.deploy === (when === 'after-approval' ? 'refused' : 'not deployed') &&
      t3?.shadow === 'passed' &&
      t3.deploy === 'rolled-back' &&
      t3.watch.startsWith('diverged') &&
      detail.rollout.state === 'halted' &&
      /shadow at tank-2: Pump diverged/.test(detail.rollout.stateReason);
    return {
      rows,
      rolloutId: rollout.id,
      rolloutState: detail.rollout.state,
      rolloutReason: detail.rollout.stateReason,
      phases: progress.phases.map(
        (p) => `phase ${p.index + 1} (${p.name}): ${p.summary}${p.shadow ? `; ${p.shadow}` : ''}`,
      ),
      sawDeferred,
      url: cp.url,
      adminToken,
      workDir: work,
      asExpected,
      stop: cleanup,
    };
  } catch (err) {
    await cleanup();
    throw err;
  }
}
