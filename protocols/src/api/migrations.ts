import { z } from 'zod';
import { Migration, MigrationType } from '../migration';
import { ApiTime } from './common';

/** A stored, immutable migration revision. */
export const MigrationView = z.object({
  id: z.string(),
  revision: z.number().int(),
  title: z.string(),
  type: MigrationType,
  safetyClass: z.enum(['non-safety', 'safety-related']),
  /** SHA-256 of the canonical JSON of the document (defaults applied). */
  sha256: z.string(),
  createdAt: ApiTime,
  createdBy: z.string(),
  document: Migration,
});
export type MigrationView = z.infer<typeof MigrationView>;

/**
 * `POST /v1/migrations[?validateOnly=true]`: a Migration document as JSON, or as
 * YAML with `Content-Type: application/yaml`.
 */
export const ApplyMigrationRequest = Migration;

/** Result of applying (or validating) a migration. */
export const ApplyMigrationResponse = z.object({
  valid: z.literal(true),
  validateOnly: z.boolean(),
  /** False when this exact revision was already stored. */
  created: z.boolean(),
  /** The stored revision; null in validate-only mode. */
  migration: MigrationView.nullable(),
});
export type ApplyMigrationResponse = z.infer<typeof ApplyMigrationResponse>;

/** `GET /v1/migrations`. */
export const MigrationList = z.object({ migrations: z.array(MigrationView) });
