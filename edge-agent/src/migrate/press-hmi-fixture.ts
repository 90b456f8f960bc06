/**
 * The press-hmi example plant for the executor's tests: its folder, its site
 * facts (with the libraries it runs) and its library interfaces.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SiteFacts } from '@plcfleet/protocols';
import { parse as parseYaml } from 'yaml';
import { REPO } from '../testing/migration-fixtures';

/** The plant folder. */
export const PRESS_HMI = join(REPO, 'examples/plants/press-hmi');

/** The library interfaces folder inside a copy of the plant. */
export const librariesOf = (plant: string): string => join(plant, '.libraries');

/** The plant's site facts (`site.facts.yaml`, with the libraries it runs), parsed by the schema. */
export function pressHmiFacts(): SiteFacts {
  return SiteFacts.parse(parseYaml(readFileSync(join(PRESS_HMI, 'site.facts.yaml'), 'utf8')));
}
