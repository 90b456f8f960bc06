import type { DeployView, RollbackView } from '@plcfleet/protocols';
import {
  DeployList,
  DeployView as DeployViewSchema,
  RollbackList,
  RollbackResponse,
} from '@plcfleet/protocols';
import type { z } from 'zod';
import type { HttpClient } from '../http';
import { type RequestOptions, seg } from './request-options';

/** Filter of {@link DeploysApi.list} and {@link DeploysApi.rollbacks}. */
export interface DeployQuery {
  site?: string;
  rollout?: string;
}

/** Deploys of approved changes and rollbacks (`/v1/deploys`, `/v1/rollbacks`). */
export class DeploysApi {
  constructor(private readonly http: HttpClient) {}

  /** Deploys matching a filter (`GET /v1/deploys?site=&rollout=`). */
  async list(query: DeployQuery = {}, opts: RequestOptions = {}): Promise<DeployView[]> {
    return (await this.http.request('GET', '/v1/deploys', DeployList, { ...opts, query: { ...query } }))
      .deploys;
  }

  /** One deploy with its signed order and what the agent reported (`GET /v1/deploys/:id`). */
  get(id: string, opts: RequestOptions = {}): Promise<DeployView> {
    return this.http.request('GET', `/v1/deploys/${seg(id)}`, DeployViewSchema, opts);
  }

  /** Rollback orders matching a filter (`GET /v1/rollbacks?site=&rollout=`). */
  async rollbacks(query: DeployQuery = {}, opts: RequestOptions = {}): Promise<RollbackView[]> {
    return (await this.http.request('GET', '/v1/rollbacks', RollbackList, { ...opts, query: { ...query } }))
      .rollbacks;
  }

  /**
   * Orders a rollback of a site (`POST /v1/sites/:name/rollback`): of `deployId`, or
   * of the site's latest deploy. A deploy not yet delivered is cancelled instead.
   */
  rollbackSite(
    site: string,
    req: { reason: string; deployId?: string },
    opts: RequestOptions = {},
  ): Promise<z.output<typeof RollbackResponse>> {
    return this.http.request('POST', `/v1/sites/${seg(site)}/rollback`, RollbackResponse, {
      ...opts,
      body: req,
    });
  }
}
