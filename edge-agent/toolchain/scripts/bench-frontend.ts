/**
 * The front end side by side with STruC++ (Autonomy-Logic/STruCpp, a TypeScript ST compiler)
 * on the same files in one run (issue 23). A script, not a test. Run:
 *
 *   npx tsx edge-agent/toolchain/scripts/bench-frontend.ts --strucpp /tmp/strucpp-ref \
 *       --corpus "OSCAT=/tmp/oscat/oscat.st" --corpus-each "OSCAT as plain ST=/tmp/bench/oscat-st" [--rounds 5]
 *
 * STruC++ is never part of the repository and nothing here builds or installs it: `--strucpp`
 * names a copy made by hand under /tmp whose `src/index.ts` imports (its one dependency,
 * chevrotain, installed there). Only `.st` files are measured (STruC++ reads no vendor XML).
 *
 * Per corpus and per side: parse (text to AST) and parse + check (ours: `checkProject` of all
 * files as one project, or with `--corpus-each` of each file as a project of its own; STruC++:
 * `analyze` per file, its parse + semantic analysis), the
 * best of `--rounds` rounds after one warm-up round, per CPU second of this process, and how
 * many files each read without an error. `--corpus-each` is for a folder of separate programs
 * (OSCAT as plain ST: 22 generated programs that each declare the same library, so as one
 * project they are 228 duplicate names, error work STruC++'s per-file `analyze` never does).
 */
import { readFileSync, statSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { type CompilationUnit, checkProject, collectSourceFiles, countLines, parseSource } from '../src/iec';

interface Strucpp {
  parse(source: string): { errors: unknown[] };
  analyze(source: string): { errors: unknown[] };
}

interface Side {
  parse: (files: { file: string; text: string }[]) => number;
  /** `each`: every file is a project of its own. */
  check: (files: { file: string; text: string }[], each: boolean) => number;
}

function usage(message: string): never {
  process.stderr.write(
    `bench-frontend: ${message}\n` +
      'usage: bench-frontend.ts --strucpp DIR --corpus LABEL=PATH [--corpus ...] [--corpus-each LABEL=PATH ...] [--rounds N]\n' +
      '  DIR is a copy of STruC++ made by hand outside the repository, with chevrotain installed in it.\n' +
      '  --corpus-each: each file of PATH is checked as a project of its own (separate programs).\n',
  );
  process.exit(2);
}

const ours: Side = {
  parse(files) {
    let clean = 0;
    for (const f of files)
      if (!parseSource(f.text, f.file).diagnostics.some((d) => d.severity === 'error')) clean++;
    return clean;
  },
  check(files, each) {
    const units: CompilationUnit[] = [];
    for (const f of files) units.push(parseSource(f.text, f.file).unit);
    const errorsIn = new Set<string>();
    for (const project of each ? units.map((u) => [u]) : [units])
      for (const d of checkProject(project).diagnostics) if (d.severity === 'error') errorsIn.add(d.file);
    return files.length - errorsIn.size;
  },
};

function theirs(s: Strucpp): Side {
  const count = (files: { text: string }[], f: (t: string) => { errors: unknown[] }) => {
    let clean = 0;
    for (const x of files) {
      try {
        if (f(x.text).errors.length === 0) clean++;
      } catch {
        // a throw is an unread file, like an error
      }
    }
    return clean;
  };
  // `analyze` reads one file at a time: each file is a project of its own either way
  return { parse: (files) => count(files, s.parse), check: (files) => count(files, s.analyze) };
}

function cpuMs(f: () => number): [number, number] {
  const c0 = process.cpuUsage();
  const r = f();
  const c = process.cpuUsage(c0);
  return [r, (c.user + c.system) / 1000];
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      strucpp: { type: 'string' },
      corpus: { type: 'string', multiple: true },
      'corpus-each': { type: 'string', multiple: true },
      rounds: { type: 'string', default: '5' },
    },
  });
  if (!values.strucpp) usage('no STruC++ copy given');
  const index = join(values.strucpp, 'src', 'index.ts');
  try {
    statSync(index);
  } catch {
    usage(`${values.strucpp} has no src/index.ts`);
  }
  const corpus = (c: string, each: boolean) => {
    const eq = c.indexOf('=');
    if (eq <= 0) usage(`--corpus${each ? '-each' : ''} wants LABEL=PATH, not ${c}`);
    return { label: c.slice(0, eq), path: c.slice(eq + 1), each };
  };
  const corpora = [
    ...(values.corpus ?? []).map((c) => corpus(c, false)),
    ...(values['corpus-each'] ?? []).map((c) => corpus(c, true)),
  ];
  if (corpora.length === 0) usage('no --corpus or --corpus-each given');
  const rounds = Number(values.rounds);
  if (!Number.isInteger(rounds) || rounds < 1)
    usage(`--rounds must be a positive integer, not ${values.rounds}`);
  const ref = theirs((await import(pathToFileURL(index).href)) as Strucpp);

  console.log(
    `bench-frontend: Node ${process.version}, ${new Date().toISOString()}, load average ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}; best of ${rounds} rounds after a warm-up, lines per CPU second`,
  );
  for (const c of corpora) {
    const paths = (await collectSourceFiles([c.path])).filter((p) => p.toLowerCase().endsWith('.st'));
    const files = paths.map((file) => ({ file, text: readFileSync(file, 'utf8') }));
    const lines = files.reduce((n, f) => n + countLines(f.text), 0);
    console.log(
      `${c.label}: ${files.length} files, ${lines} lines; ours checks ${c.each ? 'each file as a project of its own' : 'all files as one project'}`,
    );
    for (const what of ['parse', 'check'] as const) {
      const best = { ours: Number.POSITIVE_INFINITY, theirs: Number.POSITIVE_INFINITY };
      const clean = { ours: 0, theirs: 0 };
      for (let r = 0; r <= rounds; r++) {
        const [co, to] = cpuMs(() => ours[what](files, c.each));
        const [ct, tt] = cpuMs(() => ref[what](files, c.each));
        if (r === 0) continue; // warm-up
        best.ours = Math.min(best.ours, to);
        best.theirs = Math.min(best.theirs, tt);
        clean.ours = co;
        clean.theirs = ct;
      }
      const rate = (ms: number) => `${Math.round((lines / ms) * 1000).toLocaleString('en')} lines/s`;
      console.log(
        `  ${what === 'parse' ? 'parse        ' : 'parse + check'}: ours ${rate(best.ours)} (${best.ours.toFixed(0)} ms, ${clean.ours}/${files.length} files clean); STruC++ ${rate(best.theirs)} (${best.theirs.toFixed(0)} ms, ${clean.theirs}/${files.length} clean); ratio ${(best.theirs / best.ours).toFixed(2)}×`,
      );
    }
  }
}

await main();
