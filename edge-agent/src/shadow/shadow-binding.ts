import type { Tag, TagMap } from '@plcfleet/protocols';
import type { VirtualPlc } from '@plcfleet/toolchain/sim';

/** A tag of the map bound to a variable of the candidate. */
export interface BoundTag {
  tag: Tag;
  /** The candidate's path for it (`Motor`, `Line2.Speed`, `GVL.x`). */
  path: string;
  /**
   * `input`: fed from the live PLC every poll (VAR_INPUT, %I); `output`: what the candidate
   * writes, compared with the live value (VAR_OUTPUT, %Q, globals); `state`: another variable,
   * set from the live value at the start only.
   */
  role: 'input' | 'output' | 'state';
  /** Allowed |live − shadow| (REAL, LREAL); 0: equal. */
  tolerance: number;
  /** Not compared (`--ignore`). */
  ignored: boolean;
}

/** The tag map bound to the candidate, and the tags it could not bind. */
interface ShadowBinding {
  tags: BoundTag[];
  /** Tags of the map with no variable of that name in the candidate. */
  unbound: string[];
}

/** Options of {@link bindTags}. */
interface BindOptions {
  /** Tags not compared. */
  ignore?: readonly string[];
  /** Per-tag tolerance (`TAG=VALUE`). */
  tolerance?: ReadonlyMap<string, number>;
}

/**
 * Binds each tag of `map` to the candidate's variable of the same name (case-insensitive,
 * as ST names are; `PROGRAM.var` also finds `var` of a single program) and gives it its
 * role from the candidate's declarations. Throws for an `--ignore` or `--tolerance` name
 * that is no tag of the map (a typo must not silently compare everything).
 */
export function bindTags(map: TagMap, plc: VirtualPlc, options: BindOptions = {}): ShadowBinding {
  const names = new Map(map.tags.map((t) => [t.name.toLowerCase(), t]));
  for (const n of [...(options.ignore ?? []), ...(options.tolerance?.keys() ?? [])])
    if (!names.has(n.toLowerCase())) throw new Error(`no tag ${n} in the tag map`);
  const ignore = new Set((options.ignore ?? []).map((n) => n.toLowerCase()));
  const tolerance = new Map([...(options.tolerance ?? [])].map(([k, v]) => [k.toLowerCase(), v]));
  const variables = new Map(plc.listVariables().map((v) => [v.name.toLowerCase(), v]));
  const inputs = new Set(plc.inputNames().map((n) => n.toLowerCase()));
  const outputs = new Set(plc.outputNames().map((n) => n.toLowerCase()));
  const tags: BoundTag[] = [];
  const unbound: string[] = [];
  for (const tag of map.tags) {
    const key = tag.name.toLowerCase();
    const dot = key.indexOf('.');
    const v = variables.get(key) ?? (dot > 0 ? variables.get(key.slice(dot + 1)) : undefined);
    if (!v) {
      unbound.push(tag.name);
      continue;
    }
    const name = v.name.toLowerCase();
    const global = v.section === 'VAR_GLOBAL' || v.section === 'VAR_EXTERNAL';
    const role = inputs.has(name) ? 'input' : outputs.has(name) || global ? 'output' : 'state';
    tags.push({
      tag,
      path: v.name,
      role,
      tolerance: tolerance.get(key) ?? 0,
      ignored: ignore.has(key),
    });
  }
  return { tags, unbound };
}

/** Parses `A=0.5,B=2` into a map; throws on a malformed entry. */
export function parseTolerances(text: string | undefined): Map<string, number> {
  const out = new Map<string, number>();
  if (!text) return out;
  for (const part of text.split(',')) {
    const m = /^\s*([^=\s]+)\s*=\s*([0-9.eE+-]+)\s*$/.exec(part);
    const value = m ? Number(m[2]) : Number.NaN;
    if (!m || !Number.isFinite(value) || value < 0)
      throw new Error(`--tolerance: expected TAG=VALUE with VALUE ≥ 0, not "${part}"`);
    out.set(m[1]!, value);
  }
  return out;
}
