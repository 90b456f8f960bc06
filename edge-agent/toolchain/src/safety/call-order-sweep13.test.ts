import { describe, expect, it } from 'vitest';
import { backwardSlice } from './data-flow-slice';
import { projectFromSources } from './safety-project';
import { safetyRelatedTaskOrder, stIndex, stProject, testPolicy } from './test-helpers';
import { verifySafety } from './verify-safety';

// Public-code sweep 13: a TwinCAT lift (szilagyiabel/TwinCAT-Lift) drives its motor outputs from
// one function block and forces them off from another, both through globals, and MAIN calls
// them in turn. Swapping the two calls passed the verifier with no finding: the slice held the
// writes inside the function blocks but not the calls that run them, so a change of their order
// was no change. In this cell of ours, the stop must run last or the guard no longer stops it.
const cell = (calls: string) => `VAR_GLOBAL
  guard AT %IX0.0 : BOOL;
  req AT %IX0.1 : BOOL;
  run AT %QX0.0 : BOOL;
  lamp AT %QX0.1 : BOOL;
END_VAR
FUNCTION_BLOCK Drive
IF req THEN
  run := TRUE;
ELSE
  run := FALSE;
END_IF;
END_FUNCTION_BLOCK
FUNCTION_BLOCK GuardStop
IF NOT guard THEN
  run := FALSE;
END_IF;
END_FUNCTION_BLOCK
FUNCTION_BLOCK Lamp
lamp := req;
END_FUNCTION_BLOCK
PROGRAM Main
VAR
  drive : Drive;
  stop : GuardStop;
  light : Lamp;
  count : INT;
END_VAR
${calls}
END_PROGRAM
`;
const ORIGINAL = 'drive();\nstop();\nlight();\ncount := count + 1;';

describe('the order of calls of function blocks that write a signal', () => {
  it('puts the calls that run a statement of the slice into the slice', () => {
    const ix = stIndex({ 'cell.st': cell(ORIGINAL) });
    const slice = backwardSlice(ix, ['global::run']);
    const calls = [...slice.statements].filter((s) => s.kind === 'CallStatement');
    // drive() and stop() run the writes of run; light() does not
    expect(calls).toHaveLength(2);
  });

  it('fails a swap of the drive and its stop: a slice change, and the proof refutes it', async () => {
    const r = await verifySafety({
      before: stProject({ 'cell.st': cell(ORIGINAL) }),
      after: stProject({ 'cell.st': cell('stop();\ndrive();\nlight();\ncount := count + 1;') }),
      policy: testPolicy({ safetySignals: ['run'], permissives: ['run'] }),
    });
    expect(r.verdict).toBe('fail');
    expect(r.findings.map((f) => f.rule)).toContain('safety-logic/slice-changed');
    const proof = r.proofs.find((p) => p.kind === 'permissive');
    expect(proof?.result, JSON.stringify(proof)).toBe('refuted');
  });

  it('fails the swap on the slice alone when the signal is not a permissive', async () => {
    const r = await verifySafety({
      before: stProject({ 'cell.st': cell(ORIGINAL) }),
      after: stProject({ 'cell.st': cell('stop();\ndrive();\nlight();\ncount := count + 1;') }),
      policy: testPolicy({ safetySignals: ['run'] }),
    });
    expect(r.verdict).toBe('fail');
    expect(r.findings.filter((f) => f.rule === 'safety-logic/slice-changed').length).toBeGreaterThan(0);
  });

  it('passes a reorder of calls that do not reach the signal', async () => {
    const r = await verifySafety({
      before: stProject({ 'cell.st': cell(ORIGINAL) }),
      after: stProject({ 'cell.st': cell('drive();\nstop();\ncount := count + 1;\nlight();') }),
      policy: testPolicy({ safetySignals: ['run'], permissives: ['run'] }),
    });
    expect(r.findings.map((f) => f.rule)).not.toContain('safety-logic/slice-changed');
    expect(r.verdict).toBe('pass');
  });
});

// The same cell as two PROGRAMs of one task: the configuration decides which runs last. In a
// safety-related migration the permissive proof decides; it simulated each program alone and
// "proved" both, so moving the stop before the drive passed.
const task = (drive: string, order: 'drive-first' | 'stop-first') => {
  const d = '    PROGRAM d WITH T : Drive;';
  const s = '    PROGRAM s WITH T : GuardStop;';
  return `VAR_GLOBAL
  guard AT %IX0.0 : BOOL;
  req AT %IX0.1 : BOOL;
  run AT %QX0.0 : BOOL;
END_VAR
PROGRAM Drive
run := ${drive};
END_PROGRAM
PROGRAM GuardStop
IF NOT guard THEN
  run := FALSE;
END_IF;
END_PROGRAM
CONFIGURATION Cell
  RESOURCE R ON PLC
    TASK T (INTERVAL := T#10ms, PRIORITY := 1);
${order === 'drive-first' ? `${d}\n${s}` : `${s}\n${d}`}
  END_RESOURCE
END_CONFIGURATION
`;
};
const safetyRelated = safetyRelatedTaskOrder;

describe('programs of one configuration that compute a signal', () => {
  const policy = testPolicy({ safetySignals: ['run'], permissives: ['run'] });

  it('proves the configuration, not each program: a stop moved before the drive is refuted', async () => {
    const r = await verifySafety({
      before: stProject({ 'cell.st': task('req', 'drive-first') }),
      after: stProject({ 'cell.st': task('req', 'stop-first') }),
      policy,
      migration: safetyRelated,
    });
    const proofs = r.proofs.filter((p) => p.kind === 'permissive');
    expect(proofs.map((p) => [p.subject, p.result])).toEqual([['run in Cell', 'refuted']]);
    expect(r.verdict).toBe('fail');
  });

  it('still proves a tightening of the drive over the configuration', async () => {
    const r = await verifySafety({
      before: stProject({ 'cell.st': task('req', 'drive-first') }),
      after: stProject({ 'cell.st': task('req AND guard', 'drive-first') }),
      policy,
      migration: safetyRelated,
    });
    const proofs = r.proofs.filter((p) => p.kind === 'permissive');
    expect(proofs.map((p) => [p.subject, p.result])).toEqual([['run in Cell', 'proven']]);
    expect(r.verdict).toBe('pass');
  });
});

// Decision 0178 (sweep 13, request h2-1): a version that selects code with {IF defined(...)}
// holds every branch when no define set is given; running them all is no build's meaning, so
// the proofs refuse it by name while the static rules still read every branch.
const variant = (drive: string) => `PROGRAM Cell
VAR_INPUT
  guard : BOOL;
  req : BOOL;
END_VAR
VAR_OUTPUT
  run : BOOL;
END_VAR
{IF defined (BENCH)}
run := req;
{ELSE}
run := ${drive};
{END_IF}
END_PROGRAM
`;

describe('a proof of a version with conditional compilation and no define set', () => {
  const policy = testPolicy({ permissives: ['Cell.run'] });

  it('is undecided, naming the pragma and --define; with a define set it runs', async () => {
    const files = (d: string) => ({ 'cell.st': variant(d) });
    const bare = await verifySafety({
      before: stProject(files('req AND guard')),
      after: stProject(files('req AND (guard OR req)')),
      policy,
    });
    const proof = bare.proofs.find((p) => p.kind === 'permissive');
    expect(proof?.claim).toBe('undecided');
    expect(proof?.basis).toMatch(/\{IF defined \(BENCH\)\} \(cell\.st:9\).*--define/);
    expect(bare.findings.map((f) => f.rule)).toContain('permissive/unproven');
    const configured = await verifySafety({
      before: projectFromSources(files('req AND guard'), '', { defines: [] }),
      after: projectFromSources(files('req AND (guard OR req)'), '', { defines: [] }),
      policy,
    });
    expect(configured.proofs.find((p) => p.kind === 'permissive')?.result).toBe('refuted');
  });
});

// Without a CONFIGURATION the two programs' order is unknown: each was proved alone, and a stop
// made ineffective ("NOT guard AND NOT req") passed a safety-related migration. A MAIN that
// calls its sub-programs is one program to prove.
const loose = (stop: string, main: boolean) => `VAR_GLOBAL
  guard AT %IX0.0 : BOOL;
  req AT %IX0.1 : BOOL;
  run AT %QX0.0 : BOOL;
END_VAR
PROGRAM Drive
run := req;
END_PROGRAM
PROGRAM GuardStop
IF ${stop} THEN
  run := FALSE;
END_IF;
END_PROGRAM
${main ? 'PROGRAM Main\nDrive();\nGuardStop();\nEND_PROGRAM\n' : ''}`;

describe('programs that compute a signal with no configuration', () => {
  const policy = testPolicy({ safetySignals: ['run'], permissives: ['run'] });

  it('leaves the proof undecided instead of proving each program alone', async () => {
    const r = await verifySafety({
      before: stProject({ 'cell.st': loose('NOT guard', false) }),
      after: stProject({ 'cell.st': loose('NOT guard AND NOT req', false) }),
      policy,
      migration: safetyRelated,
    });
    const proofs = r.proofs.filter((p) => p.kind === 'permissive');
    expect(proofs.map((p) => p.claim)).toEqual(['undecided']);
    expect(proofs[0]?.basis).toMatch(/programs Drive, GuardStop.*CONFIGURATION/);
    expect(r.verdict).toBe('fail');
  });

  it('takes the program that calls the others as the one to prove', async () => {
    const r = await verifySafety({
      before: stProject({ 'cell.st': loose('NOT guard', true) }),
      after: stProject({ 'cell.st': loose('NOT guard AND NOT req', true) }),
      policy,
      migration: safetyRelated,
    });
    const proofs = r.proofs.filter((p) => p.kind === 'permissive');
    // one proof, of Main (which runs Drive and GuardStop), not "several programs"
    expect(proofs.map((p) => p.subject)).toEqual(['run']);
    expect(proofs[0]?.basis).not.toMatch(/computed by programs/);
    expect(r.verdict).toBe('fail');
  });
});

// OpenPLC's generated ST writes the bit-wise functions in their call form (`AND(a, NOT(b))`);
// an AND call made an OR call was only a slice change, never the bypass it is.
describe('the call forms of AND and OR in the bypass rule', () => {
  const main = (logic: string) => `PROGRAM Main
VAR_INPUT
  guard : BOOL;
  req : BOOL;
  reset : BOOL;
END_VAR
VAR_OUTPUT
  run : BOOL;
END_VAR
run := ${logic};
END_PROGRAM
`;
  const rules = async (before: string, after: string) =>
    (
      await verifySafety({
        before: stProject({ 'main.st': main(before) }),
        after: stProject({ 'main.st': main(after) }),
        policy: testPolicy({ safetySignals: ['Main.run'] }),
        mode: 'quick',
      })
    ).findings.map((f) => f.rule);

  it('sees a new OR term in OR(...) as in the operator form', async () => {
    expect(await rules('AND(req, guard)', 'OR(req, guard)')).toContain('forcing/bypass-or');
    expect(await rules('AND(req, guard)', 'OR(AND(req, guard), reset)')).toContain('forcing/bypass-or');
  });

  it('does not see one when the call form only replaces the operator form', async () => {
    expect(await rules('req OR reset', 'OR(req, reset)')).not.toContain('forcing/bypass-or');
  });
});
