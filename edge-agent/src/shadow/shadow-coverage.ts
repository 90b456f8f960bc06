import type { VirtualPlc } from '@plcfleet/toolchain/sim';
import type { BranchCoverage } from './branch-coverage';
import type { BoundTag } from './shadow-binding';

/** How much of the candidate the live inputs exercised. */
export interface ShadowCoverage {
  /** Inputs that took more than one value (a BOOL both values). */
  inputs: {
    total: number;
    varied: number;
    unvaried: string[];
    /**
     * The one value each unvaried input took (absent: none seen), so that the segments of a
     * resumed run count an input that took one value before a restart and another after as
     * varied (ADR 0126). Optional: reports without it merge as before.
     */
    held?: Record<string, string>;
  };
  /** BOOL outputs that took both values. */
  boolOutputs: { total: number; toggled: number; untoggled: string[]; held?: Record<string, boolean> };
  /** TON/TOF/TP instances that completed at least once (TON: Q rose; TOF, TP: Q fell). */
  timers: { total: number; completed: number; notCompleted: string[] };
  /**
   * IF/ELSIF/ELSE branches and CASE arms (ELSE included, also where the source has none)
   * taken at least once; `notTaken` as `file:line KIND ...`. Null when the candidate was
   * not compiled with coverage marks (branch-coverage.ts).
   */
  branches: BranchCoverage['branches'] | null;
  caseArms: BranchCoverage['caseArms'] | null;
}

const TIMER_TYPES = new Set(['TON', 'TOF', 'TP']);

/**
 * Watches the candidate's inputs, outputs and timers scan by scan. On the hot path (every input
 * every poll, every scan) it only looks at what has not yet varied or toggled: a count of inputs
 * left, a list of BOOL outputs left, read through accessors (a path resolved once, not at every
 * scan) — a run of 1,000 tags does no work here once all have varied.
 */
export class CoverageTracker {
  private readonly inputSeen = new Map<string, Set<string>>();
  private readonly boolSeen = new Map<string, Set<boolean>>();
  private readonly timers: { name: string; type: string; q: () => unknown; last: boolean; done: boolean }[];
  /** Inputs that have not yet taken two values. */
  private inputsLeft = 0;
  /** BOOL outputs that have not yet taken both values, and how to read each. */
  private boolsLeft: { path: string; seen: Set<boolean>; get: () => unknown }[] = [];

  constructor(
    private readonly plc: VirtualPlc,
    tags: readonly BoundTag[],
  ) {
    for (const b of tags) {
      if (b.role === 'input' && !this.inputSeen.has(b.path)) {
        this.inputSeen.set(b.path, new Set());
        this.inputsLeft++;
      }
      if (b.role === 'output' && b.tag.modbus.type === 'BOOL' && !this.boolSeen.has(b.path)) {
        const seen = new Set<boolean>();
        this.boolSeen.set(b.path, seen);
        this.boolsLeft.push({ path: b.path, seen, get: plc.accessor(b.path).get });
      }
    }
    this.timers = plc
      .listVariables()
      .filter((v) => TIMER_TYPES.has(v.type.toUpperCase()))
      .map((v) => {
        const q = plc.accessor(`${v.name}.Q`);
        return { name: v.name, type: v.type.toUpperCase(), q: q.get, last: Boolean(q.get()), done: false };
      });
  }

  /** Resolves the accessors again (after the candidate's state was restored). */
  bind(): void {
    for (const t of this.timers) t.q = this.plc.accessor(`${t.name}.Q`).get;
    for (const b of this.boolsLeft) b.get = this.plc.accessor(b.path).get;
  }

  /** After a scan of the candidate. */
  scanned(): void {
    for (const t of this.timers) {
      const q = Boolean(t.q());
      if (q !== t.last && (t.type === 'TON' ? q : !q)) t.done = true;
      t.last = q;
    }
    if (this.boolsLeft.length === 0) return;
    let toggled = false;
    for (const b of this.boolsLeft) {
      b.seen.add(Boolean(b.get()));
      if (b.seen.size === 2) toggled = true;
    }
    if (toggled) this.boolsLeft = this.boolsLeft.filter((b) => b.seen.size < 2);
  }

  /** An input value fed from the live PLC. */
  input(path: string, value: unknown): void {
    if (this.inputsLeft === 0) return;
    const seen = this.inputSeen.get(path);
    if (!seen || seen.size >= 2) return;
    seen.add(String(value));
    if (seen.size === 2) this.inputsLeft--;
  }

  /** `branches`: the marks of an instrumented candidate, read once here. */
  report(branches?: () => BranchCoverage): ShadowCoverage {
    const b = branches?.();
    const unvaried = [...this.inputSeen].filter(([, s]) => s.size < 2).map(([p]) => p);
    const untoggled = [...this.boolSeen].filter(([, s]) => s.size < 2).map(([p]) => p);
    const one = <T>(seen: Map<string, Set<T>>, paths: string[]) =>
      Object.fromEntries(paths.flatMap((p) => [...(seen.get(p) ?? [])].map((v) => [p, v] as const)));
    const notCompleted = this.timers.filter((t) => !t.done).map((t) => t.name);
    return {
      inputs: {
        total: this.inputSeen.size,
        varied: this.inputSeen.size - unvaried.length,
        unvaried,
        held: one(this.inputSeen, unvaried),
      },
      boolOutputs: {
        total: this.boolSeen.size,
        toggled: this.boolSeen.size - untoggled.length,
        untoggled,
        held: one(this.boolSeen, untoggled),
      },
      timers: {
        total: this.timers.length,
        completed: this.timers.length - notCompleted.length,
        notCompleted,
      },
      branches: b?.branches ?? null,
      caseArms: b?.caseArms ?? null,
    };
  }
}
