/**
 * Runs the whole safety corpus (edge-agent/toolchain/fixtures/safety-corpus): every
 * unsafe case must be rejected for the categories its expect.json names, and
 * no safe case may be rejected.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Migration, parseWith, SitePolicy } from '@plcfleet/protocols';
import { describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { loadSafetyProject, verifySafety } from './index';

const corpus = fileURLToPath(new URL('../../fixtures/safety-corpus', import.meta.url));

interface Expectation {
  description: string;
  verdict: 'pass' | 'fail';
  categories: string[];
  rules?: string[];
  mode?: 'quick' | 'full';
}

const cases = readdirSync(corpus, { withFileTypes: true })
  .filter((d) => d.isDirectory())
  .map((d) => d.name)
  .sort();

function readYaml<T>(schema: Parameters<typeof parseWith>[0], path: string): T {
  const r = parseWith(schema, YAML.parse(readFileSync(path, 'utf8')), path);
  if (!r.ok) throw new Error(r.error);
  return r.value as T;
}

describe('safety corpus', () => {
  it('has at least 40 cases, safe and unsafe', () => {
    const verdicts = cases.map(
      (c) => (JSON.parse(readFileSync(join(corpus, c, 'expect.json'), 'utf8')) as Expectation).verdict,
    );
    expect(cases.length).toBeGreaterThanOrEqual(40);
    expect(verdicts.filter((v) => v === 'fail').length).toBeGreaterThanOrEqual(20);
    expect(verdicts.filter((v) => v === 'pass').length).toBeGreaterThanOrEqual(10);
  });

  it.each(cases)('%s', async (name) => {
    const dir = join(corpus, name);
    const exp = JSON.parse(readFileSync(join(dir, 'expect.json'), 'utf8')) as Expectation;
    const policy = readYaml<SitePolicy>(SitePolicy, join(dir, 'policy.yaml'));
    const migrationPath = join(dir, 'migration.yaml');
    const migration = existsSync(migrationPath) ? readYaml<Migration>(Migration, migrationPath) : undefined;
    const result = await verifySafety({
      before: await loadSafetyProject(join(dir, 'before')),
      after: await loadSafetyProject(join(dir, 'after')),
      policy,
      ...(migration ? { migration } : {}),
      mode: exp.mode ?? 'full',
      seed: 7,
    });
    const errors = result.findings.filter((f) => f.severity === 'error');
    const summary = result.findings
      .map((f) => `${f.severity} ${f.rule} ${f.file}:${f.line} ${f.message}`)
      .join('\n');
    expect(result.verdict, `${exp.description}\n${summary}`).toBe(exp.verdict);
    // fail: rejected for each expected category; pass: the expected warnings are listed
    const seen = new Set((exp.verdict === 'fail' ? errors : result.findings).map((f) => f.category));
    for (const c of exp.categories)
      expect(seen.has(c as never), `category ${c} missing\n${summary}`).toBe(true);
    const rules = new Set(result.findings.map((f) => f.rule));
    for (const r of exp.rules ?? []) expect(rules.has(r), `rule ${r} missing\n${summary}`).toBe(true);
    // quality is never alone a rejection
    expect(
      result.findings.filter((f) => f.category === 'quality').every((f) => f.severity === 'warning'),
    ).toBe(true);
  });
});
