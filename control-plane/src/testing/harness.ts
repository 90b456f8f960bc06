/** Starts control planes on a fresh store for tests, with an admin client and fleet seeding. */
import type { JobBundle } from '@plcfleet/protocols';
import type { ControlPlaneOptions } from '../config';
import { type ControlPlaneHandle, startControlPlane } from '../server';
import { type Behaviour, FakeAgent } from './fake-agent';
import { client, migrationDoc, siteDoc } from './fixtures';
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
