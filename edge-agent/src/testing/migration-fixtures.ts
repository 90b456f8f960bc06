/** Loading the example and fixture documents for the executor's tests. */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Migration, SiteFacts, SitePolicy } from '@plcfleet/protocols';
import { parse as parseYaml } from 'yaml';

/** The repository root. */
export const REPO = join(dirname(fileURLToPath(import.meta.url)), '../../..');
/** The executor's fixtures. */
export const FIXTURES = join(REPO, 'edge-agent/fixtures/migrate');

const yaml = (path: string): unknown => parseYaml(readFileSync(path, 'utf8'));

/** An example migration by id. */
export const exampleMigration = (id: string): Migration =>
  Migration.parse(yaml(join(REPO, 'examples/migrations', `${id}.yaml`)));
/** A policy file. */
export const policyAt = (path: string): SitePolicy => SitePolicy.parse(yaml(path));
/** A site facts file. */
export const factsAt = (path: string): SiteFacts => SiteFacts.parse(yaml(path));
