/**
 * The press-hmi example plant for the executor's tests: its folder, its site
 * facts (with the libraries it runs) and its library interfaces.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SiteFacts, SiteLibrary } from '@plcfleet/protocols';
import { parse as parseYaml } from 'yaml';
import { REPO } from '../testing/migration-fixtures';

/** The plant folder. */
export const PRESS_HMI = join(REPO, 'examples/plants/press-hmi');

/** The library interfaces folder inside a copy of the plant. */
export const librariesOf = (plant: string): string => join(plant, '.libraries');

/**
 * The plant's site facts. `libraries` is read beside the SiteFacts schema, which
 * does not list it yet (see siteLibraries in preconditions.ts).
 */
export function pressHmiFacts(): SiteFacts {
  const { libraries, ...rest } = parseYaml(readFileSync(join(PRESS_HMI, 'site.facts.yaml'), 'utf8')) as {
    libraries: unknown;
  };
  return { ...SiteFacts.parse(rest), libraries: SiteLibrary.array().parse(libraries) } as SiteFacts;
}
