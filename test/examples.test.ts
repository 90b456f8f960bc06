import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Migration, parseWith, RolloutPlan, SiteFacts, SitePolicy, TagMap } from '@plcfleet/protocols';
import { describe, expect, it } from 'vitest';
import YAML from 'yaml';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', 'examples');
const load = (rel: string): unknown => YAML.parse(readFileSync(join(root, rel), 'utf8'));

describe('examples validate against their schemas', () => {
  it('the guard migration', () => {
    const r = parseWith(Migration, load('migrations/safety-guard-monitor.yaml'));
    if (!r.ok) throw new Error(r.error);
    expect(r.value.safetyClass).toBe('safety-related');
    expect(r.value.preconditions.onlyIf).toContainEqual(expect.objectContaining({ firmware: '>=3.0' }));
    expect(r.value.preconditions.skipIf).toContainEqual(
      expect.objectContaining({ uses: { pou: 'SAFETY_GUARD_MONITOR' } }),
    );
    expect(r.value.preconditions.skipIf).toContainEqual(
      expect.objectContaining({ certifiedSafetyPlc: true }),
    );
    expect(r.value.examples[0]!.after).toContain('Safety_OK => Safety_OK');
  });

  it('the Modbus → OPC UA migration and its tag map', () => {
    const r = parseWith(Migration, load('migrations/modbus-to-opcua.yaml'));
    if (!r.ok) throw new Error(r.error);
    expect(r.value.type).toBe('protocol-cutover');
    const ref = r.value.cutover!.tagMap;
    expect('file' in ref && ref.file).toBe('../tagmaps/press-line.yaml');
    const map = parseWith(TagMap, load('tagmaps/press-line.yaml'));
    if (!map.ok) throw new Error(map.error);
    const tags = map.value.tags;
    expect(tags.length).toBeGreaterThanOrEqual(20);
    const tables = new Set(tags.map((t) => t.modbus.table));
    expect([...tables].sort()).toEqual(['coil', 'discrete', 'holding', 'input']);
    const types = new Set(tags.map((t) => t.modbus.type));
    for (const t of ['BOOL', 'INT', 'DINT', 'REAL']) expect(types).toContain(t);
    const realOrders = new Set(tags.filter((t) => t.modbus.type === 'REAL').map((t) => t.modbus.wordOrder));
    expect([...realOrders].sort()).toEqual(['big', 'little']);
  });

  it('the ladder → ST migration', () => {
    const r = parseWith(Migration, load('migrations/ladder-to-st.yaml'));
    if (!r.ok) throw new Error(r.error);
    expect(r.value.type).toBe('ladder-to-st');
    expect(r.value.safetyClass).toBe('non-safety');
    expect(r.value.scope.routines).toEqual(['*/*']);
    expect(r.value.scope.files).toEqual(['**/*.L5X', '**/*.xml']);
    expect(r.value.successCriteria.equivalence).toMatchObject({ seed: 1, runs: 50, scans: 300 });
  });

  it('the site policy, site facts and rollout plan', () => {
    const policy = parseWith(SitePolicy, load('policies/press-line.yaml'));
    if (!policy.ok) throw new Error(policy.error);
    expect(policy.value.certifiedPous.map((p) => p.name)).toEqual(['SafetyCore', 'TwoHandControl']);
    const facts = parseWith(SiteFacts, load('sites/press-line-2.facts.yaml'));
    if (!facts.ok) throw new Error(facts.error);
    const plan = parseWith(RolloutPlan, load('rollouts/three-phase.yaml'));
    if (!plan.ok) throw new Error(plan.error);
    expect(plan.value.phases.map((p) => p.name)).toEqual(['canary', 'early', 'fleet']);
    expect(plan.value.phases[1]!.gates.soak).toBe(600_000);
  });

  it('the press-line plant holds the guard pattern, a certified POU and the site library', () => {
    const dir = join(root, 'plants', 'press-line');
    const files = readdirSync(dir).filter((f) => f.endsWith('.st'));
    const all = files.map((f) => readFileSync(join(dir, f), 'utf8')).join('\n');
    expect(all).toMatch(/IF Front_Guard_Closed = TRUE THEN/);
    expect(all).toMatch(/FUNCTION_BLOCK SafetyCore/);
    expect(all).toMatch(/FUNCTION_BLOCK SAFETY_GUARD_MONITOR/);
  });
});
