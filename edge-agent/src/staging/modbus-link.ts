/**
 * A Modbus TCP client link to one unit (`ModbusTcpClient`, ADR 0164): one request in flight
 * (a queue), a timeout per request, reconnect on the next request after a failure.
 *
 * A late answer to a timed-out request must never be taken for the answer to a later one.
 * Answers are matched by a 16-bit transaction id, and we also drop the connection after
 * every timeout and open a fresh one: an old answer can never arrive on the new socket. A
 * dropped connection fails the request in flight at once instead of waiting for its
 * timeout, so a dead peer shows within one poll.
 */
import type { Tag } from '@plcfleet/protocols';
import { decodeRegistersIn, PlantIoError, type RawValue } from '../plant-io';
import { ModbusTcpClient } from './modbus-tcp-client';
import type { PollBlock } from './poll-plan';

/** Where `readBlock` puts a block's values: a `Map`, or a sample's own store. */
interface TagSink {
  set(tag: Tag, value: RawValue): unknown;
}

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
  private client: ModbusTcpClient | undefined;
  private queue: Promise<unknown> = Promise.resolve();
  private closed = false;
  /** Connections opened so far. */
  connects = 0;

  constructor(readonly options: ModbusLinkOptions) {}

  private async connect(): Promise<ModbusTcpClient> {
    if (this.client?.isOpen) return this.client;
    this.drop();
    const timeout = this.options.timeoutMs ?? 1000;
    let opening: ModbusTcpClient | undefined;
    const client = await withTimeout(
      ModbusTcpClient.connect(this.options.host, this.options.port, this.options.unitId ?? 1, (c) => {
        opening = c;
      }),
      timeout,
      () => opening?.close(),
    );
    this.connects++;
    this.client = client;
    return client;
  }

  private drop(): void {
    const c = this.client;
    this.client = undefined;
    c?.close();
  }

  /** Runs one request on the link (after those queued before it). */
  request<T>(fn: (client: ModbusTcpClient) => Promise<T>): Promise<T> {
    const run = async (): Promise<T> => {
      if (this.closed) throw new PlantIoError('COMM_FAILURE', 'link closed');
      const timeout = this.options.timeoutMs ?? 1000;
      let client: ModbusTcpClient;
      try {
        client = await this.connect();
      } catch (err) {
        throw new PlantIoError(
          'COMM_FAILURE',
          `connect ${this.options.host}:${this.options.port}: ${msg(err)}`,
        );
      }
      try {
        // a drop of the connection fails the request in flight at once (the client rejects it)
        return await withTimeout(fn(client), timeout);
      } catch (err) {
        if (err instanceof PlantIoError && err.code === 'MODBUS_EXCEPTION') throw err;
        // timeout or socket trouble: a fresh connection next time (see the module comment)
        if (this.client === client) this.drop();
        throw err instanceof PlantIoError
          ? err
          : new PlantIoError('COMM_FAILURE', msg(err), {}, { cause: err });
      }
    };
    const p = this.queue.then(run, run);
    this.queue = p.catch(() => {});
    return p;
  }

  /**
   * Reads one poll block and decodes each of its tags into `into` (a new map when not
   * given): a bit for a coil or discrete input, registers in the tag's type and word order.
   * An answer shorter than the block is a `COMM_FAILURE`.
   */
  readBlock(block: PollBlock): Promise<Map<Tag, RawValue>>;
  readBlock<M extends TagSink>(block: PollBlock, into: M): Promise<M>;
  async readBlock(block: PollBlock, into: TagSink = new Map<Tag, RawValue>()): Promise<TagSink> {
    const data = await this.request((c) => c.read(block.table, block.address, block.count));
    const bits = block.table === 'coil' || block.table === 'discrete';
    for (const tag of block.tags) {
      const at = tag.modbus.address - block.address;
      into.set(
        tag,
        bits
          ? ((data[at >> 3]! >> (at & 7)) & 1) === 1
          : decodeRegistersIn(tag.modbus.type, tag.modbus.wordOrder, data, 2 * at),
      );
    }
    return into;
  }

  /** Closes the link; queued requests fail. */
  close(): void {
    this.closed = true;
    this.drop();
  }
}

/** A readable text of what a request failed with (an Error, or a plain object as some libraries reject with). */
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
