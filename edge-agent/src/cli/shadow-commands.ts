/**
 * `plcfleet-agent shadow --program PATH --tags TAGMAP (--plc-opcua ENDPOINT | --plc-modbus HOST:PORT)
 * [--program-name NAME] [--seconds N] [--ignore TAG,...] [--tolerance TAG=VALUE,...] [--json]`
 * (and `--cycle-ms`, `--poll-ms`, `--latency-ms`, `--comm-loss-ms`, `--timeout-ms`, OPC UA security,
 * `--opcua-mode subscription|poll`):
 * runs a candidate program in shadow of the running PLC (docs/shadow.md). Exit 0 no
 * divergence, 1 divergences, 2 usage or nothing compared (ADR 0125), 5 the PLC unreachable or
 * lost during the run, 8 a fault of the candidate.
 */
import { statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { EXIT } from '@plcfleet/protocols';
import type { Command } from 'commander';
import type { OpcuaClientOptions } from '../plant-io';
import type { ShadowReport } from '../shadow';
import { routeNodeOpcuaLogsToStderr } from './node-opcua-logs';
import { loadProjectWith, type ProjectOptions, projectFlags } from './sim-commands';

/** Arguments of `shadow`. */
export interface ShadowArgs extends ProjectOptions {
  program: string;
  tags: string;
  plcOpcua?: string;
  plcModbus?: string;
  /** PROGRAM or CONFIGURATION to run (default: the only one). */
  programName?: string;
  /** How long to shadow. @default 60 */
  seconds?: string;
  /** Tags not compared, comma-separated. */
  ignore?: string;
  /** `TAG=VALUE,...`: allowed |live − shadow| per tag. */
  tolerance?: string;
  json?: boolean;
  /** The PLC's scan cycle, ms. @default 10 */
  cycleMs?: string;
  /** Time between polls, ms. @default the cycle */
  pollMs?: string;
  /** How much older than their inputs the live outputs may be, ms. @default 2 × max(poll, cycle) */
  latencyMs?: string;
  /** A poll not answered within this is a comm loss, ms. @default two polls after three times the PLC's slowest answer of the last 30 s */
  commLossMs?: string;
  /** Modbus or OPC UA request timeout, ms. @default 1000 */
  timeoutMs?: string;
  /**
   * OPC UA: follow the tags by subscription (a comparison every PLC cycle when the server grants
   * the publishing interval asked) or poll them with Reads (a comparison every poll).
   * @default 'subscription'
   */
  opcuaMode?: string;
  /** OPC UA message security. @default 'sign-and-encrypt' */
  security?: string;
  insecure?: boolean;
  user?: string;
  /** @default PLC_OPCUA_PASSWORD */
  passwordEnv?: string;
  dataDir?: string;
  trustUnknownServer?: boolean;
}

/** Where the command writes (injected by tests). */
export interface ShadowIo {
  out(line: string): void;
  err(line: string): void;
}

const SECURITY = ['none', 'sign', 'sign-and-encrypt'] as const;

function positive(text: string | undefined, fallback: number, flag: string): number | string {
  if (text === undefined) return fallback;
  const n = Number(text);
  return Number.isFinite(n) && n > 0 ? n : `${flag} must be a positive number, not "${text}"`;
}

function opcuaOptions(
  args: ShadowArgs,
  env: Record<string, string | undefined>,
  timeoutMs: number,
): OpcuaClientOptions | string {
  const security = (args.security ?? 'sign-and-encrypt') as (typeof SECURITY)[number];
  if (!SECURITY.includes(security))
    return `--security must be none, sign or sign-and-encrypt, not "${security}"`;
  if (security === 'none' && !args.insecure)
    return '--security none sends the live values in the clear; add --insecure for a simulator';
  let user: { name: string; password: string } | undefined;
  if (args.user) {
    const name = args.passwordEnv ?? 'PLC_OPCUA_PASSWORD';
    const password = env[name];
    if (password === undefined) return `--user ${args.user} needs the password in $${name}`;
    user = { name: args.user, password };
  }
  return {
    security,
    dataDir: args.dataDir ?? join('.plcfleet', 'shadow', 'opcua-pki'),
    trustUnknownServer: args.trustUnknownServer === true,
    timeoutMs,
    ...(user ? { user } : {}),
  };
}

/** How long the end of a run waits for the PLC link to close before it reports anyway. */
const CLOSE_WAIT_MS = 2000;

/**
 * Closes the link to the PLC, waiting at most `ms`: closing a session or a connection with a
 * PLC that stopped answering waits for the stack's own timeouts, and the report must not.
 */
async function closeWithin(live: { close(): Promise<void> }, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    live.close().catch(() => {}),
    new Promise<void>((done) => {
      timer = setTimeout(done, ms);
    }),
  ]);
  clearTimeout(timer);
}

/**
 * How the PLC was read and how often it was compared, for people. By subscription "every PLC
 * cycle" only when the comparisons kept up with the cycle (90 % of its rate or more): a server
 * that granted a slower publishing or sampling interval than asked gives fewer, said instead.
 */
function rate(r: ShadowReport): string {
  const everyCycle = r.comparisonsPerSecond >= (0.9 * 1000) / r.cycleMs;
  const pace = everyCycle ? 'a comparison every PLC cycle' : 'fewer comparisons than PLC cycles';
  return r.subscription
    ? `by subscription, ${pace}: ${r.comparisonsPerSecond} a second (PLC cycle ${r.cycleMs} ms, publishing ${r.subscription.publishingMs} ms granted, keep-alive ${r.subscription.keepAliveMs} ms, a message every ${r.pollMs.mean} ms mean)`
    : `by polls, a comparison every poll: ${r.comparisonsPerSecond} a second (poll ${r.pollMs.mean} ms mean, PLC cycle ${r.cycleMs} ms)`;
}

/** The report in a few lines for people. */
function describe(r: ShadowReport): string[] {
  const lines = [
    `shadow: ${r.seconds} s, ${r.samples} samples (${r.compared} compared, latency allowance ${r.latencyMs} ms), ${r.tags.inputs} inputs, ${r.tags.outputs} outputs; read ${rate(r)}`,
  ];
  if (r.divergences.length === 0) lines.push('no divergence');
  for (const d of r.divergences)
    lines.push(
      `DIVERGES ${d.tag}: ${d.count} sample(s), first at ${d.first}: live ${JSON.stringify(d.live)}, shadow ${JSON.stringify(d.shadow)}`,
    );
  if (r.commLoss)
    lines.push(
      `COMM LOSS: ${r.commLoss.count} failed poll(s) from ${r.commLoss.first} to ${r.commLoss.last}: ${r.commLoss.error}` +
        (r.late ? ` (${r.late} late answer(s) dropped)` : ''),
    );
  if (r.shortCommLosses?.count)
    lines.push(
      `short comm loss(es): ${r.shortCommLosses.count}, the longest ${r.shortCommLosses.longestMs} ms (answers overdue, then resumed; their samples not judged)`,
    );
  if (r.fault) lines.push(`candidate stopped on a fault: ${r.fault}`);
  const c = r.coverage;
  const of = (x: { total: number; taken: number } | null) => (x ? `${x.taken}/${x.total}` : 'not measured');
  lines.push(
    `coverage: inputs ${c.inputs.varied}/${c.inputs.total} varied, BOOL outputs ${c.boolOutputs.toggled}/${c.boolOutputs.total} toggled, timers ${c.timers.completed}/${c.timers.total} completed, branches ${of(c.branches)} taken, CASE arms ${of(c.caseArms)} taken`,
  );
  // the first 20 for people; --json has them all
  const notTaken = [...(c.branches?.notTaken ?? []), ...(c.caseArms?.notTaken ?? [])];
  for (const n of notTaken.slice(0, 20)) lines.push(`  not taken: ${n}`);
  if (notTaken.length > 20) lines.push(`  … and ${notTaken.length - 20} more not taken (--json lists them)`);
  if (r.tags.unbound.length) lines.push(`tags the candidate does not have: ${r.tags.unbound.join(', ')}`);
  return lines;
}

/**
 * What the run left unjudged, for people (ADR 0148): the share of the samples that is evidence,
 * and above all the disagreements it could not confirm — not clean time. Undefined when every
 * sample but the seed was judged.
 */
export function unjudgedLine(r: Pick<ShadowReport, 'samples' | 'compared' | 'unjudged'>): string | undefined {
  const u = r.unjudged;
  if (u.samples - u.why.seed <= 0 && u.disagreed === 0) return undefined;
  const why = Object.entries(u.why)
    .filter(([, n]) => n > 0)
    .map(([k, n]) => `${k} ${n}`)
    .join(', ');
  return (
    `${u.samples} of ${r.samples} sample(s) not judged (${why})` +
    (u.disagreed > 0 ? `; ${u.disagreed} of them disagreed — unconfirmed, not clean` : '')
  );
}

/**
 * The `--json` line of a run that could not start (the PLC did not answer): the summary's
 * fields with nothing run, and `error` (an optional addition: a finished run has none).
 */
function unreached(
  binding: { tags: { role: string; ignored: boolean; tag: { name: string } }[]; unbound: string[] },
  subscription: boolean,
  error: string,
  t: { cycleMs: number; pollMs: number; latencyMs: number },
): ShadowReport & { error: string } {
  const role = (r: string) => binding.tags.filter((b) => b.role === r && !b.ignored).length;
  return {
    seconds: 0,
    samples: 0,
    compared: 0,
    divergences: [],
    coverage: {
      // nothing ran: nothing measured
      inputs: { total: 0, varied: 0, unvaried: [] },
      boolOutputs: { total: 0, toggled: 0, untoggled: [] },
      timers: { total: 0, completed: 0, notCompleted: [] },
      branches: null,
      caseArms: null,
    },
    commLoss: null,
    mode: subscription ? 'subscription' : 'poll',
    comparisonsPerSecond: 0,
    cycleMs: t.cycleMs,
    pollMs: { target: t.pollMs, mean: 0, max: 0 },
    subscription: null,
    latencyMs: t.latencyMs,
    commLossMs: { least: 0, longest: 0 },
    late: 0,
    scans: 0,
    tags: {
      inputs: role('input'),
      outputs: role('output'),
      state: role('state'),
      ignored: binding.tags.filter((b) => b.ignored).map((b) => b.tag.name),
      unbound: binding.unbound,
    },
    unjudged: {
      samples: 0,
      disagreed: 0,
      why: { seed: 0, late: 0, torn: 0, settling: 0, commLoss: 0, overflow: 0, burst: 0, end: 0 },
    },
    fault: null,
    cpuShare: 0,
    error,
  };
}

/** Runs `shadow`; returns the exit code. */
export async function runShadowCommand(
  args: ShadowArgs,
  io: ShadowIo,
  env: Record<string, string | undefined>,
  signal?: AbortSignal,
): Promise<number> {
  const say = (line: string) => io.err(`plcfleet-agent shadow: ${line}`);
  const usage = (line: string) => {
    say(line);
    return EXIT.USAGE;
  };
  if (!args.plcOpcua === !args.plcModbus)
    return usage('give one of --plc-opcua ENDPOINT or --plc-modbus HOST:PORT');
  const seconds = positive(args.seconds, 60, '--seconds');
  const cycleMs = positive(args.cycleMs, 10, '--cycle-ms');
  const timeoutMs = positive(args.timeoutMs, 1000, '--timeout-ms');
  for (const v of [seconds, cycleMs, timeoutMs]) if (typeof v === 'string') return usage(v);
  const pollMs = positive(args.pollMs, cycleMs as number, '--poll-ms');
  if (typeof pollMs === 'string') return usage(pollMs);
  const latencyMs = positive(args.latencyMs, 2 * Math.max(pollMs, cycleMs as number), '--latency-ms');
  if (typeof latencyMs === 'string') return usage(latencyMs);
  const commLossMs = positive(args.commLossMs, 0, '--comm-loss-ms');
  if (typeof commLossMs === 'string') return usage(commLossMs);
  let modbus: { host: string; port: number } | undefined;
  if (args.plcModbus) {
    const m = /^(.+):(\d{1,5})$/.exec(args.plcModbus);
    if (!m || Number(m[2]) > 65535) return usage(`--plc-modbus must be HOST:PORT, not "${args.plcModbus}"`);
    modbus = { host: m[1]!, port: Number(m[2]) };
  }
  const opcua = args.plcOpcua ? opcuaOptions(args, env, timeoutMs as number) : undefined;
  if (typeof opcua === 'string') return usage(opcua);
  const opcuaMode = args.opcuaMode ?? 'subscription';
  if (opcuaMode !== 'subscription' && opcuaMode !== 'poll')
    return usage(`--opcua-mode must be subscription or poll, not "${opcuaMode}"`);
  if (args.opcuaMode !== undefined && !args.plcOpcua) return usage('--opcua-mode goes with --plc-opcua');

  // plant-io loads node-opcua, which warns on console.log while it loads: stdout carries --json.
  const log = console.log;
  console.log = console.error;
  let plantIo: typeof import('../plant-io');
  let shadow: typeof import('../shadow');
  try {
    [plantIo, shadow] = await Promise.all([import('../plant-io'), import('../shadow')]);
    await routeNodeOpcuaLogsToStderr();
  } finally {
    console.log = log;
  }
  let map: Awaited<ReturnType<typeof plantIo.loadTagMap>>;
  let candidate: ReturnType<typeof shadow.compileInstrumented>;
  let binding: ReturnType<typeof shadow.bindTags>;
  try {
    map = await plantIo.loadTagMap(args.tags);
    // every format the front end reads, with the site's libraries, behaviour models and define set
    const project = await loadProjectWith([args.program], args);
    candidate = shadow.compileInstrumentedProject(project, {
      cycleMs: cycleMs as number,
      ...(args.programName ? { program: args.programName } : {}),
      root: statSync(args.program).isDirectory() ? args.program : dirname(args.program),
    });
    binding = shadow.bindTags(map, candidate.plc, {
      ignore: args.ignore
        ? args.ignore
            .split(',')
            .map((s) => s.trim())
            .filter(Boolean)
        : [],
      tolerance: shadow.parseTolerances(args.tolerance),
    });
  } catch (err) {
    return usage((err as Error).message);
  }
  if (!binding.tags.some((b) => b.role === 'output' && !b.ignored))
    return usage(
      'no tag of the map is an output of the candidate (VAR_OUTPUT, %Q or a global): nothing to compare',
    );
  const bound = binding.tags.map((b) => b.tag);
  const live = modbus
    ? new shadow.ModbusLivePlc(map, bound, modbus.host, modbus.port, timeoutMs as number)
    : opcuaMode === 'poll'
      ? new shadow.OpcuaLivePlc(args.plcOpcua!, bound, opcua!)
      : new shadow.OpcuaLiveFeed(args.plcOpcua!, bound, opcua!, { publishingMs: pollMs as number });
  let report: ShadowReport;
  try {
    report = await shadow.runShadow({
      plc: candidate.plc,
      branches: candidate.coverage,
      live,
      tags: binding.tags,
      unbound: binding.unbound,
      durationMs: (seconds as number) * 1000,
      cycleMs: cycleMs as number,
      pollMs: pollMs as number,
      latencyMs,
      ...(commLossMs ? { commLossMs } : {}),
      ...(signal ? { signal } : {}),
      onProgress: (line) => io.err(line),
      onCommChange: (lost, error) =>
        say(
          lost
            ? `comm loss with ${live.where}: ${error}`
            : `${live.where} answers again; state set again from it`,
        ),
    });
  } catch (err) {
    if (err instanceof shadow.ShadowUnreachable) {
      const error = `PLC unreachable: ${err.message}`;
      say(error);
      // a machine caller gets its one line too: the summary's fields, nothing run, and why (F6)
      if (args.json)
        io.out(
          JSON.stringify(
            unreached(binding, 'kind' in live && live.kind === 'subscription', error, {
              cycleMs: cycleMs as number,
              pollMs: pollMs as number,
              latencyMs,
            }),
          ),
        );
      return EXIT.UNREACHABLE;
    }
    throw err;
  } finally {
    await closeWithin(live, CLOSE_WAIT_MS);
  }
  say(`read ${rate(report)}`);
  const left = unjudgedLine(report);
  if (left) say(left);
  const empty =
    report.divergences.length === 0 && !report.commLoss && !report.fault && report.compared === 0
      ? shadow.nothingCompared(report)
      : undefined;
  if (args.json) io.out(JSON.stringify(empty ? { ...report, error: empty } : report));
  else for (const l of describe(report)) io.out(l);
  if (report.divergences.length > 0) return EXIT.FAILED;
  if (report.commLoss) return EXIT.UNREACHABLE;
  if (report.fault) return EXIT.FAULT;
  // Shadow is evidence: a run that judged no sample proved nothing (fail closed, ADR 0125).
  if (empty) {
    say(empty);
    return EXIT.USAGE;
  }
  return EXIT.OK;
}

/** Registers `shadow`. */
export function registerShadowCommands(program: Command): void {
  projectFlags(program.command('shadow'))
    .description(
      "run a candidate program on the running PLC's live inputs and compare its outputs (exit 0 same, 1 divergent, 2 usage or nothing compared, 5 PLC unreachable)",
    )
    .requiredOption('--program <path>', 'candidate program: a file or folder the compiler reads')
    .requiredOption('--tags <file>', 'tag map of the running PLC (YAML or JSON)')
    .option('--plc-opcua <endpoint>', "the PLC's OPC UA endpoint (opc.tcp://host:port)")
    .option('--plc-modbus <host:port>', "the PLC's Modbus TCP address")
    .option(
      '--program-name <name>',
      'PROGRAM or CONFIGURATION of the candidate to run (default: the only one)',
    )
    .option('--seconds <n>', 'how long to shadow', '60')
    .option('--ignore <tags>', 'tags not compared, comma-separated')
    .option('--tolerance <list>', 'allowed |live - shadow| per tag: TAG=VALUE,...')
    .option('--json', 'print the summary as JSON')
    .option('--cycle-ms <n>', "the PLC's scan cycle in ms (virtual time per candidate scan)", '10')
    .option('--poll-ms <n>', 'time between polls in ms (default: the cycle)')
    .option(
      '--latency-ms <n>',
      "how much later than its inputs the live PLC's outputs may show, ms (default: two polls or cycles, the longer)",
    )
    .option(
      '--comm-loss-ms <n>',
      "a poll not answered within this is a comm loss at once, its late answer dropped (default: two polls after three times the PLC's slowest answer of the last 30 s)",
    )
    .option('--timeout-ms <n>', 'Modbus or OPC UA request timeout', '1000')
    .option(
      '--opcua-mode <mode>',
      'OPC UA: subscription (the default: a comparison every PLC cycle; --poll-ms is how soon a live scan is heard of, the publishing interval asked is half of it) or poll (a Read every --poll-ms)',
    )
    .option('--security <mode>', 'OPC UA: none | sign | sign-and-encrypt', 'sign-and-encrypt')
    .option('--insecure', 'OPC UA: accept --security none')
    .option('--user <name>', 'OPC UA user (password from --password-env)')
    .option('--password-env <var>', 'environment variable holding the OPC UA password', 'PLC_OPCUA_PASSWORD')
    .option('--data-dir <dir>', 'OPC UA client PKI folder', join('.plcfleet', 'shadow', 'opcua-pki'))
    .option('--trust-unknown-server', 'OPC UA: trust an unknown PLC certificate on first use')
    .action(async (opts: ShadowArgs) => {
      const stop = new AbortController();
      const onSigint = () => stop.abort();
      process.once('SIGINT', onSigint);
      let code: number;
      try {
        code = await runShadowCommand(
          opts,
          { out: (l) => process.stdout.write(`${l}\n`), err: (l) => process.stderr.write(`${l}\n`) },
          process.env,
          stop.signal,
        );
      } finally {
        process.off('SIGINT', onSigint);
      }
      // The report is out: end now, with its code. A PLC that froze can leave a socket or a
      // request of the protocol stack open for minutes, and the shell must get the exit code.
      await new Promise<void>((flushed) => process.stdout.write('', () => flushed()));
      process.exit(code);
    });
}
