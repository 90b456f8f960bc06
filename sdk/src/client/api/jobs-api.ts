import type { JobState, JobView, VerdictView } from '@plcfleet/protocols';
import { JobDetail, JobList, VerdictList, VerdictView as VerdictViewSchema } from '@plcfleet/protocols';
import type { z } from 'zod';
import type { HttpClient } from '../http';
import { type RequestOptions, seg } from './request-options';

/** Filter of {@link JobsApi.list}. */
export interface JobQuery {
  rollout?: string;
  site?: string;
  state?: z.infer<typeof JobState>;
  /** At most this many (the server's default is 1000). */
  limit?: number;
}

/** Jobs: one per site per rollout (`/v1/jobs`). */
export class JobsApi {
  constructor(private readonly http: HttpClient) {}

  /** Jobs matching a filter (`GET /v1/jobs?rollout=&site=&state=`). */
  async list(query: JobQuery = {}, opts: RequestOptions = {}): Promise<JobView[]> {
    return (await this.http.request('GET', '/v1/jobs', JobList, { ...opts, query: { ...query } })).jobs;
  }

  /** One job and its verdict, if any (`GET /v1/jobs/:id`). */
  get(id: string, opts: RequestOptions = {}): Promise<z.output<typeof JobDetail>> {
    return this.http.request('GET', `/v1/jobs/${seg(id)}`, JobDetail, opts);
  }
}

/** Committed verdicts with their evidence (`/v1/verdicts`). */
export class VerdictsApi {
  constructor(private readonly http: HttpClient) {}

  /** Verdicts of a rollout and/or a site (`GET /v1/verdicts?rollout=&site=`). */
  async list(
    query: { rollout?: string; site?: string } = {},
    opts: RequestOptions = {},
  ): Promise<VerdictView[]> {
    return (await this.http.request('GET', '/v1/verdicts', VerdictList, { ...opts, query: { ...query } }))
      .verdicts;
  }

  /** The verdict of a job (`GET /v1/verdicts/:jobId`); `NOT_FOUND` while it has none. */
  get(jobId: string, opts: RequestOptions = {}): Promise<VerdictView> {
    return this.http.request('GET', `/v1/verdicts/${seg(jobId)}`, VerdictViewSchema, opts);
  }

  /** The verdict of one job, or null while the job has none (`GET /v1/jobs/:id`). */
  async ofJob(jobId: string, opts: RequestOptions = {}): Promise<VerdictView | null> {
    return (await this.http.request('GET', `/v1/jobs/${seg(jobId)}`, JobDetail, opts)).verdict;
  }
}
