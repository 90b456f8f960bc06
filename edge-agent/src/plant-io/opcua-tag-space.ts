/**
 * The OPC UA side of a tag map: a folder per program, a variable per tag with
 * its data type, access level, engineering units and `minimumSamplingInterval`;
 * values pushed in by the owner (exception-based: monitored items hear of a
 * change at once, no sampling timer), writes handed to the owner.
 *
 * Only variables someone monitors are updated in node-opcua at once; the others
 * keep the fresh value here and build their DataValue when read. With 10,000
 * tags polled every 100 ms and 1,000 of them subscribed, updating every node
 * (DataValue, Variant checks, a change event) was most of the bridge's CPU.
 *
 * A value that cannot be had shows as a Bad status — `BadCommunicationError`
 * with the last value kept, or `BadNoCommunication` when there never was one —
 * never as a stale Good.
 */
import type { Tag, TagType } from '@plcfleet/protocols';
import {
  AccessLevelFlag,
  DataType,
  DataValue,
  makeEUInformation,
  type StatusCode,
  StatusCodes,
  standardUnits,
  type UAObject,
  type UAVariable,
  Variant,
  VariantArrayType,
} from 'node-opcua';
import type { PlantOpcuaServer } from './opcua-server';
import { fromEngineering, type RawValue, toEngineering } from './register-codec';

/** Handles a client's write of a tag (raw value, already range-checked); answers a status code. */
export type OpcuaTagWriter = (tag: Tag, raw: RawValue) => StatusCode | Promise<StatusCode>;

/** Options of {@link OpcuaTagSpace.create}. */
export interface OpcuaTagSpaceOptions {
  /** Folder for tags whose name has no `PROGRAM.` prefix. @default 'PLC' */
  defaultFolder?: string;
  /** Receives client writes of `readwrite` tags; without it every write is refused. */
  write?: OpcuaTagWriter;
  /**
   * MinimumSamplingInterval of every variable, ms. 0 declares the values exception-based
   * (pushed on change), which node-opcua then serves without a sampling timer. @default 0
   */
  minimumSamplingInterval?: number;
}

/** The OPC UA data type a tag is served as: Double when scaled, else its own. */
function opcuaDataType(tag: Tag): DataType {
  if (tag.scale && tag.modbus.type !== 'BOOL') return DataType.Double;
  const map: Record<TagType, DataType> = {
    BOOL: DataType.Boolean,
    INT: DataType.Int16,
    UINT: DataType.UInt16,
    DINT: DataType.Int32,
    UDINT: DataType.UInt32,
    LINT: DataType.Int64,
    REAL: DataType.Float,
    LREAL: DataType.Double,
  };
  return map[tag.modbus.type];
}

type EUInformation = ReturnType<typeof makeEUInformation>;

/**
 * Unit texts written in tag maps that are not the UNECE symbol node-opcua lists
 * (`standardUnits`), with the UNECE Rec. 20 common code they mean.
 */
const UNIT_ALIASES: Record<string, string> = {
  rpm: 'RPM',
  degC: 'CEL',
  'deg C': 'CEL',
  degF: 'FAH',
  'm3/h': 'MQH',
  'l/min': 'L2',
  l: 'LTR',
  L: 'LTR',
  kWh: 'KWH',
  mA: '4K',
  h: 'HUR',
  psi: 'PS',
};

/** OPC UA Part 8 §5.6.3: a UNECE common code as a UnitId, one byte per character. */
function unitIdOf(commonCode: string): number {
  let id = 0;
  for (const ch of commonCode) id = id * 256 + ch.charCodeAt(0);
  return id;
}

/**
 * The EngineeringUnits of a tag's `units` text: the UNECE common code's UnitId (Part 8
 * §5.6.3) when the text is a known symbol, else UnitId -1 ("no unit id"). The display
 * name stays the text the tag map gives. Before, the UnitId was computed from the text
 * itself ("rpm" → 0x72706d), which no client can look up.
 */
function engineeringUnits(units: string): EUInformation {
  const known = Object.values(standardUnits).find((u) => u.displayName.text === units);
  const code = UNIT_ALIASES[units];
  const eu = known
    ? makeEUInformation('', units, known.description.text ?? units)
    : makeEUInformation('', units, units);
  eu.unitId = known ? known.unitId : code ? unitIdOf(code) : -1;
  return eu;
}

const RAW_RANGE: Record<Exclude<TagType, 'BOOL'>, { low: number; high: number }> = {
  INT: { low: -32768, high: 32767 },
  UINT: { low: 0, high: 65535 },
  DINT: { low: -2147483648, high: 2147483647 },
  UDINT: { low: 0, high: 4294967295 },
  LINT: { low: -(2 ** 63), high: 2 ** 63 - 1 },
  REAL: { low: -3.4028234663852886e38, high: 3.4028234663852886e38 },
  LREAL: { low: -Number.MAX_VALUE, high: Number.MAX_VALUE },
};

/**
 * EURange of a tag: what its Modbus type can carry, scaled (`raw × factor + offset`).
 * An INT scaled by 0.1 is -3276.8..3276.7, not ±DBL_MAX as before.
 */
function engineeringRange(tag: Tag): { low: number; high: number } {
  if (tag.modbus.type === 'BOOL') return { low: 0, high: 1 };
  const raw = RAW_RANGE[tag.modbus.type];
  if (!tag.scale) return raw;
  const a = raw.low * tag.scale.factor + tag.scale.offset;
  const b = raw.high * tag.scale.factor + tag.scale.offset;
  // round away binary noise of the scaling (0.1 × 32767 = 3276.7000000000003)
  const tidy = (v: number) => (Number.isFinite(v) ? Number(v.toPrecision(15)) : v);
  return { low: tidy(Math.min(a, b)), high: tidy(Math.max(a, b)) };
}

/** The OPC UA variant of a tag's raw value (engineering-scaled). */
export function tagVariant(tag: Tag, raw: RawValue): Variant {
  const dataType = opcuaDataType(tag);
  const eng = toEngineering(tag, raw);
  if (dataType === DataType.Int64) {
    const b = BigInt.asUintN(64, typeof eng === 'bigint' ? eng : BigInt(Number(eng)));
    return new Variant({
      dataType,
      arrayType: VariantArrayType.Scalar,
      value: [Number(b >> 32n), Number(b & 0xffffffffn)],
    });
  }
  return new Variant({ dataType, value: typeof eng === 'bigint' ? Number(eng) : eng });
}

/** The plain value of a variant of a tag's data type (Int64 → bigint). */
export function variantValue(v: Variant): unknown {
  if (v.dataType === DataType.Int64 || v.dataType === DataType.UInt64) {
    const [hi, lo] = v.value as [number, number];
    const b = (BigInt(hi) << 32n) | BigInt(lo);
    return v.dataType === DataType.Int64 ? BigInt.asIntN(64, b) : b;
  }
  return v.value;
}

interface TagState {
  variable: UAVariable;
  lastRaw: RawValue | undefined;
  last: Variant | undefined;
  status: StatusCode;
  /** When the value or status last changed (the source timestamp), epoch ms. */
  changedAt: number;
  /** The value or status changed and node-opcua's DataValue does not show it yet. */
  stale: boolean;
}
/** The variables of a tag map in an OPC UA server. */
export class OpcuaTagSpace {
  private readonly states = new Map<Tag, TagState>();
  private readonly writableTags = new Set<Tag>();
  private readonly byName = new Map<string, Tag>();

  private constructor(readonly tags: readonly Tag[]) {
    for (const t of tags) this.byName.set(t.name.toLowerCase(), t);
  }

  /** Adds the tags' folders and variables to the server's namespace. */
  static create(
    server: PlantOpcuaServer,
    tags: readonly Tag[],
    options: OpcuaTagSpaceOptions = {},
  ): OpcuaTagSpace {
    const space = new OpcuaTagSpace(tags);
    const ns = server.namespace;
    const folders = new Map<string, UAObject>();
    const folderOf = (tag: Tag): UAObject => {
      const dot = tag.name.indexOf('.');
      const name = dot > 0 ? tag.name.slice(0, dot) : (options.defaultFolder ?? 'PLC');
      let f = folders.get(name.toLowerCase());
      if (!f) {
        f = ns.addFolder(server.objects, { browseName: name, nodeId: `s=${name}` });
        folders.set(name.toLowerCase(), f);
      }
      return f;
    };
    for (const tag of tags) {
      const writable = tag.access === 'readwrite' && options.write !== undefined;
      const accessLevel = writable
        ? AccessLevelFlag.CurrentRead | AccessLevelFlag.CurrentWrite
        : AccessLevelFlag.CurrentRead;
      const dataType = opcuaDataType(tag);
      const common = {
        componentOf: folderOf(tag),
        browseName: tag.opcua.browseName,
        nodeId: ownNodeId(tag.opcua.nodeId, ns.index),
        dataType,
        accessLevel,
        userAccessLevel: accessLevel,
        minimumSamplingInterval: options.minimumSamplingInterval ?? 0,
      };
      const variable: UAVariable = tag.units
        ? ns.addAnalogDataItem({
            ...common,
            engineeringUnits: engineeringUnits(tag.units),
            engineeringUnitsRange: engineeringRange(tag),
          })
        : ns.addVariable(common);
      const state: TagState = {
        variable,
        lastRaw: undefined,
        last: undefined,
        status: StatusCodes.BadWaitingForInitialData,
        changedAt: Date.now(),
        stale: false,
      };
      space.states.set(tag, state);
      if (writable) space.writableTags.add(tag);
      // node-opcua keeps the current DataValue in `$dataValue`. The getter hands it out, after
      // bringing in a change that was kept here while nobody monitored the node (see publish).
      const current = () => {
        const node = variable as unknown as { $dataValue: DataValue };
        if (state.stale) {
          state.stale = false;
          node.$dataValue = new DataValue({
            value: variantOf(tag, state),
            statusCode: state.status,
            sourceTimestamp: new Date(state.changedAt),
            serverTimestamp: new Date(),
          });
        }
        return node.$dataValue;
      };
      variable.bindVariable(
        {
          timestamped_get: current,
          timestamped_set: async (dataValue: DataValue): Promise<StatusCode> => {
            const status = await space.handleWrite(tag, writable ? options.write : undefined, dataValue);
            if (status.isGood()) {
              state.last = dataValue.value;
              state.lastRaw = undefined;
              state.status = StatusCodes.Good;
              state.stale = false;
            } else {
              // node-opcua stores the written DataValue whatever status the setter answers;
              // make it the current one so a refused value never shows
              const now = current();
              dataValue.value = now.value;
              dataValue.statusCode = now.statusCode;
              dataValue.sourceTimestamp = now.sourceTimestamp;
              dataValue.serverTimestamp = now.serverTimestamp;
            }
            return status;
          },
        },
        true,
      );
      variable.setValueFromSource(zeroVariant(tag), StatusCodes.BadWaitingForInitialData);
    }
    return space;
  }

  /**
   * Advertises the `readwrite` tags as writable or not (AccessLevel and UserAccessLevel),
   * for an owner that accepts writes only at times: the staging bridge takes them in
   * `cutover` only, and advertised Setpoint writable in `shadow` and `parallel` before.
   */
  setWritable(writable: boolean): void {
    const level = writable
      ? AccessLevelFlag.CurrentRead | AccessLevelFlag.CurrentWrite
      : AccessLevelFlag.CurrentRead;
    for (const tag of this.writableTags) {
      const variable = this.states.get(tag)!.variable;
      variable.accessLevel = level;
      variable.userAccessLevel = level;
    }
  }

  private async handleWrite(
    tag: Tag,
    write: OpcuaTagWriter | undefined,
    dataValue: DataValue,
  ): Promise<StatusCode> {
    if (!write) return StatusCodes.BadNotWritable;
    const raw = fromEngineering(tag, variantValue(dataValue.value));
    if (!raw.ok) return StatusCodes.BadOutOfRange;
    try {
      return await write(tag, raw.value);
    } catch {
      return StatusCodes.BadInternalError;
    }
  }

  /** The tag of a name (case-insensitive). */
  tag(name: string): Tag | undefined {
    return this.byName.get(name.toLowerCase());
  }

  /** The node of a tag. */
  variable(tag: Tag): UAVariable | undefined {
    return this.states.get(tag)?.variable;
  }

  /**
   * Publishes a fresh raw value with status Good (clients are notified only when it changed).
   * `at` is its source time (ms since the epoch): a PLC stamps all values of one scan with the
   * scan's time, so a client can group one scan's changes; default now.
   */
  publish(tag: Tag, raw: RawValue, at: number = Date.now()): void {
    const s = this.states.get(tag);
    if (!s) return;
    if (s.status === StatusCodes.Good && s.lastRaw === raw) return;
    if (monitored(s)) {
      const v = tagVariant(tag, raw);
      s.lastRaw = raw;
      if (s.status === StatusCodes.Good && s.last && sameValue(s.last, v)) return;
      s.last = v;
    } else {
      // Nobody listens: the Variant is built when the node is read.
      s.lastRaw = raw;
      s.last = undefined;
    }
    s.status = StatusCodes.Good;
    this.show(tag, s, at);
  }

  /**
   * Marks a tag as unreachable: `BadCommunicationError` keeping the last value when it had one,
   * `BadNoCommunication` when it never had one. `at` as for `publish`.
   */
  fail(tag: Tag, at: number = Date.now()): void {
    const s = this.states.get(tag);
    if (!s) return;
    const hadValue = s.last !== undefined || s.lastRaw !== undefined;
    const status = hadValue ? StatusCodes.BadCommunicationError : StatusCodes.BadNoCommunication;
    if (s.status === status) return;
    s.status = status;
    this.show(tag, s, at);
  }

  /**
   * Hands a change to node-opcua: at once when a monitored item listens for changes of the
   * node (exception-based items subscribe to `value_changed`), else at the next read.
   */
  private show(tag: Tag, s: TagState, at: number): void {
    s.changedAt = at;
    if (monitored(s)) {
      s.stale = false;
      s.variable.setValueFromSource(variantOf(tag, s), s.status, new Date(s.changedAt));
    } else s.stale = true;
  }

  /** The status a tag shows now. */
  status(tag: Tag): StatusCode {
    return this.states.get(tag)?.status ?? StatusCodes.BadNodeIdUnknown;
  }
}

/** True when a monitored item listens for changes of the node (exception-based items do). */
function monitored(s: TagState): boolean {
  return s.variable.listenerCount('value_changed') > 0;
}

/** The Variant a tag shows: the last value (built from the raw one on first need), or a zero. */
function variantOf(tag: Tag, s: TagState): Variant {
  if (s.last === undefined && s.lastRaw !== undefined) s.last = tagVariant(tag, s.lastRaw);
  return s.last ?? zeroVariant(tag);
}

function sameValue(a: Variant, b: Variant): boolean {
  if (Array.isArray(a.value) && Array.isArray(b.value))
    return a.value[0] === b.value[0] && a.value[1] === b.value[1];
  return Object.is(a.value, b.value);
}

function zeroVariant(tag: Tag): Variant {
  return tagVariant(tag, tag.modbus.type === 'BOOL' ? false : tag.modbus.type === 'LINT' ? 0n : 0);
}

/** A tag map node id in the server's own namespace: `ns=1;s=X` kept, `s=X` given the namespace. */
function ownNodeId(nodeId: string, nsIndex: number): string {
  const m = /^ns=(\d+);(.+)$/.exec(nodeId);
  if (!m) return `ns=${nsIndex};${/^[isgb]=/.test(nodeId) ? nodeId : `s=${nodeId}`}`;
  return `ns=${nsIndex};${m[2]}`;
}
