import { X509Certificate } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TagMap } from '@plcfleet/protocols';
import {
  AttributeIds,
  type ClientSession,
  MessageSecurityMode,
  OPCUACertificateManager,
  OPCUAClient,
  SecurityPolicy,
  StatusCodes,
  VariableIds,
} from 'node-opcua';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StagingBridge } from '../staging';
import type { ModbusDataModel } from './modbus-data-model';
import { startModbusServer } from './modbus-tcp-server';
import { type PlantOpcuaServer, startOpcuaServer, subjectParts } from './opcua-server';
import { OpcuaTagSpace } from './opcua-tag-space';
import { loadTagMap } from './tag-map-file';

// Issue 17 point 14, found with open62541 against serve-plc and stage: the server showed
// node-opcua's identity (urn:<host>:NodeOPCUA-Server, product NodeOPCUA, certificate
// O=Sterfive, the library's BuildInfo); EngineeringUnits' UnitId was computed from the
// display text; EURange was ±DBL_MAX; the bridge advertised Setpoint writable in shadow
// and parallel; a sign-only channel on a sign-and-encrypt server got a malformed ERR.
// Checked here with node-opcua's client API over real sockets.
const fixtures = fileURLToPath(new URL('../../fixtures/plant-io/', import.meta.url));
let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'opcua-identity-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function newClient(name: string, more: Record<string, unknown> = {}) {
  return OPCUAClient.create({
    applicationName: 'identity-probe',
    clientCertificateManager: new OPCUACertificateManager({
      rootFolder: path.join(dir, `${name}-client-pki`),
      automaticallyAcceptUnknownCertificate: true,
    }),
    endpointMustExist: false,
    connectionStrategy: { maxRetry: 0 },
    ...more,
  });
}

async function withSession<T>(
  endpointUrl: string,
  name: string,
  fn: (s: ClientSession) => Promise<T>,
): Promise<T> {
  const client = newClient(name);
  await client.connect(endpointUrl);
  try {
    const session = await client.createSession();
    try {
      return await fn(session);
    } finally {
      await session.close();
    }
  } finally {
    await client.disconnect();
  }
}

async function identityOf(server: PlantOpcuaServer, name: string) {
  const client = newClient(name);
  await client.connect(server.endpointUrl);
  const [endpoint] = await client.getEndpoints();
  await client.disconnect();
  const cert = new X509Certificate(endpoint!.serverCertificate!);
  const read = (id: number) =>
    withSession(
      server.endpointUrl,
      `${name}-read`,
      async (s) => (await s.read({ nodeId: `i=${id}`, attributeId: AttributeIds.Value })).value.value,
    );
  const buildInfo = await read(VariableIds.Server_ServerStatus_BuildInfo);
  return {
    applicationUri: endpoint!.server.applicationUri,
    productUri: endpoint!.server.productUri,
    applicationName: endpoint!.server.applicationName.text,
    certificateSubject: subjectParts(cert.subject).join(','),
    certificateUris: (cert.subjectAltName ?? '').split(', ').filter((n) => n.startsWith('URI:')),
    buildInfo: {
      productName: buildInfo.productName,
      productUri: buildInfo.productUri,
      manufacturerName: buildInfo.manufacturerName,
      softwareVersion: buildInfo.softwareVersion,
      buildNumber: buildInfo.buildNumber,
    },
    buildDate: buildInfo.buildDate as Date,
    minSupportedSampleRate: await read(VariableIds.Server_ServerCapabilities_MinSupportedSampleRate),
  };
}

describe('OPC UA server identity', { timeout: 120_000 }, () => {
  it('is plcfleet’s by default, not node-opcua’s', async () => {
    const server = await startOpcuaServer({
      dataDir: path.join(dir, 'default'),
      port: 0,
      allowAnonymous: true,
    });
    try {
      const id = await identityOf(server, 'default');
      expect(id).toMatchObject({
        applicationUri: 'urn:plcfleet:plcfleet',
        productUri: 'urn:plcfleet:edge-agent',
        applicationName: 'plcfleet',
        certificateSubject: 'CN=plcfleet,O=plcfleet',
        certificateUris: ['URI:urn:plcfleet:plcfleet'],
        buildInfo: {
          productName: 'plcfleet',
          productUri: 'urn:plcfleet:edge-agent',
          manufacturerName: 'plcfleet',
          softwareVersion: '0.1.0',
          buildNumber: '0.1.0',
        },
        // configured 0 (the default): every change of an exception-based item is sent
        minSupportedSampleRate: 0,
      });
      expect(JSON.stringify(id)).not.toMatch(/NodeOPCUA|Sterfive/i);
    } finally {
      await server.close();
    }
  });

  it('takes every identity field from the options', async () => {
    const options = {
      dataDir: path.join(dir, 'custom'),
      port: 0,
      allowAnonymous: true,
      productName: 'Line 4 bridge',
      applicationUri: 'urn:acme:plant-7:line-4-bridge',
      productUri: 'urn:acme:bridge',
      manufacturerName: 'ACME Automation',
      softwareVersion: '2.3.1',
      buildNumber: '2.3.1+77',
      buildDate: new Date('2026-11-30T12:00:00Z'),
      certificateSubject: '/CN=Line 4 bridge/O=ACME Automation/C=DE',
      minSupportedSampleRate: 50,
    };
    const server = await startOpcuaServer(options);
    try {
      const id = await identityOf(server, 'custom');
      expect(id).toMatchObject({
        applicationUri: options.applicationUri,
        productUri: options.productUri,
        applicationName: 'Line 4 bridge',
        certificateSubject: 'C=DE,CN=Line 4 bridge,O=ACME Automation',
        certificateUris: [`URI:${options.applicationUri}`],
        buildInfo: {
          productName: 'Line 4 bridge',
          productUri: options.productUri,
          manufacturerName: 'ACME Automation',
          softwareVersion: '2.3.1',
          buildNumber: '2.3.1+77',
        },
        minSupportedSampleRate: 50,
      });
      expect(id.buildDate.toISOString()).toBe('2026-11-30T12:00:00.000Z');
    } finally {
      await server.close();
    }
    // A new identity on the same data dir makes a new certificate (a stale one would
    // carry a URI that no longer matches ServerInfo, which clients refuse).
    const again = await startOpcuaServer({ ...options, applicationUri: 'urn:acme:plant-7:renamed' });
    try {
      expect((await identityOf(again, 'renamed')).certificateUris).toEqual(['URI:urn:acme:plant-7:renamed']);
    } finally {
      await again.close();
    }
  });
});

describe('OPC UA tag variables', { timeout: 120_000 }, () => {
  it('carry UNECE unit ids and an EURange from the tag map', async () => {
    const map = (await loadTagMap(`${fixtures}demo-tags.yaml`)) as TagMap;
    const server = await startOpcuaServer({
      dataDir: path.join(dir, 'units'),
      port: 0,
      allowAnonymous: true,
    });
    try {
      OpcuaTagSpace.create(server, map.tags, { defaultFolder: 'Main' });
      const props = await withSession(server.endpointUrl, 'units', async (s) => {
        const out: Record<
          string,
          { unitId: number; namespaceUri: string; displayName: string; range: unknown }
        > = {};
        for (const name of ['Setpoint', 'Ramp']) {
          const children = await s.browse(`ns=1;s=Main.${name}`);
          const id = (browse: string) =>
            children.references!.find((r) => r.browseName.name === browse)!.nodeId;
          const eu = (await s.read({ nodeId: id('EngineeringUnits'), attributeId: AttributeIds.Value })).value
            .value;
          const range = (await s.read({ nodeId: id('EURange'), attributeId: AttributeIds.Value })).value
            .value;
          out[name] = {
            unitId: eu.unitId,
            namespaceUri: eu.namespaceUri,
            displayName: eu.displayName.text,
            range: { low: range.low, high: range.high },
          };
        }
        return out;
      });
      // UNECE Rec. 20 common codes, one byte per character (OPC UA Part 8 §5.6.3)
      expect(props.Setpoint).toMatchObject({
        unitId: 0x424152, // "BAR"
        namespaceUri: 'http://www.opcfoundation.org/UA/units/un/cefact',
        displayName: 'bar',
        range: { low: -3276.8, high: 3276.7 }, // INT × 0.1
      });
      expect(props.Ramp).toMatchObject({
        unitId: 0x52504d, // "RPM", where the text "rpm" gave 0x72706d
        displayName: 'rpm',
        range: { low: -3.4028234663852886e38, high: 3.4028234663852886e38 }, // REAL
      });
    } finally {
      await server.close();
    }
  });
});

describe('staging bridge access levels', { timeout: 120_000 }, () => {
  it('advertises Setpoint writable in cutover only, where it takes writes', async () => {
    const map = (await loadTagMap(`${fixtures}demo-tags.yaml`)) as TagMap;
    const zeros: ModbusDataModel = {
      readBits: (_t, _a, n) => new Array<boolean>(n).fill(false),
      readRegisters: (_t, _a, n) => new Array<number>(n).fill(0),
      writeCoils: () => {},
      writeRegisters: () => {},
    };
    const plc = await startModbusServer({ model: zeros, port: 0 });
    const bridge = await StagingBridge.start({
      tags: map,
      modbus: { host: '127.0.0.1', port: plc.port, timeoutMs: 3000 },
      opcua: { dataDir: path.join(dir, 'bridge'), port: 0, security: 'none', allowAnonymous: true },
      mode: 'shadow',
    });
    const levels = () =>
      withSession(bridge.server.endpointUrl, 'bridge', async (s) => {
        const [access, user] = await s.read([
          { nodeId: 'ns=1;s=Main.Setpoint', attributeId: AttributeIds.AccessLevel },
          { nodeId: 'ns=1;s=Main.Setpoint', attributeId: AttributeIds.UserAccessLevel },
        ]);
        const write = await s.write({
          nodeId: 'ns=1;s=Main.Setpoint',
          attributeId: AttributeIds.Value,
          value: { value: { dataType: 'Double', value: 1 } },
        });
        return {
          access: access!.value.value as number,
          user: user!.value.value as number,
          write: write.name,
        };
      });
    try {
      const CurrentWrite = 2;
      for (const stage of ['shadow', 'parallel'] as const) {
        bridge.setStage(stage, 'test');
        const l = await levels();
        expect(l.access & CurrentWrite, stage).toBe(0);
        expect(l.user & CurrentWrite, stage).toBe(0);
        expect(l.write, stage).toBe('BadNotWritable');
      }
      bridge.setStage('cutover', 'test');
      const l = await levels();
      expect(l.access & CurrentWrite).toBe(CurrentWrite);
      expect(l.user & CurrentWrite).toBe(CurrentWrite);
      expect(l.write).toBe('Good');
    } finally {
      await bridge.close();
      await plc.close();
    }
  });
});

describe('a sign-only channel asked of a sign-and-encrypt server', { timeout: 120_000 }, () => {
  it('is refused with a well-formed ERR message (OPC UA Part 6 §7.1.2.5)', async () => {
    const server = await startOpcuaServer({
      dataDir: path.join(dir, 'secure'),
      port: 0,
      security: 'sign-and-encrypt',
      allowAnonymous: true,
      trustUnknownClients: true,
    });
    // A relay that keeps what the server sends, between it and the client.
    const fromServer: Buffer[] = [];
    const relay = net.createServer((c) => {
      const up = net.connect(server.port, '127.0.0.1');
      c.pipe(up);
      up.on('data', (d: Buffer) => {
        fromServer.push(d);
        c.write(d);
      });
      up.on('close', () => c.destroy());
      c.on('close', () => up.destroy());
      up.on('error', () => {});
      c.on('error', () => {});
    });
    await new Promise<void>((r) => relay.listen(0, '127.0.0.1', () => r()));
    try {
      // The server certificate from its endpoints, so the client skips its own check that
      // a Sign endpoint exists and asks for the channel (as open62541 does).
      const probe = newClient('probe');
      await probe.connect(server.endpointUrl);
      const serverCertificate = (await probe.getEndpoints())[0]!.serverCertificate;
      await probe.disconnect();
      const client = newClient('sign-only', {
        serverCertificate,
        securityMode: MessageSecurityMode.Sign,
        securityPolicy: SecurityPolicy.Basic256Sha256,
      });
      const port = (relay.address() as net.AddressInfo).port;
      await expect(client.connect(`opc.tcp://127.0.0.1:${port}/plcfleet`)).rejects.toThrow();
      await client.disconnect();
      const bytes = Buffer.concat(fromServer);
      const at = bytes.indexOf('ERRF', 0, 'latin1');
      expect(at).toBeGreaterThanOrEqual(0);
      const err = bytes.subarray(at);
      const size = err.readUInt32LE(4);
      const reasonLength = err.readInt32LE(12);
      // node-opcua sent the request's security header and a ServiceFault here
      expect(err.readUInt32LE(8)).toBe(StatusCodes.BadSecurityPolicyRejected.value);
      expect(size).toBe(16 + reasonLength);
      expect(err.subarray(16, size).toString('utf8')).toMatch(/Basic256Sha256/);
    } finally {
      relay.close();
      await server.close();
    }
  });
});
