import { JobDetail, JobList, JobState, VerdictList, VerdictView } from '@plcfleet/protocols';
import { z } from 'zod';
import { ANY_ROLE } from '../auth/roles';
import { fail } from '../errors';
import { defineRoute } from '../http/route';
import { getVerdict, listVerdicts } from '../verdicts/verdict.repository';
import { getJob, listJobs } from './job.repository';

/** Jobs and verdicts. */
export const jobRoutes = [
  defineRoute({
    method: 'get',
    path: '/v1/jobs',
    summary: 'List jobs by rollout, site or state',
    roles: ANY_ROLE,
    query: z.object({
      rollout: z.string().optional(),
      site: z.string().optional(),
      state: JobState.optional(),
      limit: z.coerce.number().int().min(1).max(10_000).default(1000),
    }),
    response: JobList,
    handler: async ({ ctx, query }) => ({
      jobs: await listJobs(ctx.db, {
        ...(query.rollout ? { rolloutId: query.rollout } : {}),
        ...(query.site ? { site: query.site } : {}),
        ...(query.state ? { states: [query.state] } : {}),
        limit: query.limit,
      }),
    }),
  }),
  defineRoute({
    method: 'get',
    path: '/v1/jobs/:id',
    summary: 'A job and its verdict',
    roles: ANY_ROLE,
    response: JobDetail,
    handler: async ({ ctx, params }) => {
      const job = (await getJob(ctx.db, params.id!)) ?? fail('NOT_FOUND', `no job ${params.id}`);
      return { job, verdict: (await getVerdict(ctx.db, job.id)) ?? null };
    },
  }),
  defineRoute({
    method: 'get',
    path: '/v1/verdicts',
    summary: 'Verdicts of a rollout or a site, with their evidence',
    roles: ANY_ROLE,
    query: z.object({ rollout: z.string().optional(), site: z.string().optional() }),
    response: VerdictList,
    handler: async ({ ctx, query }) => ({
      verdicts: await listVerdicts(ctx.db, {
        ...(query.rollout ? { rolloutId: query.rollout } : {}),
        ...(query.site ? { site: query.site } : {}),
      }),
    }),
  }),
  defineRoute({
    method: 'get',
    path: '/v1/verdicts/:jobId',
    summary: 'The verdict of a job',
    roles: ANY_ROLE,
    response: VerdictView,
    handler: async ({ ctx, params }) =>
      (await getVerdict(ctx.db, params.jobId!)) ?? fail('NOT_FOUND', `no verdict for job ${params.jobId}`),
  }),
];
