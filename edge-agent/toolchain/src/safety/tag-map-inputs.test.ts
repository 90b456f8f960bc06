import { describe, expect, it } from 'vitest';
import { stProject, testPolicy } from './test-helpers';
import { verifySafety } from './verify-safety';

// Public-code sweep 11: an OpenPLC spa program (aternes83/openplc-hot-tub) keeps its operator
// inputs in plain VARs that OpenPLC's I/O drives; with those given by the site's tag map, the
// permissive proofs still ran "(no free input)" and said "proved". On a program of ours where
// the guard is loosened from AND to OR, the proof must find the counterexample.
const cell = (expr: string) => `PROGRAM Cell
VAR
  req : BOOL;
  guard : BOOL;
  out : BOOL;
END_VAR
out := ${expr};
END_PROGRAM
`;

describe('variables the tag map drives are free inputs of the proofs', () => {
  const policy = testPolicy({ permissives: ['Cell.out'] });

  it('refutes a loosened permissive whose inputs only the tag map drives', async () => {
    const r = await verifySafety({
      before: stProject({ 'cell.st': cell('req AND guard') }),
      after: stProject({ 'cell.st': cell('req AND (guard OR req)') }),
      policy,
      ioBindings: ['Cell.req', 'Cell.guard'],
    });
    const proof = r.proofs.find((p) => p.kind === 'permissive');
    expect(proof?.result, JSON.stringify(proof)).toBe('refuted');
    expect(proof?.basis).not.toMatch(/no free input/);
  });

  it('still proves an unchanged permissive over those inputs', async () => {
    const r = await verifySafety({
      before: stProject({ 'cell.st': cell('req AND guard') }),
      after: stProject({ 'cell.st': cell('guard AND req') }),
      policy,
      ioBindings: ['Cell.req', 'Cell.guard'],
    });
    const proof = r.proofs.find((p) => p.kind === 'permissive');
    expect(proof?.result).toBe('proven');
    expect(proof?.basis).toMatch(/boolean inputs/);
  });
});
