import type { Tag } from '@plcfleet/protocols';
import type { PlcScanLoop } from './plc-scan-loop';
import { coerceRaw, type RawValue } from './register-codec';
import type { TagValueStore } from './tag-modbus-model';

/**
 * The tag values of a scanned PLC: reads come from the runtime as of the last
 * scan (or a write queued since), writes are queued for the next scan.
 */
export function plcTagStore(loop: PlcScanLoop): TagValueStore {
  return {
    read(tag: Tag): RawValue | undefined {
      const v = loop.read(tag.name);
      if (v === undefined || typeof v === 'string') return undefined;
      const raw = coerceRaw(tag.modbus.type, v);
      return raw.ok ? raw.value : undefined;
    },
    write(tag: Tag, value: RawValue): void {
      loop.write(tag.name, value);
    },
  };
}
