/** Paths of the plant fixtures, shared by the tests of this folder. */
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), '../../fixtures/iec');

/** Every fixture file (ST, TwinCAT, PLCopen), sorted. */
export function fixtureFiles(): string[] {
  const out: string[] = [];
  for (const sub of ['st', 'twincat', 'plcopen']) {
    for (const f of readdirSync(join(FIXTURES, sub)).sort()) out.push(join(FIXTURES, sub, f));
  }
  return out;
}
