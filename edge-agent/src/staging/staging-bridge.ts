/**
 * The staging bridge of a Modbus TCP → OPC UA cutover: polls the PLC over
 * Modbus, serves the tags from its own OPC UA server, and in `parallel` compares
 * every value with the PLC's own OPC UA server (or, without one, with what the
 * bridge itself serves). Each stage change is a `stage.report` (protocols) to
 * `onReport` and a log line.
 *
 * - `shadow`: OPC UA mirrors; Modbus remains the control path (OPC UA writes refused).
 * - `parallel`: as shadow, and every polled value is compared; divergences over
 *   `maxDivergences` roll back.
 * - `cutover`: OPC UA is the path: its writes go to the PLC (through the PLC's own OPC UA
 *   server when it has one, else over Modbus); Modbus stays readable.
 * - `rolled-back`: on command or on divergence; OPC UA writes refused, consumers back on Modbus.
 */
import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import type { CutoverStage, StageFigures, Tag, TagMap } from '@plcfleet/protocols';
import { PROTOCOL_VERSION, StageReportMessage } from '@plcfleet/protocols';
import {
  AttributeIds,
  ClientMonitoredItem,
  type ClientSession,
  ClientSubscription,
  type DataValue,
  type StatusCode,
  StatusCodes,
  TimestampsToReturn,
} from 'node-opcua';
import type { Logger } from 'pino';
import type { z } from 'zod';
import {
  encodeRegisters,
  type OpcuaClientOptions,
  OpcuaTagSpace,
  PlantIoError,
  type PlantOpcuaServer,
  type PlantOpcuaServerOptions,
  type RawValue,
  startOpcuaServer,
  tagVariant,
  toEngineering,
  variantValue,
  withOpcuaSession,
} from '../plant-io';
import { type DivergenceOptions, DivergenceTracker } from './divergence-tracker';
import { LatencyWindow } from './latency-window';
import { ModbusLink } from './modbus-link';
import { type PollBlock, type PollGroupPlan, type PollPlanOptions, planPolls } from './poll-plan';

/** A `stage.report` message. */
export type StageReport = z.infer<typeof StageReportMessage>;
/** A stage the bridge runs in. */
export type Stage = z.infer<typeof CutoverStage>;

/** Options of {@link StagingBridge.start}. */
export interface StagingBridgeOptions {
  tags: TagMap;
  /**
   * The PLC's Modbus TCP server. Unit id defaults to the tag map's; timeout @default 1000 ms;
   * `connections`: parallel connections, each with one request in flight @default 1
   */
  modbus: { host: string; port: number; unitId?: number; timeoutMs?: number; connections?: number };
  /** The bridge's own OPC UA server (security, users, PKI folder). */
  opcua: PlantOpcuaServerOptions;
  /** The stage to start in. */
  mode: Exclude<Stage, 'rolled-back'>;
  /** The PLC's own OPC UA server, read in `parallel` to compare with Modbus. */
  plcOpcua?: { endpointUrl: string; client?: OpcuaClientOptions };
  /** Divergences tolerated before an automatic roll-back (the migration's threshold). @default 0 */
  maxDivergences?: number;
  /** Site name in reports. @default 'local' */
  site?: string;
  /** Migration id in reports. */
  migrationId?: string;
  /** Receives every stage report (the agent daemon forwards them to the control plane). */
  onReport?: (report: StageReport) => void;
  /** Log lines. */
  log?: Pick<Logger, 'info' | 'warn'>;
  /** Comparison timing. */
  compare?: DivergenceOptions;
  /** Request planning (limits, gaps, default interval). */
  plan?: PollPlanOptions;
}

/** A running staging bridge. */
export class StagingBridge extends EventEmitter<{ report: [StageReport]; divergence: [unknown] }> {
  private stageNow: Stage;
  private running = true;
  private readonly latency = new LatencyWindow();
  private readonly tracker: DivergenceTracker;
  private readonly plans: PollGroupPlan[];
  private readonly loops: Promise<void>[] = [];
  private polls = 0;
  private commErrors = 0;
  private cycles = 0;
  private readonly groupCycles = new Map<string, number>();
  private plcSession: { close(): Promise<void> } | undefined;
  private plcWrite: ((tag: Tag, raw: RawValue) => Promise<StatusCode>) | undefined;
  /** Client writes passed on to the PLC in `cutover`, by the path they took. */
  readonly writesVia = { opcua: 0, modbus: 0 };
  private readonly lastRaw = new Map<Tag, RawValue>();

  private constructor(
    private readonly options: StagingBridgeOptions,
    private readonly links: ModbusLink[],
    readonly server: PlantOpcuaServer,
    readonly space: OpcuaTagSpace,
  ) {
    super();
    this.stageNow = options.mode;
    this.tracker = new DivergenceTracker(options.compare);
    this.plans = planPolls(options.tags, options.plan);
  }

  /** Starts the OPC UA server, the polling, and (in parallel) the link to the PLC's OPC UA server. */
  static async start(options: StagingBridgeOptions): Promise<StagingBridge> {
    const links = Array.from(
      { length: Math.max(1, options.modbus.connections ?? 1) },
      () =>
        new ModbusLink({
          host: options.modbus.host,
          port: options.modbus.port,
          unitId: options.modbus.unitId ?? options.tags.unitId,
          timeoutMs: options.modbus.timeoutMs,
        }),
    );
    const server = await startOpcuaServer({ productName: 'plcfleet staging bridge', ...options.opcua });
    let bridge: StagingBridge | undefined;
    const space = OpcuaTagSpace.create(server, options.tags.tags, {
      defaultFolder: 'Bridge',
      write: (tag, raw) => bridge!.write(tag, raw),
    });
    bridge = new StagingBridge(options, links, server, space);
    space.setWritable(options.mode === 'cutover');
    try {
      if (options.plcOpcua) await bridge.watchPlcOpcua(options.plcOpcua);
    } catch (err) {
      await bridge.close();
      throw err;
    }
    for (const plan of bridge.plans) bridge.loops.push(bridge.pollLoop(plan));
    bridge.emitReport(`started in ${options.mode}`);
    return bridge;
  }

  /** The stage now. */
  get stage(): Stage {
    return this.stageNow;
  }

  /** Poll cycles completed (all groups). */
  get pollCycles(): number {
    return this.cycles;
  }

  /** Poll cycles completed by the group that polls `tag`. */
  cyclesOf(tag: Tag): number {
    return this.groupCycles.get(tag.pollGroup ?? 'default') ?? 0;
  }

  /** Samples compared so far in `parallel`. */
  get comparisons(): number {
    return this.tracker.compared;
  }

  /** Moves to another stage (reported); `rolled-back` is final until a new bridge is started. */
  setStage(stage: Stage, reason: string): StageReport {
    if (this.stageNow === 'rolled-back' && stage !== 'rolled-back')
      throw new PlantIoError(
        'BAD_CONFIG',
        'a rolled-back cutover is restarted with a new bridge, not resumed',
      );
    this.stageNow = stage;
    // Writes are taken in cutover only (see write()); say so in AccessLevel too.
    this.space.setWritable(stage === 'cutover');
    return this.emitReport(reason);
  }

  /** Rolls back on command. */
  rollback(reason: string): StageReport {
    return this.setStage('rolled-back', reason);
  }

  /** The figures so far. */
  figures(): z.infer<typeof StageFigures> {
    return {
      tags: this.options.tags.tags.length,
      polls: this.polls,
      divergences: this.tracker.divergences,
      commErrors: this.commErrors,
      latencyMs: { p50: this.latency.percentile(50), p99: this.latency.percentile(99) },
      worst: this.tracker.worst().map(({ magnitude: _m, ...ex }) => ex),
    };
  }

  /** A report of the current stage and figures, without a stage change (for periodic updates). */
  report(reason = ''): StageReport {
    return StageReportMessage.parse({
      v: PROTOCOL_VERSION,
      id: randomUUID(),
      ts: new Date().toISOString(),
      type: 'stage.report',
      site: this.options.site ?? 'local',
      ...(this.options.migrationId ? { migrationId: this.options.migrationId } : {}),
      stage: this.stageNow,
      figures: this.figures(),
      reason,
    });
  }

  private emitReport(reason: string): StageReport {
    const r = this.report(reason);
    this.options.log?.info(
      { stage: r.stage, figures: { ...r.figures, worst: r.figures.worst.length } },
      `stage ${r.stage}: ${reason}`,
    );
    this.options.onReport?.(r);
    this.emit('report', r);
    return r;
  }

  /** Stops polling and both OPC UA ends. */
  async close(): Promise<void> {
    this.running = false;
    for (const l of this.links) l.close();
    await Promise.allSettled(this.loops);
    await this.plcSession?.close().catch(() => {});
    await this.server.close();
  }

  private async pollLoop(plan: PollGroupPlan): Promise<void> {
    while (this.running) {
      const t0 = performance.now();
      // blocks spread over the connections; each connection has one request in flight
      const n = this.links.length;
      await Promise.all(
        this.links.map(async (link, i) => {
          for (let b = i; b < plan.blocks.length; b += n) {
            if (!this.running) return;
            await this.poll(link, plan.blocks[b]!);
          }
        }),
      );
      if (!this.running) return;
      this.cycles++;
      this.groupCycles.set(plan.name, (this.groupCycles.get(plan.name) ?? 0) + 1);
      if (this.stageNow === 'parallel') this.judge();
      const wait = plan.intervalMs - (performance.now() - t0);
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    }
  }

  private async poll(link: ModbusLink, block: PollBlock): Promise<void> {
    const tReq = Date.now();
    const t0 = performance.now();
    try {
      const values = await link.readBlock(block);
      this.polls++;
      this.latency.add(performance.now() - t0);
      const tResp = Date.now();
      for (const [tag, raw] of values) {
        this.lastRaw.set(tag, raw);
        this.space.publish(tag, raw);
        if (this.stageNow === 'parallel') {
          const eng = toEngineering(tag, raw);
          this.tracker.modbusValue(tag, eng, tReq, tResp);
          if (!this.options.plcOpcua) this.tracker.opcuaValue(tag, this.servedValue(tag), tReq);
        }
      }
    } catch (err) {
      this.polls++;
      this.commErrors++;
      for (const tag of block.tags) this.space.fail(tag);
      if (this.commErrors === 1 || this.commErrors % 100 === 0)
        this.options.log?.warn(
          { err: (err as Error).message, commErrors: this.commErrors },
          'Modbus poll failed',
        );
    }
  }

  /** What the bridge's own OPC UA node holds now (engineering units), or undefined when Bad. */
  private servedValue(tag: Tag): unknown {
    const v = this.space.variable(tag);
    if (!v) return undefined;
    const dv = v.readValue();
    return dv.statusCode.isGood() ? variantValue(dv.value) : undefined;
  }

  private judge(): void {
    const found = this.tracker.evaluate(Date.now());
    for (const d of found) this.emit('divergence', d);
    const limit = this.options.maxDivergences ?? 0;
    if (found.length > 0 && this.tracker.divergences > limit && this.stageNow === 'parallel') {
      const first = found[0]!;
      this.setStage(
        'rolled-back',
        `${this.tracker.divergences} divergence(s) > threshold ${limit}; e.g. ${first.tag}: modbus ${String(first.modbus)} vs opcua ${String(first.opcua)}`,
      );
    }
  }

  /**
   * A client's write through the bridge, in `cutover` only. With the PLC's own OPC UA server
   * the write goes there (OPC UA is the path); without one, Modbus is the only way into the PLC.
   */
  private async write(tag: Tag, raw: RawValue): Promise<StatusCode> {
    if (this.stageNow !== 'cutover') return StatusCodes.BadNotWritable;
    if (this.plcWrite) {
      this.writesVia.opcua++;
      try {
        return await this.plcWrite(tag, raw);
      } catch {
        return StatusCodes.BadCommunicationError;
      }
    }
    this.writesVia.modbus++;
    try {
      await this.links[0]!.request(async (c) => {
        if (tag.modbus.table === 'coil') await c.writeCoil(tag.modbus.address, raw === true);
        else
          await c.writeRegisters(
            tag.modbus.address,
            encodeRegisters(tag.modbus.type, tag.modbus.wordOrder, raw),
          );
      });
      return StatusCodes.Good;
    } catch (err) {
      if (err instanceof PlantIoError && err.code === 'MODBUS_EXCEPTION') {
        const code = err.context.exceptionCode;
        return code === 3 ? StatusCodes.BadOutOfRange : StatusCodes.BadNotWritable;
      }
      return StatusCodes.BadCommunicationError;
    }
  }

  /** Subscribes to every tag on the PLC's own OPC UA server; values feed the comparison. */
  private async watchPlcOpcua(target: NonNullable<StagingBridgeOptions['plcOpcua']>): Promise<void> {
    let ready: () => void;
    let failed: (e: unknown) => void;
    const started = new Promise<void>((res, rej) => {
      ready = res;
      failed = rej;
    });
    let stop: () => void;
    const stopped = new Promise<void>((res) => {
      stop = res;
    });
    const done = withOpcuaSession(target.endpointUrl, target.client ?? {}, async (session: ClientSession) => {
      const sub = ClientSubscription.create(session, {
        requestedPublishingInterval: 50,
        requestedLifetimeCount: 600,
        requestedMaxKeepAliveCount: 20,
        publishingEnabled: true,
      });
      for (const tag of this.options.tags.tags) {
        const item = ClientMonitoredItem.create(
          sub,
          { nodeId: tag.opcua.nodeId, attributeId: AttributeIds.Value },
          { samplingInterval: 0, queueSize: 100, discardOldest: true },
          TimestampsToReturn.Both,
        );
        item.on('changed', (dv: DataValue) => {
          // timed on our clock, on arrival (see DivergenceTracker)
          this.tracker.opcuaValue(
            tag,
            dv.statusCode.isGood() ? variantValue(dv.value) : undefined,
            Date.now(),
          );
        });
      }
      this.plcWrite = (tag, raw) =>
        session.write({
          nodeId: tag.opcua.nodeId,
          attributeId: AttributeIds.Value,
          value: { value: tagVariant(tag, raw) },
        });
      ready();
      await stopped;
      this.plcWrite = undefined;
      await sub.terminate().catch(() => {});
    });
    done.catch((e) => failed(e));
    this.plcSession = {
      close: async () => {
        stop();
        await done.catch(() => {});
      },
    };
    await started;
  }
}
