/**
 * The command line run over public PLC code written by others, the way a new user
 * would: every readable project or file under the given directories goes through the
 * real `plcfleet-agent` process (`compile --json`, `fmt --check`, `fmt` twice for
 * idempotence, `simulate` of each PROGRAM on random inputs, `equiv` and
 * `safety --before X --after X` of the unchanged program, and a one-variable
 * `tag-change` recipe migration), each in its own Node process with a timeout and a
 * heap cap. It tallies per command: exit codes, internal errors (exit 70, a stack
 * trace or "internal" on stderr), timeouts, crashes (a signal, or out of memory), raw
 * stack traces, stderr noise the command did not cause, and results that cannot be
 * right (a no-change comparison that fails, fmt that is not idempotent).
 *
 *   node --import tsx --conditions=source edge-agent/scripts/cli-corpus.ts DIR... \
 *     [--json] [--timeout-s 60] [--heap-mb 768] [--scans 50] [--max-files 6] \
 *     [--max-programs 3] [--max-units N] [--only compile,fmt,...] [--bin] [--libraries DIR | --no-libraries]
 *     [--per-file]
 *
 * `--max-units N` takes at most N units of each directory given, spread evenly over it.
 * `--per-file` makes each loose .st/.scl file a unit of its own (a folder of standalone
 * programs, such as OpenPLC samples, is not one project).
 * compile, simulate and equiv get `--libraries edge-agent/toolchain/libraries` (the
 * shipped vendor library interfaces), as docs/iec-frontend.md tells a user to.
 *
 * The corpus is fetched into /tmp and never committed (docs/edge-agent.md, "The command
 * line on public code"). Exit 0 when no run was an internal error, a crash, a hang or a
 * wrong result; 1 otherwise; 2 for bad usage.
 */
import { spawn } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, extname, join, relative, resolve } from 'node:path';
import { Prng } from '@plcfleet/toolchain/sim';

const repo = resolve(new URL('../../', import.meta.url).pathname);

interface Options {
  dirs: string[];
  json: boolean;
  timeoutMs: number;
  heapMb: number;
  scans: number;
  maxFiles: number;
  maxPrograms: number;
  maxUnits: number;
  only: Set<string> | undefined;
  bin: boolean;
  /** `--libraries` of compile, simulate and equiv: the shipped vendor library interfaces unless told. */
  libraries: string | undefined;
  /** `--per-file`: each loose .st/.scl file is a unit of its own (a folder of standalone programs). */
  perFile: boolean;
}

const COMMANDS = ['compile', 'fmt', 'fmt-idempotent', 'simulate', 'equiv', 'safety', 'migrate'] as const;
type CommandName = (typeof COMMANDS)[number];

function parseOptions(argv: string[]): Options {
  const o: Options = {
    dirs: [],
    json: false,
    timeoutMs: 60_000,
    heapMb: 768,
    scans: 50,
    maxFiles: 6,
    maxPrograms: 3,
    maxUnits: Number.POSITIVE_INFINITY,
    only: undefined,
    bin: false,
    libraries: join(repo, 'edge-agent/toolchain/libraries'),
    perFile: false,
  };
  const num = (flag: string, v: string | undefined) => {
    const n = Number(v);
    if (!Number.isFinite(n) || n <= 0) usage(`${flag} needs a positive number, got ${v ?? 'nothing'}`);
    return n;
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] as string;
    if (a === '--json') o.json = true;
    else if (a === '--bin') o.bin = true;
    else if (a === '--per-file') o.perFile = true;
    else if (a === '--no-libraries') o.libraries = undefined;
    else if (a === '--libraries') o.libraries = resolve(argv[++i] ?? usage('--libraries needs a directory'));
    else if (a === '--timeout-s') o.timeoutMs = num(a, argv[++i]) * 1000;
    else if (a === '--heap-mb') o.heapMb = num(a, argv[++i]);
    else if (a === '--scans') o.scans = num(a, argv[++i]);
    else if (a === '--max-files') o.maxFiles = num(a, argv[++i]);
    else if (a === '--max-programs') o.maxPrograms = num(a, argv[++i]);
    else if (a === '--max-units') o.maxUnits = num(a, argv[++i]);
    else if (a === '--only') {
      const names = (argv[++i] ?? '').split(',').filter(Boolean);
      for (const n of names)
        if (!(COMMANDS as readonly string[]).includes(n)) usage(`--only: unknown command ${n}`);
      o.only = new Set(names);
    } else if (a.startsWith('-')) usage(`unknown option ${a}`);
    else if (!existsSync(a) || !statSync(a).isDirectory()) usage(`${a}: not a directory`);
    else o.dirs.push(resolve(a));
  }
  if (o.dirs.length === 0) usage('give at least one directory of PLC code');
  return o;
}

function usage(message: string): never {
  process.stderr.write(`cli-corpus: ${message}\n`);
  process.exit(2);
}

// ---------------------------------------------------------------- units of code

/** What the commands read: a TwinCAT PLC project folder, a file, or a folder of loose source files. */
interface Unit {
  kind: 'twincat' | 'l5x' | 'plcopen' | 'st' | 'scl';
  /** A directory or one file. */
  path: string;
  /** The source files of the unit (fmt runs on them). */
  files: string[];
}

const SKIP_DIRS = new Set(['node_modules', '.git', '_Boot', '_Config', '_Deployment', 'bin', 'obj']);
const ST_EXT = new Set(['.st', '.iecst']);
const SCL_EXT = new Set(['.scl', '.db', '.udt']);
const TC_EXT = new Set(['.tcpou', '.tcgvl', '.tcdut']);

function discover(root: string, perFile = false): Unit[] {
  const units: Unit[] = [];
  const walk = (dir: string) => {
    let entries: string[];
    try {
      entries = readdirSync(dir).sort();
    } catch {
      return;
    }
    const files = entries.map((e) => join(dir, e)).filter((p) => safeStat(p)?.isFile());
    if (files.some((f) => f.toLowerCase().endsWith('.plcproj'))) {
      const sources = listFiles(dir).filter((f) => TC_EXT.has(extname(f).toLowerCase()));
      if (sources.length > 0) units.push({ kind: 'twincat', path: dir, files: sources });
      return;
    }
    const loose: Record<'st' | 'scl', string[]> = { st: [], scl: [] };
    for (const f of files) {
      const ext = extname(f).toLowerCase();
      if (ext === '.l5x') units.push({ kind: 'l5x', path: f, files: [f] });
      else if (ext === '.xml' && isPlcopen(f)) units.push({ kind: 'plcopen', path: f, files: [f] });
      else if (ST_EXT.has(ext) || TC_EXT.has(ext)) loose.st.push(f);
      // an EPICS database (`record(ai, …)`) shares Siemens' .db extension
      else if (SCL_EXT.has(ext) && !/^\s*(?:record|grecord|template)\s*\(/m.test(readHead(f)))
        loose.scl.push(f);
    }
    for (const kind of ['st', 'scl'] as const) {
      if (perFile) for (const f of loose[kind]) units.push({ kind, path: f, files: [f] });
      else if (loose[kind].length > 0) units.push({ kind, path: dir, files: loose[kind] });
    }
    for (const e of entries) {
      if (SKIP_DIRS.has(e) || e.startsWith('.')) continue;
      const p = join(dir, e);
      if (safeStat(p)?.isDirectory()) walk(p);
    }
  };
  walk(root);
  return units;
}

/** At most `n` of `units`, evenly spaced (every project of a big folder is not needed to find its faults). */
function spread(units: Unit[], n: number): Unit[] {
  if (units.length <= n) return units;
  return Array.from({ length: n }, (_, i) => units[Math.floor((i * units.length) / n)] as Unit);
}

function safeStat(p: string) {
  try {
    return statSync(p);
  } catch {
    return undefined;
  }
}

function listFiles(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir).sort()) {
    if (SKIP_DIRS.has(e) || e.startsWith('.')) continue;
    const p = join(dir, e);
    const s = safeStat(p);
    if (s?.isDirectory()) out.push(...listFiles(p));
    else if (s?.isFile()) out.push(p);
  }
  return out;
}

function isPlcopen(file: string): boolean {
  return readHead(file).includes('plcopen.org/xml/tc6');
}

function readHead(file: string): string {
  try {
    return readFileSync(file, 'utf8').slice(0, 4000);
  } catch {
    return '';
  }
}

/** The file's text without ST comments (a PROGRAM named in a comment is no PROGRAM). */
function readText(file: string): string {
  try {
    return readFileSync(file, 'latin1')
      .replace(/\(\*[\s\S]*?\*\)/g, ' ')
      .replace(/\/\/[^\n]*/g, ' ');
  } catch {
    return '';
  }
}

/** PROGRAM names of a unit, as its source text declares them. */
function programsOf(unit: Unit): string[] {
  const names = new Set<string>();
  for (const f of unit.files) {
    const text = readText(f);
    if (unit.kind === 'l5x') {
      for (const m of text.matchAll(/<Program\s+[^>]*?Name="([A-Za-z_]\w*)"/g)) names.add(m[1] as string);
    } else if (unit.kind === 'plcopen') {
      for (const m of text.matchAll(/<pou\s+name="([A-Za-z_]\w*)"\s+pouType="program"/g))
        names.add(m[1] as string);
    } else {
      // `PROGRAM inst WITH task : Type;` inside a CONFIGURATION names an instance, not a PROGRAM
      for (const m of text.matchAll(
        /^\s*PROGRAM\s+(?:(?:INTERNAL|PUBLIC|PRIVATE)\s+)?([A-Za-z_]\w*)\b(?!\s+WITH\b|\s*:)/gim,
      ))
        names.add(m[1] as string);
      // a Siemens organization block is what the virtual PLC runs as an SCL project's program
      for (const m of text.matchAll(/^\s*ORGANIZATION_BLOCK\s+"?([A-Za-z_]\w*)"?/gim))
        names.add(m[1] as string);
    }
  }
  return [...names];
}

/** A variable the random inputs can set, with its elementary type. */
interface InputVar {
  name: string;
  type: string;
}

const RANDOM_TYPES = /^(BOOL|S?INT|D?INT|U?S?INT|UD?INT|LINT|ULINT|BYTE|WORD|DWORD|REAL|LREAL)$/i;

/** VAR_INPUT members and located inputs (`AT %I`) of `program`, and located inputs of global lists. */
function inputsOf(unit: Unit, program: string): InputVar[] {
  const out = new Map<string, InputVar>();
  const take = (text: string, pattern: RegExp) => {
    for (const m of text.matchAll(pattern)) {
      if (RANDOM_TYPES.test(m[2] as string))
        out.set(m[1] as string, { name: m[1] as string, type: m[2] as string });
    }
  };
  const located = /^\s*([A-Za-z_]\w*)\s+AT\s+%I\S*\s*:\s*([A-Za-z]+)\s*;/gim;
  for (const f of unit.files) {
    const text = readText(f);
    const start = text.search(
      new RegExp(`^\\s*PROGRAM\\s+(?:(?:INTERNAL|PUBLIC|PRIVATE)\\s+)?${program}\\b`, 'im'),
    );
    if (start >= 0) {
      const rest = text.slice(start);
      const body = rest.slice(0, rest.search(/END_PROGRAM/i) >>> 0);
      take(
        /VAR_INPUT\b([\s\S]*?)END_VAR/i.exec(body)?.[1] ?? '',
        /^\s*([A-Za-z_]\w*)\s*:\s*([A-Za-z]+)\s*[;:]/gm,
      );
      take(body, located);
    }
    for (const g of text.matchAll(/VAR_GLOBAL\b([\s\S]*?)END_VAR/gi)) take(g[1] as string, located);
  }
  return [...out.values()].slice(0, 24);
}

/** A PROGRAM's local (`VAR`) variable: the one the trivial migration renames. */
function localOf(unit: Unit, program: string): string | undefined {
  for (const f of unit.files) {
    const text = readText(f);
    const start = text.search(
      new RegExp(`^\\s*PROGRAM\\s+(?:(?:INTERNAL|PUBLIC|PRIVATE)\\s+)?${program}\\b`, 'im'),
    );
    if (start < 0) continue;
    const m = /^\s*VAR\s*$([\s\S]*?)END_VAR/im.exec(text.slice(start));
    const v = /^\s*([A-Za-z_]\w*)\s*:\s*(BOOL|INT|DINT|REAL|LREAL|TIME|WORD|UINT|UDINT)\s*(:=[^;]*)?;/im.exec(
      m?.[1] ?? '',
    );
    if (v) return v[1];
  }
  return undefined;
}

function randomValue(type: string, r: () => number): boolean | number {
  const t = type.toUpperCase();
  if (t === 'BOOL') return r() < 0.5;
  if (t === 'REAL' || t === 'LREAL') return Math.round((r() * 200 - 100) * 100) / 100;
  if (/^U|BYTE|WORD/.test(t)) return Math.floor(r() * 256);
  return Math.floor(r() * 200) - 100;
}

/** A `simulate --inputs` timeline: an object per scan, each input changing with probability 0.3. */
function timeline(inputs: InputVar[], scans: number, seed: number): Record<string, boolean | number>[] {
  // the toolchain's seeded generator: the same corpus gets the same inputs
  const prng = new Prng(seed);
  const r = () => prng.next();
  const out: Record<string, boolean | number>[] = [];
  for (let k = 0; k < scans; k++) {
    const step: Record<string, boolean | number> = {};
    for (const v of inputs) if (k === 0 || r() < 0.3) step[v.name] = randomValue(v.type, r);
    out.push(step);
  }
  return out;
}

// ---------------------------------------------------------------- running the CLI

interface RunResult {
  command: CommandName;
  unit: string;
  args: string[];
  exit: number | null;
  signal: string | null;
  ms: number;
  timedOut: boolean;
  stdout: string;
  stderr: string;
}

/** Classification of one run. */
interface Verdict {
  internal: boolean;
  crash: boolean;
  stackTrace: boolean;
  noise: string[];
  /** Why the result cannot be right, when it cannot. */
  wrong?: string;
}

const OUTPUT_CAP = 4 * 1024 * 1024;

function runCli(
  opts: Options,
  command: CommandName,
  unit: string,
  args: string[],
  cwd = repo,
): Promise<RunResult> {
  const entry = opts.bin
    ? [join(repo, 'edge-agent/bin/plcfleet-agent.js')]
    : ['--import', 'tsx', '--conditions=source', join(repo, 'edge-agent/src/cli.ts')];
  const nodeArgs = [`--max-old-space-size=${opts.heapMb}`, ...entry, ...args];
  const started = performance.now();
  return new Promise((done) => {
    const child = spawn(process.execPath, nodeArgs, {
      cwd,
      env: { ...process.env, NODE_OPTIONS: '', FORCE_COLOR: '0', NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => {
      if (stdout.length < OUTPUT_CAP) stdout += d.toString('utf8');
    });
    child.stderr.on('data', (d: Buffer) => {
      if (stderr.length < OUTPUT_CAP) stderr += d.toString('utf8');
    });
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, opts.timeoutMs);
    child.on('close', (exit, signal) => {
      clearTimeout(timer);
      done({ command, unit, args, exit, signal, ms: performance.now() - started, timedOut, stdout, stderr });
    });
  });
}

const STACK_LINE = /^\s+at (?:async )?\S.*(?:\(.*:\d+:\d+\)|:\d+:\d+)$/m;
/** Lines Node or a library writes by itself, whatever the command was asked. */
const NOISE_LINE =
  /^\(node:\d+\)|Warning:|^\s*\[?\d{2}:\d{2}:\d{2}|^\{"level":|^npm (?:WARN|notice)|Debugger/;

function classify(r: RunResult): Verdict {
  const stackTrace = STACK_LINE.test(r.stderr);
  const oom = /heap out of memory|Allocation failed/i.test(r.stderr);
  const crash = !r.timedOut && (r.signal !== null || oom || (r.exit !== null && r.exit >= 128));
  const internal =
    r.exit === 70 || stackTrace || /\binternal (?:error|fault)|^\S*:? ?internal:/im.test(r.stderr);
  const lines = r.stderr.split('\n').filter((l) => l.trim() !== '');
  // With --json and exit 0 the command had nothing to say on stderr; elsewhere only
  // lines no command writes (Node warnings, stray logger lines) count.
  const quietExpected = r.exit === 0 && r.args.includes('--json');
  const noise = lines.filter((l) => quietExpected || NOISE_LINE.test(l)).slice(0, 3);
  return { internal, crash, stackTrace, noise };
}

// ---------------------------------------------------------------- the checks

interface Record_ {
  run: RunResult;
  verdict: Verdict;
}

function record(all: Record_[], run: RunResult, wrong?: string): Record_ {
  const verdict = classify(run);
  if (wrong !== undefined) verdict.wrong = wrong;
  const rec = { run, verdict };
  all.push(rec);
  return rec;
}

function libs(opts: Options): string[] {
  return opts.libraries === undefined ? [] : ['--libraries', opts.libraries];
}

function jsonOk(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

const FMT_WRITABLE = new Set(['.st', '.scl', '.db', '.udt', '.l5x']);

async function checkUnit(
  opts: Options,
  unit: Unit,
  root: string,
  all: Record_[],
  work: string,
): Promise<void> {
  const label = relative(root, unit.path) || basename(unit.path);
  const on = (c: CommandName) => opts.only === undefined || opts.only.has(c);
  let compiles = false;

  if (on('compile') || on('migrate') || on('simulate') || on('equiv')) {
    const run = await runCli(opts, 'compile', label, ['compile', '--json', unit.path, ...libs(opts)]);
    let wrong: string | undefined;
    if (run.exit === 0 || run.exit === 1) {
      if (!jsonOk(run.stdout)) wrong = 'compile --json printed no JSON object';
      else compiles = (JSON.parse(run.stdout) as { errors?: number }).errors === 0 && run.exit === 0;
    }
    if (on('compile')) record(all, run, wrong);
  }

  if (on('fmt') || on('fmt-idempotent')) {
    for (const file of unit.files.slice(0, opts.maxFiles)) {
      const flabel = relative(root, file);
      if (on('fmt')) record(all, await runCli(opts, 'fmt', flabel, ['fmt', '--check', file]));
      if (on('fmt-idempotent')) await fmtTwice(opts, file, flabel, all, work);
    }
  }

  const programs = programsOf(unit).slice(0, opts.maxPrograms);
  if (compiles && on('simulate')) {
    for (const [i, program] of programs.entries()) {
      const inputs = inputsOf(unit, program);
      const args = [
        'simulate',
        unit.path,
        '--program',
        program,
        '--scans',
        String(opts.scans),
        '--final',
        ...libs(opts),
      ];
      if (inputs.length > 0) {
        const file = join(work, `inputs-${i}.json`);
        writeFileSync(file, JSON.stringify(timeline(inputs, opts.scans, i + 1)));
        args.push('--inputs', file);
      }
      const run = await runCli(opts, 'simulate', `${label} ${program}`, args);
      const wrong =
        run.exit === 0 && !jsonOk(run.stdout.trim().split('\n').at(-1) ?? '')
          ? 'no JSON scan line'
          : undefined;
      record(all, run, wrong);
    }
  }
  if (compiles && on('equiv')) {
    for (const program of programs) {
      const args = [
        'equiv',
        '--before',
        unit.path,
        '--after',
        unit.path,
        '--program',
        program,
        ...libs(opts),
      ];
      const run = await runCli(opts, 'equiv', `${label} ${program}`, [
        ...args,
        '--runs',
        '5',
        '--scans',
        '50',
        '--json',
      ]);
      record(all, run, run.exit === 1 ? 'a program is not equivalent to itself' : undefined);
    }
  }

  const policy = join(work, 'policy.yaml');
  writeFileSync(policy, 'apiVersion: plcfleet/v1\nkind: SitePolicy\nsite: corpus\n');
  if (on('safety')) {
    const run = await runCli(opts, 'safety', label, [
      'safety',
      '--before',
      unit.path,
      '--after',
      unit.path,
      '--policy',
      policy,
      '--json',
    ]);
    // A program that does not compile fails closed; only a compiling one must pass unchanged.
    record(all, run, run.exit === 1 && compiles ? 'an unchanged program fails the safety check' : undefined);
  }

  if (compiles && on('migrate')) {
    const program = programs.find((p) => localOf(unit, p) !== undefined);
    const local = program === undefined ? undefined : localOf(unit, program);
    if (program !== undefined && local !== undefined)
      await migrateOnce(opts, unit, label, program, local, all, work);
  }
}

/** fmt's output, formatted again, is the same text (for .st/.scl/.L5X: `fmt --write` twice). */
async function fmtTwice(
  opts: Options,
  file: string,
  label: string,
  all: Record_[],
  work: string,
): Promise<void> {
  const ext = extname(file).toLowerCase();
  if (FMT_WRITABLE.has(ext)) {
    const copy = join(work, `fmt-copy${extname(file)}`);
    cpSync(file, copy);
    const first = await runCli(opts, 'fmt-idempotent', label, ['fmt', '--write', copy]);
    if (first.exit !== 0) return void record(all, first);
    const once = readFileSync(copy, 'utf8');
    const second = await runCli(opts, 'fmt-idempotent', label, ['fmt', '--write', copy]);
    const twice = second.exit === 0 ? readFileSync(copy, 'utf8') : once;
    record(
      all,
      second,
      once === twice ? undefined : `fmt --write is not idempotent (${firstDiff(once, twice)})`,
    );
    return;
  }
  const first = await runCli(opts, 'fmt-idempotent', label, ['fmt', file]);
  if (first.exit !== 0) return void record(all, first);
  const printed = join(work, 'fmt-printed.st');
  writeFileSync(printed, first.stdout);
  const second = await runCli(opts, 'fmt-idempotent', label, ['fmt', printed]);
  const wrong =
    second.exit === 0 && second.stdout !== first.stdout
      ? `fmt of fmt's output differs (${firstDiff(first.stdout, second.stdout)})`
      : second.exit !== 0
        ? `fmt's own output does not read back (exit ${second.exit}: ${firstLine(second.stderr)})`
        : undefined;
  record(all, second, wrong);
}

function firstDiff(a: string, b: string): string {
  const la = a.split('\n');
  const lb = b.split('\n');
  for (let i = 0; i < Math.max(la.length, lb.length); i++) {
    if (la[i] !== lb[i])
      return `line ${i + 1}: ${JSON.stringify(la[i] ?? '')} vs ${JSON.stringify(lb[i] ?? '')}`;
  }
  return 'same lines';
}

function firstLine(text: string): string {
  return text.split('\n').find((l) => l.trim() !== '') ?? '';
}

/** A tag-change renaming one local variable of a PROGRAM: behaviour unchanged, so the verdict must pass. */
async function migrateOnce(
  opts: Options,
  unit: Unit,
  label: string,
  program: string,
  local: string,
  all: Record_[],
  work: string,
): Promise<void> {
  const project = join(work, 'project');
  rmSync(project, { recursive: true, force: true });
  if (statSync(unit.path).isDirectory()) cpSync(unit.path, project, { recursive: true });
  else cpSync(unit.path, join(project, basename(unit.path)), { recursive: true });
  const migration = join(work, 'migration.yaml');
  writeFileSync(
    migration,
    [
      'apiVersion: plcfleet/v1',
      'kind: Migration',
      'id: corpus-rename',
      'revision: 1',
      'title: Rename one local variable',
      'type: tag-change',
      'safetyClass: non-safety',
      'goal: Rename one local variable; behaviour unchanged.',
      'tagChanges:',
      `  - from: ${program}.${local}`,
      `    to: ${local}_renamed`,
      'scope:',
      '  files: ["**/*.st", "**/*.TcPOU", "**/*.TcGVL", "**/*.TcDUT", "**/*.xml", "**/*.L5X", "**/*.scl", "**/*.db", "**/*.udt"]',
      '  maxChangedLines: 100000',
      '',
    ].join('\n'),
  );
  const out = join(work, 'job');
  rmSync(out, { recursive: true, force: true });
  const run = await runCli(opts, 'migrate', `${label} ${program}.${local}`, [
    'migrate',
    '--migration',
    migration,
    '--project',
    project,
    '--policy',
    join(work, 'policy.yaml'),
    '--out',
    out,
    '--json',
  ]);
  let wrong: string | undefined;
  if (run.exit !== 0) {
    const verdict = jsonOk(run.stdout)
      ? (JSON.parse(run.stdout) as { outcome?: string; reason?: string })
      : undefined;
    wrong = `renaming a local variable did not pass: ${verdict?.outcome ?? 'no verdict'}: ${verdict?.reason ?? firstLine(run.stderr)}`;
  }
  record(all, run, wrong);
}

// ---------------------------------------------------------------- the report

interface Tally {
  runs: number;
  exits: Record<string, number>;
  internal: number;
  timeouts: number;
  crashes: number;
  stackTraces: number;
  noise: number;
  wrong: number;
  msMedian: number;
  msMax: number;
}

function tally(all: Record_[]): Record<string, Tally> {
  const out: Record<string, Tally> = {};
  for (const c of COMMANDS) {
    const recs = all.filter((r) => r.run.command === c);
    if (recs.length === 0) continue;
    const ms = recs.map((r) => r.run.ms).sort((a, b) => a - b);
    const exits: Record<string, number> = {};
    for (const r of recs) {
      const key = r.run.timedOut ? 'timeout' : r.run.signal ? r.run.signal : String(r.run.exit);
      exits[key] = (exits[key] ?? 0) + 1;
    }
    out[c] = {
      runs: recs.length,
      exits,
      internal: recs.filter((r) => r.verdict.internal).length,
      timeouts: recs.filter((r) => r.run.timedOut).length,
      crashes: recs.filter((r) => r.verdict.crash).length,
      stackTraces: recs.filter((r) => r.verdict.stackTrace).length,
      noise: recs.filter((r) => r.verdict.noise.length > 0).length,
      wrong: recs.filter((r) => r.verdict.wrong !== undefined).length,
      msMedian: Math.round(ms[Math.floor(ms.length / 2)] ?? 0),
      msMax: Math.round(ms.at(-1) ?? 0),
    };
  }
  return out;
}

interface Problem {
  command: CommandName;
  unit: string;
  args: string[];
  exit: number | null;
  what: string;
  stderr: string;
}

function problems(all: Record_[]): Problem[] {
  const out: Problem[] = [];
  for (const { run, verdict } of all) {
    const what = [
      run.timedOut ? 'timeout' : '',
      verdict.crash ? 'crash' : '',
      verdict.internal ? 'internal error' : '',
      verdict.stackTrace ? 'stack trace' : '',
      verdict.noise.length > 0 ? `stderr noise: ${verdict.noise[0]}` : '',
      verdict.wrong ?? '',
    ]
      .filter(Boolean)
      .join('; ');
    if (what === '') continue;
    out.push({
      command: run.command,
      unit: run.unit,
      args: run.args,
      exit: run.exit,
      what,
      stderr: run.stderr.slice(0, 600),
    });
  }
  return out;
}

/**
 * Why runs did not exit 0, per command, most frequent first: the first stderr line with
 * paths and names blurred, or the diagnostic codes of a compile that found errors.
 */
function reasons(all: Record_[]): Record<string, [string, number][]> {
  const out: Record<string, Map<string, number>> = {};
  const add = (c: string, why: string) => {
    const m = (out[c] ??= new Map());
    m.set(why, (m.get(why) ?? 0) + 1);
  };
  for (const { run } of all) {
    if (run.exit === 0) continue;
    if (run.command === 'compile' && run.exit === 1 && jsonOk(run.stdout)) {
      const d = JSON.parse(run.stdout) as { diagnostics?: { code?: string; severity?: string }[] };
      const codes = new Set((d.diagnostics ?? []).filter((x) => x.severity === 'error').map((x) => x.code));
      for (const code of codes) add(run.command, `exit 1: ${code}`);
      continue;
    }
    const finding = run.command === 'safety' && jsonOk(run.stdout) ? safetyReason(run.stdout) : undefined;
    // fmt --check says "not formatted" on stdout; blur the whole line before cutting it
    const line = finding ?? (firstLine(run.stderr) || firstLine(run.stdout));
    const blurred = line
      .replace(/\/[^:'"]+?(?=: |:\d|$)/g, 'PATH')
      .replace(/'[^']*'/g, "'X'")
      .replace(/\d+/g, 'N')
      .slice(0, 140);
    add(run.command, `exit ${run.timedOut ? 'timeout' : run.exit}: ${blurred}`);
  }
  return Object.fromEntries(
    Object.entries(out).map(([c, m]) => [c, [...m.entries()].sort((a, b) => b[1] - a[1]).slice(0, 12)]),
  );
}

/** A failed safety check's first finding: its rule and message. */
function safetyReason(stdout: string): string | undefined {
  const r = JSON.parse(stdout) as { findings?: { rule?: string; message?: string }[] };
  const f = r.findings?.[0];
  return f ? `${f.rule}: ${f.message}` : undefined;
}

function table(t: Record<string, Tally>): string {
  const head = [
    'command',
    'runs',
    'exit codes',
    'internal',
    'timeout',
    'crash',
    'stack',
    'noise',
    'wrong',
    'ms med',
    'ms max',
  ];
  const rows = Object.entries(t).map(([c, x]) => [
    c,
    String(x.runs),
    Object.entries(x.exits)
      .sort()
      .map(([k, v]) => `${k}:${v}`)
      .join(' '),
    String(x.internal),
    String(x.timeouts),
    String(x.crashes),
    String(x.stackTraces),
    String(x.noise),
    String(x.wrong),
    String(x.msMedian),
    String(x.msMax),
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] as string).length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i] as number)).join(' | ')} |`;
  return [line(head), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

async function main(): Promise<void> {
  const opts = parseOptions(process.argv.slice(2));
  const all: Record_[] = [];
  const units: { unit: Unit; root: string }[] = [];
  for (const root of opts.dirs)
    for (const unit of spread(discover(root, opts.perFile), opts.maxUnits)) units.push({ unit, root });
  const chosen = units;
  const byKind: Record<string, number> = {};
  for (const { unit } of chosen) byKind[unit.kind] = (byKind[unit.kind] ?? 0) + 1;
  const started = performance.now();
  for (const [i, { unit, root }] of chosen.entries()) {
    const work = mkdtempSync(join(tmpdir(), 'cli-corpus-'));
    try {
      process.stderr.write(
        `[${i + 1}/${chosen.length}] ${unit.kind} ${relative(dirname(root), unit.path)}\n`,
      );
      await checkUnit(opts, unit, dirname(root), all, work);
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  }
  const t = tally(all);
  const found = problems(all);
  const seconds = Math.round((performance.now() - started) / 1000);
  if (opts.json) {
    process.stdout.write(
      `${JSON.stringify(
        {
          units: chosen.length,
          byKind,
          seconds,
          commands: t,
          reasons: reasons(all),
          problems: found,
          // every run that did not exit 0, for triage
          failures: all
            .filter((r) => r.run.exit !== 0)
            .map((r) => ({
              command: r.run.command,
              unit: r.run.unit,
              exit: r.run.exit,
              stderr: firstLine(r.run.stderr),
            })),
        },
        null,
        1,
      )}\n`,
    );
  } else {
    const kinds = Object.entries(byKind)
      .map(([k, v]) => `${v} ${k}`)
      .join(', ');
    process.stdout.write(
      `${chosen.length} units (${kinds}), ${all.length} runs, ${seconds} s\n\n${table(t)}\n`,
    );
    if (found.length > 0) process.stdout.write(`\n${found.length} problem(s):\n`);
    for (const p of found) process.stdout.write(`- ${p.command} ${p.unit} (exit ${p.exit}): ${p.what}\n`);
  }
  const bad = all.some(
    (r) => r.run.timedOut || r.verdict.crash || r.verdict.internal || r.verdict.wrong !== undefined,
  );
  process.exitCode = bad ? 1 : 0;
}

await main();
