import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { Db } from '../store/database';
import { num } from '../store/database';

/** The Prometheus metrics of one control plane (own registry, so several can run in one process). */
export interface Metrics {
  registry: Registry;
  agentsConnected: Gauge;
  verdictLatency: Histogram;
  offersSent: Counter;
  verdictsCommitted: Counter;
  authFailures: Counter;
}

/** Creates the metrics; job and rollout gauges are read from the store at scrape time. */
export function createMetrics(db: () => Db): Metrics {
  const registry = new Registry();
  const agentsConnected = new Gauge({
    name: 'plcfleet_agents_connected',
    help: 'Agents connected to this replica',
    registers: [registry],
  });
  const verdictLatency = new Histogram({
    name: 'plcfleet_verdict_latency_seconds',
    help: 'Time from job offer to committed verdict',
    buckets: [0.05, 0.1, 0.5, 1, 5, 30, 60, 300, 900, 3600],
    registers: [registry],
  });
  const offersSent = new Counter({
    name: 'plcfleet_job_offers_total',
    help: 'Job offers sent',
    registers: [registry],
  });
  const verdictsCommitted = new Counter({
    name: 'plcfleet_verdicts_committed_total',
    help: 'Verdicts committed (duplicates not counted)',
    labelNames: ['outcome'],
    registers: [registry],
  });
  const authFailures = new Counter({
    name: 'plcfleet_auth_failures_total',
    help: 'Failed authentications',
    labelNames: ['surface'],
    registers: [registry],
  });
  stateGauge(registry, db, 'jobs', 'plcfleet_jobs', 'Jobs by state');
  stateGauge(registry, db, 'rollouts', 'plcfleet_rollouts', 'Rollouts by state');
  return { registry, agentsConnected, verdictLatency, offersSent, verdictsCommitted, authFailures };
}

/** A gauge of a table's rows by `state`, counted in the store at scrape time. */
function stateGauge(
  registry: Registry,
  db: () => Db,
  table: 'jobs' | 'rollouts',
  name: string,
  help: string,
): void {
  new Gauge({
    name,
    help,
    labelNames: ['state'],
    registers: [registry],
    async collect() {
      const rows = await db()
        .selectFrom(table)
        .select((eb) => ['state', eb.fn.countAll().as('n')])
        .groupBy('state')
        .execute();
      this.reset();
      for (const r of rows) this.set({ state: r.state }, num(r.n));
    },
  });
}
