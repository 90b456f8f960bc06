import { describe, expect, it } from 'vitest';
import { ProjectIndex } from './project-index';
import { stProject } from './test-helpers';

const SRC = `PROGRAM Main
VAR_INPUT
    Guard : BOOL;
    Estop : BOOL;
END_VAR
VAR_OUTPUT
    Permit : BOOL;
END_VAR
METHOD Check : BOOL
VAR
    Guard : BOOL;
END_VAR
Check := Guard;
END_METHOD
Permit := Guard AND Estop;
END_PROGRAM
`;

describe('project index', () => {
  it("reads names as the checker's bound model resolved them", () => {
    const p = stProject({ 'main.st': SRC });
    expect(p.checked).toBeDefined();
    const ix = new ProjectIndex(p.units, p.checked);
    const reads = (label: string) =>
      ix.atoms
        .filter((a) => a.body.label === label)
        .flatMap((a) => [...a.reads].filter((k) => !k.startsWith('ctl::')).sort());
    // The method's local Guard shadows the program's; the body reads the program's.
    expect(reads('Main.Check')).toEqual(['main.check::guard']);
    expect(reads('Main')).toEqual(['main::estop', 'main::guard']);
  });

  it('follows the model where it binds a name differently from the scopes the index knows', () => {
    const p = stProject({ 'main.st': SRC });
    const permit = p.units[0]!.declarations[0]!;
    if (permit.kind !== 'Program') throw new Error('expected the program');
    const assign = permit.body[0]!;
    if (assign.kind !== 'Assignment' || assign.value.kind !== 'Binary')
      throw new Error('expected Permit := a AND b');
    const guardRef = assign.value.left;
    const estopRef = assign.value.right;
    // A model that binds the `Guard` read to Estop's declaration: the index takes the model's word.
    const references = new Map(p.checked!.references);
    references.set(guardRef, p.checked!.references.get(estopRef)!);
    const ix = new ProjectIndex(p.units, { ...p.checked!, references });
    const reads = ix.atoms.find((a) => a.body.label === 'Main')!.reads.filter((k) => !k.startsWith('ctl::'));
    expect(reads).toEqual(['main::estop']);
  });
});
