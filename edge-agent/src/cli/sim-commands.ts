/**
 * `simulate`, `test` and `equiv`: the virtual PLC on the command line. The
 * JSON forms are a contract other tools read (issue 4): one JSON line per scan
 * for `simulate`, a fixed object for `equiv --json`.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { basename, extname, join } from 'node:path';
import type { Diagnostic } from '@plcfleet/toolchain/iec';
import type {
  EquivalenceResult,
  parseInputTimeline,
  runScenarios,
  ScenarioFile,
  SimValue,
  VirtualPlc,
} from '@plcfleet/toolchain/sim';
import type { Command } from 'commander';

/**
 * The simulator and the exit-code table, loaded when a command runs: registering the
 * commands (and their `--help`) loads neither the toolchain nor protocols' zod.
 *
 * Exit codes are the shared table's (`EXIT` of protocols): OK ran and passed (equiv:
 * equivalent); FAILED a scenario failed, a counterexample was found, or `simulate`'s
 * program does not compile; USAGE bad usage or input; FAULT `simulate` stopped on a
 * runtime fault.
 */
async function loadSim() {
  const [sim, { EXIT }] = await Promise.all([
    import('@plcfleet/toolchain/sim'),
    import('@plcfleet/protocols'),
  ]);
  return { ...sim, EXIT };
}
type Sim = Awaited<ReturnType<typeof loadSim>>;

/** Where command output goes (stdout lines, stderr lines); tests pass their own. */
export interface CommandIo {
  out(line: string): void;
  err(line: string): void;
  readStdin(): string;
}

const processIo: CommandIo = {
  out: (l) => process.stdout.write(`${l}\n`),
  err: (l) => process.stderr.write(`${l}\n`),
  readStdin: () => readFileSync(0, 'utf8'),
};

function positiveInt(sim: Sim, v: string | undefined, name: string, dflt?: number): number {
  const { SimError, SIM_ERROR_CODES } = sim;
  if (v === undefined) {
    if (dflt !== undefined) return dflt;
    throw new SimError(SIM_ERROR_CODES.BAD_INPUT, `${name} is required`);
  }
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0)
    throw new SimError(SIM_ERROR_CODES.BAD_INPUT, `${name} must be a non-negative integer`);
  return n;
}

/** Errors before anything runs: exit 1 when the program does not compile, else 2. */
function failExit(sim: Sim, err: unknown, io: CommandIo): number {
  if (err instanceof sim.SimError) {
    io.err(`error ${err.code}: ${err.message}`);
    return err.code === sim.SIM_ERROR_CODES.CHECK_FAILED ? sim.EXIT.FAILED : sim.EXIT.USAGE;
  }
  io.err(`error: ${err instanceof Error ? err.message : String(err)}`);
  return sim.EXIT.USAGE;
}

/** `.st` files under a library interface or behaviour model directory (`--libraries`, `--models`); a file is itself. */
export async function libraryFiles(dir: string): Promise<string[]> {
  if ((await stat(dir)).isFile()) return [dir];
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const full = join(dir, e.name);
    if (e.isDirectory()) out.push(...(await libraryFiles(full)));
    else if (extname(e.name).toLowerCase() === '.st') out.push(full);
  }
  return out.sort();
}

/** `--libraries DIR --models DIR --define NAME[,NAME]`: what a project is loaded with, as `compile` takes them (decision 0017). */
export interface ProjectOptions {
  libraries?: string;
  models?: string;
  define?: string[];
}

/**
 * The files of `--libraries` and `--models` and the define set of `--define`, as every
 * command that loads a project takes them; a directory that does not exist is `fail`'s
 * error, naming the option and the directory.
 */
export async function projectFiles(opts: ProjectOptions, fail: (message: string) => Error) {
  const files = async (flag: string, what: string, dir: string | undefined) => {
    if (dir === undefined) return undefined;
    try {
      return await libraryFiles(dir);
    } catch {
      throw fail(`${flag}: no such ${what}: ${dir}`);
    }
  };
  return {
    libraries: await files('--libraries', 'library directory', opts.libraries),
    behaviourModels: await files('--models', 'behaviour model directory', opts.models),
    defines: opts.define?.filter((d) => d !== ''),
  };
}

/**
 * A loader of the command's projects with its `--libraries`, `--models` and `--define`
 * (the plant model too: it may call the same library POUs). A directory that does not
 * exist is BAD_INPUT (exit 2), named.
 */
async function projectLoader(sim: Sim, opts: ProjectOptions) {
  const { libraries, behaviourModels, defines } = await projectFiles(
    opts,
    (message) => new sim.SimError(sim.SIM_ERROR_CODES.BAD_INPUT, message),
  );
  return (paths: string[]) =>
    paths.some(isL5x)
      ? loadL5xModel(sim, paths)
      : sim.loadSimProject(paths, {
          ...(libraries ? { libraries } : {}),
          ...(behaviourModels ? { behaviourModels } : {}),
          ...(defines ? { defines } : {}),
        });
}

const isL5x = (path: string) => /\.l5x$/i.test(path);

/**
 * A Rockwell `.L5X` runs as its whole-project ST model (toolchain/l5x `readL5xModel`, as the
 * MCP server's simulate and the safety verifier run it): its programs by their L5X names.
 * The L5X check's errors, each program the model leaves out and a model that does not check
 * travel as diagnostics, so compiling refuses them (exit 1); an L5X given with other sources
 * is BAD_INPUT.
 */
async function loadL5xModel(sim: Sim, paths: string[]) {
  const { SimError, SIM_ERROR_CODES } = sim;
  const file = paths[0]!;
  if (paths.length > 1)
    throw new SimError(
      SIM_ERROR_CODES.BAD_INPUT,
      `${paths.find(isL5x)}: an L5X is simulated on its own, not with other sources`,
    );
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(file);
  } catch (err) {
    throw new SimError(SIM_ERROR_CODES.BAD_INPUT, `${file}: ${(err as Error).message}`);
  }
  const [{ readL5xModel, modelErrors }, { checkProject }] = await Promise.all([
    import('@plcfleet/toolchain/l5x'),
    import('@plcfleet/toolchain/iec'),
  ]);
  const model = readL5xModel(bytes, file);
  // a program with no main routine (a Routine or Program export) or a disabled one never runs:
  // with none that runs, there is nothing to simulate, and that is what the refusal says
  const programs = model.project?.programs ?? [];
  if (programs.length > 0 && programs.every((p) => p.disabled || !p.mainRoutine))
    throw new SimError(
      SIM_ERROR_CODES.NO_PROGRAM,
      `${file}: no program of the L5X runs: ${programs
        .map((p) => `${p.name} ${p.disabled ? 'is disabled' : 'has no main routine (MainRoutineName)'}`)
        .join('; ')}`,
    );
  const found = [...model.diagnostics, ...model.unmodelled];
  // checked here, so that a model that does not check is named as such, not at a model line
  const checked = found.some((d) => d.severity === 'error') ? undefined : checkProject([model.unit]);
  if (checked) found.push(...modelErrors(model, checked.diagnostics));
  return {
    units: [model.unit],
    // the findings point into the XML by line and column; they carry no offsets
    diagnostics: found.map(
      (d): Diagnostic => ({
        ...d,
        code: d.code as Diagnostic['code'],
        severity: d.severity === 'error' ? 'error' : 'warning',
        offset: 0,
        endOffset: 0,
      }),
    ),
    libraryUnits: [],
    ...(checked && !found.some((d) => d.severity === 'error') ? { checked: checked.checked } : {}),
  };
}
type LoadProject = Awaited<ReturnType<typeof projectLoader>>;

/** Loads `paths` with `--libraries`, `--models` and `--define` as the simulator's commands do (`shadow` too). */
export async function loadProjectWith(paths: string[], opts: ProjectOptions) {
  return (await projectLoader(await loadSim(), opts))(paths);
}

/** `--plant FILE --binding FILE`: both or neither. */
export interface PlantOptions {
  plant?: string;
  binding?: string;
}

/**
 * The plant model and its binding, when `--plant` and `--binding` are given: the plant
 * loaded like the controller (`load`, default plain), the binding file (YAML or JSON)
 * checked against `PlantBinding`, a bad field named with its file. Undefined without
 * either flag; throws `SimError` BAD_INPUT (exit 2) with one alone or a bad file. Also
 * what `safety --plant` reads.
 */
export async function loadPlantModel(opts: PlantOptions, load?: LoadProject) {
  const sim = await loadSim();
  const { SimError, SIM_ERROR_CODES } = sim;
  if (opts.plant === undefined && opts.binding === undefined) return undefined;
  if (opts.plant === undefined)
    throw new SimError(SIM_ERROR_CODES.BAD_INPUT, '--plant is required with --binding');
  if (opts.binding === undefined)
    throw new SimError(SIM_ERROR_CODES.BAD_INPUT, '--binding is required with --plant');
  const [{ PlantBinding }, YAML] = await Promise.all([import('@plcfleet/protocols'), import('yaml')]);
  let text: string;
  try {
    text = readFileSync(opts.binding, 'utf8');
  } catch (err) {
    throw new SimError(SIM_ERROR_CODES.BAD_INPUT, `binding file ${opts.binding}: ${(err as Error).message}`);
  }
  let doc: unknown;
  try {
    doc = YAML.parse(text);
  } catch (err) {
    throw new SimError(
      SIM_ERROR_CODES.BAD_INPUT,
      `binding file ${opts.binding}: not valid YAML or JSON: ${(err as Error).message}`,
    );
  }
  const parsed = PlantBinding.safeParse(doc);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const field = issue.path.length > 0 ? issue.path.join('.') : '(top level)';
    throw new SimError(SIM_ERROR_CODES.BAD_INPUT, `binding file ${opts.binding}: ${field}: ${issue.message}`);
  }
  const program = await (load ?? ((paths: string[]) => sim.loadSimProject(paths)))([opts.plant]);
  return { program, binding: parsed.data };
}

/** {@link loadPlantModel} with the plant compiled and the closed-loop runners. */
async function loadPlant(sim: Sim, opts: PlantOptions, cycleMs: number, load: LoadProject) {
  const model = await loadPlantModel(opts, load);
  if (!model) return undefined;
  const plantModel = await import('@plcfleet/toolchain/plant-model');
  return {
    binding: model.binding,
    plantProject: model.program,
    plant: sim.compileProgram(model.program, { cycleMs }),
    ClosedLoop: plantModel.ClosedLoop,
    closedLoopEquivalence: plantModel.closedLoopEquivalence,
  };
}

/** Options of `simulate`. */
export interface SimulateOptions extends PlantOptions, ProjectOptions {
  program?: string;
  scans?: string;
  inputs?: string;
  cycleMs?: string;
  vars?: string;
  final?: boolean;
  every?: string;
}

/** The spellings of a BOOL input: JSON true/false, "true"/"false" in any case, 1/0 and "1"/"0". */
const BOOL_SPELLINGS = new Map<unknown, boolean>([
  [true, true],
  [false, false],
  [1, true],
  [0, false],
  ['1', true],
  ['0', false],
  ['true', true],
  ['false', false],
]);

/**
 * Refuses an input value that does not fit its variable's type instead of letting the
 * virtual PLC convert it (an INT would wrap, 1.7 would be cut to 1, "yes" would be FALSE):
 * BOOL takes {@link BOOL_SPELLINGS}; an integer type an integer (number or decimal string)
 * in its range; REAL/LREAL a finite number. BAD_INPUT naming where, the variable, the
 * value and the type.
 */
function checkInputValue(sim: Sim, name: string, value: unknown, type: string, where: string): void {
  const bad = (why: string) =>
    new sim.SimError(
      sim.SIM_ERROR_CODES.BAD_INPUT,
      `${where}: ${name} = ${JSON.stringify(value)} is not a valid ${type}: ${why}`,
    );
  const upper = type.toUpperCase();
  if (upper === 'BOOL') {
    const key = typeof value === 'string' ? value.trim().toLowerCase() : value;
    if (!BOOL_SPELLINGS.has(key)) throw bad('a BOOL is true/false, TRUE/FALSE or 1/0');
    return;
  }
  if (sim.isIntegerName(upper)) {
    let n: bigint;
    if (typeof value === 'number' && Number.isInteger(value)) n = BigInt(value);
    else if (typeof value === 'string' && /^[+-]?\d+$/.test(value.trim())) n = BigInt(value.trim());
    else throw bad('not an integer');
    const { min, max } = sim.integerRange(upper);
    if (n < min || n > max) throw bad(`out of range ${min}..${max}`);
    return;
  }
  if (upper === 'REAL' || upper === 'LREAL') {
    const n = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
    if (typeof n !== 'number' || !Number.isFinite(n)) throw bad('not a number');
  }
}

/** `simulate`: runs N scans and prints one JSON line per scan. Returns the exit code. */
export async function simulateCommand(
  paths: string[],
  opts: SimulateOptions,
  io: CommandIo = processIo,
): Promise<number> {
  const sim = await loadSim();
  const { SimError, SIM_ERROR_CODES, EXIT } = sim;
  let plc: VirtualPlc;
  let loop: InstanceType<NonNullable<Awaited<ReturnType<typeof loadPlant>>>['ClosedLoop']> | undefined;
  let scans: number;
  let every: number;
  let vars: string[];
  let timeline: ReturnType<typeof parseInputTimeline> | undefined;
  try {
    scans = positiveInt(sim, opts.scans, '--scans');
    every = Math.max(1, positiveInt(sim, opts.every, '--every', 1));
    const cycleMs = Number(opts.cycleMs ?? 10);
    if (!(cycleMs > 0)) throw new SimError(SIM_ERROR_CODES.BAD_INPUT, '--cycle-ms must be positive');
    const load = await projectLoader(sim, opts);
    const project = await load(paths);
    plc = sim.compileProgram(project, { ...(opts.program ? { program: opts.program } : {}), cycleMs });
    const plant = await loadPlant(sim, opts, cycleMs, load);
    if (plant) loop = new plant.ClosedLoop(plc, plant.plant, plant.binding);
    if (opts.inputs !== undefined) {
      const text = opts.inputs === '-' ? io.readStdin() : readFileSync(opts.inputs, 'utf8');
      let doc: unknown;
      try {
        doc = JSON.parse(text);
      } catch (err) {
        throw new SimError(SIM_ERROR_CODES.BAD_INPUT, `inputs are not valid JSON: ${(err as Error).message}`);
      }
      timeline = sim.parseInputTimeline(doc);
    }
    vars = opts.vars
      ? opts.vars
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean)
      : plc.outputNames();
    for (const v of vars) plc.get(v); // unknown names fail before the first scan
    const source = opts.inputs === '-' ? 'stdin' : opts.inputs;
    for (const [scan, a] of timeline ?? [])
      for (const [k, v] of Object.entries(a))
        checkInputValue(sim, k, v, plc.typeOf(k), `${source}, scan ${scan}`);
  } catch (err) {
    return failExit(sim, err, io);
  }
  const line = (k: number) => {
    const o: Record<string, unknown> = { scan: k, t_ms: k * plc.cycleMs };
    for (const v of vars) o[v] = sim.jsonValue(plc.get(v));
    return JSON.stringify(o);
  };
  for (let k = 0; k < scans; k++) {
    const a = timeline?.get(k);
    if (a) {
      try {
        for (const [name, value] of Object.entries(a)) plc.set(name, value as SimValue);
      } catch (err) {
        return failExit(sim, err, io);
      }
    }
    const fault = loop ? loop.scan() : plc.scan();
    if (fault) {
      const { code, message, file, line: ln, column } = fault;
      const side = 'side' in fault ? { side: fault.side } : {};
      io.out(
        JSON.stringify({
          scan: k,
          t_ms: k * plc.cycleMs,
          fault: { code, message, file, line: ln, column, ...side },
        }),
      );
      return EXIT.FAULT;
    }
    const last = k === scans - 1;
    if (opts.final ? last : k % every === 0) io.out(line(k));
  }
  return EXIT.OK;
}

function scenarioPaths(sim: Sim, path: string): string[] {
  let st: ReturnType<typeof statSync>;
  try {
    st = statSync(path);
  } catch {
    throw new sim.SimError(sim.SIM_ERROR_CODES.BAD_INPUT, `no such file or directory: ${path}`);
  }
  if (!st.isDirectory()) return [path];
  return readdirSync(path)
    .sort()
    .filter((n) => /\.(ya?ml|json)$/i.test(n))
    .map((n) => join(path, n));
}

/** Options of `test`. */
export interface TestOptions extends ProjectOptions, PlantOptions {
  scenarios?: string;
  json?: boolean;
  program?: string;
}

/** `test`: runs scenario files against a project. Exit 0 all pass, 1 a failure or fault, 2 bad input. */
export async function testCommand(
  paths: string[],
  opts: TestOptions,
  io: CommandIo = processIo,
): Promise<number> {
  const sim = await loadSim();
  const { SimError, SIM_ERROR_CODES, EXIT } = sim;
  let result: ReturnType<typeof runScenarios>;
  try {
    if (!opts.scenarios) throw new SimError(SIM_ERROR_CODES.BAD_INPUT, '--scenarios is required');
    const files: ScenarioFile[] = scenarioPaths(sim, opts.scenarios).map((f) =>
      sim.parseScenarioFile(readFileSync(f, 'utf8'), f),
    );
    if (files.length === 0)
      throw new SimError(SIM_ERROR_CODES.BAD_INPUT, `no scenario files in ${opts.scenarios}`);
    const load = await projectLoader(sim, opts);
    const project = await load(paths);
    const plant = await loadPlant(sim, opts, 10, load);
    checkScenarioValues(sim, project, files, opts.program);
    result = sim.runScenarios(project, files, {
      ...(opts.program ? { program: opts.program } : {}),
      ...(plant ? { loop: (plc: VirtualPlc) => scenarioLoop(sim, plant, plc, files) } : {}),
    });
  } catch (err) {
    return failExit(sim, err, io);
  }
  if (opts.json) {
    io.out(JSON.stringify(result));
    return result.passed ? EXIT.OK : EXIT.FAILED;
  }
  let total = 0;
  let failed = 0;
  for (const f of result.files) {
    for (const s of f.scenarios) {
      total++;
      if (!s.passed) failed++;
      io.out(`${s.passed ? 'PASS' : 'FAIL'} ${basename(f.file)} > ${s.name} (${s.scans} scans)`);
      if (s.fault) {
        io.out(
          `  fault ${s.fault.code} at ${s.fault.file}:${s.fault.line}, scan ${s.fault.scan}: ${s.fault.message}`,
        );
      }
      for (const e of s.expectations) {
        if (e.passed) continue;
        io.out(`  x ${e.message ?? e.variable}`);
        if (e.around && e.around.length > 0) {
          io.out(
            `    ${e.variable} around: ${e.around.map((a) => `scan ${a.scan}=${JSON.stringify(a.value)}`).join(', ')}`,
          );
        }
      }
    }
  }
  io.out(`${total} scenario(s), ${total - failed} passed, ${failed} failed`);
  return failed === 0 ? EXIT.OK : EXIT.FAILED;
}

/**
 * The values a scenario sets or forces, checked against their variables' types as
 * `simulate --inputs` checks them ({@link checkInputValue}), before anything runs. A program
 * that does not compile, or a name that does not resolve, is left to the run to report.
 */
function checkScenarioValues(
  sim: Sim,
  project: Parameters<Sim['compileProgram']>[0],
  files: ScenarioFile[],
  program: string | undefined,
): void {
  for (const f of files) {
    const name = program ?? f.program;
    let plc: VirtualPlc;
    try {
      plc = sim.compileProgram(project, name ? { program: name } : {});
    } catch {
      continue;
    }
    const check = (values: Record<string, unknown>, where: string) => {
      for (const [k, v] of Object.entries(values)) {
        let type: string;
        try {
          type = plc.typeOf(k);
        } catch {
          continue;
        }
        checkInputValue(sim, k, v, type, where);
      }
    };
    for (const sc of f.scenarios) {
      check(sc.initial ?? {}, `${f.file}: scenario '${sc.name}', initial`);
      for (const st of sc.steps) {
        if ('set' in st) check(st.set, `${f.file}: scenario '${sc.name}', set at ${st.at}ms`);
        if ('force' in st) check(st.force, `${f.file}: scenario '${sc.name}', force at ${st.at}ms`);
      }
    }
  }
}

/**
 * The closed loop a scenario runs with `test --plant`: the plant compiled with the
 * controller's cycle. A scenario that sets an input the plant drives is bad input (the
 * plant would overwrite it every cycle): `force` overrides the plant instead.
 */
function scenarioLoop(
  sim: Sim,
  plant: NonNullable<Awaited<ReturnType<typeof loadPlant>>>,
  plc: VirtualPlc,
  files: ScenarioFile[],
) {
  const loop = new plant.ClosedLoop(
    plc,
    sim.compileProgram(plant.plantProject, { cycleMs: plc.cycleMs }),
    plant.binding,
  );
  const driven = new Set([...loop.drivenInputs].map((n) => n.toLowerCase()));
  for (const f of files)
    for (const sc of f.scenarios) {
      const set = [
        ...Object.keys(sc.initial ?? {}),
        ...sc.steps.flatMap((st) => ('set' in st ? Object.keys(st.set) : [])),
      ];
      const hit = set.find((n) => driven.has(n.toLowerCase()));
      if (hit)
        throw new sim.SimError(
          sim.SIM_ERROR_CODES.BAD_INPUT,
          `${f.file}: scenario '${sc.name}' sets ${hit}, which the plant drives (${plant.binding.sensors.find((w) => w.to.toLowerCase() === hit.toLowerCase())?.from} in the binding); force it to override the plant`,
        );
    }
  return loop;
}

/** Options of `equiv`. */
export interface EquivOptions extends PlantOptions, ProjectOptions {
  before?: string;
  after?: string;
  program?: string;
  seed?: string;
  runs?: string;
  scans?: string;
  assume?: string[];
  ignore?: string;
  relation?: string[];
  scenarios?: string;
  cycleMs?: string;
  json?: boolean;
}

/** `equiv`: differential equivalence of two versions. Exit 0 equivalent, 1 counterexample, 2 bad input. */
export async function equivCommand(opts: EquivOptions, io: CommandIo = processIo): Promise<number> {
  const sim = await loadSim();
  const { EXIT } = sim;
  let result: EquivalenceResult;
  try {
    if (!opts.before || !opts.after)
      throw new sim.SimError(sim.SIM_ERROR_CODES.BAD_INPUT, '--before and --after are required');
    const seed = opts.seed === undefined ? 1 : /^-?\d+$/.test(opts.seed) ? Number(opts.seed) : opts.seed;
    const load = await projectLoader(sim, opts);
    const plant = await loadPlant(sim, opts, opts.cycleMs ? Number(opts.cycleMs) : 10, load);
    if (plant) return await closedLoopEquiv(sim, opts, seed, plant, load, io);
    const scenarios = opts.scenarios
      ? scenarioPaths(sim, opts.scenarios).map((f) => sim.parseScenarioFile(readFileSync(f, 'utf8'), f))
      : [];
    const before = await load([opts.before]);
    const after = await load([opts.after]);
    checkScenarioValues(sim, before, scenarios, opts.program);
    checkScenarioValues(sim, after, scenarios, opts.program);
    result = sim.checkEquivalence({
      before,
      after,
      ...(opts.program ? { program: opts.program } : {}),
      seed,
      runs: positiveInt(sim, opts.runs, '--runs', 100),
      scans: positiveInt(sim, opts.scans, '--scans', 200),
      assume: opts.assume ?? [],
      ignore: (opts.ignore ?? '')
        .split(',')
        .map((x) => x.trim())
        .filter(Boolean),
      relations: opts.relation ?? [],
      scenarios,
      ...(opts.cycleMs ? { cycleMs: Number(opts.cycleMs) } : {}),
    });
  } catch (err) {
    // A program that does not compile cannot be compared: bad input here (exit 2), per the contract.
    const code = failExit(sim, err, io);
    return code === EXIT.FAILED ? EXIT.USAGE : code;
  }
  if (opts.json) io.out(JSON.stringify(result));
  else if (result.equivalent) {
    io.out(`equivalent: ${result.runs} run(s) x ${result.scans} scans, seed ${result.seed}`);
  } else {
    const c = result.counterexample;
    io.out(
      `NOT equivalent (seed ${result.seed}, run ${result.runs}): ${c?.variable} differs at scan ${c?.scan}: before ${JSON.stringify(c?.before)}, after ${JSON.stringify(c?.after)}`,
    );
    io.out(`inputs (simulate --inputs form): ${JSON.stringify(c?.inputs)}`);
  }
  return result.equivalent ? EXIT.OK : EXIT.FAILED;
}

/**
 * `equiv --plant --binding`: old and new controller each in closed loop with the plant
 * model, `--runs` runs of `--scans` cycles, run r seeded `seed` (r = 0) or `seed:r`.
 */
async function closedLoopEquiv(
  sim: Sim,
  opts: EquivOptions,
  seed: number | string,
  plant: NonNullable<Awaited<ReturnType<typeof loadPlant>>>,
  load: LoadProject,
  io: CommandIo,
): Promise<number> {
  const { EXIT, SimError, SIM_ERROR_CODES } = sim;
  const unsupported = (
    [
      ['--assume', (opts.assume ?? []).length > 0],
      ['--relation', (opts.relation ?? []).length > 0],
      ['--ignore', Boolean(opts.ignore)],
      ['--scenarios', Boolean(opts.scenarios)],
      ['--program', Boolean(opts.program)],
    ] as const
  ).find(([, given]) => given);
  if (unsupported)
    throw new SimError(SIM_ERROR_CODES.BAD_INPUT, `${unsupported[0]} is not supported with --plant`);
  const runs = Math.max(1, positiveInt(sim, opts.runs, '--runs', 100));
  const scans = positiveInt(sim, opts.scans, '--scans', 200);
  const before = await load([opts.before!]);
  const after = await load([opts.after!]);
  let result: ReturnType<typeof plant.closedLoopEquivalence> | undefined;
  let run = 0;
  for (; run < runs; run++) {
    result = plant.closedLoopEquivalence(before, after, plant.plantProject, plant.binding, {
      scans,
      seed: run === 0 ? seed : `${seed}:${run}`,
      ...(opts.cycleMs ? { cycleMs: Number(opts.cycleMs) } : {}),
    });
    if (!result.equivalent) break;
  }
  const r = result!;
  if (opts.json)
    io.out(JSON.stringify({ ...r, closedLoop: true, seed, runs: Math.min(run + 1, runs) }, bigints));
  else if (r.equivalent) io.out(`equivalent in closed loop: ${runs} run(s) x ${scans} scans, seed ${seed}`);
  else if (r.fault) io.out(`NOT equivalent in closed loop (seed ${seed}, run ${run}): ${r.fault}`);
  else {
    const d = r.difference!;
    io.out(
      `NOT equivalent in closed loop (seed ${seed}, run ${run}): ${d.output} differs at scan ${d.scan}: before ${JSON.stringify(d.old, bigints)}, after ${JSON.stringify(d.new, bigints)}`,
    );
    io.out(`free inputs then: ${JSON.stringify(d.inputs, bigints)}`);
  }
  return r.equivalent ? EXIT.OK : EXIT.FAILED;
}

const bigints = (_: string, v: unknown) => (typeof v === 'bigint' ? v.toString() : v);

const collect = (v: string, prev: string[]) => [...prev, v];

/** `--libraries`, `--models`, `--define`: one wording for `compile`, `simulate`, `test` and `equiv`. */
export function projectFlags(c: Command): Command {
  return c
    .option('--libraries <dir>', 'a directory of library interface files (.st declarations, no bodies)')
    .option(
      '--models <dir>',
      'behaviour models in ST of library POUs (.st files): each replaces the library declaration of its name',
    )
    .option(
      '--define <names>',
      'compile the {IF defined(...)} branches of this define set (comma-separated; repeatable)',
      (v: string, prev: string[] = []) => [...prev, ...v.split(',').map((d) => d.trim())],
    );
}

/** Registers `simulate`, `test` and `equiv` on the agent's command line. */
export function registerSimCommands(program: Command): void {
  projectFlags(program.command('simulate'))
    .description('run a program on the virtual PLC and print one JSON line per scan')
    .argument('<path...>', 'ST files or directories')
    .option('--program <name>', 'PROGRAM or CONFIGURATION to run, or a FUNCTION_BLOCK run as one instance')
    .requiredOption('--scans <n>', 'number of scans')
    .option(
      '--inputs <file>',
      "JSON inputs timeline ('-' for stdin); a value must fit its variable's type: integers in range, BOOL as true/false, TRUE/FALSE or 1/0",
    )
    .option('--cycle-ms <ms>', 'virtual time per scan', '10')
    .option('--vars <list>', 'comma-separated variables to print (default: VAR_OUTPUT)')
    .option('--final', 'print only the last scan')
    .option('--every <k>', 'print every k-th scan')
    .option('--plant <path>', 'plant model (ST) run in closed loop with the program; needs --binding')
    .option('--binding <file>', 'PlantBinding file (YAML or JSON) wiring the plant to the program')
    .action(async (paths: string[], opts: SimulateOptions) => {
      process.exitCode = await simulateCommand(paths, opts);
    });
  projectFlags(program.command('test'))
    .description('run scenario files (YAML) against a program on the virtual PLC')
    .argument('<path...>', 'ST files or directories')
    .requiredOption(
      '--scenarios <path>',
      "scenario file or directory; a value set or forced must fit its variable's type, as for simulate --inputs",
    )
    .option(
      '--program <name>',
      "PROGRAM (or FUNCTION_BLOCK, one instance) to test (overrides the scenario file's)",
    )
    .option('--plant <path>', 'plant model (ST) run in closed loop with the program; needs --binding')
    .option('--binding <file>', 'PlantBinding file (YAML or JSON) wiring the plant to the program')
    .option('--json', 'print the results as one JSON object')
    .action(async (paths: string[], opts: TestOptions) => {
      process.exitCode = await testCommand(paths, opts);
    });
  projectFlags(program.command('equiv'))
    .description('compare the old and new program on the same seeded inputs, scan by scan')
    .requiredOption('--before <path>', 'the program as it is (file or directory)')
    .requiredOption('--after <path>', 'the program as migrated')
    .option('--program <name>', 'PROGRAM to compare')
    .option('--seed <s>', 'random seed', '1')
    .option('--runs <n>', 'random runs', '100')
    .option('--scans <n>', 'scans per run', '200')
    .option('--assume <expr>', "assumption on inputs, e.g. 'B = A' (repeatable)", collect, [])
    .option('--ignore <list>', 'outputs allowed to differ (comma-separated)')
    .option(
      '--relation <rel>',
      "relation instead of equality, e.g. 'Out: new -> old' (repeatable)",
      collect,
      [],
    )
    .option('--scenarios <path>', 'scenario file or directory whose timelines also run')
    .option('--cycle-ms <ms>', 'virtual time per scan')
    .option('--plant <path>', 'plant model (ST): compare both versions in closed loop; needs --binding')
    .option('--binding <file>', 'PlantBinding file (YAML or JSON) wiring the plant to the programs')
    .option('--json', 'print the result as one JSON object')
    .action(async (opts: EquivOptions) => {
      process.exitCode = await equivCommand(opts);
    });
}
