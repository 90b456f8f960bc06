import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { generateSigningKeyPair } from '@plcfleet/protocols/signing';
import { afterEach, describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { controlPlaneUrls, loadAgentConfig, resolveAgentConfig } from './agent-config';

const FIXTURES = resolve(import.meta.dirname, '../../fixtures/agent');
const base = {
  apiVersion: 'plcfleet/v1',
  kind: 'AgentConfig',
  agentId: 'agt-1',
  site: 'press-line-9',
  controlPlane: { url: 'ws://127.0.0.1:9/', token: 't' },
  siteFacts: 'site.facts.yaml',
  policy: 'policy.yaml',
  program: 'plant',
};
const resolveWith = (over: Record<string, unknown>, env: Record<string, string> = {}) =>
  resolveAgentConfig({ ...base, ...over }, { baseDir: FIXTURES, env, where: 'agent.yaml' });

let dir: string | undefined;
afterEach(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

describe('agent config', () => {
  it('resolves the example file: secrets from env, paths from the file, defaults filled', async () => {
    const c = await loadAgentConfig(join(FIXTURES, 'agent.yaml'), { PLCFLEET_AGENT_TOKEN: 'secret' });
    expect(c.controlPlane).toMatchObject({
      url: 'ws://127.0.0.1:8080/v1/agents',
      httpBase: 'http://127.0.0.1:8080',
      token: 'secret',
      signingKeys: [],
    });
    expect(c.program).toEqual({ kind: 'directory', path: join(FIXTURES, 'plant') });
    expect(c.dataDir).toBe(join(FIXTURES, '.plcfleet-agent'));
    expect(c.heartbeatMs).toBe(5000);
    expect(c.reconnect).toEqual({ initialDelayMs: 250, maxDelayMs: 30_000 });
    expect(c.siteFacts.firmware).toBe('3.4.1');
    expect(c.policy.emergencyStops).toEqual(['E_Stop_OK']);
    expect(c.transformer).toEqual({ kind: 'recipe' });
    expect(c.concurrency).toBe(1);
  });

  it('resolves enrollment, an OPC UA program and the claude transformer with its key from env', async () => {
    const c = await loadAgentConfig(join(FIXTURES, 'agent-enroll.yaml'), {
      PLCFLEET_ENROLLMENT_TOKEN: 'enr_x',
      ANTHROPIC_API_KEY: 'sk-test',
      PLC_OPCUA_PASSWORD: 'plc-pass-1',
    });
    expect(c.controlPlane).toMatchObject({
      url: 'wss://fleet.example.com/v1/agents',
      enrollmentToken: 'enr_x',
    });
    expect(c.controlPlane.token).toBeUndefined();
    expect(c.program).toEqual({
      kind: 'opcua',
      endpoint: 'opc.tcp://10.0.0.5:4840',
      security: 'sign-and-encrypt',
      user: { name: 'plcfleet', password: 'plc-pass-1' },
      trustUnknownServer: false,
    });
    expect(c.transformer).toEqual({ kind: 'claude', model: 'claude-sonnet-5', apiKey: 'sk-test' });
  });

  it.each([
    [{ heartbeat: 'often' }, 'agent.yaml: heartbeat: expected a duration'],
    [{ site: 'Press Line' }, 'agent.yaml: site: use lower-case letters'],
    [{ controlPlane: { url: 'ftp://x', token: 't' } }, 'agent.yaml: controlPlane.url: expected a ws://'],
    [{ controlPlane: { url: 'ws://x' } }, 'agent.yaml: controlPlane: needs one of token'],
    [
      { controlPlane: { url: 'ws://x', tokenEnv: 'NOPE' } },
      'agent.yaml: controlPlane.tokenEnv: environment variable NOPE is not set',
    ],
    [
      { transformer: { kind: 'claude', model: 'm' } },
      'agent.yaml: transformer.apiKeyEnv: environment variable ANTHROPIC_API_KEY is not set',
    ],
    [{ transformer: { kind: 'gpt' } }, 'agent.yaml: transformer.kind: expected "recipe" or "claude"'],
    [{ colour: 'blue' }, 'agent.yaml: (root): unknown field "colour"'],
    [{ siteFacts: 'missing.yaml' }, 'agent.yaml: siteFacts: cannot read'],
    [{ site: 'press-line-1' }, 'agent.yaml: siteFacts: describes site "press-line-9", not "press-line-1"'],
    [
      { reconnect: { initialDelay: '10s', maxDelay: '1s' } },
      'agent.yaml: reconnect.maxDelay: must not be shorter',
    ],
    [
      { controlPlane: { url: 'ws://x', token: 't', signingKeys: ['not a key'] } },
      'agent.yaml: controlPlane.signingKeys[0]: not a PEM public key',
    ],
    [
      { program: 'opc.tcp://plc:4840', plcOpcua: { security: 'none' } },
      'agent.yaml: plcOpcua.security: none sends PLC programs and credentials in the clear',
    ],
    [
      { program: 'opc.tcp://plc:4840', plcOpcua: { user: { name: 'u', passwordEnv: 'PLC_PW' } } },
      'agent.yaml: plcOpcua.user.passwordEnv: environment variable PLC_PW is not set',
    ],
    [{ plcOpcua: { security: 'tls' } }, 'agent.yaml: plcOpcua.security:'],
  ])('says which field is wrong: %j', async (over, message) => {
    await expect(resolveWith(over)).rejects.toThrow(message);
  });

  it('never puts a secret in an error message', async () => {
    const err = await resolveWith({
      controlPlane: { url: 'ws://x', token: 'super-secret', tokenEnv: 'T' },
    }).catch((e: Error) => e);
    expect(String(err)).toContain('give token or tokenEnv');
    expect(String(err)).not.toContain('super-secret');
  });

  it('talks to the PLC signed and encrypted unless told otherwise', async () => {
    const c = await resolveWith({ program: 'opc.tcp://10.0.0.5:4840' });
    expect(c.program).toEqual({
      kind: 'opcua',
      endpoint: 'opc.tcp://10.0.0.5:4840',
      security: 'sign-and-encrypt',
      trustUnknownServer: false,
    });
  });

  it('takes security none for the PLC only when told it is insecure (a simulator)', async () => {
    const c = await resolveWith({
      program: 'opc.tcp://127.0.0.1:4840',
      plcOpcua: { security: 'none', insecure: true },
    });
    expect(c.program).toEqual({
      kind: 'opcua',
      endpoint: 'opc.tcp://127.0.0.1:4840',
      security: 'none',
      trustUnknownServer: false,
    });
  });

  it('takes the site facts and policy inline too', async () => {
    const facts = { apiVersion: 'plcfleet/v1', kind: 'SiteFacts', site: 'press-line-9', firmware: '3.1' };
    const policy = { apiVersion: 'plcfleet/v1', kind: 'SitePolicy', site: 'press-line-9' };
    const c = await resolveWith({ siteFacts: facts, policy });
    expect(c.siteFacts).toMatchObject({ firmware: '3.1', certifiedSafetyPlc: false });
    expect(c.policy.permissives).toEqual([]);
    await expect(resolveWith({ siteFacts: { ...facts, firmware: 'three' } })).rejects.toThrow(
      'agent.yaml: siteFacts',
    );
  });

  it('takes a library interfaces folder relative to the file, for library-update jobs', async () => {
    const c = await resolveWith({ libraries: 'plant' });
    expect(c.libraries).toBe(join(FIXTURES, 'plant'));
    expect((await resolveWith({})).libraries).toBeUndefined();
    await expect(resolveWith({ libraries: '' })).rejects.toThrow('agent.yaml: libraries');
    await expect(resolveWith({ libraries: 'no-such-libs' })).rejects.toThrow(
      `agent.yaml: libraries: no such folder or file: ${join(FIXTURES, 'no-such-libs')} (ENOENT)`,
    );
  });

  it('takes the models folder and the define set shadow runs and the watch load programs with', async () => {
    const c = await resolveWith({ libraries: 'plant', models: 'plant', defines: ['SIMULATION', 'LINE_2'] });
    expect(c).toMatchObject({ models: join(FIXTURES, 'plant'), defines: ['SIMULATION', 'LINE_2'] });
    const none = await resolveWith({});
    expect(none.models).toBeUndefined();
    expect(none.defines).toBeUndefined();
    // An empty set is a set (nothing defined), not "every branch".
    expect((await resolveWith({ defines: [] })).defines).toEqual([]);
    await expect(resolveWith({ models: 'no-such-models' })).rejects.toThrow(
      `agent.yaml: models: no such folder or file: ${join(FIXTURES, 'no-such-models')} (ENOENT)`,
    );
    await expect(resolveWith({ models: 7 })).rejects.toThrow('agent.yaml: models');
    await expect(resolveWith({ defines: 'SIMULATION' })).rejects.toThrow(
      /agent\.yaml: defines: expected array/,
    );
    await expect(resolveWith({ defines: ['OK', '2FAST'] })).rejects.toThrow(
      /agent\.yaml: defines\[1\]: expected a define name/,
    );
  });

  it('reads an OPC UA watch PLC by subscription unless watch.opcuaMode says poll (as shadow --opcua-mode)', async () => {
    const watch = { tags: 'tags.yaml', plc: 'opc.tcp://127.0.0.1:4840' };
    expect((await resolveWith({ watch })).watch?.opcuaMode).toBe('subscription');
    expect((await resolveWith({ watch: { ...watch, opcuaMode: 'poll' } })).watch?.opcuaMode).toBe('poll');
    await expect(resolveWith({ watch: { ...watch, opcuaMode: 'push' } })).rejects.toThrow(
      /agent\.yaml: watch\.opcuaMode/,
    );
  });

  it('reads the watch comm-loss grace as a duration, absent unless given', async () => {
    const watch = { tags: 'tags.yaml', plc: 'modbus://127.0.0.1:502' };
    expect((await resolveWith({ watch })).watch?.commLossGraceMs).toBeUndefined();
    expect((await resolveWith({ watch: { ...watch, commLossGrace: '5s' } })).watch?.commLossGraceMs).toBe(
      5000,
    );
    await expect(resolveWith({ watch: { ...watch, commLossGrace: 'soon' } })).rejects.toThrow(
      /agent\.yaml: watch\.commLossGrace/,
    );
  });

  it('names the file of agent.yaml when a models folder is not there', async () => {
    dir = mkdtempSync(join(tmpdir(), 'agent-config-'));
    for (const f of ['site.facts.yaml', 'policy.yaml']) copyFileSync(join(FIXTURES, f), join(dir, f));
    writeFileSync(join(dir, 'agent.yaml'), YAML.stringify({ ...base, models: 'models' }));
    await expect(loadAgentConfig(join(dir, 'agent.yaml'), {})).rejects.toThrow(
      `${join(dir, 'agent.yaml')}: models: no such folder or file: ${join(dir, 'models')}`,
    );
  });

  it('reads pinned keys from a PEM file', async () => {
    dir = mkdtempSync(join(tmpdir(), 'agent-config-'));
    const a = generateSigningKeyPair();
    const b = generateSigningKeyPair();
    writeFileSync(join(dir, 'keys.pem'), `${a.publicKeyPem}\n${b.publicKeyPem}`);
    for (const f of ['site.facts.yaml', 'policy.yaml']) copyFileSync(join(FIXTURES, f), join(dir, f));
    writeFileSync(
      join(dir, 'agent.yaml'),
      YAML.stringify({ ...base, controlPlane: { url: 'ws://h:1', token: 't', signingKeysFile: 'keys.pem' } }),
    );
    const c = await loadAgentConfig(join(dir, 'agent.yaml'), {});
    expect(c.controlPlane.signingKeys).toHaveLength(2);
    expect(c.program).toEqual({ kind: 'directory', path: join(dir, 'plant') });
  });

  it('derives gateway and HTTP URLs from any of the accepted forms', () => {
    expect(controlPlaneUrls('https://cp.example:8443')).toEqual({
      url: 'wss://cp.example:8443/v1/agents',
      httpBase: 'https://cp.example:8443',
    });
    expect(controlPlaneUrls('ws://127.0.0.1:3000/v1/agents')).toEqual({
      url: 'ws://127.0.0.1:3000/v1/agents',
      httpBase: 'http://127.0.0.1:3000',
    });
  });
});
