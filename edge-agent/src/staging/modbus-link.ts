/**
 * A Modbus TCP client link to one unit, on modbus-serial: one request in flight
 * (a queue), a timeout per request, reconnect on the next request after a
 * failure.
 *
 * modbus-serial's transaction ids wrap at 256 and it matches answers by id, so
 * a late answer to a timed-out request could be taken for the answer to a
 * later one. We therefore drop the connection after every timeout and open a
 * fresh one: an old answer can never arrive on the new socket. A dropped
 * connection fails the request in flight at once instead of waiting for its
 * timeout, so a dead peer shows within one poll.
 */
import type { Tag } from '@plcfleet/protocols';
import ModbusRTU from 'modbus-serial';
import { decodeRegistersAt, PlantIoError, type RawValue } from '../plant-io';
import type { PollBlock } from './poll-plan';

/** Options of {@link ModbusLink}. */
export interface ModbusLinkOptions {
  host: string;
  port: number;
  /** @default 1 */
  unitId?: number;
  /** Per-request timeout, ms. @default 1000 */
  timeoutMs?: number;
}

/** A queued, reconnecting Modbus TCP client. */
export class ModbusLink {
  private client: ModbusRTU | undefined;
  private queue: Promise<unknown> = Promise.resolve();
  private closed = false;
  private dropped: (() => void) | undefined;
  /** Connections opened so far. */
  connects = 0;

  constructor(readonly options: ModbusLinkOptions) {}

  private async connect(): Promise<ModbusRTU> {
    if (this.client?.isOpen) return this.client;
    this.drop();
    const client = new ModbusRTU();
    const timeout = this.options.timeoutMs ?? 1000;
    await withTimeout(
      client.connectTCP(this.options.host, { port: this.options.port, timeout }),
      timeout,
      () => client.close(() => {}),
    );
    client.setID(this.options.unitId ?? 1);
    client.setTimeout(timeout);
    this.connects++;
    const socket = (client as unknown as { _port?: { _client?: NodeJS.EventEmitter } })._port?._client;
    socket?.once('close', () => {
      // only a drop of the current connection fails the request in flight
      if (this.client !== client) return;
      this.client = undefined;
      this.dropped?.();
    });
    this.client = client;
    return client;
  }

  private drop(): void {
    const c = this.client;
    this.client = undefined;
    if (c) c.close(() => {});
  }

  /** Runs one request on the link (after those queued before it). */
  request<T>(fn: (client: ModbusRTU) => Promise<T>): Promise<T> {
    const run = async (): Promise<T> => {
      if (this.closed) throw new PlantIoError('COMM_FAILURE', 'link closed');
      const timeout = this.options.timeoutMs ?? 1000;
      let client: ModbusRTU;
      try {
        client = await this.connect();
      } catch (err) {
        throw new PlantIoError(
          'COMM_FAILURE',
          `connect ${this.options.host}:${this.options.port}: ${msg(err)}`,
        );
      }
      const lost = new Promise<never>((_, reject) => {
        this.dropped = () => reject(new PlantIoError('COMM_FAILURE', 'connection lost'));
      });
      lost.catch(() => {});
      try {
        return await Promise.race([withTimeout(fn(client), timeout), lost]);
      } catch (err) {
        const code = (err as { modbusCode?: number }).modbusCode;
        if (code !== undefined)
          throw new PlantIoError(
            'MODBUS_EXCEPTION',
            `exception ${code}`,
            { exceptionCode: code },
            { cause: err },
          );
        // timeout or socket trouble: a fresh connection next time (see the module comment)
        this.drop();
        throw err instanceof PlantIoError
          ? err
          : new PlantIoError('COMM_FAILURE', msg(err), {}, { cause: err });
      } finally {
        this.dropped = undefined;
      }
    };
    const p = this.queue.then(run, run);
    this.queue = p.catch(() => {});
    return p;
  }

  /**
   * Reads one poll block and decodes each of its tags: a bit for a coil or discrete
   * input, registers in the tag's type and word order. An answer shorter than the block
   * is a `COMM_FAILURE`.
   */
  async readBlock(block: PollBlock): Promise<Map<Tag, RawValue>> {
    const values = await this.request(async (c) => {
      switch (block.table) {
        case 'coil':
          return (await c.readCoils(block.address, block.count)).data;
        case 'discrete':
          return (await c.readDiscreteInputs(block.address, block.count)).data;
        case 'holding':
          return (await c.readHoldingRegisters(block.address, block.count)).data;
        case 'input':
          return (await c.readInputRegisters(block.address, block.count)).data;
      }
    });
    if (values.length < block.count)
      throw new PlantIoError(
        'COMM_FAILURE',
        `${block.table} ${block.address}..${block.address + block.count - 1}: the PLC answered ${values.length} of ${block.count} values`,
      );
    const raw = new Map<Tag, RawValue>();
    for (const tag of block.tags) {
      const at = tag.modbus.address - block.address;
      raw.set(
        tag,
        tag.modbus.type === 'BOOL'
          ? Boolean(values[at])
          : decodeRegistersAt(tag.modbus.type, tag.modbus.wordOrder, values as number[], at),
      );
    }
    return raw;
  }

  /** Closes the link; queued requests fail. */
  close(): void {
    this.closed = true;
    this.drop();
  }
}

/** A readable text of what a request failed with (modbus-serial also rejects with plain objects). */
export function msg(err: unknown): string {
  if (err instanceof Error) return err.message;
  if (err && typeof err === 'object') {
    const o = err as { name?: unknown; message?: unknown; errno?: unknown };
    if (typeof o.message === 'string')
      return typeof o.name === 'string' ? `${o.name}: ${o.message}` : o.message;
    try {
      return JSON.stringify(err);
    } catch {
      return Object.prototype.toString.call(err);
    }
  }
  return String(err);
}

function withTimeout<T>(p: Promise<T>, ms: number, onTimeout?: () => void): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const t = setTimeout(() => {
      onTimeout?.();
      reject(new PlantIoError('COMM_FAILURE', `no answer within ${ms} ms`));
    }, ms);
    p.then(
      (v) => {
        clearTimeout(t);
        resolve(v);
      },
      (e) => {
        clearTimeout(t);
        reject(e);
      },
    );
  });
}
