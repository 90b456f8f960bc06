/**
 * A proof whose slice runs a library POU known by its interface only (`--libraries`, no body):
 * the simulator's refusal names the block and `--models`, rather than the program "not
 * compiling" (it compiles: with the interface the check had).
 */
import { describe, expect, it } from 'vitest';
import { projectFromSources } from './safety-project';
import { testPolicy } from './test-helpers';
import { verifySafety } from './verify-safety';

const LIBRARY =
  'FUNCTION_BLOCK LibGate\nVAR_INPUT\n  x : BOOL;\nEND_VAR\nVAR_OUTPUT\n  q : BOOL;\nEND_VAR\nEND_FUNCTION_BLOCK\n';
const MODEL =
  'FUNCTION_BLOCK LibGate\nVAR_INPUT\n  x : BOOL;\nEND_VAR\nVAR_OUTPUT\n  q : BOOL;\nEND_VAR\nq := x;\nEND_FUNCTION_BLOCK\n';
const main = (run: string) =>
  `PROGRAM Main\nVAR_INPUT\n  bStart : BOOL;\n  bGuard : BOOL;\nEND_VAR\nVAR_OUTPUT\n  bRun : BOOL;\nEND_VAR\nVAR\n  gate : LibGate;\nEND_VAR\ngate(x := bStart);\nbRun := ${run};\nEND_PROGRAM\n`;

describe('a proof through a library block without a body', () => {
  const policy = testPolicy({ permissives: ['bRun'] });
  const libraries = new Map([['lib/LibGate.st', LIBRARY]]);

  it('is undecided with the simulator\'s "no body; supply a behaviour model (--models)" reason', async () => {
    const before = projectFromSources({ 'main.st': main('gate.q AND bGuard') }, '', { libraries });
    const after = projectFromSources({ 'main.st': main('gate.q OR bGuard') }, '', { libraries });
    expect(before.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    const r = await verifySafety({ before, after, policy, mode: 'full', runs: 4 });
    expect(r.verdict).toBe('fail');
    expect(r.proofs).toMatchObject([{ subject: 'bRun', result: 'inconclusive', claim: 'undecided' }]);
    const unproven = r.findings.find((f) => f.rule === 'permissive/unproven');
    expect(unproven?.message).toContain(
      "library function block 'LibGate' (declared in lib/LibGate.st) has no body to simulate; supply a behaviour model in ST for it (--models)",
    );
    expect(unproven?.message).not.toContain('does not compile');
  });

  it('runs with the behaviour model and refutes the loosening', async () => {
    const behaviourModels = new Map([['models/LibGate.st', MODEL]]);
    const options = { libraries, behaviourModels };
    const before = projectFromSources({ 'main.st': main('gate.q AND bGuard') }, '', options);
    const after = projectFromSources({ 'main.st': main('gate.q OR bGuard') }, '', options);
    const r = await verifySafety({ before, after, policy, mode: 'full', runs: 4 });
    expect(r.proofs).toMatchObject([{ subject: 'bRun', result: 'refuted', claim: 'refuted' }]);
  });

  it('keeps the library interfaces when a rename is undone: an unchanged program passes', async () => {
    const before = projectFromSources({ 'main.st': main('gate.q AND bGuard') }, '', { libraries });
    const renamed = main('gate.q AND bGuard').replace(/bGuard/g, 'bGuardOk');
    const after = projectFromSources({ 'main.st': renamed }, '', { libraries });
    const r = await verifySafety({
      before,
      after,
      policy,
      mode: 'full',
      runs: 4,
      renames: [{ from: 'Main.bGuard', to: 'Main.bGuardOk' }],
    });
    expect(r.findings.filter((f) => f.severity === 'error')).toEqual([]);
    expect(r.verdict).toBe('pass');
  });
});
