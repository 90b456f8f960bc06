/**
 * What the L5X reader returns: a Rockwell Logix project (controller, UDTs,
 * Add-On Instructions, tags, programs, routines, tasks) with the scanned
 * elements kept, so the writer can edit one routine in place.
 */
import type { XElement } from './xml-scanner';

/** A tag's initial value as the Decorated data gives it. */
export type L5xValue = boolean | number | string | L5xValue[] | { [member: string]: L5xValue };

/** A member of a user data type (UDT) or of an AOI's parameter list. */
export interface L5xMember {
  name: string;
  dataType: string;
  /** Array length, 0 for a scalar. */
  dimension: number;
  hidden: boolean;
  /** For a BIT member: the hidden SINT it lives in and its bit number. */
  target?: string;
  bitNumber?: number;
}

/** A user data type (`<DataType>`). */
export interface L5xDataType {
  name: string;
  family: string;
  members: L5xMember[];
  el: XElement;
}

/** A tag (controller, program or AOI local scope). */
export interface L5xTag {
  name: string;
  /** `Base`, `Alias`, `Produced`, `Consumed`. */
  tagType: string;
  /** Absent for an alias. */
  dataType?: string;
  /** Array dimensions, outermost first; empty for a scalar. */
  dimensions: number[];
  /** For an alias: the tag (or member, or bit) it stands for, e.g. `Local:1:I.Data.0`. */
  aliasFor?: string;
  /** Initial value from the Decorated data, when the file carries it. */
  value?: L5xValue;
  description?: string;
  /** AOI parameter usage (`Input`, `Output`, `InOut`); undefined for plain tags. */
  usage?: string;
  required?: boolean;
  constant: boolean;
  el: XElement;
}

/** One rung of a ladder routine, in the neutral text form. */
export interface L5xRung {
  number: number;
  /** `N` normal; edits in progress (`I`, `R`, `D`, `rR`, ...) are read but flagged. */
  type: string;
  text: string;
  comment?: string;
  el: XElement;
}

/** A routine; `rungs` for RLL, `lines` for ST. */
export interface L5xRoutine {
  name: string;
  /** `RLL`, `ST`, `FBD`, `SFC`. */
  type: string;
  description?: string;
  rungs: L5xRung[];
  lines: string[];
  el: XElement;
}

/** A program with its own tags and routines. */
export interface L5xProgram {
  name: string;
  mainRoutine?: string;
  faultRoutine?: string;
  disabled: boolean;
  tags: L5xTag[];
  routines: L5xRoutine[];
  /** The program's `<Tags>` element (new tags are written into it). */
  tagsEl?: XElement;
  el: XElement;
}

/** An Add-On Instruction definition. */
export interface L5xAoi {
  name: string;
  revision?: string;
  /** Parameters in declaration order, EnableIn/EnableOut included. */
  parameters: L5xTag[];
  localTags: L5xTag[];
  routines: L5xRoutine[];
  el: XElement;
}

/** A task and the programs it schedules, in order. */
export interface L5xTask {
  name: string;
  /** `CONTINUOUS`, `PERIODIC`, `EVENT`. */
  type: string;
  rateMs?: number;
  priority?: number;
  programs: string[];
  el: XElement;
}

/** Something the reader skipped, naming where. */
export interface L5xWarning {
  /** `PROGRAM/ROUTINE` or another path in the project. */
  where: string;
  message: string;
}

/** A read L5X file. */
export interface L5xProject {
  /** The file's bytes as read (the writer copies them). */
  bytes: Uint8Array;
  /** The decoded text (a BOM is kept as U+FEFF, so offsets match `bytes` through {@link byteOffset}). */
  text: string;
  /** `\r\n` or `\n`, as the file uses. */
  newline: string;
  controller: { name: string; processorType?: string; el: XElement };
  /** `TargetType` of the export: `Controller`, `Program`, `Routine`, `AddOnInstructionDefinition`, ... */
  targetType: string;
  dataTypes: L5xDataType[];
  aois: L5xAoi[];
  tags: L5xTag[];
  /** The controller's `<Tags>` element, when present. */
  tagsEl?: XElement;
  programs: L5xProgram[];
  tasks: L5xTask[];
  warnings: L5xWarning[];
}
