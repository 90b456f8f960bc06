import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Migration, RolloutPlan } from '@plcfleet/protocols';
import { afterAll, describe, expect, it } from 'vitest';
import { parseWindow } from './commands/sites-command';
import { UsageError } from './exit-codes';
import { readDocument } from './read-document';

const dir = mkdtempSync(join(tmpdir(), 'sdk-doc-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, text: string): string {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
}

describe('readDocument', () => {
  it('reads YAML and JSON, returning the raw document for the server and the parsed one', async () => {
    const yaml = file(
      'p.yaml',
      'apiVersion: plcfleet/v1\nkind: RolloutPlan\nphases:\n  - { name: all, select: { rest: true } }\njobTimeout: 5m\n',
    );
    const r = await readDocument(yaml, RolloutPlan);
    expect((r.raw as { jobTimeout: string }).jobTimeout).toBe('5m');
    expect(r.value.jobTimeout).toBe(300_000);
    const json = file('p.json', JSON.stringify(r.raw));
    expect((await readDocument(json, RolloutPlan)).value).toEqual(r.value);
  });

  it('fails with one line naming the file and the field', async () => {
    const p = file('bad.yaml', 'apiVersion: plcfleet/v1\nkind: RolloutPlan\nphases: []\n');
    await expect(readDocument(p, RolloutPlan)).rejects.toThrow(UsageError);
    await expect(readDocument(p, RolloutPlan)).rejects.toThrow(/bad\.yaml: phases: /);
    await expect(readDocument(join(dir, 'none.yaml'), RolloutPlan)).rejects.toThrow(
      /none\.yaml: no such file/,
    );
    const notYaml = file('x.yaml', 'a: [1, 2\n');
    await expect(readDocument(notYaml, RolloutPlan)).rejects.toThrow(/x\.yaml: not YAML or JSON: /);
  });

  it('inlines the tag map a cutover migration points at, relative to the migration file', async () => {
    const r = await readDocument('examples/migrations/modbus-to-opcua.yaml', Migration);
    const tagMap = (r.raw as { cutover: { tagMap: { kind?: string; file?: string } } }).cutover.tagMap;
    expect(tagMap.file).toBeUndefined();
    expect(tagMap.kind).toBe('TagMap');
    expect(r.value.cutover?.tagMap).toMatchObject({ kind: 'TagMap' });
  });
});

describe('parseWindow', () => {
  it('reads "DAYS HH:MM MINUTES" and "HH:MM MINUTES"', () => {
    expect(parseWindow('sat,sun 02:00 240')).toEqual({
      days: ['sat', 'sun'],
      start: '02:00',
      durationMinutes: 240,
    });
    expect(parseWindow('00:00 1440').days).toHaveLength(7);
  });
  it.each(['sat 25:00 60', 'someday 02:00 60', '02:00', 'sat 02:00 0'])('refuses %j', (spec) => {
    expect(() => parseWindow(spec)).toThrow(UsageError);
  });
});
