import { z } from 'zod';
import { ApiVersion, PlcName, Sha256, Slug, VersionString } from './common';

/** A certified POU: must not change semantically; optionally pinned to a semantic hash. */
export const CertifiedPou = z.strictObject({
  name: z.string().min(1),
  /** Semantic hash from `plcfleet-agent hash PATH --pou NAME`. */
  sha256: Sha256.optional(),
});

/** A site's safety policy: what the safety verifier protects (YAML on disk). */
export const SitePolicy = z.strictObject({
  apiVersion: ApiVersion,
  kind: z.literal('SitePolicy'),
  site: Slug,
  /** E-stop signals: logic that computes them must not change at all. */
  emergencyStops: z.array(PlcName).default([]),
  /** Safety-relevant signals. */
  safetySignals: z.array(PlcName).default([]),
  /** Outputs where TRUE permits hazardous motion: may be tightened, never loosened. */
  permissives: z.array(PlcName).default([]),
  /** Certified code: must not change (semantic hash; comments and layout may). */
  certifiedPous: z.array(CertifiedPou).default([]),
  /** TIME values reaching safety signals must not change. */
  protectedTiming: z.boolean().default(true),
});
export type SitePolicy = z.infer<typeof SitePolicy>;

/**
 * A library installed on a site's controller and its version (`{ name: Tc2_MC2, version: 3.3.1 }`);
 * `library` preconditions test it, and a `library-update` changes it only after deploy.
 */
export const SiteLibrary = z.strictObject({ name: z.string().min(1).max(200), version: VersionString });
export type SiteLibrary = z.infer<typeof SiteLibrary>;

/** Facts about a site that preconditions test (a small YAML file beside the agent). */
export const SiteFacts = z.strictObject({
  apiVersion: ApiVersion,
  kind: z.literal('SiteFacts'),
  site: Slug,
  firmware: z.string().regex(/^\d+(\.\d+){0,3}$/, 'expected a version like "3.1.4"'),
  tags: z.array(z.string().min(1)).default([]),
  certifiedSafetyPlc: z.boolean().default(false),
  /**
   * Libraries on the controller with their installed versions; a `library-update` reads the
   * installed version here and the site's entry changes only after the update is deployed.
   * @default []
   */
  libraries: z.array(SiteLibrary).max(500).default([]),
});
export type SiteFacts = z.infer<typeof SiteFacts>;
