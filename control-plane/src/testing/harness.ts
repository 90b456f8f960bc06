/** Starts control planes on a fresh store for tests, with an admin client and fleet seeding. */
import type { DeployOrder, JobBundle, MessageOf } from '@plcfleet/protocols';
import type { ControlPlaneOptions } from '../config';
import { type ControlPlaneHandle, startControlPlane } from '../server';
import { type Behaviour, FakeAgent } from './fake-agent';
import { client, eventually, migrationDoc, siteDoc } from './fixtures';
import { type StoreKind, type TestStore, testStore } from './test-stores';

/** Fast timings for tests. */
export const FAST: ControlPlaneOptions = {
  port: 0,
  host: '127.0.0.1',
  logLevel: 'silent',
  engineTickMs: 30,
  dispatchIntervalMs: 50,
  driverLeaseMs: 1000,
  env: {},
};

/** A test control plane. */
export interface Harness {
  cp: ControlPlaneHandle;
  store: TestStore;
  admin: ReturnType<typeof client>;
  /** Starts another control plane (a replica, or a restart) on the same store. */
  startReplica(extra?: ControlPlaneOptions): Promise<ControlPlaneHandle>;
  close(): Promise<void>;
}

/** Starts a control plane on a fresh store of `kind`. */
export async function startHarness(
  kind: StoreKind = 'sqlite',
  extra: ControlPlaneOptions = {},
): Promise<Harness> {
  const store = testStore(kind);
  const replicas: ControlPlaneHandle[] = [];
  const startReplica = async (more: ControlPlaneOptions = {}) => {
    const cp = await startControlPlane({ ...FAST, ...store.options, ...extra, ...more });
    replicas.push(cp);
    return cp;
  };
  const cp = await startReplica();
  return {
    cp,
    store,
    admin: client(cp.url, cp.bootstrapToken!),
    startReplica,
    close: async () => {
      await Promise.all(replicas.map((r) => r.close()));
      await store.cleanup();
    },
  };
}

/** Registers sites and a migration through the API. */
export async function seedFleet(
  h: Harness,
  sites: { name: string; tags?: string[] }[],
  safetyClass: 'non-safety' | 'safety-related' = 'safety-related',
): Promise<void> {
  for (const s of sites) {
    const r = await h.admin.put(`/v1/sites/${s.name}`, siteDoc(s.name, s.tags ?? []));
    if (r.status !== 200) throw new Error(`site ${s.name}: ${JSON.stringify(r.body)}`);
  }
  const m = await h.admin.post('/v1/migrations', migrationDoc(safetyClass));
  if (m.status !== 200) throw new Error(`migration: ${JSON.stringify(m.body)}`);
}

/** Connects one fake agent per site. */
export async function connectAgents(
  cp: ControlPlaneHandle,
  sites: readonly string[],
  behave: (b: JobBundle) => Behaviour = () => 'passed',
): Promise<Map<string, FakeAgent>> {
  const agents = new Map<string, FakeAgent>();
  await Promise.all(
    sites.map(async (site) => {
      const { token } = await cp.createAgentToken({ site });
      agents.set(site, await FakeAgent.connect(cp.url, token, site, behave));
    }),
  );
  return agents;
}

/** A rollout plan document. */
export function planDoc(phases: unknown[], extra: Record<string, unknown> = {}) {
  return { apiVersion: 'plcfleet/v1', kind: 'RolloutPlan', phases, ...extra };
}

/**
 * Starts a one-phase rollout of the seeded migration over every site, approves the change of
 * `agent`'s site (by the admin) and has the agent report it deployed, acked: the rollout id,
 * the change request and the deploy order, for tests of what follows a deploy.
 */
export async function deployedChange(
  h: Harness,
  agent: FakeAgent,
  phase: Record<string, unknown>,
): Promise<{ id: string; changeRequest: { id: string; jobId: string }; order: DeployOrder }> {
  const started = await h.admin.post('/v1/rollouts', {
    migrationId: 'guard-upgrade',
    start: true,
    plan: planDoc([{ name: 'all', select: { rest: true }, ...phase }]),
  });
  if (started.status !== 201) throw new Error(`rollout: ${JSON.stringify(started.body)}`);
  const id = started.body.rollout.id as string;
  const changeRequest = await eventually(async () => {
    const list = (await h.admin.get(`/v1/change-requests?rollout=${id}`)).body.changeRequests as {
      id: string;
      jobId: string;
    }[];
    return list[0];
  });
  const delivered = agent.waitFor((m) => m.type === 'deploy.order');
  const approved = await h.admin.post(`/v1/change-requests/${changeRequest.id}/approve`, {});
  if (approved.status !== 200) throw new Error(`approve: ${JSON.stringify(approved.body)}`);
  const order = ((await delivered) as MessageOf<'deploy.order'>).order.payload as DeployOrder;
  const res = agent.sendDeployResult({
    deployId: order.deployId,
    outcome: 'deployed',
    reason: '',
    sha256Running: order.sha256After,
  });
  await agent.waitFor((m) => m.type === 'deploy.result.ack' && m.replyTo === res);
  return { id, changeRequest, order };
}
