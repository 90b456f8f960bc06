import { cp, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Migration } from '@plcfleet/protocols';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDirectorySource } from '../../sources';
import { exampleMigration, FIXTURES, factsAt } from '../../testing/migration-fixtures';
import { createRecipeTransformer, type Transformer } from '../../transform';
import { runMigration } from '../run-migration';
import { migrationKind } from '.';

let work: string;
beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'plcfleet-kinds-'));
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

const guard = exampleMigration('safety-guard-monitor');
const facts = factsAt(join(FIXTURES, 'site.facts.yaml'));

/** A transformer that records whether it was asked: a refused kind must never reach it. */
function spyTransformer(): Transformer & { calls: number } {
  const inner = createRecipeTransformer();
  const t = {
    name: inner.name,
    calls: 0,
    transform(req: Parameters<Transformer['transform']>[0]) {
      t.calls++;
      return inner.transform(req);
    },
  };
  return t;
}

describe('the kinds table', () => {
  it('knows code and protocol-cutover', () => {
    expect('refused' in migrationKind('code')).toBe(false);
    expect('refused' in migrationKind('protocol-cutover')).toBe(false);
  });

  it('refuses a type it has no module for, naming it (prototype names included)', () => {
    expect(migrationKind('rewrite-everything')).toEqual({
      refused: 'migration type "rewrite-everything" is not supported by this agent',
    });
    expect(migrationKind('toString')).toEqual({
      refused: 'migration type "toString" is not supported by this agent',
    });
  });

  it('refuses ladder-to-st as "not supported by this agent" until its module is registered', () => {
    const k = migrationKind('ladder-to-st');
    if ('refused' in k)
      expect(k.refused).toBe('migration type "ladder-to-st" is not supported by this agent');
    else expect(typeof k.change).toBe('function');
  });

  for (const type of ['rewrite-everything']) {
    it(`runMigration fails a "${type}" migration without running anything`, async () => {
      const dir = join(work, type);
      await cp(join(FIXTURES, 'multi-guard'), dir, { recursive: true });
      const transformer = spyTransformer();
      const migration = { ...guard, type } as unknown as Migration;
      const v = await runMigration({
        migration,
        source: createDirectorySource(dir),
        siteFacts: facts,
        transformer,
      });
      expect(v.outcome).toBe('failed');
      expect(v.reason).toBe(`migration type "${type}" is not supported by this agent`);
      expect(transformer.calls).toBe(0);
      expect(v.evidence.diff).toBe('');
      expect(v.evidence.sha256After).toBeNull();
    });
  }
});
