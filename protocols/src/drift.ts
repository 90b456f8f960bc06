/**
 * Drift: how the program running at a site differs from the released one,
 * compared semantically (layout, comments and vendor metadata do not count).
 * The agent's `drift` command prints a {@link DriftComparison}; the agent
 * reports each scheduled or post-deploy check as a {@link DriftReport}
 * (`drift.report` on the wire); the control plane serves them as
 * {@link SiteDriftView} and {@link SiteDriftDetail}.
 */
import { z } from 'zod';
import { Sha256, Timestamp } from './common';

/** Caps of a drift report, so that a report of a badly drifted program stays small. */
export const DRIFT_LIMITS = {
  /** POUs listed. */
  pous: 500,
  /** Characters of one POU's short diff. */
  diff: 4000,
  /** Names of changed globals or types listed. */
  names: 500,
  /** Files that did not parse. */
  unparsed: 100,
  /** Live-read hashes in a report's history. */
  history: 100,
} as const;

const Name = z.string().min(1).max(200);
const Text = z.string().max(2000);

/** Drift or not. */
export const DriftStatus = z.enum(['same', 'drifted']);
export type DriftStatus = z.infer<typeof DriftStatus>;

/** One POU that differs, with a short diff of its canonical text (released → live). */
export const DriftPou = z.object({
  pou: Name,
  change: z.enum(['added', 'removed', 'modified']),
  /** File of the POU (the live one, else the released one). */
  file: z.string().max(1000).optional(),
  /** Unified diff of the POU printed canonically, cut at {@link DRIFT_LIMITS.diff} characters. */
  diff: z.string().max(DRIFT_LIMITS.diff),
});
export type DriftPou = z.infer<typeof DriftPou>;

/** The semantic comparison of a released and a live program. */
export const DriftComparison = z.object({
  status: DriftStatus,
  /** `hashProgram` of the released program (exact bytes; differs on formatting too). */
  releasedSha256: Sha256,
  /** `hashProgram` of the live program. */
  liveSha256: Sha256,
  pous: z.array(DriftPou).max(DRIFT_LIMITS.pous),
  /** Global variables added, removed or changed (type, initial value, address). */
  globals: z.array(Name).max(DRIFT_LIMITS.names),
  /** User types (TYPE blocks) changed. */
  types: z.array(Name).max(DRIFT_LIMITS.names),
  /** CONFIGURATION/RESOURCE/TASK changed. */
  configuration: z.boolean(),
  /** Files that do not parse on a side; compared byte for byte, so any difference counts. */
  unparsed: z
    .array(z.object({ side: z.enum(['released', 'live']), file: z.string().max(1000), message: Text }))
    .max(DRIFT_LIMITS.unparsed),
});
export type DriftComparison = z.infer<typeof DriftComparison>;

/** What started a check. */
export const DriftTrigger = z.enum(['schedule', 'deploy', 'manual']);
export type DriftTrigger = z.infer<typeof DriftTrigger>;

/** One live read kept by the agent (content-addressed by its hash). */
export const LiveRead = z.object({ sha256: Sha256, at: Timestamp });
export type LiveRead = z.infer<typeof LiveRead>;

/** One drift check at a site, as the agent reports it (`drift.report`). */
export const DriftReport = DriftComparison.extend({
  site: Name,
  checkedAt: Timestamp,
  trigger: DriftTrigger,
  /** Where the released program was read (a Git URL or folder; credentials hidden). */
  released: z.string().max(1000),
  /** The released commit, when the released program is in Git. */
  releasedCommit: z
    .string()
    .regex(/^[0-9a-f]{40,64}$/)
    .optional(),
  /** Where the live program was read (OPC UA endpoint or folder). */
  live: z.string().max(1000),
  /** The agent's recent live reads, newest first (the hash history). */
  history: z.array(LiveRead).max(DRIFT_LIMITS.history).default([]),
});
export type DriftReport = z.infer<typeof DriftReport>;

/** A site's drift as the control plane shows it in lists. */
export const SiteDriftView = z.object({
  site: Name,
  /** `unknown` until the site's agent reported a check. */
  status: z.enum(['same', 'drifted', 'unknown']),
  checkedAt: Timestamp.nullable(),
  liveSha256: Sha256.nullable(),
  /** POUs that differ (count). */
  pous: z.number().int().min(0),
});
export type SiteDriftView = z.infer<typeof SiteDriftView>;

/** `GET /v1/sites/drift`: every site's drift. */
export const SiteDriftList = z.object({ items: z.array(SiteDriftView) });
export type SiteDriftList = z.infer<typeof SiteDriftList>;

/** `GET /v1/sites/:site/drift`: the last report with its diff, and the hash history. */
export const SiteDriftDetail = z.object({
  site: Name,
  status: z.enum(['same', 'drifted', 'unknown']),
  report: DriftReport.nullable(),
  /** Live hashes the control plane received, newest first. */
  history: z.array(
    z.object({ sha256: Sha256, status: DriftStatus, checkedAt: Timestamp, trigger: DriftTrigger }),
  ),
});
export type SiteDriftDetail = z.infer<typeof SiteDriftDetail>;
