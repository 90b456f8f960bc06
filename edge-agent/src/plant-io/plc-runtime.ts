/**
 * The seam between plant I/O and a PLC: what the protocol servers need from a
 * running program. The virtual PLC (src/sim) is adapted to it in
 * `virtual-plc-runtime.ts`; tests use a small in-memory runtime.
 */

/** A variable value as the virtual PLC holds it (LINT/ULINT as bigint). */
export type PlcValue = boolean | number | bigint | string;

/** A variable the program exposes: its qualified name and its IEC type name. */
export interface PlcVariable {
  name: string;
  /** IEC elementary type name (`BOOL`, `DINT`, `REAL`...), or another type's name. */
  type: string;
}

/** One source file of the running program. */
export interface ProgramFile {
  /** File name (no directories), e.g. `Main.st`. */
  name: string;
  text: string;
}

/** What became of an online change. */
export type OnlineChangeResult = { ok: true; detail: string } | { ok: false; reason: string };

/** A running PLC program, scanned by its caller. */
export interface PlcRuntime {
  /** Runs one scan cycle (inputs → program → outputs). */
  scan(): void;
  /** The current value of a variable (case-insensitive name), or undefined when there is none. */
  read(name: string): PlcValue | undefined;
  /** Sets a variable; throws when the name is unknown or the value does not fit. */
  write(name: string, value: PlcValue): void;
  /** The variables reachable by name. */
  variables(): PlcVariable[];
  /** The program's source files as they run now. */
  programFiles(): ProgramFile[];
  /**
   * Replaces the program between two scans (online change): keeps the values of variables whose
   * declaration is unchanged, or refuses with a reason and keeps running the old program.
   */
  replaceProgram(files: ProgramFile[]): OnlineChangeResult;
}
