import type { ChangeRequestView } from '@plcfleet/protocols';
import {
  ApproveResponse,
  ChangeRequestAllowedActions,
  ChangeRequestDetail,
  ChangeRequestList,
  RejectResponse,
} from '@plcfleet/protocols';
import type { z } from 'zod';
import type { HttpClient } from '../http';
import { type RequestOptions, seg } from './request-options';

/** Filter of {@link ChangesApi.list}. */
export interface ChangeQuery {
  state?: ChangeRequestView['state'];
  rollout?: string;
  site?: string;
}

/** Change requests and their review (`/v1/change-requests`). */
export class ChangesApi {
  constructor(private readonly http: HttpClient) {}

  /** Change requests matching a filter (`GET /v1/change-requests?state=&rollout=&site=`). */
  async list(query: ChangeQuery = {}, opts: RequestOptions = {}): Promise<ChangeRequestView[]> {
    return (
      await this.http.request('GET', '/v1/change-requests', ChangeRequestList, {
        ...opts,
        query: { ...query },
      })
    ).changeRequests;
  }

  /** One change request with its diff and approvals (`GET /v1/change-requests/:id`). */
  get(id: string, opts: RequestOptions = {}): Promise<z.output<typeof ChangeRequestDetail>> {
    return this.http.request('GET', `/v1/change-requests/${seg(id)}`, ChangeRequestDetail, opts);
  }

  /**
   * What the caller may do with a change request now (`GET /v1/change-requests/:id/allowed-actions`):
   * approve and reject, each allowed or refused with the code and message the action would get.
   */
  allowedActions(id: string, opts: RequestOptions = {}): Promise<ChangeRequestAllowedActions> {
    return this.http.request(
      'GET',
      `/v1/change-requests/${seg(id)}/allowed-actions`,
      ChangeRequestAllowedActions,
      opts,
    );
  }

  /**
   * Approves (`POST /v1/change-requests/:id/approve`); the server answers with the
   * signed deploy order. A safety-related change needs a `safety-engineer` who is
   * not the requester (`FORBIDDEN` / `FOUR_EYES` otherwise).
   */
  approve(id: string, comment = '', opts: RequestOptions = {}): Promise<z.output<typeof ApproveResponse>> {
    return this.http.request('POST', `/v1/change-requests/${seg(id)}/approve`, ApproveResponse, {
      ...opts,
      body: { comment },
    });
  }

  /** Rejects with a reason (`POST /v1/change-requests/:id/reject`). */
  reject(id: string, reason: string, opts: RequestOptions = {}): Promise<z.output<typeof RejectResponse>> {
    return this.http.request('POST', `/v1/change-requests/${seg(id)}/reject`, RejectResponse, {
      ...opts,
      body: { reason },
    });
  }
}
