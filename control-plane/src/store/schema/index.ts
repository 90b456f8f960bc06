/**
 * Every schema migration, by name (a UTC timestamp and a title). Listed here
 * rather than read from the folder so the bundled server carries them.
 */
import type { Migration } from 'kysely';
import * as initial from './20261126120000_initial';
import * as jobIndexes from './20261126130000_job-indexes';
import * as stageReportIndex from './20261206020000_stage-report-index';
import * as siteDrift from './20261206100000_site-drift';
import * as siteLibraries from './20261206120000_site-libraries';
import * as shadowReports from './20261206140000_shadow-reports';
import * as deployIndexes from './20261206160000_deploy-indexes';

/** Schema migrations in the order they apply. */
export const SCHEMA_MIGRATIONS: Record<string, Migration> = {
  '20261126120000_initial': initial,
  '20261126130000_job-indexes': jobIndexes,
  '20261206020000_stage-report-index': stageReportIndex,
  '20261206100000_site-drift': siteDrift,
  '20261206120000_site-libraries': siteLibraries,
  '20261206140000_shadow-reports': shadowReports,
  '20261206160000_deploy-indexes': deployIndexes,
};
