/**
 * Sites, agents and rollouts of one test's own, on a shared control plane:
 * tests that share a server (the dashboard's browser tests) stay independent of
 * each other's data and of the order they run in.
 */
import type { JobBundle } from '@plcfleet/protocols';
import type { FakeAgent } from './fake-agent';
import { makeVerdict } from './fake-agent';
import { eventually, siteDoc } from './fixtures';
import { connectAgents, type Harness, planDoc } from './harness';

const NAMES = ['alpha', 'bravo', 'charlie', 'delta', 'echo', 'foxtrot', 'golf', 'hotel'];
let made = 0;

/** How long a test waits for something the server does by itself (generous: the machine may be loaded). */
export const PATIENCE_MS = 60_000;

/** A test's own sites, each with a silent agent: the test decides when and what each reports. */
export interface TestFleet {
  /** The tag every site of this fleet has, and only they: rollouts select by it. */
  tag: string;
  sites: string[];
  agents: Map<string, FakeAgent>;
  /** The latest offer each site's agent got. */
  offers: Map<string, JobBundle>;
  /** Sends a `passed` verdict for the site's offer; with `findings`, a safety finding for the reviewer. */
  report(site: string, findings?: boolean): void;
  /** Waits until `n` sites have offers. */
  offered(n: number): Promise<string[]>;
  /** Creates and starts a rollout of `guard-upgrade` over this fleet's sites only. */
  startRollout(name: string, phases: { name: string; count?: number; minSample?: number }[]): Promise<string>;
  close(): Promise<void>;
}

/**
 * Registers `size` sites of a fresh tag (`t<n>-alpha`, `t<n>-bravo`, …) and
 * connects a silent agent to each. The migration `guard-upgrade` must exist.
 */
export async function testFleet(h: Harness, size: number): Promise<TestFleet> {
  const tag = `t${++made}`;
  const sites = NAMES.slice(0, size).map((n) => `${tag}-${n}`);
  for (const site of sites) {
    const r = await h.admin.put(`/v1/sites/${site}`, siteDoc(site, ['press', tag]));
    if (r.status !== 200) throw new Error(`site ${site}: ${JSON.stringify(r.body)}`);
  }
  const offers = new Map<string, JobBundle>();
  const agents = await connectAgents(h.cp, sites, (b) => {
    offers.set(b.site, b);
    return 'silent';
  });
  return {
    tag,
    sites,
    agents,
    offers,
    report(site, findings = false) {
      const verdict = makeVerdict(offers.get(site)!, 'passed');
      if (findings)
        verdict.evidence.safety.findings = [
          {
            rule: 'SAFETY-LOGIC-CHANGE',
            category: 'safety-logic',
            severity: 'warning',
            file: 'main.st',
            line: 1,
            message: 'changes the backward slice of Safety_OK (listed for the safety engineer)',
          },
        ];
      agents.get(site)!.sendVerdict(verdict);
    },
    offered: (n) => eventually(async () => (offers.size >= n ? [...offers.keys()] : undefined), PATIENCE_MS),
    async startRollout(name, phases) {
      const created = await h.admin.post('/v1/rollouts', {
        migrationId: 'guard-upgrade',
        name,
        start: true,
        plan: planDoc(
          phases.map((p) => ({
            name: p.name,
            select: p.count !== undefined ? { tags: [tag], count: p.count } : { tags: [tag], rest: true },
            concurrency: sites.length,
            gates: { minSample: p.minSample ?? 1 },
          })),
          // Verdict-only: the fleet's fake agents report, nobody deploys.
          { until: 'verified' },
        ),
      });
      if (created.status !== 201) throw new Error(`rollout: ${JSON.stringify(created.body)}`);
      return created.body.rollout.id as string;
    },
    close: async () => {
      await Promise.all([...agents.values()].map((a) => a.close()));
    },
  };
}

/** Waits for `n` change requests of a rollout and returns them (oldest first as the API lists them). */
export function changeRequestsOf(
  h: Harness,
  rolloutId: string,
  n: number,
): Promise<{ id: string; site: string; state: string }[]> {
  return eventually(async () => {
    const list = (await h.admin.get(`/v1/change-requests?rollout=${rolloutId}`)).body.changeRequests;
    return list.length >= n ? list : undefined;
  }, PATIENCE_MS);
}
