/**
 * Which Modbus requests poll a tag map: tags grouped by poll group and table,
 * merged into contiguous blocks within the protocol's per-request limits
 * (125 registers, 2000 bits).
 */
import type { Tag, TagMap } from '@plcfleet/protocols';
import { REGISTER_COUNT } from '@plcfleet/protocols';
import { MODBUS_LIMITS } from '../plant-io';

/** One read request and the tags it carries. */
export interface PollBlock {
  table: Tag['modbus']['table'];
  address: number;
  count: number;
  tags: Tag[];
}

/** A poll group: its interval and its blocks. */
export interface PollGroupPlan {
  name: string;
  intervalMs: number;
  blocks: PollBlock[];
}

/** Options of {@link planPolls}. */
export interface PollPlanOptions {
  /** Registers per read. @default 125 */
  maxRegisters?: number;
  /** Bits per read. @default 2000 */
  maxBits?: number;
  /**
   * Unmapped addresses a block may span to merge two tags. Our server answers exception 02
   * for unmapped addresses, as many PLCs do. @default 0
   */
  maxGap?: number;
  /** Interval of the default group, ms. @default 100 */
  defaultIntervalMs?: number;
}

/** Plans the poll requests of a tag map. */
export function planPolls(map: TagMap, options: PollPlanOptions = {}): PollGroupPlan[] {
  const maxRegisters = Math.min(
    options.maxRegisters ?? MODBUS_LIMITS.readRegisters,
    MODBUS_LIMITS.readRegisters,
  );
  const maxBits = Math.min(options.maxBits ?? MODBUS_LIMITS.readBits, MODBUS_LIMITS.readBits);
  const maxGap = options.maxGap ?? 0;
  const groups = new Map<string, { intervalMs: number; tags: Tag[] }>();
  groups.set('', { intervalMs: options.defaultIntervalMs ?? 100, tags: [] });
  for (const g of map.pollGroups) groups.set(g.name, { intervalMs: g.interval, tags: [] });
  for (const t of map.tags) groups.get(t.pollGroup ?? '')!.tags.push(t);
  const plans: PollGroupPlan[] = [];
  for (const [name, g] of groups) {
    if (g.tags.length === 0) continue;
    const blocks: PollBlock[] = [];
    for (const table of ['coil', 'discrete', 'holding', 'input'] as const) {
      const limit = table === 'coil' || table === 'discrete' ? maxBits : maxRegisters;
      const tags = g.tags
        .filter((t) => t.modbus.table === table)
        .sort((a, b) => a.modbus.address - b.modbus.address);
      let block: PollBlock | undefined;
      for (const tag of tags) {
        const start = tag.modbus.address;
        const end = start + REGISTER_COUNT[tag.modbus.type];
        if (block && start - (block.address + block.count) <= maxGap && end - block.address <= limit) {
          block.count = end - block.address;
          block.tags.push(tag);
        } else {
          block = { table, address: start, count: end - start, tags: [tag] };
          blocks.push(block);
        }
      }
    }
    plans.push({ name: name || 'default', intervalMs: g.intervalMs, blocks });
  }
  return plans;
}
