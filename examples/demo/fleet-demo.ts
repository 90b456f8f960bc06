/**
 * The fleet demo (`npm start`): a control plane on SQLite in a temporary folder,
 * three virtual press-line plants (each a virtual PLC serving its program over
 * OPC UA and its tags over Modbus TCP and OPC UA), three edge agents, the guard
 * migration rolled out in two phases with the recipe transformer, a safety
 * engineer approving the passed changes, and deploys into the virtual PLCs.
 *
 *   npm start                          run it and exit 0 when it went as it should
 *   npm start -- --keep                keep everything running; prints the URL and a token
 *   npm start -- --transformer claude  use the model (needs ANTHROPIC_API_KEY)
 */
import { spawn } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
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
import { parseWith, TagMap } from '@plcfleet/protocols';
import { PlcfleetClient } from '@plcfleet/sdk';
import YAML from 'yaml';

const here = dirname(fileURLToPath(import.meta.url));
const examples = resolve(here, '..');
const repo = resolve(examples, '..');

const { values: args } = parseArgs({
  options: {
    keep: { type: 'boolean', default: false },
    transformer: { type: 'string', default: 'recipe' },
    quiet: { type: 'boolean', default: false },
  },
});
if (args.transformer !== 'recipe' && args.transformer !== 'claude') {
  console.error(`--transformer: expected recipe or claude, got "${args.transformer}"`);
  process.exit(2);
}
if (args.transformer === 'claude' && !process.env.ANTHROPIC_API_KEY) {
  console.error('--transformer claude needs ANTHROPIC_API_KEY in the environment');
  process.exit(2);
}

const say = (line: string) => process.stderr.write(`${line}\n`);
const step = (line: string) => say(`\x1b[1m▸ ${line}\x1b[0m`);

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

async function main(): Promise<number> {
  const t0 = Date.now();
  const work = mkdtempSync(join(tmpdir(), 'plcfleet-demo-'));
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
          transformer:
            args.transformer === 'claude'
              ? { kind: 'claude', model: 'claude-sonnet-4-5' }
              : { kind: 'recipe' },
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

    // The live view is the CLI's own `plcfleet rollouts watch`.
    const watch = spawn(
      process.execPath,
      [
        join(repo, 'sdk/bin/plcfleet.js'),
        'rollouts',
        'watch',
        rollout.id,
        '--server',
        cp.url,
        '--token',
        adminToken,
      ],
      { stdio: ['ignore', args.quiet ? 'ignore' : 'inherit', args.quiet ? 'ignore' : 'inherit'] },
    );
    const watched = new Promise<number>((res) => watch.on('exit', (code) => res(code ?? 1)));

    // The safety engineer reviews every change that passed, as it arrives.
    const approved = new Set<string>();
    const deadline = Date.now() + 120_000;
    let final = false;
    while (!final && Date.now() < deadline) {
      const open = await engineer.changes.list({ state: 'open' });
      for (const change of open) {
        if (approved.has(change.id)) continue;
        await engineer.changes.approve(
          change.id,
          'demo: reviewed diff, permissive tightened, equivalence proven',
        );
        approved.add(change.id);
      }
      const detail = await admin.rollouts.get(rollout.id);
      final = ['completed', 'halted', 'aborted'].includes(detail.rollout.state);
      await new Promise((r) => setTimeout(r, 300));
    }
    // Let the last deploys land.
    const deployDeadline = Date.now() + 30_000;
    while (Date.now() < deployDeadline) {
      const deploys = await admin.deploys.list({ rollout: rollout.id });
      const settled = deploys.filter((d) => !['ordered', 'delivered'].includes(d.state));
      if (deploys.length >= approved.size && settled.length === deploys.length) break;
      await new Promise((r) => setTimeout(r, 300));
    }
    watch.kill('SIGINT');
    await watched;

    step('summary');
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
          ? `permissive ${perm.result}`
          : ev?.equivalence
            ? `equivalent ${ev.equivalence.equivalent}`
            : '—',
        deploy: d?.state ?? (v?.outcome === 'passed' ? 'not deployed' : '—'),
      };
    });
    printTable(rows);
    say(`\nrollout ${rollout.id}: ${detail.rollout.state} — ${detail.rollout.stateReason}`);
    for (const r of running)
      say(`evidence for ${r.spec.site}: ${join(work, 'plants', r.spec.site, 'agent')}`);
    say(`(${((Date.now() - t0) / 1000).toFixed(1)} s)`);

    // What the demo shows: the pilot and the second site pass and deploy; the site whose
    // guards sit in a certified POU is refused by the safety verifier, which halts the rollout.
    const expected =
      rows[0]?.verdict === 'passed' &&
      rows[0]?.deploy === 'deployed' &&
      rows[1]?.verdict === 'passed' &&
      rows[1]?.deploy === 'deployed' &&
      rows[2]?.verdict === 'failed' &&
      rows[2]?.safety.includes('certified');
    if (!expected) say('\nthe demo did not end as it should (see the table above)');
    if (args.keep) {
      say(`\nkept running: ${cp.url}  token: ${adminToken}  (Ctrl-C to stop)`);
      await new Promise<void>((res) => process.once('SIGINT', () => res()));
    }
    await cleanup();
    return expected ? 0 : 1;
  } catch (err) {
    await cleanup();
    throw err;
  }
}

function printTable(rows: Record<string, string>[]): void {
  const cols = Object.keys(rows[0] ?? {});
  const width = cols.map((c) => Math.max(c.length, ...rows.map((r) => (r[c] ?? '').length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(width[i]!)).join('  ');
  console.log(line(cols.map((c) => c.toUpperCase())));
  for (const r of rows) console.log(line(cols.map((c) => r[c] ?? '')));
}

main().then(
  (code) => process.exit(code),
  (err) => {
    console.error(`demo failed: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  },
);
