/**
 * Runs a {@link PlcRuntime} in real time and is the one place where the
 * outside world touches it: protocol writes and program changes queue here and
 * are applied at the next scan boundary, never in the middle of a scan.
 */
import type { OnlineChangeResult, PlcRuntime, PlcValue, ProgramFile } from './plc-runtime';

/** Scans a late tick runs at most to catch up with wall time (1 s at a 10 ms cycle). */
const MAX_CATCH_UP = 100;

/** Listener called after every scan (once after a run of catch-up scans, with the last scan's count). */
export type ScanListener = (scanCount: number) => void;

/** Scans a runtime every `cycleMs`, applying queued writes and program changes before each scan. */
export class PlcScanLoop {
  private readonly writes: { name: string; value: PlcValue }[] = [];
  private readonly programs: { files: ProgramFile[]; resolve: (r: OnlineChangeResult) => void }[] = [];
  private readonly listeners = new Set<ScanListener>();
  private timer: NodeJS.Timeout | undefined;
  private scans = 0;
  private lastError: string | undefined;

  constructor(readonly runtime: PlcRuntime) {}

  /** Scans done so far. */
  get scanCount(): number {
    return this.scans;
  }

  /** The last scan or write error, if any (the loop keeps running). */
  get error(): string | undefined {
    return this.lastError;
  }

  /** Queues a write for the next scan. */
  write(name: string, value: PlcValue): void {
    this.writes.push({ name, value });
  }

  /**
   * The value a variable will have at the next scan: the last queued write, else the
   * runtime's value. Protocol reads use it so a client reads back what it wrote, as PLC
   * register memory behaves.
   */
  read(name: string): PlcValue | undefined {
    const key = name.toLowerCase();
    for (let i = this.writes.length - 1; i >= 0; i--) {
      const w = this.writes[i]!;
      if (w.name.toLowerCase() === key) return w.value;
    }
    return this.runtime.read(name);
  }

  /** Queues a program replacement for the next scan boundary; resolves with its outcome. */
  replaceProgram(files: ProgramFile[]): Promise<OnlineChangeResult> {
    return new Promise((resolve) => {
      this.programs.push({ files, resolve });
      if (!this.timer) this.step();
    });
  }

  /** Calls `listener` after every scan; returns a function that removes it. */
  onScan(listener: ScanListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * One scan boundary: program change, queued writes, then the scan — `scans` scans in a row
   * when the loop is behind wall time (the listeners once, after the last).
   */
  step(scans = 1): void {
    for (const p of this.programs.splice(0)) {
      let result: OnlineChangeResult;
      try {
        result = this.runtime.replaceProgram(p.files);
      } catch (err) {
        result = { ok: false, reason: err instanceof Error ? err.message : String(err) };
      }
      p.resolve(result);
    }
    for (const w of this.writes.splice(0)) {
      try {
        this.runtime.write(w.name, w.value);
      } catch (err) {
        this.lastError = `write ${w.name}: ${err instanceof Error ? err.message : String(err)}`;
      }
    }
    for (let i = 0; i < scans; i++) {
      this.scans++;
      try {
        this.runtime.scan();
      } catch (err) {
        this.lastError = `scan: ${err instanceof Error ? err.message : String(err)}`;
        break;
      }
    }
    for (const l of this.listeners) l(this.scans);
  }

  /**
   * Starts scanning every `cycleMs` on wall time (ADR 0122): a tick that comes late — this
   * process preempted on a loaded host — runs the scans that fell due meanwhile, back to back,
   * so the program's clock (its timers count scans × cycle) keeps to wall time, as a PLC's
   * timers keep to its clock whatever its scan rate. At most `MAX_CATCH_UP` scans at once:
   * time beyond that (the process stopped) is not made up.
   */
  start(cycleMs: number): void {
    if (this.timer) return;
    /** When the next scan is due. */
    let due = performance.now() + cycleMs;
    const tick = () => {
      const late = performance.now() - due;
      const n = Math.min(MAX_CATCH_UP, 1 + Math.max(0, Math.floor(late / cycleMs)));
      this.step(n);
      due += n * cycleMs;
      const now = performance.now();
      if (due < now - cycleMs * MAX_CATCH_UP) due = now;
      this.timer = setTimeout(tick, Math.max(1, due - now));
    };
    this.timer = setTimeout(tick, cycleMs);
  }

  /** Stops scanning; queued program changes are applied once more so no caller waits forever. */
  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.programs.length > 0) this.step();
  }
}
