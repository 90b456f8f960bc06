import { z } from 'zod';
import { ApiVersion, Duration, PlcName } from './common';

/** Modbus tables: coils (rw bits), discrete inputs (ro bits), input registers (ro), holding registers (rw). */
export const ModbusTable = z.enum(['coil', 'discrete', 'input', 'holding']);
/** Data types a tag can carry over Modbus. */
export const TagType = z.enum(['BOOL', 'INT', 'UINT', 'DINT', 'UDINT', 'LINT', 'REAL', 'LREAL']);
export type TagType = z.infer<typeof TagType>;

/** 16-bit registers each type occupies (BOOL: one bit in a bit table). */
export const REGISTER_COUNT: Record<TagType, number> = {
  BOOL: 1,
  INT: 1,
  UINT: 1,
  DINT: 2,
  UDINT: 2,
  REAL: 2,
  LINT: 4,
  LREAL: 4,
};

/** One tag of a {@link TagMap}: a PLC variable reachable over Modbus TCP and OPC UA. */
export const Tag = z.strictObject({
  /** PLC variable: program-level name, or `PROGRAM.var`. */
  name: PlcName,
  modbus: z.strictObject({
    table: ModbusTable,
    /** 0-based protocol address. */
    address: z.number().int().min(0).max(65535),
    type: TagType,
    /** `big`: high word first (the default); `little`: low word first. */
    wordOrder: z.enum(['big', 'little']).default('big'),
  }),
  opcua: z.strictObject({
    nodeId: z.string().min(1),
    browseName: z.string().min(1),
  }),
  /** engineering value = raw * factor + offset */
  scale: z
    .strictObject({
      factor: z.number().refine((f) => f !== 0, 'factor must not be 0'),
      offset: z.number().default(0),
    })
    .optional(),
  access: z.enum(['read', 'readwrite']).default('read'),
  /** Allowed |modbus − opcua| in parallel operation before a divergence is counted. */
  deadband: z.number().nonnegative().optional(),
  /** Engineering units shown on OPC UA (e.g. `rpm`, `bar`). */
  units: z.string().max(32).optional(),
  /** Poll group name (see `pollGroups`); default group when absent. */
  pollGroup: z.string().optional(),
});
export type Tag = z.infer<typeof Tag>;

/** Modbus TCP ↔ OPC UA tag map of one site (hand-written YAML; field names are a contract). */
export const TagMap = z
  .strictObject({
    apiVersion: ApiVersion,
    kind: z.literal('TagMap'),
    unitId: z.number().int().min(0).max(255).default(1),
    /** Poll groups with their own rates; the default group polls every 100 ms. */
    pollGroups: z.array(z.strictObject({ name: z.string().min(1), interval: Duration })).default([]),
    tags: z.array(Tag).min(1),
  })
  .superRefine((map, ctx) => {
    const names = new Map<string, number>();
    const nodeIds = new Map<string, number>();
    const used = new Map<string, { index: number; end: number; start: number }[]>();
    const groups = new Set(map.pollGroups.map((g) => g.name));
    map.tags.forEach((tag, i) => {
      const path = ['tags', i];
      const bitTable = tag.modbus.table === 'coil' || tag.modbus.table === 'discrete';
      if (bitTable && tag.modbus.type !== 'BOOL')
        ctx.addIssue({
          code: 'custom',
          path: [...path, 'modbus', 'type'],
          message: `${tag.modbus.type} cannot live in the ${tag.modbus.table} table (bits only)`,
        });
      if (!bitTable && tag.modbus.type === 'BOOL')
        ctx.addIssue({
          code: 'custom',
          path: [...path, 'modbus', 'table'],
          message: `BOOL must be in the coil or discrete table, not ${tag.modbus.table}`,
        });
      if ((tag.modbus.table === 'discrete' || tag.modbus.table === 'input') && tag.access === 'readwrite')
        ctx.addIssue({
          code: 'custom',
          path: [...path, 'access'],
          message: `the ${tag.modbus.table} table is read-only`,
        });
      const key = tag.name.toLowerCase();
      if (names.has(key))
        ctx.addIssue({
          code: 'custom',
          path: [...path, 'name'],
          message: `duplicate tag "${tag.name}" (also tags[${names.get(key)}])`,
        });
      names.set(key, i);
      if (nodeIds.has(tag.opcua.nodeId))
        ctx.addIssue({
          code: 'custom',
          path: [...path, 'opcua', 'nodeId'],
          message: `duplicate nodeId (also tags[${nodeIds.get(tag.opcua.nodeId)}])`,
        });
      nodeIds.set(tag.opcua.nodeId, i);
      if (tag.pollGroup && !groups.has(tag.pollGroup))
        ctx.addIssue({
          code: 'custom',
          path: [...path, 'pollGroup'],
          message: `unknown poll group "${tag.pollGroup}"`,
        });
      const start = tag.modbus.address;
      const end = start + REGISTER_COUNT[tag.modbus.type] - 1;
      if (end > 65535)
        ctx.addIssue({
          code: 'custom',
          path: [...path, 'modbus', 'address'],
          message: 'runs past address 65535',
        });
      const list = used.get(tag.modbus.table) ?? [];
      const clash = list.find((u) => start <= u.end && u.start <= end);
      if (clash)
        ctx.addIssue({
          code: 'custom',
          path: [...path, 'modbus', 'address'],
          message: `${tag.modbus.table} ${start}..${end} overlaps tags[${clash.index}] (${clash.start}..${clash.end})`,
        });
      list.push({ index: i, start, end });
      used.set(tag.modbus.table, list);
    });
  });
export type TagMap = z.infer<typeof TagMap>;
