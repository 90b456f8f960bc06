import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type CompilationUnit, loadProject, parseSource, readSource } from './index';

const FIXTURES = join(import.meta.dirname, '../../fixtures/iec');

/** Every `Comment` node in a tree, wherever it hangs. */
function commentsIn(tree: unknown): number {
  let n = 0;
  const walk = (v: unknown): void => {
    if (Array.isArray(v)) for (const x of v) walk(x);
    else if (v && typeof v === 'object') {
      if ((v as { kind?: string }).kind === 'Comment') n++;
      for (const x of Object.values(v)) walk(x);
    }
  };
  walk(tree);
  return n;
}

/** A tree as JSON with its comments taken out: what a parse without comments must give. */
function withoutComments(tree: unknown): unknown {
  return JSON.parse(
    JSON.stringify(tree, (key, value) => {
      if (key === 'leadingComments' || key === 'trailingComments') return undefined;
      if (key === 'comments' && Array.isArray(value)) return [];
      return typeof value === 'bigint' ? `${value}n` : value;
    }),
  );
}

/** Pragmas of a tree, by text. */
function pragmasIn(tree: unknown): string[] {
  const out: string[] = [];
  const walk = (v: unknown): void => {
    if (Array.isArray(v)) for (const x of v) walk(x);
    else if (v && typeof v === 'object') {
      if ((v as { kind?: string }).kind === 'Pragma') out.push((v as { text: string }).text);
      for (const x of Object.values(v)) walk(x);
    }
  };
  walk(tree);
  return out;
}

const GVL = `<?xml version="1.0" encoding="utf-8"?>
<TcPlcObject Version="1.1.0.1" ProductVersion="3.1.4024.12">
  <GVL Name="GVL_Limits" Id="{6a0e3c52-91d4-4b7e-8f03-2c5d7a9e1b46}">
    <Declaration><![CDATA[// limits of the press (* set at commissioning *)
{attribute 'qualified_only'}
VAR_GLOBAL CONSTANT
	fMaxForce : LREAL := 80.0; // kN
END_VAR
]]></Declaration>
  </GVL>
</TcPlcObject>
`;

function pressPou(body: string): string {
  return `<?xml version="1.0" encoding="utf-8"?>
<TcPlcObject Version="1.1.0.1" ProductVersion="3.1.4024.12">
  <POU Name="MAIN" Id="{0c7b2e94-5a1d-4f36-b8e2-71d9a3c4f058}" SpecialFunc="None">
    <Declaration><![CDATA[PROGRAM MAIN
VAR
	fForce : LREAL; (* measured *)
	bStop : BOOL;
END_VAR
]]></Declaration>
    <Implementation>
      <ST><![CDATA[// stop above the limit
IF fForce > ${body} THEN
	bStop := TRUE; // latched
ELSE
	(* nothing to do *)
END_IF
]]></ST>
    </Implementation>
  </POU>
</TcPlcObject>
`;
}

function pressProject(body: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'iec-no-comments-'));
  writeFileSync(join(dir, 'GVL_Limits.TcGVL'), GVL);
  writeFileSync(join(dir, 'MAIN.TcPOU'), pressPou(body));
  return dir;
}

describe('parsing without comments (ParseOptions.comments, decision 0173)', () => {
  it('makes no Comment node in plain ST, keeps every pragma, and leaves the rest of the tree as it was', () => {
    const text = `// a counter
{attribute 'qualified_only'}
VAR_GLOBAL
  nCount : INT; (* how many *)
END_VAR
FUNCTION_BLOCK FB_Count // trailing
VAR_INPUT
  {attribute 'hide'}
  bUp : BOOL;
END_VAR
IF bUp THEN
  (* only a comment: the block keeps an empty statement *)
END_IF
nCount := nCount + 1; /* C style */
END_FUNCTION_BLOCK
// after everything
`;
    const full = parseSource(text, 'count.st');
    const bare = parseSource(text, 'count.st', { comments: false });
    expect(commentsIn(full.unit)).toBeGreaterThan(6);
    expect(full.unit.comments).toHaveLength(6);
    expect(commentsIn(bare.unit)).toBe(0);
    expect(bare.unit.comments).toEqual([]);
    expect(pragmasIn(bare.unit)).toEqual(["attribute 'qualified_only'", "attribute 'hide'"]);
    expect(bare.diagnostics).toEqual(full.diagnostics);
    expect(withoutComments(bare.unit)).toEqual(withoutComments(full.unit));
  });

  it('gives the fixtures the same trees without comments through loadProject (ST, TwinCAT, PLCopen)', async () => {
    const full = await loadProject([FIXTURES], { syntaxOnly: true });
    const bare = await loadProject([FIXTURES], { syntaxOnly: true, comments: false });
    const formats = new Set(full.project.units.map((u) => u.format));
    expect([...formats].sort()).toEqual(['plcopen', 'st', 'twincat']);
    expect(commentsIn(full.project.units)).toBeGreaterThan(20);
    expect(commentsIn(bare.project.units)).toBe(0);
    expect(bare.diagnostics).toEqual(full.diagnostics);
    expect(bare.project.lines).toBe(full.project.lines);
    expect(bare.project.units.map(withoutComments)).toEqual(full.project.units.map(withoutComments));
  });

  it("keeps {attribute 'qualified_only'} in force in a checked project", async () => {
    const good = await loadProject([pressProject('GVL_Limits.fMaxForce')], { comments: false });
    expect(good.diagnostics).toEqual([]);
    expect(commentsIn(good.project.units)).toBe(0);
    const dir = pressProject('fMaxForce');
    const bad = await loadProject([dir], { comments: false });
    expect(bad.diagnostics.map((d) => [d.code, d.line])).toEqual([['ST2033', 12]]);
    // the same as with comments
    expect((await loadProject([dir])).diagnostics).toEqual(bad.diagnostics);
  });

  it('still makes comments by default, in the tree and in the unit', () => {
    const r = readSource(pressPou('1.0'), 'MAIN.TcPOU');
    const unit: CompilationUnit = r.unit;
    expect(unit.comments.map((c) => c.text)).toEqual([
      '(* measured *)',
      '// stop above the limit',
      '// latched',
      '(* nothing to do *)',
    ]);
    expect(commentsIn(unit.declarations)).toBeGreaterThanOrEqual(4);
    const bare = readSource(pressPou('1.0'), 'MAIN.TcPOU', undefined, { comments: false });
    expect(commentsIn(bare.unit)).toBe(0);
    expect(withoutComments(bare.unit)).toEqual(withoutComments(unit));
  });
});
