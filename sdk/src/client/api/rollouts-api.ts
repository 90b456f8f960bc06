import type { CreateRolloutRequest, RolloutState } from '@plcfleet/protocols';
import {
  RollbackResponse,
  RolloutAllowedActions,
  RolloutDetail,
  RolloutList,
  RolloutProgress,
  type RolloutView,
  ShadowReportList,
  type ShadowReportView,
} from '@plcfleet/protocols';
import type { z } from 'zod';
import type { HttpClient } from '../http';
import { type RequestOptions, seg } from './request-options';

/** A command of a person on a rollout (`POST /v1/rollouts/:id/<command>`). */
export type RolloutCommand = 'start' | 'pause' | 'resume' | 'promote' | 'abort' | 'retry' | 'close';

/** Staged rollouts and their commands (`/v1/rollouts`). */
export class RolloutsApi {
  constructor(private readonly http: HttpClient) {}

  /**
   * Creates a rollout of a migration revision (the latest when `revision` is absent)
   * along a plan (`POST /v1/rollouts`). With `start: true` it starts at once.
   * Answers with the rollout, its jobs by state and its decisions.
   */
  create(req: CreateRolloutRequest, opts: RequestOptions = {}): Promise<RolloutDetail> {
    return this.http.request('POST', '/v1/rollouts', RolloutDetail, { ...opts, body: req });
  }

  /** Every rollout (`GET /v1/rollouts`), optionally in one state. */
  async list(query: { state?: RolloutState } = {}, opts: RequestOptions = {}): Promise<RolloutView[]> {
    return (await this.http.request('GET', '/v1/rollouts', RolloutList, { ...opts, query })).rollouts;
  }

  /** A rollout with its jobs counted by state and its decisions (`GET /v1/rollouts/:id`). */
  get(id: string, opts: RequestOptions = {}): Promise<RolloutDetail> {
    return this.http.request('GET', `/v1/rollouts/${seg(id)}`, RolloutDetail, opts);
  }

  /**
   * What the caller may do with a rollout now and the figures its gates judge
   * (`GET /v1/rollouts/:id/allowed-actions`): each command and rollback, allowed or refused
   * with the code and message the command would get; per phase the engine's counts, and
   * what the gates say of the current phase.
   */
  allowedActions(id: string, opts: RequestOptions = {}): Promise<RolloutAllowedActions> {
    return this.http.request('GET', `/v1/rollouts/${seg(id)}/allowed-actions`, RolloutAllowedActions, opts);
  }

  /**
   * Each phase's deploy outcomes (`GET /v1/rollouts/:id/progress`): sites verified, approved,
   * deployed, watched and rolled back, the phase's status and what it waits for (approval,
   * window, shadow, deploy, watch, ...). A rollout completes once every site is deployed
   * and watched (`settled`), unless its plan says `until: verified`, or a person closes it.
   */
  progress(id: string, opts: RequestOptions = {}): Promise<RolloutProgress> {
    return this.http.request('GET', `/v1/rollouts/${seg(id)}/progress`, RolloutProgress, opts);
  }

  /**
   * The shadow runs agents reported for the rollout (`GET /v1/rollouts/:id/shadow-reports`),
   * newest first: each candidate's run for its phase's shadow gate (`kind: candidate`) and
   * each deploy's post-deploy watch (`kind: watch`), with state, divergences and comm loss.
   */
  async shadowReports(id: string, opts: RequestOptions = {}): Promise<ShadowReportView[]> {
    const r = await this.http.request(
      'GET',
      `/v1/rollouts/${seg(id)}/shadow-reports`,
      ShadowReportList,
      opts,
    );
    return r.shadowReports;
  }

  /**
   * Sends a command. `CONFLICT` when the rollout's state does not allow it
   * (e.g. `resume` of a halted rollout); `pause`, `abort` and `close` need a reason.
   * Answers with the rollout as the command left it.
   */
  command(
    id: string,
    command: RolloutCommand,
    reason?: string,
    opts: RequestOptions = {},
  ): Promise<RolloutDetail> {
    return this.http.request('POST', `/v1/rollouts/${seg(id)}/${command}`, RolloutDetail, {
      ...opts,
      body: reason === undefined ? {} : { reason },
    });
  }

  /** Starts a pending rollout. */
  start(id: string, opts: RequestOptions = {}): Promise<RolloutDetail> {
    return this.command(id, 'start', undefined, opts);
  }
  /** Pauses a running rollout: no new jobs are offered. */
  pause(id: string, reason: string, opts: RequestOptions = {}): Promise<RolloutDetail> {
    return this.command(id, 'pause', reason, opts);
  }
  /** Resumes a paused rollout. */
  resume(id: string, opts: RequestOptions = {}): Promise<RolloutDetail> {
    return this.command(id, 'resume', undefined, opts);
  }
  /** Moves to the next phase now (a phase that requires approval waits for this). */
  promote(id: string, opts: RequestOptions = {}): Promise<RolloutDetail> {
    return this.command(id, 'promote', undefined, opts);
  }
  /** Aborts: jobs not yet started are cancelled, running ones finish and are recorded. */
  abort(id: string, reason: string, opts: RequestOptions = {}): Promise<RolloutDetail> {
    return this.command(id, 'abort', reason, opts);
  }
  /**
   * Retries the failed sites (also the way on from a halted rollout); with `phase` (1-based)
   * only the failed sites of that phase (`POST /v1/rollouts/:id/retry?phase=N`).
   */
  retry(id: string, opts: RequestOptions & { phase?: number } = {}): Promise<RolloutDetail> {
    const { phase, ...rest } = opts;
    return this.http.request('POST', `/v1/rollouts/${seg(id)}/retry`, RolloutDetail, {
      ...rest,
      body: {},
      ...(phase !== undefined ? { query: { phase } } : {}),
    });
  }

  /**
   * Ends a running or paused rollout whose sites will not all run the change (a person's
   * decision, audited): it becomes `completed` with the reason and the counts per phase.
   */
  close(id: string, reason: string, opts: RequestOptions = {}): Promise<RolloutDetail> {
    return this.command(id, 'close', reason, opts);
  }

  /** Orders a rollback of every deploy of the rollout (`POST /v1/rollouts/:id/rollback`). */
  rollback(
    id: string,
    reason: string,
    opts: RequestOptions = {},
  ): Promise<z.output<typeof RollbackResponse>> {
    return this.http.request('POST', `/v1/rollouts/${seg(id)}/rollback`, RollbackResponse, {
      ...opts,
      body: { reason },
    });
  }
}
