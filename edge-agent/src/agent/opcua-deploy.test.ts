/**
 * The daemon on a live (virtual) PLC: the program is read over OPC UA (signed
 * and encrypted, as a user), the approved change written back over OPC UA and
 * read back from the PLC.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { type DeployOrder, TagMap } from '@plcfleet/protocols';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { MemoryRuntime, startPlcServer } from '../plant-io';
import { startScriptedControlPlane, testBundle } from '../testing/scripted-control-plane';
import { resolveAgentConfig } from './agent-config';
import { startAgent } from './agent-daemon';

const FIXTURES = resolve(import.meta.dirname, '../../fixtures/agent');
const SITE = 'press-line-9';
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const tags = TagMap.parse({
  apiVersion: 'plcfleet/v1',
  kind: 'TagMap',
  tags: [
    {
      name: 'Safety_OK',
      modbus: { table: 'coil', address: 0, type: 'BOOL' },
      opcua: { nodeId: 'ns=1;s=Main.Safety_OK', browseName: 'Safety_OK' },
    },
  ],
});

describe('agent daemon on a PLC over OPC UA', () => {
  it('verifies the program read over OPC UA, deploys it back, and checks the PLC holds the approved program', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'agent-opcua-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const original = readFileSync(join(FIXTURES, 'plant', 'Main.st'), 'utf8');
    const runtime = new MemoryRuntime({ Safety_OK: ['BOOL', false] }, () => {}, [
      { name: 'Main.st', text: original },
    ]);
    const plc = await startPlcServer({
      runtime,
      tags,
      modbus: false,
      // As at a plant: signed and encrypted, a user with a password, no anonymous sessions.
      opcua: {
        dataDir: join(dir, 'plc-pki'),
        port: 0,
        security: 'sign-and-encrypt',
        allowAnonymous: false,
        checkUser: (name, password) => name === 'plcfleet' && password === 'plc-pass-1',
        trustUnknownClients: true,
      },
    });
    cleanups.push(() => plc.close());
    const cp = await startScriptedControlPlane();
    cleanups.push(() => cp.close());
    const config = await resolveAgentConfig(
      {
        apiVersion: 'plcfleet/v1',
        kind: 'AgentConfig',
        agentId: 'agt-opcua',
        site: SITE,
        controlPlane: { url: cp.url, token: 'agent-token' },
        siteFacts: 'site.facts.yaml',
        policy: 'policy.yaml',
        program: plc.opcua!.endpointUrl,
        plcOpcua: { user: { name: 'plcfleet', passwordEnv: 'PLC_PW' }, trustUnknownServer: true },
        dataDir: join(dir, 'agent'),
        reconnect: { initialDelay: 50, maxDelay: 500 },
      },
      { baseDir: FIXTURES, env: { PLC_PW: 'plc-pass-1' } },
    );
    expect(config.program).toMatchObject({ kind: 'opcua', security: 'sign-and-encrypt' });
    const agent = await startAgent(config, { logger: pino({ level: 'silent' }) });
    cleanups.push(() => agent.stop({ graceMs: 0 }));
    await agent.connected();

    const migration = YAML.parse(readFileSync(join(FIXTURES, 'guard-assign.migration.yaml'), 'utf8'));
    cp.offer(cp.sign({ ...testBundle('job-o', SITE), migration }));
    const verdict = await cp.waitFor('verdict', () => cp.committed.get('job-o'), 60_000);
    expect(verdict.outcome, verdict.reason).toBe('passed');
    expect(runtime.programFiles()[0]?.text).toBe(original);

    const order: DeployOrder = {
      deployId: 'dep-o',
      jobId: 'job-o',
      rolloutId: 'ro-1',
      site: SITE,
      migrationId: 'guard-assign',
      revision: 1,
      sha256Before: verdict.evidence.sha256Before!,
      sha256After: verdict.evidence.sha256After!,
      window: {
        notBefore: new Date(Date.now() - 60_000).toISOString(),
        notAfter: new Date(Date.now() + 3_600_000).toISOString(),
      },
      approvedBy: ['sam'],
      issuedAt: new Date().toISOString(),
    };
    cp.deploy(cp.sign(order));
    const [result] = await cp.waitFor('deploy result', () => cp.deployResults.get('dep-o'), 60_000);
    expect(result).toMatchObject({ outcome: 'deployed', sha256Running: verdict.evidence.sha256After });
    expect(runtime.programFiles()[0]?.text).toMatch(/Safety_OK := Guard_Sensor;/);
  }, 120_000);
});
