import type { PutSiteRequest } from '@plcfleet/protocols';
import {
  DeleteSiteResponse,
  PutSiteResponse,
  SiteDriftDetail,
  SiteDriftList,
  type SiteDriftView,
  SiteList,
  SiteView,
} from '@plcfleet/protocols';
import type { z } from 'zod';
import type { HttpClient } from '../http';
import { type RequestOptions, seg } from './request-options';

/** The fleet registry: sites (`/v1/sites`). */
export class SitesApi {
  constructor(private readonly http: HttpClient) {}

  /** Every registered site (`GET /v1/sites`). */
  async list(opts: RequestOptions = {}): Promise<SiteView[]> {
    return (await this.http.request('GET', '/v1/sites', SiteList, opts)).sites;
  }

  /**
   * Every registered site and, apart, the names of rows stored with data that no
   * longer validates (`GET /v1/sites`); delete those with {@link SitesApi.delete}.
   */
  listAll(opts: RequestOptions = {}): Promise<z.output<typeof SiteList>> {
    return this.http.request('GET', '/v1/sites', SiteList, opts);
  }

  /** Deletes a site (`DELETE /v1/sites/:name`, admin); `CONFLICT` while it has agents. */
  delete(name: string, opts: RequestOptions = {}): Promise<z.output<typeof DeleteSiteResponse>> {
    return this.http.request('DELETE', `/v1/sites/${seg(name)}`, DeleteSiteResponse, opts);
  }

  /** One site (`GET /v1/sites/:name`); `NOT_FOUND` when unknown. */
  get(name: string, opts: RequestOptions = {}): Promise<SiteView> {
    return this.http.request('GET', `/v1/sites/${seg(name)}`, SiteView, opts);
  }

  /**
   * Every site's drift: is its live program the released one (`GET /v1/drift`);
   * `unknown` until the site's agent reported a check.
   */
  async driftAll(opts: RequestOptions = {}): Promise<SiteDriftView[]> {
    return (await this.http.request('GET', '/v1/drift', SiteDriftList, opts)).items;
  }

  /** One site's latest drift report, with the POUs' short diffs, and its live-hash history (`GET /v1/sites/:name/drift`). */
  drift(name: string, opts: RequestOptions = {}): Promise<SiteDriftDetail> {
    return this.http.request('GET', `/v1/sites/${seg(name)}/drift`, SiteDriftDetail, opts);
  }

  /**
   * Creates or replaces a site (`PUT /v1/sites/:name`, admin).
   * @example await client.sites.put('press-line-2', { tags: ['press'], timeZone: 'Europe/Berlin' })
   */
  put(
    name: string,
    site: PutSiteRequest,
    opts: RequestOptions = {},
  ): Promise<z.output<typeof PutSiteResponse>> {
    return this.http.request('PUT', `/v1/sites/${seg(name)}`, PutSiteResponse, { ...opts, body: site });
  }
}
