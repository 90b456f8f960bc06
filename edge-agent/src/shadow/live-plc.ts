/**
 * Reading a running PLC's tags for shadow execution: one sample of every bound tag
 * per poll, over Modbus TCP (the tag map's registers, raw values) or the PLC's own
 * OPC UA server (engineering values, turned back into raw ones). A sample is whole
 * or it is a comm loss: a tag that could not be read is never filled in with an
 * older value, so nothing stale is compared as live.
 */
import type { Tag, TagMap } from '@plcfleet/protocols';
import type { ClientSession } from 'node-opcua';
import { fromEngineering, type OpcuaClientOptions, type RawValue, withOpcuaSession } from '../plant-io';
import { ModbusLink, type PollBlock, planPolls } from '../staging';

/** One read of the live PLC: every tag asked for, or why not. */
export type LiveSample =
  | {
      ok: true;
      /** Every tag asked for (a Modbus sample's: `SampleValues`, an array a read). */
      values: ReadonlyMap<Tag, RawValue>;
      tReq: number;
      tResp: number;
      /**
       * How far apart the values may have been taken, ms: the whole round trip for several
       * Modbus requests; 0 for one OPC UA Read (the server answers it from one moment).
       */
      spreadMs: number;
      /**
       * Every tag but the inputs was answered before any input was asked (`readInputsLast`): the
       * live outputs cannot show inputs newer than the sample's own, so the sample can be judged
       * at once (ADR 0143).
       */
      ordered?: boolean;
      /** With `ordered`: when every tag but the inputs had been answered, epoch ms. */
      outputsAt?: number;
    }
  | { ok: false; error: string; tReq: number; tResp: number };

/**
 * A sample's values by tag, in one array a read: a tag's place is fixed for the reader's life.
 * (A `Map` of 1,000 entries grown at every read was an eighth of what the shadow allocated at
 * 100 reads a second; docs/shadow-cpu.md.) Read-only for its users; iteration builds a `Map`.
 */
export class SampleValues implements ReadonlyMap<Tag, RawValue> {
  private readonly raw: (RawValue | undefined)[];
  private map: Map<Tag, RawValue> | undefined;

  constructor(private readonly index: ReadonlyMap<Tag, number>) {
    this.raw = new Array(index.size).fill(undefined);
  }

  /** Sets the value of a tag of the index (the reader's decoding); another tag is ignored. */
  set(tag: Tag, value: RawValue): this {
    const i = this.index.get(tag);
    if (i !== undefined) this.raw[i] = value;
    this.map = undefined;
    return this;
  }

  get(tag: Tag): RawValue | undefined {
    const i = this.index.get(tag);
    return i === undefined ? undefined : this.raw[i];
  }

  has(tag: Tag): boolean {
    return this.get(tag) !== undefined;
  }

  get size(): number {
    return this.asMap().size;
  }

  forEach(f: (value: RawValue, tag: Tag, map: ReadonlyMap<Tag, RawValue>) => void, self?: unknown): void {
    for (const [tag, v] of this.asMap()) f.call(self, v, tag, this);
  }

  entries(): ReturnType<Map<Tag, RawValue>['entries']> {
    return this.asMap().entries();
  }

  keys(): ReturnType<Map<Tag, RawValue>['keys']> {
    return this.asMap().keys();
  }

  values(): ReturnType<Map<Tag, RawValue>['values']> {
    return this.asMap().values();
  }

  [Symbol.iterator](): ReturnType<Map<Tag, RawValue>['entries']> {
    return this.asMap().entries();
  }

  /** The values as a `Map`, in the index's order (built once, for iteration). */
  private asMap(): Map<Tag, RawValue> {
    if (!this.map) {
      this.map = new Map();
      for (const [tag, i] of this.index) {
        const v = this.raw[i];
        if (v !== undefined) this.map.set(tag, v);
      }
    }
    return this.map;
  }
}

/** A running PLC the shadow reads. */
export interface LivePlc {
  /** Read by polls (a `LiveFeed` is followed by subscription). */
  readonly kind?: 'poll';
  /** Where, for people (`modbus 127.0.0.1:5020`, `opc.tcp://…`). */
  readonly where: string;
  /** Reads every tag given at construction; never throws for comm trouble. */
  read(): Promise<LiveSample>;
  /**
   * From now on reads `inputs` only after every other tag has been answered (its samples are
   * `ordered`, ADR 0143). Optional: a reader that cannot order its reads leaves it out.
   */
  readInputsLast?(inputs: ReadonlySet<Tag>): void;
  close(): Promise<void>;
}

/**
 * Modbus TCP: the tags' blocks, merged as the staging bridge polls them, one request each,
 * spread over up to `connections` connections read at once (one request in flight on each,
 * so a sample of many blocks takes about one round trip per connection's share). With
 * `readInputsLast`, two rounds: the outputs' blocks, then — once all are answered — the
 * inputs' (planned apart, so that no request carries both).
 */
export class ModbusLivePlc implements LivePlc {
  readonly where: string;
  private readonly links: ModbusLink[];
  /** Blocks read at once, round after round. */
  private rounds: PollBlock[][];
  private ordered = false;
  private readonly tags: readonly Tag[];
  private readonly plan: (tags: readonly Tag[]) => PollBlock[];
  /** Each tag's place in a sample's values. */
  private readonly index: ReadonlyMap<Tag, number>;

  constructor(
    map: TagMap,
    tags: readonly Tag[],
    host: string,
    port: number,
    timeoutMs: number,
    connections = 4,
  ) {
    this.where = `modbus ${host}:${port}`;
    // The blocks carry copies: map back to the caller's tag objects.
    const byName = new Map(tags.map((t) => [t.name, t]));
    this.plan = (some) => {
      // One group: the shadow polls everything at its own rate.
      const sub: TagMap = { ...map, pollGroups: [], tags: some.map(({ pollGroup: _, ...t }) => t) };
      const blocks = some.length === 0 ? [] : planPolls(sub).flatMap((g) => g.blocks);
      for (const b of blocks) b.tags = b.tags.map((t) => byName.get(t.name)!);
      return blocks;
    };
    this.tags = tags;
    this.index = new Map(tags.map((t, i) => [t, i]));
    this.rounds = [this.plan(tags)];
    this.links = Array.from(
      { length: Math.max(1, Math.min(connections, this.rounds[0]!.length)) },
      () => new ModbusLink({ host, port, unitId: map.unitId, timeoutMs }),
    );
  }

  readInputsLast(inputs: ReadonlySet<Tag>): void {
    this.rounds = [
      this.plan(this.tags.filter((t) => !inputs.has(t))),
      this.plan(this.tags.filter((t) => inputs.has(t))),
    ].filter((r) => r.length > 0);
    this.ordered = true;
  }

  async read(): Promise<LiveSample> {
    const tReq = Date.now();
    const values = new SampleValues(this.index);
    let outputsAt = tReq;
    try {
      for (const [r, blocks] of this.rounds.entries()) {
        if (r === 1) outputsAt = Date.now();
        await Promise.all(
          this.links.map(async (link, i) => {
            // each block's tags straight into the sample (no map a block, no copy)
            for (let b = i; b < blocks.length; b += this.links.length)
              await link.readBlock(blocks[b]!, values);
          }),
        );
      }
    } catch (err) {
      return { ok: false, error: (err as Error).message, tReq, tResp: Date.now() };
    }
    const tResp = Date.now();
    return {
      ok: true,
      values,
      tReq,
      tResp,
      spreadMs: tResp - tReq,
      ...(this.ordered ? { ordered: true, outputsAt: this.rounds.length > 1 ? outputsAt : tResp } : {}),
    };
  }

  async close(): Promise<void> {
    for (const l of this.links) l.close();
  }
}

/**
 * The PLC's own OPC UA server: one Read of every tag's Value per poll, on a session held
 * open between polls and opened again after a failure. A Bad status on any tag makes the
 * sample a comm loss (a server shows lost I/O as Bad, never as a stale Good).
 */
export class OpcuaLivePlc implements LivePlc {
  readonly where: string;
  private session: ClientSession | undefined;
  private release: (() => void) | undefined;
  private ended: Promise<unknown> | undefined;

  constructor(
    private readonly endpoint: string,
    private readonly tags: readonly Tag[],
    private readonly options: OpcuaClientOptions,
  ) {
    this.where = endpoint;
  }

  private open(): Promise<ClientSession> {
    return new Promise((ready, fail) => {
      this.ended = withOpcuaSession(this.endpoint, this.options, (s) => {
        this.session = s;
        ready(s);
        return new Promise<void>((r) => {
          this.release = r;
        });
      }).catch((err) => {
        this.session = undefined;
        fail(err);
      });
    });
  }

  private async drop(): Promise<void> {
    this.session = undefined;
    this.release?.();
    this.release = undefined;
    await this.ended?.catch(() => {});
  }

  async read(): Promise<LiveSample> {
    const tReq = Date.now();
    try {
      const session = this.session ?? (await this.open());
      const results = await answerWithin(
        session.read(this.tags.map((t) => ({ nodeId: t.opcua.nodeId, attributeId: 13 }))),
        this.options.timeoutMs ?? 10_000,
      );
      const values = new Map<Tag, RawValue>();
      for (const [i, dv] of results.entries()) {
        const tag = this.tags[i]!;
        if (!dv.statusCode.isGood())
          return { ok: false, error: `${tag.name}: ${dv.statusCode.name}`, tReq, tResp: Date.now() };
        const raw = fromEngineering(tag, dv.value.value);
        if (!raw.ok) return { ok: false, error: `${tag.name}: ${raw.reason}`, tReq, tResp: Date.now() };
        values.set(tag, raw.value);
      }
      return { ok: true, values, tReq, tResp: Date.now(), spreadMs: 0 };
    } catch (err) {
      // say the loss now: closing a session with a server that stopped answering takes the stack's own timeouts
      const tResp = Date.now();
      void this.drop();
      return { ok: false, error: (err as Error).message, tReq, tResp };
    }
  }

  /**
   * Closes the session, waiting at most 2 s: closing with a server that stopped answering (a
   * frozen PLC) takes the stack's own timeouts, and a post-deploy watch awaits this before it
   * acts on the loss (as `OpcuaLiveFeed.close` and the CLI do).
   */
  async close(): Promise<void> {
    await Promise.race([this.drop(), new Promise((r) => setTimeout(r, 2000).unref())]);
  }
}

/** `p`, or a rejection after `ms` (a server that stops answering is a comm loss after the timeout, not the stack's own). */
function answerWithin<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, fail) => {
    timer = setTimeout(() => fail(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([p, late]).finally(() => clearTimeout(timer));
}
