/**
 * The ladder → ST fleet demo (`npm start -- --migration ladder-to-st`): a control
 * plane on SQLite, two ladder-line plants whose program is a folder (the line's
 * PLCopen LD pump cell and its L5X export), an agent each, the `ladder-to-st`
 * migration rolled out in one phase, an operator approving, deploys written into
 * the plants' folders. The change review at `/#/changes/<id>` shows the ladder and
 * its ST side by side.
 */
import { cpSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startControlPlane } from '@plcfleet/control-plane';
import { type AgentHandle, resolveAgentConfig, startAgent } from '@plcfleet/edge-agent';
import { FINAL_ROLLOUT_STATES, PlcfleetClient } from '@plcfleet/sdk';
import YAML from 'yaml';
import { bold, type FleetDemoOptions, type FleetDemoResult } from './fleet';

const examples = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const SITES = ['ladder-line-1', 'ladder-line-2'];

/** Runs the ladder → ST rollout over two plants; returns its summary with everything running. */
export async function runLadderFleetDemo(options: FleetDemoOptions = {}): Promise<FleetDemoResult> {
  const say = options.say ?? (() => {});
  const step = (line: string) => say(bold(`▸ ${line}`));
  const work = options.workDir ?? mkdtempSync(join(tmpdir(), 'plcfleet-ladder-demo-'));
  const agents: AgentHandle[] = [];
  const cp = await startControlPlane({ port: 0, dataDir: join(work, 'control-plane'), logLevel: 'silent' });
  const stop = async () => {
    for (const a of agents) await a.stop().catch(() => {});
    await cp.close().catch(() => {});
  };
  try {
    step(`control plane on SQLite in ${work}`);
    const adminToken = cp.bootstrapToken!;
    const admin = new PlcfleetClient({ server: cp.url, token: adminToken });
    const op = await cp.createApiToken({ name: 'olga.operator', role: 'operator' });
    const operator = new PlcfleetClient({ server: cp.url, token: op.token });

    for (const site of SITES) {
      step(`plant ${site}: program folder, site, agent`);
      const dir = join(work, 'plants', site);
      mkdirSync(dir, { recursive: true });
      cpSync(join(examples, 'plants/ladder-line'), join(dir, 'program'), { recursive: true });
      await admin.sites.put(site, {
        tags: ['ladder'],
        firmware: '32.11',
        timeZone: 'UTC',
        maintenanceWindows: [{ start: '00:00', durationMinutes: 1440 }],
      });
      const doc = (kind: string, extra: object) =>
        YAML.stringify({ apiVersion: 'plcfleet/v1', kind, site, ...extra });
      writeFileSync(join(dir, 'policy.yaml'), doc('SitePolicy', {}));
      writeFileSync(join(dir, 'site-facts.yaml'), doc('SiteFacts', { firmware: '32.11', tags: ['ladder'] }));
      const enrollment = await cp.createEnrollmentToken({ site });
      const config = await resolveAgentConfig(
        {
          apiVersion: 'plcfleet/v1',
          kind: 'AgentConfig',
          site,
          controlPlane: { url: cp.url, enrollmentToken: enrollment.token, signingKeys: [cp.publicKeyPem] },
          siteFacts: join(dir, 'site-facts.yaml'),
          policy: join(dir, 'policy.yaml'),
          program: join(dir, 'program'),
          transformer: { kind: 'recipe' },
          dataDir: join(dir, 'agent'),
          heartbeat: '2s',
          logLevel: 'silent',
        },
        { baseDir: dir, env: {} },
      );
      agents.push(await startAgent(config));
    }

    step('apply the ladder → ST migration');
    const applied = await admin.migrations.apply(
      readFileSync(join(examples, 'migrations/ladder-to-st.yaml'), 'utf8'),
    );
    say(`  ${applied.migration!.id} r${applied.migration!.revision}: ${applied.migration!.title}`);
    const { rollout } = await admin.rollouts.create({
      migrationId: 'ladder-to-st',
      name: 'ladder to ST, both lines',
      start: true,
      plan: {
        apiVersion: 'plcfleet/v1',
        kind: 'RolloutPlan',
        phases: [{ name: 'lines', select: { rest: true }, concurrency: 2, gates: { minSample: 2 } }],
        jobTimeout: '2m',
        retries: 1,
        lease: '20s',
      },
    });
    say(`  rollout ${rollout.id}`);
    await options.onRollout?.({ rolloutId: rollout.id, url: cp.url, token: adminToken });

    // The operator approves each change as it opens, until every approved change has landed.
    const approved = new Set<string>();
    const timeout = AbortSignal.timeout(options.timeoutMs ?? 120_000);
    for await (const e of admin.watchRollout(rollout.id, { signal: timeout, until: [] })) {
      if (e.type !== 'snapshot') continue;
      const open = await operator.changes.list({ state: 'open', rollout: rollout.id });
      for (const change of open) {
        if (approved.has(change.id)) continue;
        await operator.changes.approve(change.id, 'demo: ladder and ST reviewed side by side, proofs read');
        approved.add(change.id);
      }
      if (!FINAL_ROLLOUT_STATES.includes(e.detail.rollout.state) || open.length > 0) continue;
      const deploys = await admin.deploys.list({ rollout: rollout.id });
      if (
        deploys.length >= approved.size &&
        deploys.every((d) => !['ordered', 'delivered'].includes(d.state))
      )
        break;
    }
    const detail = await admin.rollouts.get(rollout.id);
    const verdicts = await admin.verdicts.list({ rollout: rollout.id });
    const deploys = await admin.deploys.list({ rollout: rollout.id });
    const rows = SITES.map((site) => {
      const v = verdicts.find((x) => x.site === site);
      const eq = v?.verdict.evidence.equivalence;
      return {
        site,
        verdict: v?.outcome ?? '—',
        safety: v
          ? `${v.verdict.evidence.safety.findings.filter((f) => f.severity === 'error').length || 'none'}`
          : '—',
        proofs: eq ? `equivalent ${eq.equivalent} (${eq.runs} runs × ${eq.scans} scans)` : '—',
        deploy: deploys.find((d) => d.site === site)?.state ?? '—',
      };
    });
    return {
      rows,
      rolloutId: rollout.id,
      rolloutState: detail.rollout.state,
      rolloutReason: detail.rollout.stateReason,
      evidence: Object.fromEntries(SITES.map((s) => [s, join(work, 'plants', s, 'agent')])),
      workDir: work,
      url: cp.url,
      adminToken,
      // Both lines pass, are approved and deployed: their pump cell is ST in the program folder.
      asExpected:
        rows.every((r) => r.verdict === 'passed' && r.deploy === 'deployed') &&
        detail.rollout.state === 'completed',
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}
