import { z } from 'zod';
import { Duration } from '../common';
import { SiteDriftView } from '../drift';
import { Site } from '../site';
import { ApiTime } from './common';

/**
 * A registered site. `GET /v1/sites` and `GET /v1/sites/:name` add `drift`, the
 * site's last drift check (`unknown` until its agent reported one; issue #22),
 * the shape `plcfleet sites list --json` prints; a control plane older than
 * drift leaves it out.
 */
export const SiteView = Site.extend({
  createdAt: ApiTime,
  updatedAt: ApiTime,
  drift: SiteDriftView.pick({ status: true, checkedAt: true, pous: true }).optional(),
});
export type SiteView = z.infer<typeof SiteView>;

/** `PUT /v1/sites/:name`: the site document; `name`, when given, must match the path. */
export const PutSiteRequest = Site.partial({ name: true });
export type PutSiteRequest = z.input<typeof PutSiteRequest>;

/** `PUT /v1/sites/:name` response. */
export const PutSiteResponse = z.object({ site: SiteView, created: z.boolean() });

/** `GET /v1/sites`. */
export const SiteList = z.object({
  sites: z.array(SiteView),
  /**
   * Sites stored with data that no longer validates (e.g. a name stored before
   * names were checked): listed by name so they can be deleted, never a 500.
   */
  unreadable: z.array(z.object({ name: z.string(), error: z.string() })).optional(),
});

/** `DELETE /v1/sites/:name` response. */
export const DeleteSiteResponse = z.object({ name: z.string(), deleted: z.literal(true) });

/** An enrolled agent (never its token). */
export const AgentView = z.object({
  id: z.string(),
  site: z.string(),
  createdAt: ApiTime,
  lastSeenAt: ApiTime.nullable(),
  agentVersion: z.string().nullable(),
  protocolVersion: z.number().int().nullable(),
  capabilities: z.array(z.string()),
  revoked: z.boolean(),
  /** Connected to the replica that answered. */
  connected: z.boolean(),
});
export type AgentView = z.infer<typeof AgentView>;

/** `GET /v1/agents`. */
export const AgentList = z.object({ agents: z.array(AgentView) });

/** `POST /v1/agents/enrollments` (admin): a one-time token an agent exchanges for its own. */
export const CreateEnrollmentRequest = z.strictObject({
  site: z.string().min(1).max(200),
  /** How long the enrollment token is valid. @default 24h */
  ttl: Duration.default(86_400_000),
});
export type CreateEnrollmentRequest = z.input<typeof CreateEnrollmentRequest>;

/** The enrollment token, in clear, shown once. */
export const EnrollmentResponse = z.object({
  id: z.string(),
  site: z.string(),
  enrollmentToken: z.string(),
  expiresAt: ApiTime,
});
export type EnrollmentResponse = z.infer<typeof EnrollmentResponse>;

/** `POST /v1/agents/enroll` (no bearer; the enrollment token is the credential). */
export const EnrollRequest = z.strictObject({
  enrollmentToken: z.string().min(1).max(200),
  /** A stable id the agent wants; generated when absent. */
  agentId: z
    .string()
    .regex(/^[A-Za-z0-9._-]{1,100}$/)
    .optional(),
});
export type EnrollRequest = z.infer<typeof EnrollRequest>;

/** The agent's own token (shown once), its site, and the key that signs its orders. */
export const EnrollResponse = z.object({
  agentId: z.string(),
  site: z.string(),
  token: z.string(),
  publicKeyPem: z.string(),
  /** Path of the agent gateway on this server. */
  gatewayPath: z.literal('/v1/agents'),
});
export type EnrollResponse = z.infer<typeof EnrollResponse>;

/** `DELETE /v1/agents/:id`. */
export const RevokeAgentResponse = z.object({ revoked: z.boolean() });
