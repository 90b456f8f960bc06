/**
 * A Modbus TCP server on `node:net`.
 *
 * We do not use modbus-serial's ServerTCP: it lacks function code 23, enforces
 * no quantity limits, and drops requests for other unit ids without an answer
 * (the client then waits for its timeout). This server answers every
 * well-formed request: data or an exception response.
 */
import net from 'node:net';
import type { ModbusDataModel } from './modbus-data-model';
import { MODBUS_EXCEPTION, MODBUS_LIMITS, ModbusException } from './modbus-exception';

/** Options of {@link startModbusServer}. */
export interface ModbusServerOptions {
  /** The tables to serve. */
  model: ModbusDataModel;
  /** Address to listen on. @default '127.0.0.1' */
  host?: string;
  /** TCP port; 0 picks a free one. @default 502 */
  port?: number;
  /** The unit id this server answers as; 0 and 255 are always accepted too (Modbus TCP §4.4.1.3). @default 1 */
  unitId?: number;
  /**
   * Largest number of simultaneous connections; a connection over the limit is
   * closed as soon as it is accepted. @default 32
   */
  maxConnections?: number;
  /**
   * A connection with no traffic either way for this long is closed, so idle or
   * abandoned connections cannot hold every slot of `maxConnections`. A client that
   * sends but does not read its answers also stops all traffic (its requests are no
   * longer read once its unread answers reach the socket's buffer) and is closed the
   * same way. 0 disables the timeout. @default 60000
   */
  idleTimeoutMs?: number;
}

/** Defaults of {@link ModbusServerOptions}. */
export const MODBUS_SERVER_DEFAULTS = { maxConnections: 32, idleTimeoutMs: 60_000 } as const;

/** A running Modbus TCP server. */
export interface ModbusServer {
  /** The port it listens on. */
  readonly port: number;
  /** Requests answered so far (including exception responses). */
  readonly requests: () => number;
  /** Connections open now. */
  readonly connections: () => number;
  /** Stops listening and closes every connection. */
  close(): Promise<void>;
}

const MBAP_LENGTH = 7;
const MAX_PDU = 253;

/** Starts a Modbus TCP server over a data model. */
export async function startModbusServer(options: ModbusServerOptions): Promise<ModbusServer> {
  const unitId = options.unitId ?? 1;
  const sockets = new Set<net.Socket>();
  let requests = 0;
  const maxConnections = options.maxConnections ?? MODBUS_SERVER_DEFAULTS.maxConnections;
  const idleTimeoutMs = options.idleTimeoutMs ?? MODBUS_SERVER_DEFAULTS.idleTimeoutMs;
  if (!(Number.isInteger(maxConnections) && maxConnections >= 1))
    throw new RangeError(`maxConnections must be a whole number >= 1, not ${maxConnections}`);
  if (!(Number.isFinite(idleTimeoutMs) && idleTimeoutMs >= 0))
    throw new RangeError(`idleTimeoutMs must be >= 0, not ${idleTimeoutMs}`);
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.setNoDelay(true);
    if (idleTimeoutMs > 0) {
      socket.setTimeout(idleTimeoutMs);
      socket.on('timeout', () => socket.destroy());
    }
    let pending = Buffer.alloc(0);
    let blocked = false;
    // Answers the complete frames in `pending`. When the peer does not read its answers,
    // write() reports a full buffer: stop reading its requests until it drains, so one
    // connection holds at most a socket buffer of answers (it grew without bound before).
    const serve = () => {
      while (pending.length >= MBAP_LENGTH) {
        const protocolId = pending.readUInt16BE(2);
        const length = pending.readUInt16BE(4);
        if (protocolId !== 0 || length < 2 || length > MAX_PDU + 1) {
          // not Modbus: no way to resynchronise the stream
          socket.destroy();
          return;
        }
        if (pending.length < 6 + length) break;
        const frame = pending.subarray(0, 6 + length);
        pending = pending.subarray(6 + length);
        const transactionId = frame.readUInt16BE(0);
        const unit = frame.readUInt8(6);
        const pdu = frame.subarray(MBAP_LENGTH);
        const reply =
          unit === unitId || unit === 0 || unit === 255
            ? handlePdu(options.model, pdu)
            : exception(pdu.readUInt8(0), MODBUS_EXCEPTION.GATEWAY_TARGET_FAILED);
        requests++;
        const header = Buffer.alloc(MBAP_LENGTH);
        header.writeUInt16BE(transactionId, 0);
        header.writeUInt16BE(0, 2);
        header.writeUInt16BE(reply.length + 1, 4);
        header.writeUInt8(unit, 6);
        if (!socket.write(Buffer.concat([header, reply]))) {
          blocked = true;
          socket.pause();
          socket.once('drain', () => {
            blocked = false;
            socket.resume();
            serve();
          });
          return;
        }
      }
    };
    socket.on('data', (chunk) => {
      pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
      if (!blocked) serve();
    });
    socket.on('error', () => socket.destroy());
    socket.on('close', () => sockets.delete(socket));
  });
  server.maxConnections = maxConnections;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 502, options.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    port,
    requests: () => requests,
    connections: () => sockets.size,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

function exception(functionCode: number, code: number): Buffer {
  return Buffer.from([(functionCode | 0x80) & 0xff, code]);
}

/** Answers one PDU (function code + data) with a response PDU. Exported for unit tests. */
function handlePdu(model: ModbusDataModel, pdu: Buffer): Buffer {
  const fc = pdu.readUInt8(0);
  try {
    switch (fc) {
      case 0x01:
      case 0x02: {
        const { address, count } = readAddressCount(pdu, 1, MODBUS_LIMITS.readBits);
        const bits = model.readBits(fc === 0x01 ? 'coil' : 'discrete', address, count);
        return Buffer.concat([Buffer.from([fc, Math.ceil(count / 8)]), packBits(bits)]);
      }
      case 0x03:
      case 0x04: {
        const { address, count } = readAddressCount(pdu, 1, MODBUS_LIMITS.readRegisters);
        const regs = model.readRegisters(fc === 0x03 ? 'holding' : 'input', address, count);
        return Buffer.concat([Buffer.from([fc, count * 2]), packRegisters(regs)]);
      }
      case 0x05: {
        need(pdu, 5);
        const address = pdu.readUInt16BE(1);
        const value = pdu.readUInt16BE(3);
        if (value !== 0xff00 && value !== 0x0000)
          throw new ModbusException(
            MODBUS_EXCEPTION.ILLEGAL_DATA_VALUE,
            'coil value must be 0xFF00 or 0x0000',
          );
        model.writeCoils(address, [value === 0xff00]);
        return Buffer.from(pdu.subarray(0, 5));
      }
      case 0x06: {
        need(pdu, 5);
        const address = pdu.readUInt16BE(1);
        model.writeRegisters(address, [pdu.readUInt16BE(3)]);
        return Buffer.from(pdu.subarray(0, 5));
      }
      case 0x0f: {
        const { address, count } = readAddressCount(pdu, 1, MODBUS_LIMITS.writeCoils);
        const byteCount = pdu.readUInt8(5);
        if (byteCount !== Math.ceil(count / 8) || pdu.length !== 6 + byteCount)
          throw new ModbusException(
            MODBUS_EXCEPTION.ILLEGAL_DATA_VALUE,
            'byte count does not match quantity',
          );
        model.writeCoils(address, unpackBits(pdu.subarray(6), count));
        return Buffer.from(pdu.subarray(0, 5));
      }
      case 0x10: {
        const { address, count } = readAddressCount(pdu, 1, MODBUS_LIMITS.writeRegisters);
        const byteCount = pdu.readUInt8(5);
        if (byteCount !== count * 2 || pdu.length !== 6 + byteCount)
          throw new ModbusException(
            MODBUS_EXCEPTION.ILLEGAL_DATA_VALUE,
            'byte count does not match quantity',
          );
        model.writeRegisters(address, unpackRegisters(pdu.subarray(6), count));
        return Buffer.from(pdu.subarray(0, 5));
      }
      case 0x17: {
        // §6.17: the write is performed before the read
        const read = readAddressCount(pdu, 1, MODBUS_LIMITS.readRegisters);
        const write = readAddressCount(pdu, 5, MODBUS_LIMITS.readWriteWrite);
        need(pdu, 10);
        const byteCount = pdu.readUInt8(9);
        if (byteCount !== write.count * 2 || pdu.length !== 10 + byteCount)
          throw new ModbusException(
            MODBUS_EXCEPTION.ILLEGAL_DATA_VALUE,
            'byte count does not match quantity',
          );
        model.writeRegisters(write.address, unpackRegisters(pdu.subarray(10), write.count));
        const regs = model.readRegisters('holding', read.address, read.count);
        return Buffer.concat([Buffer.from([fc, read.count * 2]), packRegisters(regs)]);
      }
      default:
        return exception(fc, MODBUS_EXCEPTION.ILLEGAL_FUNCTION);
    }
  } catch (err) {
    if (err instanceof ModbusException) return exception(fc, err.exceptionCode);
    return exception(fc, MODBUS_EXCEPTION.SERVER_DEVICE_FAILURE);
  }
}

function need(pdu: Buffer, length: number): void {
  if (pdu.length < length)
    throw new ModbusException(MODBUS_EXCEPTION.ILLEGAL_DATA_VALUE, 'request too short');
}

function readAddressCount(pdu: Buffer, at: number, max: number): { address: number; count: number } {
  need(pdu, at + 4);
  const address = pdu.readUInt16BE(at);
  const count = pdu.readUInt16BE(at + 2);
  if (count < 1 || count > max)
    throw new ModbusException(MODBUS_EXCEPTION.ILLEGAL_DATA_VALUE, `quantity ${count} outside 1..${max}`);
  if (address + count > 0x10000)
    throw new ModbusException(MODBUS_EXCEPTION.ILLEGAL_DATA_ADDRESS, 'range runs past address 65535');
  return { address, count };
}

/** Packs bits LSB-first into bytes (§6.1). */
function packBits(bits: readonly boolean[]): Buffer {
  const out = Buffer.alloc(Math.ceil(bits.length / 8));
  bits.forEach((b, i) => {
    if (b) out[i >> 3]! |= 1 << (i & 7);
  });
  return out;
}

/** Unpacks `count` bits LSB-first. */
function unpackBits(bytes: Buffer, count: number): boolean[] {
  const out: boolean[] = [];
  for (let i = 0; i < count; i++) out.push(((bytes[i >> 3] ?? 0) & (1 << (i & 7))) !== 0);
  return out;
}

function packRegisters(regs: readonly number[]): Buffer {
  const out = Buffer.alloc(regs.length * 2);
  regs.forEach((r, i) => {
    out.writeUInt16BE(r & 0xffff, i * 2);
  });
  return out;
}

function unpackRegisters(bytes: Buffer, count: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < count; i++) out.push(bytes.readUInt16BE(i * 2));
  return out;
}
