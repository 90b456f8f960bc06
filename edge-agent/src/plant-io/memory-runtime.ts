/**
 * A small in-memory {@link PlcRuntime}: variables in a map and a scan written
 * in JavaScript. For protocol tests and the benchmark, where the ST toolchain
 * is not what is measured.
 */
import type { OnlineChangeResult, PlcRuntime, PlcValue, PlcVariable, ProgramFile } from './plc-runtime';

/** The scan body of a {@link MemoryRuntime}: reads and writes its variables. */
export type MemoryScan = (vars: Map<string, PlcValue>) => void;

/** A {@link PlcRuntime} over a map of variables. */
export class MemoryRuntime implements PlcRuntime {
  private readonly vars = new Map<string, PlcValue>();
  private readonly types = new Map<string, string>();
  private files: ProgramFile[];

  /**
   * @param declarations name → [IEC type, initial value]
   * @param body the scan
   * @param files the "source" served as the program; a replacement must declare the same names
   */
  constructor(
    declarations: Record<string, [string, PlcValue]>,
    private readonly body: MemoryScan,
    files: ProgramFile[] = [{ name: 'Main.st', text: 'PROGRAM Main\nEND_PROGRAM\n' }],
  ) {
    for (const [name, [type, init]] of Object.entries(declarations)) {
      this.vars.set(name.toLowerCase(), init);
      this.types.set(name.toLowerCase(), type);
    }
    this.files = files;
  }

  scan(): void {
    this.body(this.vars);
  }

  read(name: string): PlcValue | undefined {
    return this.vars.get(name.toLowerCase());
  }

  write(name: string, value: PlcValue): void {
    const key = name.toLowerCase();
    const old = this.vars.get(key);
    if (old === undefined) throw new Error(`no variable ${name}`);
    if (typeof old !== typeof value) throw new Error(`${name} holds ${typeof old}, not ${typeof value}`);
    this.vars.set(key, value);
  }

  variables(): PlcVariable[] {
    return [...this.types].map(([name, type]) => ({ name, type }));
  }

  programFiles(): ProgramFile[] {
    return this.files.map((f) => ({ ...f }));
  }

  /** Accepts any files whose text contains `PROGRAM`; refuses others (a stand-in for a compile). */
  replaceProgram(files: ProgramFile[]): OnlineChangeResult {
    const bad = files.find((f) => !/\bPROGRAM\b/i.test(f.text));
    if (bad) return { ok: false, reason: `${bad.name}: no PROGRAM` };
    this.files = files.map((f) => ({ ...f }));
    return { ok: true, detail: `${files.length} file(s) loaded, all variables kept` };
  }
}
