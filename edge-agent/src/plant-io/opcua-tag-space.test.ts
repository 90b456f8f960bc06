import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { TagMap } from '@plcfleet/protocols';
import {
  AttributeIds,
  ClientMonitoredItem,
  ClientSubscription,
  type DataValue,
  OPCUAClient,
  StatusCodes,
  TimestampsToReturn,
} from 'node-opcua';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type PlantOpcuaServer, startOpcuaServer } from './opcua-server';
import { OpcuaTagSpace } from './opcua-tag-space';

const map = TagMap.parse({
  apiVersion: 'plcfleet/v1',
  kind: 'TagMap',
  tags: [
    {
      name: 'Speed',
      modbus: { table: 'holding', address: 0, type: 'INT' },
      opcua: { nodeId: 's=Speed', browseName: 'Speed' },
    },
    {
      name: 'Count',
      modbus: { table: 'holding', address: 1, type: 'UDINT' },
      opcua: { nodeId: 's=Count', browseName: 'Count' },
    },
  ],
});
const [speed, count] = map.tags as [(typeof map.tags)[0], (typeof map.tags)[0]];

describe('OPC UA tag space', () => {
  let dir: string;
  let server: PlantOpcuaServer;
  let space: OpcuaTagSpace;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'tag-space-'));
    server = await startOpcuaServer({ dataDir: dir, port: 0, allowAnonymous: true });
    space = OpcuaTagSpace.create(server, map.tags);
  });
  afterAll(async () => {
    await server.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('serves the latest value of a node nobody monitors when it is read, never a stale Good', async () => {
    const node = space.variable(speed)!;
    expect(node.readValue().statusCode).toBe(StatusCodes.BadWaitingForInitialData);
    const before = Date.now();
    for (let v = 1; v <= 5; v++) space.publish(speed, v);
    let dv = node.readValue();
    expect(dv.value.value).toBe(5);
    expect(dv.statusCode).toBe(StatusCodes.Good);
    expect(dv.sourceTimestamp!.getTime()).toBeGreaterThanOrEqual(before);
    space.fail(speed);
    dv = node.readValue();
    expect(dv.statusCode).toBe(StatusCodes.BadCommunicationError);
    expect(dv.value.value).toBe(5); // last value kept
    space.fail(count);
    expect(space.variable(count)!.readValue().statusCode).toBe(StatusCodes.BadNoCommunication);
  });

  it('stamps values with the source time it is given, so one scan shares one time', () => {
    const scanAt = Date.parse('2026-12-06T10:00:00.000Z');
    space.publish(speed, 41, scanAt);
    space.publish(count, 42, scanAt);
    for (const tag of [speed, count]) {
      const dv = space.variable(tag)!.readValue();
      expect(dv.statusCode).toBe(StatusCodes.Good);
      expect(dv.sourceTimestamp!.toISOString()).toBe('2026-12-06T10:00:00.000Z');
    }
    space.fail(speed, scanAt + 10);
    expect(space.variable(speed)!.readValue().sourceTimestamp!.getTime()).toBe(scanAt + 10);
  });

  it('notifies a subscriber of every change at once, and a new subscriber starts from the latest value', async () => {
    space.publish(count, 41); // while unmonitored: kept, not pushed
    const client = OPCUAClient.create({ endpointMustExist: false, connectionStrategy: { maxRetry: 0 } });
    await client.connect(server.endpointUrl);
    const session = await client.createSession();
    try {
      const sub = ClientSubscription.create(session, {
        requestedPublishingInterval: 10,
        requestedMaxKeepAliveCount: 10,
        requestedLifetimeCount: 100,
        publishingEnabled: true,
      });
      const seen: DataValue[] = [];
      const item = ClientMonitoredItem.create(
        sub,
        { nodeId: 'ns=1;s=Count', attributeId: AttributeIds.Value },
        { samplingInterval: 0, queueSize: 10, discardOldest: true },
        TimestampsToReturn.Both,
      );
      const first = new Promise<void>((resolve) => item.once('changed', () => resolve()));
      item.on('changed', (dv: DataValue) => seen.push(dv));
      await first;
      expect(seen[0]!.value.value).toBe(41);
      for (const v of [42, 43, 44]) {
        space.publish(count, v);
        await new Promise((r) => setTimeout(r, 40));
      }
      await new Promise((r) => setTimeout(r, 100));
      expect(seen.map((dv) => dv.value.value)).toEqual([41, 42, 43, 44]);
      space.fail(count);
      await new Promise((r) => setTimeout(r, 100));
      expect(seen.at(-1)!.statusCode).toBe(StatusCodes.BadCommunicationError);
      await sub.terminate();
    } finally {
      await session.close();
      await client.disconnect();
    }
  });
});
