/**
 * A Modbus TCP client connection on `node:net`: one request in flight, answers matched by
 * transaction id, the PDU handed back as the bytes the socket brought (no copy).
 *
 * Why not modbus-serial (which `ModbusLink` used before, ADR 0164): the shadow reads ~800
 * blocks a second (1,000 tags every 10 ms), and modbus-serial spends per request a CRC-16
 * over the request and again over the answer (a serial line's check, on TCP), a copy of the
 * answer into a fresh buffer, an array of numbers for its registers, a timer of its own and
 * several promise layers; its transaction ids wrap at 256. This one frames and checks what
 * Modbus TCP has (Modbus Messaging on TCP/IP v1.0b §3.1.3: the MBAP header — transaction id,
 * protocol 0, length, unit id) and leaves the timeout to the caller (`ModbusLink`).
 */
import net from 'node:net';
import { PlantIoError } from '../plant-io';

/** MBAP header and function code: transaction id (2), protocol (2), length (2), unit id (1), function (1). */
const HEAD = 8;

/** Function codes of the reads (Modbus Application Protocol v1.1b3 §6.1–6.4), by table. */
const READ_FUNCTION = { coil: 1, discrete: 2, holding: 3, input: 4 } as const;

/** One open connection to a Modbus TCP server. */
export class ModbusTcpClient {
  private rx: Buffer | undefined;
  private pending:
    | { id: number; fc: number; resolve: (pdu: Buffer) => void; reject: (e: Error) => void }
    | undefined;
  private nextId = 0;
  private open = true;

  private constructor(
    private readonly socket: net.Socket,
    private readonly unitId: number,
  ) {
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.received(chunk));
    socket.on('error', () => {}); // 'close' follows, which fails the request in flight
    socket.on('close', () => {
      this.open = false;
      this.fail(new PlantIoError('COMM_FAILURE', 'connection lost'));
    });
  }

  /** Connects; rejects with the socket's error (a timeout is the caller's: it calls `close`). */
  static connect(
    host: string,
    port: number,
    unitId: number,
    opened?: (c: ModbusTcpClient) => void,
  ): Promise<ModbusTcpClient> {
    return new Promise((resolve, reject) => {
      const socket = net.connect({ host, port });
      const client = new ModbusTcpClient(socket, unitId);
      opened?.(client);
      const failed = (err: Error) => reject(err);
      socket.once('error', failed);
      socket.once('connect', () => {
        socket.off('error', failed);
        resolve(client);
      });
    });
  }

  /** Open until the peer or `close` ends the connection. */
  get isOpen(): boolean {
    return this.open && !this.socket.destroyed;
  }

  /** Calls `f` once the connection has closed (at once if it has). */
  onClose(f: () => void): void {
    if (this.socket.closed) f();
    else this.socket.once('close', f);
  }

  /** Ends the connection; the request in flight fails (`connection lost`). */
  close(): void {
    this.open = false;
    this.socket.destroy();
  }

  /**
   * Sends function `fc` with `data` (the PDU after the function code) and resolves with the
   * answer's PDU after its function code. An exception response rejects with
   * `MODBUS_EXCEPTION` (`exceptionCode`); a closed connection with `COMM_FAILURE`.
   */
  request(fc: number, data: Buffer | readonly number[]): Promise<Buffer> {
    if (!this.isOpen) return Promise.reject(new PlantIoError('COMM_FAILURE', 'connection lost'));
    if (this.pending) return Promise.reject(new PlantIoError('COMM_FAILURE', 'a request is in flight'));
    const id = this.nextId;
    this.nextId = (this.nextId + 1) & 0xffff;
    const frame = Buffer.allocUnsafe(HEAD + data.length);
    frame.writeUInt16BE(id, 0);
    frame.writeUInt16BE(0, 2);
    frame.writeUInt16BE(2 + data.length, 4);
    frame[6] = this.unitId;
    frame[7] = fc;
    for (let i = 0; i < data.length; i++) frame[HEAD + i] = data[i]!;
    return new Promise<Buffer>((resolve, reject) => {
      this.pending = { id, fc, resolve, reject };
      this.socket.write(frame);
    });
  }

  /**
   * Reads `count` bits or registers of `table` from `address`: the answer's data after its byte
   * count, which is checked against `count` (a short answer is a `COMM_FAILURE`).
   */
  async read(table: keyof typeof READ_FUNCTION, address: number, count: number): Promise<Buffer> {
    const body = [address >> 8, address & 0xff, count >> 8, count & 0xff];
    const pdu = await this.request(READ_FUNCTION[table], body);
    const bytes = table === 'coil' || table === 'discrete' ? (count + 7) >> 3 : 2 * count;
    const got = Math.min(pdu[0] ?? 0, pdu.length - 1);
    if (got < bytes) {
      const n = table === 'coil' || table === 'discrete' ? got * 8 : got >> 1;
      throw new PlantIoError(
        'COMM_FAILURE',
        `${table} ${address}..${address + count - 1}: the PLC answered ${n} of ${count} values`,
      );
    }
    return pdu.subarray(1, 1 + bytes);
  }

  /** FC 3: holding registers as numbers (unsigned 16-bit). */
  async readHoldingRegisters(address: number, count: number): Promise<{ data: number[] }> {
    const b = await this.read('holding', address, count);
    return { data: Array.from({ length: count }, (_, i) => b.readUInt16BE(2 * i)) };
  }

  /** FC 5: one coil. */
  async writeCoil(address: number, value: boolean): Promise<void> {
    await this.request(5, [address >> 8, address & 0xff, value ? 0xff : 0, 0]);
  }

  /** FC 16: consecutive holding registers. */
  async writeRegisters(address: number, values: readonly number[]): Promise<void> {
    const n = values.length;
    const body = [address >> 8, address & 0xff, n >> 8, n & 0xff, 2 * n];
    for (const v of values) body.push((v >> 8) & 0xff, v & 0xff);
    await this.request(16, body);
  }

  private received(chunk: Buffer): void {
    let rx = this.rx ? Buffer.concat([this.rx, chunk]) : chunk;
    while (rx.length >= HEAD) {
      const end = 6 + rx.readUInt16BE(4);
      if (rx.length < end) break;
      this.answer(rx.subarray(0, end));
      rx = rx.subarray(end);
    }
    this.rx = rx.length > 0 ? rx : undefined;
  }

  private answer(frame: Buffer): void {
    const p = this.pending;
    // an answer to no request in flight (one its caller gave up on): dropped
    if (!p || frame.readUInt16BE(0) !== p.id || frame.length < HEAD) return;
    this.pending = undefined;
    const fc = frame[7]!;
    const protocol = frame.readUInt16BE(2);
    // MBAP protocol identifier 0 is Modbus; anything else is another protocol on this port
    if (protocol !== 0)
      p.reject(new PlantIoError('COMM_FAILURE', `not a Modbus TCP answer: protocol id ${protocol}`));
    else if (frame[6] !== this.unitId)
      p.reject(new PlantIoError('COMM_FAILURE', `answer from unit ${frame[6]}, not ${this.unitId}`));
    else if (fc === (p.fc | 0x80)) {
      const code = frame[8] ?? 0;
      p.reject(new PlantIoError('MODBUS_EXCEPTION', `exception ${code}`, { exceptionCode: code }));
    } else if (fc !== p.fc)
      p.reject(new PlantIoError('COMM_FAILURE', `answer with function ${fc} to function ${p.fc}`));
    else p.resolve(frame.subarray(HEAD));
  }

  private fail(err: Error): void {
    const p = this.pending;
    this.pending = undefined;
    this.rx = undefined;
    p?.reject(err);
  }
}
