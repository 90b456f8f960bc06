import type { AgentView, CreateEnrollmentRequest, EnrollRequest, StageReportView } from '@plcfleet/protocols';
import {
  AgentList,
  EnrollmentResponse,
  EnrollResponse,
  RevokeAgentResponse,
  StageReportList,
} from '@plcfleet/protocols';
import type { HttpClient } from '../http';
import { type RequestOptions, seg } from './request-options';

/** Edge agents and their enrollment (`/v1/agents`). */
export class AgentsApi {
  constructor(private readonly http: HttpClient) {}

  /** Enrolled agents, optionally of one site (`GET /v1/agents`). */
  async list(query: { site?: string } = {}, opts: RequestOptions = {}): Promise<AgentView[]> {
    return (await this.http.request('GET', '/v1/agents', AgentList, { ...opts, query })).agents;
  }

  /**
   * Creates a one-time enrollment token for a site (`POST /v1/agents/enrollments`, admin).
   * The token is shown once; the agent exchanges it with {@link AgentsApi.enroll}.
   */
  createEnrollment(req: CreateEnrollmentRequest, opts: RequestOptions = {}): Promise<EnrollmentResponse> {
    return this.http.request('POST', '/v1/agents/enrollments', EnrollmentResponse, { ...opts, body: req });
  }

  /** Exchanges an enrollment token for the agent's own token (`POST /v1/agents/enroll`; no bearer needed). */
  enroll(req: EnrollRequest, opts: RequestOptions = {}): Promise<EnrollResponse> {
    return this.http.request('POST', '/v1/agents/enroll', EnrollResponse, { ...opts, body: req });
  }

  /** Revokes an agent's token (`DELETE /v1/agents/:id`, admin). */
  async revoke(id: string, opts: RequestOptions = {}): Promise<boolean> {
    return (await this.http.request('DELETE', `/v1/agents/${seg(id)}`, RevokeAgentResponse, opts)).revoked;
  }

  /** Protocol cutover stage reports of the agents, newest first (`GET /v1/stage-reports?site=&migration=&limit=`). */
  async stageReports(
    query: { site?: string; migration?: string; limit?: number } = {},
    opts: RequestOptions = {},
  ): Promise<StageReportView[]> {
    return (
      await this.http.request('GET', '/v1/stage-reports', StageReportList, { ...opts, query: { ...query } })
    ).stageReports;
  }
}
