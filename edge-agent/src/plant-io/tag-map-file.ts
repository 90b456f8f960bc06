import { readFile } from 'node:fs/promises';
import { parseWith, TagMap } from '@plcfleet/protocols';
import YAML from 'yaml';
import { PlantIoError } from '../edge-agent-error';

/** Reads and validates a tag map file (YAML or JSON). */
export async function loadTagMap(path: string): Promise<TagMap> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new PlantIoError('BAD_CONFIG', `cannot read tag map ${path}: ${(err as Error).message}`);
  }
  let doc: unknown;
  try {
    doc = YAML.parse(text);
  } catch (err) {
    throw new PlantIoError('BAD_CONFIG', `${path}: not YAML/JSON: ${(err as Error).message}`);
  }
  const r = parseWith(TagMap, doc, path);
  if (!r.ok) throw new PlantIoError('BAD_CONFIG', r.error);
  return r.value;
}
