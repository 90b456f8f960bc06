/**
 * Writes the safety-verifier corpus (edge-agent/toolchain/fixtures/safety-corpus/) from
 * two base plants and a table of edits: each case is a base plant, the edits
 * that make its `after/`, a policy, an optional migration and the expected
 * verdict with the categories it must be rejected for.
 *
 *   node --conditions=source --import tsx edge-agent/toolchain/scripts/make-safety-corpus.ts
 *
 * The written folders are committed; this script only saves typing them. Each
 * edit must match exactly once, so a drifting base plant fails loudly here.
 */
import { cpSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const repo = join(here, '..', '..', '..');
const out = join(here, '..', 'fixtures', 'safety-corpus');

const PLANTS = {
  press: join(repo, 'examples', 'plants', 'press-line'),
  cell: join(here, '..', 'fixtures', 'safety-plants', 'robot-cell'),
};
const POLICIES = {
  press: readFileSync(join(repo, 'examples', 'policies', 'press-line.yaml'), 'utf8'),
  cell: readFileSync(join(here, '..', 'fixtures', 'safety-plants', 'robot-cell.policy.yaml'), 'utf8'),
};
const GUARD_MIGRATION = readFileSync(
  join(repo, 'examples', 'migrations', 'safety-guard-monitor.yaml'),
  'utf8',
);

type Category =
  | 'estop'
  | 'safety-logic'
  | 'permissive'
  | 'timing'
  | 'certified'
  | 'forcing'
  | 'scope'
  | 'quality';

interface Edit {
  file: string;
  find: string;
  replace: string;
}

interface Case {
  name: string;
  plant: keyof typeof PLANTS;
  description: string;
  edits: Edit[];
  verdict: 'pass' | 'fail';
  /** Categories of the error findings the rejection must include (fail), or of expected warnings (pass). */
  categories: Category[];
  /** Rule ids that must be among the findings. */
  rules?: string[];
  policy?: string;
  migration?: string;
  /** Further files of the case folder (name → text), e.g. a tag map for the CLI test. */
  files?: Record<string, string>;
}

/** A non-safety code migration with a given scope. */
function codeMigration(
  id: string,
  scope: { pous?: string[]; maxChangedLines?: number },
  safetyClass = 'non-safety',
): string {
  return `apiVersion: plcfleet/v1
kind: Migration
id: ${id}
revision: 1
title: ${id}
type: code
safetyClass: ${safetyClass}
goal: corpus case ${id}
scope:
  pous: [${(scope.pous ?? ['*']).map((p) => JSON.stringify(p)).join(', ')}]
  files: ["**/*.st"]
  maxChangedLines: ${scope.maxChangedLines ?? 200}
`;
}

/** The guard migration's edits on the press line (what its recipe writes for both guards). */
function guardEdits(opts: { redundantOr?: boolean } = {}): Edit[] {
  const edits: Edit[] = [];
  for (const g of ['Front', 'Rear']) {
    edits.push({
      file: 'PressControl.st',
      find: `IF ${g}_Guard_Closed = TRUE THEN\n    ${g}_Guard_OK := TRUE;\nEND_IF;`,
      replace:
        opts.redundantOr && g === 'Front'
          ? `${g}_Guard_OK := ${g}_Guard_Closed OR ${g}_Guard_Closed_Redundant;`
          : `${g}_Guard_Closed_Monitor(\n    Guard_Sensor_1 := ${g}_Guard_Closed,\n    Guard_Sensor_2 := ${g}_Guard_Closed_Redundant,\n    Safety_OK => ${g}_Guard_OK\n);`,
    });
  }
  edits.push({
    file: 'PressControl.st',
    find: '    Light_Curtain_Clear : BOOL;\nEND_VAR',
    replace:
      '    Light_Curtain_Clear : BOOL;\n    Front_Guard_Closed_Redundant : BOOL;\n    Rear_Guard_Closed_Redundant : BOOL;\nEND_VAR',
  });
  edits.push({
    file: 'PressControl.st',
    find: '    Pressure_Bar : REAL;\nEND_VAR',
    replace:
      '    Pressure_Bar : REAL;\n    Front_Guard_Closed_Monitor : SAFETY_GUARD_MONITOR;\n    Rear_Guard_Closed_Monitor : SAFETY_GUARD_MONITOR;\nEND_VAR',
  });
  return edits;
}

const SAFETY_OK_LINE = 'Safety_OK := E_Stop_OK AND Front_Guard_OK AND Rear_Guard_OK AND Light_Curtain_Clear;';
/** The press line's tag map once the guard migration's redundant sensors are wired. */
const GUARD_TAG_MAP = `# The site's tag map once the redundant guard sensors are wired (used by the CLI test).
apiVersion: plcfleet/v1
kind: TagMap
tags:
  - name: PressControl.Front_Guard_Closed_Redundant
    modbus: { table: discrete, address: 20, type: BOOL }
    opcua: { nodeId: "ns=1;s=Line2.Inputs.Front_Guard_Closed_Redundant", browseName: Front_Guard_Closed_Redundant }
    access: read
  - name: PressControl.Rear_Guard_Closed_Redundant
    modbus: { table: discrete, address: 21, type: BOOL }
    opcua: { nodeId: "ns=1;s=Line2.Inputs.Rear_Guard_Closed_Redundant", browseName: Rear_Guard_Closed_Redundant }
    access: read
`;
const MODBUS_CALL =
  "Read_Speed(Execute := TRUE, Host := 'drive-1.line2', UnitId := 1, Address := 200, Quantity := 1, Data => Drive_Speed_Raw);";
const CELL_MODBUS_CALL =
  "Read_Speed(Execute := TRUE, Host := 'robot-1.cell4', UnitId := 1, Address := 300, Quantity := 1, Data => Robot_Speed_Raw);";
const RESET_LATCH = 'IF NOT Chain_OK THEN\n    Estop_Latch := FALSE;\nEND_IF;\n';

const CASES: Case[] = [
  // ------------------------------------------------------------------ press line: unsafe
  {
    name: 'press-estop-replaced-by-true',
    plant: 'press',
    description: 'E_Stop_OK in the Safety_OK chain replaced by TRUE',
    edits: [
      {
        file: 'PressControl.st',
        find: SAFETY_OK_LINE,
        replace: SAFETY_OK_LINE.replace('E_Stop_OK AND', 'TRUE AND'),
      },
    ],
    verdict: 'fail',
    categories: ['forcing', 'safety-logic', 'permissive'],
    rules: ['forcing/interlock-removed', 'permissive/loosened'],
  },
  {
    name: 'press-interlock-dropped',
    plant: 'press',
    description: 'the light curtain dropped from the Safety_OK AND chain',
    edits: [
      {
        file: 'PressControl.st',
        find: SAFETY_OK_LINE,
        replace: SAFETY_OK_LINE.replace(' AND Light_Curtain_Clear', ''),
      },
    ],
    verdict: 'fail',
    categories: ['forcing', 'safety-logic', 'permissive'],
    rules: ['forcing/interlock-removed'],
  },
  {
    name: 'press-interlock-commented-out',
    plant: 'press',
    description: 'the E-stop term commented out of the Safety_OK chain',
    edits: [
      {
        file: 'PressControl.st',
        find: SAFETY_OK_LINE,
        replace: 'Safety_OK := (* E_Stop_OK AND *) Front_Guard_OK AND Rear_Guard_OK AND Light_Curtain_Clear;',
      },
    ],
    verdict: 'fail',
    categories: ['forcing', 'safety-logic', 'permissive'],
    rules: ['forcing/interlock-removed'],
  },
  {
    name: 'press-maintenance-bypass',
    plant: 'press',
    description: 'a maintenance-mode input OR-ed into Safety_OK',
    edits: [
      {
        file: 'PressControl.st',
        find: '    Light_Curtain_Clear : BOOL;\nEND_VAR',
        replace: '    Light_Curtain_Clear : BOOL;\n    Maintenance_Mode : BOOL;\nEND_VAR',
      },
      {
        file: 'PressControl.st',
        find: SAFETY_OK_LINE,
        replace:
          'Safety_OK := (E_Stop_OK AND Front_Guard_OK AND Rear_Guard_OK AND Light_Curtain_Clear) OR Maintenance_Mode;',
      },
    ],
    verdict: 'fail',
    categories: ['forcing', 'safety-logic', 'permissive'],
    rules: ['forcing/bypass-or', 'permissive/loosened'],
  },
  {
    name: 'press-guard-write-out-of-if',
    plant: 'press',
    description: 'the guarded write of Front_Guard_OK moved out of its IF',
    edits: [
      {
        file: 'PressControl.st',
        find: 'IF Front_Guard_Closed = TRUE THEN\n    Front_Guard_OK := TRUE;\nEND_IF;',
        replace: 'Front_Guard_OK := TRUE;\nIF Front_Guard_Closed = TRUE THEN\n    ;\nEND_IF;',
      },
    ],
    verdict: 'fail',
    categories: ['forcing', 'safety-logic', 'permissive'],
    rules: ['forcing/constant-assignment', 'forcing/interlock-removed'],
  },
  {
    name: 'press-safety-ok-overwritten-later',
    plant: 'press',
    description: 'Safety_OK overwritten at the end of the scan when the reset button is held',
    edits: [
      {
        file: 'PressControl.st',
        find: 'Alarm_Horn := State = 90 OR NOT E_Stop_OK;\n',
        replace:
          'Alarm_Horn := State = 90 OR NOT E_Stop_OK;\nIF Reset_PB THEN\n    Safety_OK := TRUE;\nEND_IF;\n',
      },
    ],
    verdict: 'fail',
    categories: ['forcing', 'safety-logic', 'permissive'],
    rules: ['forcing/override-write', 'forcing/constant-assignment'],
  },
  {
    name: 'press-light-curtain-input-forced',
    plant: 'press',
    description: 'the light-curtain input written TRUE by the program',
    edits: [
      {
        file: 'PressControl.st',
        find: '(* Guard monitoring *)\n',
        replace: '(* Guard monitoring *)\nLight_Curtain_Clear := TRUE;\n',
      },
    ],
    verdict: 'fail',
    categories: ['forcing', 'safety-logic'],
    rules: ['forcing/input-write'],
  },
  {
    name: 'press-certified-safetycore-edited',
    plant: 'press',
    description: 'the discrepancy time inside the certified SafetyCore lengthened',
    edits: [{ file: 'SafetyCore.st', find: 'PT := T#50MS', replace: 'PT := T#500MS' }],
    verdict: 'fail',
    categories: ['certified', 'estop', 'timing'],
    rules: ['certified/changed', 'timing/value-changed'],
  },
  {
    name: 'press-certified-twohand-edited',
    plant: 'press',
    description: 'the re-arm condition removed from the certified two-hand control',
    edits: [
      {
        file: 'TwoHandControl.st',
        find: 'IF Left AND Right AND NOT Sync_Window.Q AND Armed THEN',
        replace: 'IF Left AND Right AND NOT Sync_Window.Q THEN',
      },
    ],
    verdict: 'fail',
    categories: ['certified'],
    rules: ['certified/changed'],
  },
  {
    name: 'press-certified-pinned-hash-mismatch',
    plant: 'press',
    description: 'a policy pinning a stale hash of TwoHandControl, and a change to it',
    edits: [{ file: 'TwoHandControl.st', find: 'PT := T#500MS', replace: 'PT := T#1S' }],
    policy: `apiVersion: plcfleet/v1
kind: SitePolicy
site: press-line-2
emergencyStops: [E_Stop_OK]
safetySignals: [Safety_OK]
permissives: [Press_Enable]
certifiedPous:
  - name: TwoHandControl
    sha256: "0000000000000000000000000000000000000000000000000000000000000000"
`,
    verdict: 'fail',
    categories: ['certified'],
    rules: ['certified/hash-mismatch', 'certified/changed'],
  },
  {
    name: 'press-estop-call-deleted',
    plant: 'press',
    description: 'the call of the E-stop evaluation (SafetyCore instance) deleted',
    edits: [
      {
        file: 'PressControl.st',
        find: 'Core(Chain_A := E_Stop_Chain_A, Chain_B := E_Stop_Chain_B, Reset := Reset_PB);\n',
        replace: '',
      },
    ],
    verdict: 'fail',
    categories: ['estop', 'certified'],
    rules: ['estop/slice-changed', 'certified/call-removed'],
  },
  {
    name: 'press-twohand-call-deleted',
    plant: 'press',
    description: 'the call of the certified two-hand control deleted',
    edits: [
      {
        file: 'PressControl.st',
        find: 'Two_Hand(Left := Two_Hand_Left, Right := Two_Hand_Right);\n',
        replace: '',
      },
    ],
    verdict: 'fail',
    categories: ['certified'],
    rules: ['certified/call-removed'],
  },
  {
    name: 'press-estop-reset-bypass',
    plant: 'press',
    description: 'the reset button OR-ed into E_Stop_OK',
    edits: [
      {
        file: 'PressControl.st',
        find: 'E_Stop_OK := Core.E_Stop_OK;',
        replace: 'E_Stop_OK := Core.E_Stop_OK OR Reset_PB;',
      },
    ],
    verdict: 'fail',
    categories: ['estop', 'forcing'],
    rules: ['forcing/bypass-or'],
  },
  {
    name: 'press-min-pressure-lowered',
    plant: 'press',
    description: 'the minimum pressure constant in the Press_Enable logic lowered',
    edits: [
      {
        file: 'PressControl.st',
        find: 'MIN_PRESSURE_BAR : REAL := 80.0;',
        replace: 'MIN_PRESSURE_BAR : REAL := 20.0;',
      },
    ],
    verdict: 'fail',
    categories: ['safety-logic', 'permissive'],
    rules: ['permissive/loosened'],
  },
  {
    name: 'press-forcing-pragma',
    plant: 'press',
    description: 'a no_check attribute put on the Safety_OK assignment',
    edits: [
      { file: 'PressControl.st', find: SAFETY_OK_LINE, replace: `{attribute 'no_check'}\n${SAFETY_OK_LINE}` },
    ],
    verdict: 'fail',
    categories: ['forcing'],
    rules: ['forcing/pragma'],
  },
  {
    name: 'press-guard-migration-with-or',
    plant: 'press',
    description: 'the guard migration done wrong: the redundant sensor OR-ed in (either sensor permits)',
    edits: guardEdits({ redundantOr: true }),
    migration: GUARD_MIGRATION,
    verdict: 'fail',
    categories: ['permissive'],
    rules: ['permissive/loosened'],
  },
  {
    name: 'press-guard-migration-outside-scope',
    plant: 'press',
    description: 'the guard migration, plus a conveyor change outside the migration scope',
    edits: [...guardEdits(), { file: 'Conveyor.st', find: 'PT := T#5S', replace: 'PT := T#8S' }],
    migration: codeMigration('guard-press-only', { pous: ['PressControl'] }, 'safety-related'),
    verdict: 'fail',
    categories: ['scope'],
    rules: ['scope/pou-outside'],
  },
  {
    name: 'press-guard-migration-too-many-lines',
    plant: 'press',
    description: 'the guard migration against a migration that allows 5 changed lines',
    edits: guardEdits(),
    migration: codeMigration('guard-small', { maxChangedLines: 5 }, 'safety-related'),
    verdict: 'fail',
    categories: ['scope'],
    rules: ['scope/too-many-lines'],
  },
  {
    name: 'press-guard-migration-as-non-safety',
    plant: 'press',
    description: 'the guard migration declared non-safety: a change in safety logic is a rejection',
    edits: guardEdits(),
    migration: codeMigration('guard-mislabelled', {}),
    verdict: 'fail',
    categories: ['safety-logic'],
  },
  {
    name: 'press-safety-related-uncovered',
    plant: 'press',
    description:
      'a safety-related migration that weakens the jam alarm reset, a safety signal no permissive check covers',
    edits: [
      {
        file: 'Conveyor.st',
        find: 'IF Reset_PB AND NOT Infeed_Photo_Eye THEN',
        replace: 'IF Reset_PB THEN',
      },
    ],
    policy: `apiVersion: plcfleet/v1
kind: SitePolicy
site: press-line-2
emergencyStops: [E_Stop_OK]
safetySignals: [Safety_OK, Conveyor.Jam_Alarm]
permissives: [Press_Enable]
`,
    migration: codeMigration('jam-reset', {}, 'safety-related'),
    verdict: 'fail',
    categories: ['safety-logic'],
    rules: ['safety-logic/slice-changed'],
  },
  {
    name: 'press-policy-name-unresolved',
    plant: 'press',
    description: 'a policy naming a signal the program does not declare (fail closed)',
    edits: [{ file: 'Conveyor.st', find: 'PT := T#5S', replace: 'PT := T#6S' }],
    policy: `apiVersion: plcfleet/v1
kind: SitePolicy
site: press-line-2
emergencyStops: [E_Stop_OK]
safetySignals: [Guard_Closed]
permissives: [Press_Enable]
`,
    verdict: 'fail',
    categories: ['safety-logic'],
    rules: ['safety-logic/unresolved-signal'],
  },
  {
    name: 'press-after-does-not-parse',
    plant: 'press',
    description: 'the new program does not parse (fail closed)',
    edits: [
      { file: 'Conveyor.st', find: 'Conveyor_Motor := Running;', replace: 'Conveyor_Motor := Running AND;' },
    ],
    verdict: 'fail',
    categories: ['safety-logic'],
    rules: ['safety-logic/unparseable'],
  },
  // ------------------------------------------------------------------ press line: safe
  {
    name: 'press-safe-guard-migration',
    plant: 'press',
    description:
      'the guard migration (SAFETY_GUARD_MONITOR with redundant sensors) tightens the permissives; its redundant-sensor inputs are driven by nothing in the plant (a warning for the safety engineer)',
    edits: guardEdits(),
    migration: GUARD_MIGRATION,
    verdict: 'pass',
    categories: ['safety-logic', 'timing'],
    rules: ['safety-logic/undriven-input'],
    files: { 'tagmap.yaml': GUARD_TAG_MAP },
  },
  {
    name: 'press-safe-pragmas-and-attributes',
    plant: 'press',
    description:
      'pragmas and attributes added before the Safety_OK assignment, a declaration, the PROGRAM and inside the certified SafetyCore: no change',
    edits: [
      {
        file: 'PressControl.st',
        find: SAFETY_OK_LINE,
        replace: `{warning 'guard logic reviewed 2026-11'}\n${SAFETY_OK_LINE}`,
      },
      {
        file: 'PressControl.st',
        find: 'E_Stop_OK := Core.E_Stop_OK;',
        replace: "{region 'E-stop'}\nE_Stop_OK := Core.E_Stop_OK;",
      },
      {
        file: 'PressControl.st',
        find: 'PROGRAM PressControl',
        replace: "{attribute 'reflection'}\nPROGRAM PressControl",
      },
      {
        file: 'PressControl.st',
        find: '    Front_Guard_OK : BOOL;',
        replace: "    {attribute 'hide'}\n    Front_Guard_OK : BOOL;",
      },
      {
        file: 'SafetyCore.st',
        find: 'Discrepancy(IN := Chain_A XOR Chain_B, PT := T#50MS);',
        replace: "{info 'channel discrepancy, 50 ms'}\nDiscrepancy(IN := Chain_A XOR Chain_B, PT := T#50MS);",
      },
    ],
    verdict: 'pass',
    categories: [],
  },
  {
    name: 'press-safe-modbus-to-opcua',
    plant: 'press',
    description: 'the drive speed read moved from Modbus TCP to OPC UA (outside every safety slice)',
    edits: [
      { file: 'DriveComm.st', find: 'Read_Speed : MB_ReadRegisters;', replace: 'Read_Speed : UA_ReadNodes;' },
      {
        file: 'DriveComm.st',
        find: MODBUS_CALL,
        replace:
          "Read_Speed(Execute := TRUE, Endpoint := 'opc.tcp://drive-1.line2:4840', NodeId := MB_TO_UA_NODEID(1, 200), Count := 1, Data => Drive_Speed_Raw);",
      },
    ],
    verdict: 'pass',
    categories: [],
  },
  {
    name: 'press-safe-comments-and-layout',
    plant: 'press',
    description: 'comments added and the Safety_OK assignment re-wrapped',
    edits: [
      {
        file: 'PressControl.st',
        find: SAFETY_OK_LINE,
        replace:
          '(* all four conditions must hold *)\nSafety_OK := E_Stop_OK         // certified E-stop\n    AND Front_Guard_OK\n    AND Rear_Guard_OK\n    AND Light_Curtain_Clear;   (* type 4 curtain *)',
      },
    ],
    verdict: 'pass',
    categories: [],
  },
  {
    name: 'press-safe-certified-recommented',
    plant: 'press',
    description: 'the certified SafetyCore re-commented, re-indented and re-cased: same semantic hash',
    edits: [
      {
        file: 'SafetyCore.st',
        find: 'Discrepancy(IN := Chain_A XOR Chain_B, PT := T#50MS);',
        replace:
          '(* channel discrepancy, 50 ms *)\ndiscrepancy(IN := chain_a XOR chain_b,\n            PT := T#50ms);',
      },
      {
        file: 'SafetyCore.st',
        find: 'IF NOT Chain_A OR NOT Chain_B THEN',
        replace: 'IF NOT Chain_A OR NOT Chain_B THEN // any channel open',
      },
    ],
    verdict: 'pass',
    categories: [],
  },
  {
    name: 'press-safe-conveyor-jam-timer',
    plant: 'press',
    description: 'the conveyor jam timer lengthened (no safety signal depends on it)',
    edits: [{ file: 'Conveyor.st', find: 'PT := T#5S', replace: 'PT := T#8S' }],
    verdict: 'pass',
    categories: [],
  },
  {
    name: 'press-safe-non-safety-logic',
    plant: 'press',
    description:
      'non-safety logic changed in the file full of safety code (alarm horn, ready lamp, cycle count)',
    edits: [
      {
        file: 'PressControl.st',
        find: 'Alarm_Horn := State = 90 OR NOT E_Stop_OK;',
        replace: 'Alarm_Horn := State = 90 OR NOT E_Stop_OK OR Fault_Code <> 0;',
      },
      {
        file: 'PressControl.st',
        find: 'Ready_Lamp := Safety_OK AND State = 0;',
        replace: 'Ready_Lamp := Safety_OK AND State = 0 AND NOT Alarm_Horn;',
      },
      {
        file: 'PressControl.st',
        find: 'Cycle_Count := Cycle_Count + 1;',
        replace: 'Cycle_Count := Cycle_Count + 1;\n            Fault_Code := 0;',
      },
    ],
    verdict: 'pass',
    categories: [],
  },
  {
    name: 'press-safe-renamed-local',
    plant: 'press',
    description: 'a local in the Press_Enable logic renamed everywhere',
    edits: [
      { file: 'PressControl.st', find: '    Pressure_Bar : REAL;', replace: '    Hydraulic_Bar : REAL;' },
      {
        file: 'PressControl.st',
        find: 'Pressure_Bar := INT_TO_REAL',
        replace: 'Hydraulic_Bar := INT_TO_REAL',
      },
      {
        file: 'PressControl.st',
        find: 'Safety_OK AND Pressure_Bar >=',
        replace: 'Safety_OK AND Hydraulic_Bar >=',
      },
    ],
    verdict: 'pass',
    categories: [],
  },
  {
    name: 'press-safe-unused-variable',
    plant: 'press',
    description: 'an unused variable added to PressControl',
    edits: [
      {
        file: 'PressControl.st',
        find: '    Pressure_Bar : REAL;',
        replace: '    Pressure_Bar : REAL;\n    Spare_Flag : BOOL;',
      },
    ],
    verdict: 'pass',
    categories: [],
  },
  {
    name: 'press-safe-guard-migration-quick',
    plant: 'press',
    description:
      'the guard migration, checked in quick mode (the executor inner loop): passes, proofs deferred',
    edits: guardEdits(),
    migration: GUARD_MIGRATION,
    verdict: 'pass',
    categories: ['permissive'],
  },
  // ------------------------------------------------------------------ robot cell: unsafe
  {
    name: 'cell-safe-stop-lengthened',
    plant: 'cell',
    description: 'the stop-category-1 delay lengthened (drive stays enabled longer)',
    edits: [
      { file: 'Cell.st', find: 'SAFE_STOP_T : TIME := T#300MS;', replace: 'SAFE_STOP_T : TIME := T#1S;' },
    ],
    verdict: 'fail',
    categories: ['timing', 'permissive', 'safety-logic'],
    rules: ['timing/value-changed', 'permissive/loosened'],
  },
  {
    name: 'cell-safe-stop-shortened',
    plant: 'cell',
    description: 'the stop-category-1 delay shortened (the drive may not finish braking)',
    edits: [
      { file: 'Cell.st', find: 'SAFE_STOP_T : TIME := T#300MS;', replace: 'SAFE_STOP_T : TIME := T#100MS;' },
    ],
    verdict: 'fail',
    categories: ['timing', 'safety-logic'],
    rules: ['timing/value-changed'],
  },
  {
    name: 'cell-door-settle-shortened',
    plant: 'cell',
    description: 'the door settle time in VAR CONSTANT shortened',
    edits: [
      {
        file: 'Cell.st',
        find: 'DOOR_SETTLE_T : TIME := T#500MS;',
        replace: 'DOOR_SETTLE_T : TIME := T#50MS;',
      },
    ],
    verdict: 'fail',
    categories: ['timing', 'safety-logic'],
    rules: ['timing/value-changed'],
  },
  {
    name: 'cell-mute-window-lengthened',
    plant: 'cell',
    description: 'the muting time limit lengthened',
    edits: [{ file: 'Cell.st', find: 'MUTE_MAX_T : TIME := T#2S;', replace: 'MUTE_MAX_T : TIME := T#10S;' }],
    verdict: 'fail',
    categories: ['timing', 'safety-logic'],
    rules: ['timing/value-changed'],
  },
  {
    name: 'cell-ton-swapped-for-tof',
    plant: 'cell',
    description: 'the muting window TON swapped for a TOF',
    edits: [{ file: 'Cell.st', find: '    Mute_Window : TON;', replace: '    Mute_Window : TOF;' }],
    verdict: 'fail',
    categories: ['timing', 'safety-logic'],
    rules: ['timing/timer-type-changed'],
  },
  {
    name: 'cell-door-fb-default-changed',
    plant: 'cell',
    description: 'the default settle time of the DoorMonitor FB changed in the library',
    edits: [{ file: 'CellLib.st', find: 'Delay : TIME := T#500MS;', replace: 'Delay : TIME := T#200MS;' }],
    verdict: 'fail',
    categories: ['timing', 'safety-logic'],
    rules: ['timing/value-changed'],
  },
  {
    name: 'cell-door-call-deleted',
    plant: 'cell',
    description: 'the call of the door monitor FB deleted',
    edits: [
      {
        file: 'Cell.st',
        find: 'Door(Closed := Door_Closed, Locked := Door_Locked, Delay := DOOR_SETTLE_T);\n',
        replace: '',
      },
    ],
    verdict: 'fail',
    categories: ['safety-logic'],
  },
  {
    name: 'cell-latch-reset-removed',
    plant: 'cell',
    description: 'the E-stop latch no longer drops with the chain',
    edits: [{ file: 'EStop.st', find: RESET_LATCH, replace: '' }],
    verdict: 'fail',
    categories: ['estop', 'forcing'],
    rules: ['forcing/reset-removed', 'estop/slice-changed'],
  },
  {
    name: 'cell-estop-discrepancy-lengthened',
    plant: 'cell',
    description: 'the E-stop discrepancy time lengthened',
    edits: [{ file: 'EStop.st', find: 'PT := T#100MS', replace: 'PT := T#1S' }],
    verdict: 'fail',
    categories: ['estop', 'timing'],
    rules: ['timing/value-changed'],
  },
  {
    name: 'cell-muting-maintenance-key',
    plant: 'cell',
    description: 'the maintenance key OR-ed into the light-curtain permissive',
    edits: [
      {
        file: 'Cell.st',
        find: 'Curtain_OK := Light_Curtain OR Muting;',
        replace: 'Curtain_OK := Light_Curtain OR Muting OR Maintenance_Key;',
      },
    ],
    verdict: 'fail',
    categories: ['forcing', 'safety-logic', 'permissive'],
    rules: ['forcing/bypass-or', 'permissive/loosened'],
  },
  {
    name: 'cell-door-lock-interlock-dropped',
    plant: 'cell',
    description: 'the door lock dropped from the door monitor FB',
    edits: [
      {
        file: 'CellLib.st',
        find: 'Settle(IN := Closed AND Locked, PT := Delay);',
        replace: 'Settle(IN := Closed, PT := Delay);',
      },
      {
        file: 'CellLib.st',
        find: 'OK := Settle.Q AND Closed AND Locked;',
        replace: 'OK := Settle.Q AND Closed;',
      },
    ],
    verdict: 'fail',
    categories: ['forcing', 'safety-logic', 'permissive'],
    rules: ['forcing/interlock-removed'],
  },
  {
    name: 'cell-drive-enable-overwritten',
    plant: 'cell',
    description: 'Drive_Enable overwritten later in the scan in automatic mode',
    edits: [
      {
        file: 'Cell.st',
        find: 'Robot_Drive_On := Drive_Enable AND Running;',
        replace:
          'IF Auto_Mode THEN\n    Drive_Enable := Running;\nEND_IF;\nRobot_Drive_On := Drive_Enable AND Running;',
      },
    ],
    verdict: 'fail',
    categories: ['forcing', 'safety-logic'],
    rules: ['forcing/override-write'],
  },
  {
    name: 'cell-safety-related-loosened',
    plant: 'cell',
    description: 'a safety-related migration that lets a new override input permit the curtain',
    edits: [
      {
        file: 'Cell.st',
        find: '    Auto_Mode : BOOL := TRUE;',
        replace: '    Auto_Mode : BOOL := TRUE;\n    Mute_Override : BOOL;',
      },
      {
        file: 'Cell.st',
        find: 'Curtain_OK := Light_Curtain OR Muting;',
        replace: 'Curtain_OK := Light_Curtain OR Muting OR Mute_Override;',
      },
    ],
    migration: codeMigration('curtain-override', {}, 'safety-related'),
    verdict: 'fail',
    categories: ['permissive', 'forcing'],
    rules: ['permissive/loosened'],
  },
  {
    name: 'cell-safety-related-timer-changed',
    plant: 'cell',
    description: 'a safety-related migration that also changes an existing safety time',
    edits: [
      { file: 'Cell.st', find: 'SAFE_STOP_T : TIME := T#300MS;', replace: 'SAFE_STOP_T : TIME := T#200MS;' },
      {
        file: 'Cell.st',
        find: 'Curtain_OK := Light_Curtain OR Muting;',
        replace: 'Curtain_OK := (Light_Curtain OR Muting) AND Door_Closed;',
      },
    ],
    migration: codeMigration('curtain-tighten', {}, 'safety-related'),
    verdict: 'fail',
    categories: ['timing'],
    rules: ['timing/value-changed'],
  },
  {
    name: 'cell-checks-pragma-disable',
    plant: 'cell',
    description: 'a pragma that disables checks on the E-stop program',
    edits: [{ file: 'EStop.st', find: 'PROGRAM EStop', replace: "{attribute 'no-analysis'}\nPROGRAM EStop" }],
    verdict: 'fail',
    categories: ['forcing'],
    rules: ['forcing/pragma'],
  },
  // ------------------------------------------------------------------ robot cell: safe
  {
    name: 'cell-safe-estop-and-swapped',
    plant: 'cell',
    description: 'the operands of the E_Stop_OK AND swapped: proven equivalent by simulation',
    edits: [
      {
        file: 'EStop.st',
        find: 'E_Stop_OK := Estop_Latch AND Chain_OK;',
        replace: 'E_Stop_OK := Chain_OK AND Estop_Latch;',
      },
    ],
    verdict: 'pass',
    categories: ['estop'],
    rules: ['estop/proven-equivalent'],
  },
  {
    name: 'cell-safe-production-logic',
    plant: 'cell',
    description: 'production counting and lamp blinking changed beside the safety logic',
    edits: [
      {
        file: 'Cell.st',
        find: 'Parts_Done := Parts_Done + 1;',
        replace: 'Parts_Done := Parts_Done + 1;\n    Cell_State := 2;',
      },
      {
        file: 'Cell.st',
        find: 'Blink_Timer(IN := NOT Blink_Timer.Q, PT := T#500MS);',
        replace: 'Blink_Timer(IN := NOT Blink_Timer.Q, PT := T#250MS);',
      },
    ],
    verdict: 'pass',
    categories: [],
  },
  {
    name: 'cell-safe-modbus-to-opcua',
    plant: 'cell',
    description: 'the robot speed read moved from Modbus TCP to OPC UA',
    edits: [
      { file: 'CellComm.st', find: 'Read_Speed : MB_ReadRegisters;', replace: 'Read_Speed : UA_ReadNodes;' },
      {
        file: 'CellComm.st',
        find: CELL_MODBUS_CALL,
        replace:
          "Read_Speed(Execute := TRUE, Endpoint := 'opc.tcp://robot-1.cell4:4840', NodeId := MB_TO_UA_NODEID(1, 300), Count := 1, Data => Robot_Speed_Raw);",
      },
    ],
    verdict: 'pass',
    categories: [],
  },
  {
    name: 'cell-safe-renamed-fb-local',
    plant: 'cell',
    description: 'the settle timer inside DoorMonitor renamed',
    edits: [
      { file: 'CellLib.st', find: '    Settle : TON;', replace: '    Settle_Timer : TON;' },
      {
        file: 'CellLib.st',
        find: 'Settle(IN := Closed AND Locked, PT := Delay);',
        replace: 'Settle_Timer(IN := Closed AND Locked, PT := Delay);',
      },
      {
        file: 'CellLib.st',
        find: 'OK := Settle.Q AND Closed AND Locked;',
        replace: 'OK := Settle_Timer.Q AND Closed AND Locked;',
      },
    ],
    verdict: 'pass',
    categories: [],
  },
  {
    name: 'cell-safe-tightened-in-safety-related',
    plant: 'cell',
    description: 'a safety-related migration that adds a curtain self-test condition (tightening)',
    edits: [
      {
        file: 'Cell.st',
        find: '    Auto_Mode : BOOL := TRUE;',
        replace: '    Auto_Mode : BOOL := TRUE;\n    Curtain_Test_OK : BOOL;',
      },
      {
        file: 'Cell.st',
        find: 'Curtain_OK := Light_Curtain OR Muting;',
        replace: 'Curtain_OK := (Light_Curtain OR Muting) AND Curtain_Test_OK;',
      },
    ],
    migration: codeMigration('curtain-self-test', {}, 'safety-related'),
    verdict: 'pass',
    categories: ['safety-logic'],
  },
  {
    name: 'cell-safe-unused-global',
    plant: 'cell',
    description: 'a spare input declared in the GVL',
    edits: [
      {
        file: 'GVL_Cell.st',
        find: '    Part_Sensor         AT %IX1.2 : BOOL;',
        replace: '    Part_Sensor         AT %IX1.2 : BOOL;\n    Spare_Input         AT %IX1.3 : BOOL;',
      },
    ],
    verdict: 'pass',
    categories: [],
  },
  {
    name: 'cell-safe-quality-warnings-only',
    plant: 'cell',
    description:
      'non-safety code with quality warnings (division by a possibly-zero value, REAL equality): warnings never reject',
    edits: [
      {
        file: 'CellComm.st',
        find: '    Comm_OK : BOOL;',
        replace: '    Comm_OK : BOOL;\n    Speed_Ratio : REAL;\n    At_Target : BOOL;',
      },
      {
        file: 'CellComm.st',
        find: 'Comm_OK := Read_Speed.Done AND NOT Read_Speed.Error;',
        replace:
          'Comm_OK := Read_Speed.Done AND NOT Read_Speed.Error;\nSpeed_Ratio := 1000.0 / INT_TO_REAL(Robot_Speed_Raw);\nAt_Target := Speed_Ratio = 1.0;',
      },
    ],
    verdict: 'pass',
    categories: ['quality'],
  },
  {
    name: 'cell-safe-comments-everywhere',
    plant: 'cell',
    description: 'comments and blank lines added to every safety POU',
    edits: [
      {
        file: 'EStop.st',
        find: 'Chain_OK := E_Stop_Ch1',
        replace: '(* both channels closed, no discrepancy *)\nChain_OK := E_Stop_Ch1',
      },
      {
        file: 'Cell.st',
        find: 'Safety_OK := E_Stop_OK AND Guard_OK AND Curtain_OK;',
        replace:
          '\n// the cell is safe when all three hold\nSafety_OK := E_Stop_OK AND Guard_OK AND Curtain_OK;\n',
      },
      { file: 'CellLib.st', find: 'OK := Settle.Q', replace: '(* settled *)\nOK := Settle.Q' },
    ],
    verdict: 'pass',
    categories: [],
  },
];

const QUICK = new Set(['press-safe-guard-migration-quick']);

function applyEdits(dir: string, edits: readonly Edit[], name: string): void {
  for (const e of edits) {
    const path = join(dir, e.file);
    const text = readFileSync(path, 'utf8');
    const at = text.indexOf(e.find);
    if (at < 0 || text.indexOf(e.find, at + 1) >= 0)
      throw new Error(
        `${name}: edit of ${e.file} must match exactly once: ${JSON.stringify(e.find.slice(0, 60))}`,
      );
    writeFileSync(path, text.slice(0, at) + e.replace + text.slice(at + e.find.length));
  }
}

rmSync(out, { recursive: true, force: true });
for (const c of CASES) {
  const dir = join(out, c.name);
  mkdirSync(dir, { recursive: true });
  cpSync(PLANTS[c.plant], join(dir, 'before'), { recursive: true });
  cpSync(PLANTS[c.plant], join(dir, 'after'), { recursive: true });
  applyEdits(join(dir, 'after'), c.edits, c.name);
  writeFileSync(join(dir, 'policy.yaml'), c.policy ?? POLICIES[c.plant]);
  if (c.migration) writeFileSync(join(dir, 'migration.yaml'), c.migration);
  for (const [file, text] of Object.entries(c.files ?? {})) writeFileSync(join(dir, file), text);
  const expect = {
    description: c.description,
    verdict: c.verdict,
    categories: c.categories,
    ...(c.rules ? { rules: c.rules } : {}),
    ...(QUICK.has(c.name) ? { mode: 'quick' } : {}),
  };
  writeFileSync(join(dir, 'expect.json'), `${JSON.stringify(expect, null, 2)}\n`);
}
console.log(`${CASES.length} cases written to ${out} (${readdirSync(out).length} folders)`);
