import { z } from 'zod';
import { Migration } from './migration';
import { RolloutPlan } from './rollout-plan';
import { SiteFacts, SitePolicy } from './site-policy';
import { TagMap } from './tag-map';

/** Every document kind plcfleet reads from files, by `kind`. */
export const DOCUMENT_SCHEMAS = {
  Migration,
  SitePolicy,
  SiteFacts,
  TagMap,
  RolloutPlan,
} as const;
export type DocumentKind = keyof typeof DOCUMENT_SCHEMAS;

/** Any plcfleet document (validated by the schema its `kind` names). */
export const AnyDocument = z.union([Migration, SitePolicy, SiteFacts, TagMap, RolloutPlan]);
