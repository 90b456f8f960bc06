/**
 * The examples a new fleet admin starts from work as the docs show them (issue
 * #17 point 12): the site files go in with `plcfleet sites add -f`, the demo
 * agent's config is valid and points at the control plane's default port, and
 * the example rollout plan does not pause on the three-site demo fleet.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type ControlPlaneHandle, resolveConfig, startControlPlane } from '@plcfleet/control-plane';
import { loadAgentConfig } from '@plcfleet/edge-agent';
import { parseWith, RolloutPlan } from '@plcfleet/protocols';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { selectSites } from '../control-plane/src/rollouts/site-selector';
import { runCli } from '../sdk/src/cli/program';

const examples = resolve(dirname(fileURLToPath(import.meta.url)), '..', 'examples');
const DEMO_SITES = ['press-line-1', 'press-line-2', 'press-line-3'];
let cp: ControlPlaneHandle;
let dir: string;

async function cli(args: string[]) {
  let stdout = '';
  let stderr = '';
  const code = await runCli(args, {
    env: { PLCFLEET_SERVER: cp.url, PLCFLEET_TOKEN: cp.bootstrapToken!, NO_COLOR: '1' },
    streams: {
      stdout: { write: (s: string) => (stdout += s) },
      stderr: { write: (s: string) => (stderr += s) },
    },
    signal: new AbortController().signal,
  });
  return { code, stdout, stderr };
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'examples-'));
  cp = await startControlPlane({ port: 0, dataDir: dir, logLevel: 'silent', env: {} });
});
afterAll(async () => {
  await cp?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('examples for first use', () => {
  it('registers the demo sites from their site files, and press-line-2 from its facts file too', async () => {
    for (const site of DEMO_SITES) {
      const r = await cli(['sites', 'add', site, '-f', join(examples, `sites/${site}.site.yaml`)]);
      expect(r, r.stderr).toMatchObject({ code: 0 });
    }
    const facts = await cli([
      'sites',
      'add',
      'press-line-2',
      '-f',
      join(examples, 'sites/press-line-2.facts.yaml'),
    ]);
    expect(facts, facts.stderr).toMatchObject({ code: 0, stdout: 'updated site press-line-2\n' });
    const listed = JSON.parse((await cli(['sites', 'list', '--json'])).stdout) as {
      name: string;
      timeZone: string;
    }[];
    expect(listed.map((s) => s.name)).toEqual(DEMO_SITES);
    expect(listed[1]!.timeZone).toBe('Europe/Lisbon');
    const wrong = await cli([
      'sites',
      'add',
      'press-line-1',
      '-f',
      join(examples, 'sites/press-line-2.facts.yaml'),
    ]);
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toMatch(/does not match the site "press-line-1"/);
  });

  it('has an agent config for a demo site that loads and dials the control plane’s default port', async () => {
    const config = await loadAgentConfig(join(examples, 'agents/press-line-2.agent.yaml'), {
      PLCFLEET_ENROLLMENT_TOKEN: 'enr_example',
    });
    expect(config.site).toBe('press-line-2');
    const port = new URL(config.controlPlane.url).port;
    expect(Number(port)).toBe(resolveConfig({ env: {} }).port);
  });

  it('runs the example rollout plan over the demo fleet without an inconclusive phase', () => {
    const plan = parseWith(
      RolloutPlan,
      YAML.parse(readFileSync(join(examples, 'rollouts/three-phase.yaml'), 'utf8')),
    );
    if (!plan.ok) throw new Error(plan.error);
    let remaining = DEMO_SITES.map((name) => ({ name, tags: [] as string[] }));
    for (const phase of plan.value.phases) {
      const taken = selectSites(phase.select, remaining);
      remaining = remaining.filter((s) => !taken.includes(s.name));
      expect(taken.length, `phase ${phase.name}`).toBeGreaterThanOrEqual(phase.gates.minSample);
    }
  });
});
