import type { ControlPlaneEvent } from '@plcfleet/protocols';
import { HealthResponse } from '@plcfleet/protocols';
import { AgentsApi } from './api/agents-api';
import { AuditApi } from './api/audit-api';
import { AuthApi } from './api/auth-api';
import { ChangesApi } from './api/changes-api';
import { DeploysApi } from './api/deploys-api';
import { JobsApi, VerdictsApi } from './api/jobs-api';
import { MigrationsApi } from './api/migrations-api';
import type { RequestOptions } from './api/request-options';
import { RolloutsApi } from './api/rollouts-api';
import { SitesApi } from './api/sites-api';
import { type EventStreamItem, type EventStreamOptions, eventStream } from './event-stream';
import { HttpClient, type HttpClientOptions } from './http';
import { type RolloutWatchEvent, type WatchRolloutOptions, watchRollout } from './watch-rollout';

/** Options of {@link PlcfleetClient}: where the control plane is, the token, and how hard to try. */
export type PlcfleetClientOptions = HttpClientOptions;

/** `GET /healthz`. */
export class HealthApi {
  constructor(private readonly http: HttpClient) {}

  /** The server's health: replica, store kind, agents connected (no token needed). */
  get(opts: RequestOptions = {}): Promise<HealthResponse> {
    return this.http.request('GET', '/healthz', HealthResponse, opts);
  }
}

/**
 * Typed client of the plcfleet control plane's HTTP API and event stream.
 * Every response is validated with the API's zod schema; every failure is a
 * `PlcfleetError` with the API's code. Runs in Node 20+ and in browsers (fetch).
 *
 * @example
 * const client = new PlcfleetClient({ server: 'http://127.0.0.1:8480', token });
 * const { migration } = await client.migrations.apply(doc);
 * const rollout = await client.rollouts.create({ migrationId: migration!.id, plan, start: true });
 * for await (const e of client.watchRollout(rollout.id)) if (e.type === 'snapshot') console.log(e.detail.jobs);
 */
export class PlcfleetClient {
  /** The transport, for calls this client has no method for. */
  readonly http: HttpClient;
  readonly sites: SitesApi;
  readonly agents: AgentsApi;
  readonly migrations: MigrationsApi;
  readonly rollouts: RolloutsApi;
  readonly jobs: JobsApi;
  readonly verdicts: VerdictsApi;
  readonly changes: ChangesApi;
  readonly deploys: DeploysApi;
  readonly audit: AuditApi;
  readonly auth: AuthApi;
  readonly health: HealthApi;

  constructor(opts: PlcfleetClientOptions) {
    this.http = new HttpClient(opts);
    this.sites = new SitesApi(this.http);
    this.agents = new AgentsApi(this.http);
    this.migrations = new MigrationsApi(this.http);
    this.rollouts = new RolloutsApi(this.http);
    this.jobs = new JobsApi(this.http);
    this.verdicts = new VerdictsApi(this.http);
    this.changes = new ChangesApi(this.http);
    this.deploys = new DeploysApi(this.http);
    this.audit = new AuditApi(this.http);
    this.auth = new AuthApi(this.http);
    this.health = new HealthApi(this.http);
  }

  /** Follows a rollout live until it reaches a final state; see {@link watchRollout}. */
  watchRollout(id: string, opts: WatchRolloutOptions = {}): AsyncGenerator<RolloutWatchEvent> {
    return watchRollout(this.http, this.rollouts, id, opts);
  }

  /**
   * Every event of the control plane (or of one rollout), reconnecting when the stream drops, until `signal` aborts.
   * Only the events: when the server answers `reset`, events were lost and nothing here says so; a
   * consumer that keeps a view up to date from events follows {@link PlcfleetClient.eventStream} instead.
   */
  async *events(opts: EventStreamOptions = {}): AsyncGenerator<ControlPlaneEvent> {
    for await (const item of this.eventStream(opts)) if (item.kind === 'event') yield item.event;
  }

  /**
   * The event stream item by item ({@link EventStreamItem}), in the order the server sent them: `open`
   * when the server listens (read a snapshot then if `lastEventId` is undefined: nothing missed is
   * replayed), `event`, `reset` (events were lost: read a fresh snapshot), `reconnecting`.
   *
   * @example
   * for await (const item of client.eventStream({ rollout: id, signal })) {
   *   if (item.kind === 'reset' || (item.kind === 'open' && !item.lastEventId)) view = await client.rollouts.get(id);
   *   if (item.kind === 'event') apply(view, item.event);
   * }
   */
  eventStream(opts: EventStreamOptions = {}): AsyncGenerator<EventStreamItem> {
    return eventStream(this.http, opts);
  }
}
