import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { decodeFrame, type Envelope } from '@plcfleet/protocols';
import { generateSigningKeyPair } from '@plcfleet/protocols/signing';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { type WebSocket, WebSocketServer } from 'ws';
import { AgentLink, type LinkSession } from './agent-link';

const key = generateSigningKeyPair();
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** A bare ws server whose reaction to each frame the test scripts. */
async function server(onFrame: (ws: WebSocket, msg: Envelope, n: number) => void) {
  const wss = new WebSocketServer({ port: 0, host: '127.0.0.1', path: '/v1/agents' });
  await new Promise((r) => wss.once('listening', r));
  const got: Envelope[] = [];
  let connections = 0;
  wss.on('connection', (ws) => {
    const n = ++connections;
    ws.on('message', (d) => {
      const r = decodeFrame(d.toString());
      if (!r.ok) return;
      got.push(r.message);
      onFrame(ws, r.message, n);
    });
  });
  cleanups.push(
    () =>
      new Promise<void>((r) => {
        for (const c of wss.clients) c.terminate();
        wss.close(() => r());
      }),
  );
  return {
    url: `ws://127.0.0.1:${(wss.address() as AddressInfo).port}/v1/agents`,
    got,
    connections: () => connections,
  };
}

const frame = (body: Record<string, unknown>) =>
  JSON.stringify({ v: 1, id: randomUUID(), ts: new Date().toISOString(), ...body });
const welcome = (over: Record<string, unknown> = {}) =>
  frame({
    type: 'welcome',
    protocolVersion: 1,
    heartbeatMs: 100,
    signingKeys: [key.publicKeyPem],
    serverTime: new Date().toISOString(),
    ...over,
  });

function link(url: string) {
  const events: string[] = [];
  const messages: Envelope[] = [];
  const ups: LinkSession[] = [];
  const l = new AgentLink(
    {
      url,
      token: 't',
      agentId: 'a1',
      site: 's1',
      agentVersion: '0.1.0',
      protocolVersions: [1],
      pinnedKeys: [],
      heartbeatMs: 100,
      reconnect: { initialDelayMs: 10, maxDelayMs: 50 },
      logger: pino({ level: 'silent' }),
    },
    {
      onUp: (s) => {
        ups.push(s);
        events.push('up');
      },
      onDown: (r) => events.push(`down: ${r}`),
      onMessage: (m) => messages.push(m),
    },
  );
  l.start();
  cleanups.push(() => l.close());
  return { l, events, messages, ups };
}

async function until(check: () => boolean, timeoutMs = 10_000) {
  const end = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > end) throw new Error('condition not reached');
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('AgentLink', () => {
  it('answers a bad frame with an error and stays up', async () => {
    const s = await server((ws, msg) => {
      if (msg.type === 'hello') {
        ws.send(welcome());
        ws.send('{not json');
        ws.send(frame({ type: 'teleport' }));
        ws.send(frame({ type: 'cancel', jobId: 'j1', reason: 'test' }));
      }
      if (msg.type === 'heartbeat') ws.send(frame({ type: 'heartbeat' }));
    });
    const { messages } = link(s.url);
    await until(() => messages.length === 1);
    expect(messages[0]).toMatchObject({ type: 'cancel', jobId: 'j1' });
    await until(() => s.got.filter((m) => m.type === 'error').length === 2);
    expect(s.got.filter((m) => m.type === 'error').map((m) => (m as { code: string }).code)).toEqual([
      'BAD_FRAME',
      'UNKNOWN_TYPE',
    ]);
    expect(s.connections()).toBe(1);
  });

  it('refuses a welcome with a protocol version it does not speak, and ignores messages before welcome', async () => {
    const s = await server((ws, msg) => {
      if (msg.type === 'hello') {
        ws.send(frame({ type: 'cancel', jobId: 'early', reason: 'x' }));
        ws.send(welcome({ protocolVersion: 99 }));
      }
    });
    const { events, messages } = link(s.url);
    await until(() => s.connections() >= 2);
    expect(events).toEqual([]);
    expect(messages).toEqual([]);
    const err = s.got.find((m) => m.type === 'error');
    expect(err).toMatchObject({ code: 'VALIDATION' });
    expect((err as { message: string }).message).toContain('protocol version 99');
  });

  it('drops a link whose peer falls silent and reconnects', async () => {
    // first connection: welcome, then never a word again; later ones answer heartbeats
    const s = await server((ws, msg, n) => {
      if (msg.type === 'hello') ws.send(welcome());
      if (msg.type === 'heartbeat' && n > 1) ws.send(frame({ type: 'heartbeat' }));
    });
    const { events, ups } = link(s.url);
    await until(() => ups.length === 2);
    expect(events[0]).toBe('up');
    expect(events[1]).toMatch(/^down: no word from the control plane/);
    expect(events[2]).toBe('up');
    expect(s.got.filter((m) => m.type === 'hello')).toHaveLength(2);
  });
});
